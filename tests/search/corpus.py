"""Sixty anonymised needs for the search contract tests, and the judged queries over them.

Written the way staff write published needs: an age band and a household relation, never a
name, an ID number, a phone number or an address finer than the street. The regions are the
fixture's: 天津滨海新区, 重庆江北区 and 泰安泰山区. Each need has a short key that the judged
queries name; its public id is ``c-<key>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from matching.vocabulary import (
    NEED_CATEGORY_LABELS,
    NEED_KIND_LABELS,
    URGENCY_LABELS,
    NeedCategory,
    NeedKind,
    Urgency,
)
from search.documents import NeedDocument

DISTRICTS = {"120116": "滨海新区", "500105": "江北区", "370902": "泰山区"}
STREETS = {
    "120116001": "塘沽街道",
    "120116005": "杭州道街道",
    "120116006": "新河街道",
    "120116007": "大沽街道",
    "120116008": "新北街道",
    "120116009": "北塘街道",
    "120116011": "胡家园街道",
    "120116031": "汉沽街道",
    "120116051": "大港街道",
    "120116054": "海滨街道",
    "120116100": "新城镇",
    "500105001": "华新街街道",
    "500105003": "石马河街道",
    "500105004": "大石坝街道",
    "500105005": "寸滩街道",
    "500105006": "观音桥街道",
    "500105007": "五里店街道",
    "500105008": "郭家沱街道",
    "500105100": "鱼嘴镇",
    "370902001": "岱庙街道",
    "370902002": "财源街道",
    "370902003": "泰前街道",
    "370902004": "上高街道",
    "370902005": "徐家楼街道",
    "370902100": "省庄镇",
    "370902101": "邱家店镇",
}
STATUS_LABELS = {
    "published": "募集中",
    "fully_pledged": "已足额认捐",
    "fulfilled": "已完成",
    "closed": "已关闭",
}


@dataclass(frozen=True)
class CorpusNeed:
    key: str
    #: Street prefix (9 digits) or district prefix (6 digits, k-anonymity generalised it).
    place: str
    category: str
    kind: str
    urgency: str
    title: str
    story: str
    #: Yuan for money and goods, hours for services.
    amount: int
    deadline: date
    status: str = "published"
    #: Items of the goods lines, and the service type, as staff entered them.
    goods: tuple[str, ...] = ()
    service: str = ""

    @property
    def id(self) -> str:
        return f"c-{self.key}"


MED, EDU, HOUSE, LIVING, JOB, CARE, PSY, OTHER = (
    "medical",
    "education",
    "housing",
    "living",
    "employment",
    "care",
    "psychological",
    "other",
)
U, N = "urgent", "normal"
D = date


# fmt: off
NEEDS: list[CorpusNeed] = [
    # ---- 天津 滨海新区 ----------------------------------------------------------------------
    CorpusNeed("uremia", "120116001", MED, "money", U, "尿毒症患者血液透析费用缺口",
               "户主五十多岁，患尿毒症三年，每周需做三次血液透析。医保报销后自付部分仍较大，"
               "家中仅靠低保维持，本月透析费用尚缺一部分。",
               8000, D(2026, 3, 10)),
    CorpusNeed("college-tg", "120116001", EDU, "money", N, "大学新生学费资助",
               "家中女儿今年考入省内一所大学，第一学年学费和住宿费合计约六千元。"
               "母亲长期患病，父亲打零工收入不稳定，已申请生源地助学贷款，仍有缺口。",
               3000, D(2026, 8, 31)),
    CorpusNeed("wheelchair-old", "120116005", CARE, "goods", N, "高龄老人需要一台轮椅",
               "八十多岁的独居老人，去年摔伤后行动不便，外出就医需要家人背下楼。"
               "希望捐赠一台可折叠的手动轮椅。",
               600, D(2026, 4, 30)),
    CorpusNeed("roof-leak", "120116006", HOUSE, "money", U, "老旧平房房屋漏水急需维修",
               "一家三口居住的老旧平房屋顶防水层老化，雨季房屋漏水严重，墙面发霉。"
               "需要更换防水卷材并修补屋面。",
               4500, D(2026, 6, 15)),
    CorpusNeed("hearing", "120116007", MED, "goods", N, "听力障碍儿童需要助听器",
               "七岁男孩先天性听力障碍，医生建议双耳佩戴助听器以便入学。家庭为低保户，"
               "无力承担适配费用。",
               7000, D(2026, 5, 20)),
    CorpusNeed("psych-bereaved", "120116008", PSY, "service", N, "丧亲家庭需要心理疏导",
               "家中顶梁柱因意外去世，母亲和正在读初中的孩子情绪低落，孩子出现厌学。"
               "希望专业社工提供每周一次的心理疏导，持续三个月。",
               24, D(2026, 7, 1)),
    CorpusNeed("ct-exam", "120116009", MED, "money", U, "肺部阴影需做CT检查及后续治疗",
               "六十多岁的老人咳嗽数月，社区医院发现肺部阴影，需要到市里医院做增强CT检查，"
               "并可能需要进一步治疗，检查费用暂时无法筹措。",
               2000, D(2026, 2, 28)),
    CorpusNeed("winter-clothes", "120116011", LIVING, "goods", N, "冬衣棉被等过冬物资",
               "独居老人住房保暖条件差，入冬后缺少厚棉被和冬衣，"
               "希望捐赠两床棉被、一件羽绒服和保暖内衣。",
               800, D(2026, 12, 1)),
    CorpusNeed("food-parcel", "120116031", LIVING, "goods", U, "因病致贫家庭急需米面油",
               "户主住院治疗期间家中断了收入，两个孩子还在上学，"
               "急需米面油等基本生活物资维持一个月生活。",
               500, D(2026, 1, 31)),
    CorpusNeed("vocational", "120116051", EDU, "money", N, "职业技术学院学生学费缺口",
               "孩子就读于职业技术学院护理专业，第二学年学费三千余元尚未凑齐。父亲残疾，"
               "母亲务农。",
               3200, D(2026, 9, 10)),
    CorpusNeed("escort", "120116054", CARE, "service", N, "失能老人需要志愿者陪诊",
               "七十多岁老人患有脑梗后遗症，子女在外地务工，每月需到医院复诊两次，"
               "希望志愿者陪诊并协助取药。",
               16, D(2026, 6, 30)),
    CorpusNeed("job-training", "120116100", JOB, "service", N, "失业人员就业技能培训",
               "四十多岁的单亲母亲失业半年，希望参加电工或家政方面的技能培训，"
               "并获得就业指导和岗位推荐。",
               40, D(2026, 5, 31)),
    CorpusNeed("leukemia", "120116001", MED, "money", U, "白血病患儿化疗医疗费用",
               "九岁女孩确诊急性白血病，正在进行化疗，后续还需骨髓移植配型。医疗费用巨大，"
               "家庭已负债。",
               50000, D(2026, 3, 31)),
    CorpusNeed("wiring", "120116005", HOUSE, "money", N, "老房电路老化存在火灾隐患",
               "房屋建于八十年代，室内电路老化，多次跳闸冒火花，需要重新布线并更换电表箱。",
               2500, D(2026, 7, 15)),
    CorpusNeed("tutoring", "120116006", EDU, "service", N, "留守儿童课业辅导",
               "两名小学生由祖父母照看，功课跟不上，希望志愿者每周两次上门进行课业辅导。",
               30, D(2026, 6, 30)),
    CorpusNeed("oxygen", "120116007", MED, "goods", U, "慢阻肺老人需要家用制氧机",
               "患慢性阻塞性肺病多年，夜间呼吸困难，医生建议居家吸氧，需要一台家用制氧机。",
               3000, D(2026, 2, 15)),
    CorpusNeed("heating", "120116008", HOUSE, "money", N, "煤改电后取暖费用负担重",
               "家中完成煤改电改造后，冬季电取暖费用明显增加，低保金难以覆盖整个采暖季。",
               1500, D(2026, 11, 30)),
    CorpusNeed("fracture", "120116009", MED, "money", N, "骨折术后康复费用",
               "五十多岁的环卫工人下班途中摔倒致小腿骨折，已做内固定手术，"
               "后续康复治疗和取钢板手术费用不足。",
               6000, D(2026, 4, 15), "fully_pledged"),
    CorpusNeed("binhai-district", "120116", OTHER, "money", N, "残疾人家庭生活补助",
               "一家四口中有两名残疾人，生活长期困难，希望资助日常生活开支。",
               2400, D(2026, 10, 31)),
    CorpusNeed("school-supplies", "120116031", EDU, "goods", N, "困难家庭学生校服文具",
               "三名孩子分别读小学和初中，开学需要购买校服、书包和文具，家庭无力负担。",
               900, D(2026, 8, 25)),
    CorpusNeed("diabetes", "120116051", MED, "goods", N, "糖尿病老人需要胰岛素和血糖仪",
               "患糖尿病十余年，需要每日注射胰岛素，门诊慢特病报销后仍有缺口，"
               "希望捐赠胰岛素和血糖试纸。",
               1200, D(2026, 3, 20), "fulfilled"),
    # ---- 重庆 江北区 ----------------------------------------------------------------------
    CorpusNeed("peritoneal", "500105006", MED, "money", U, "腹膜透析患者透析液费用",
               "三十多岁的男子肾功能衰竭，在家做腹膜透析，每月透析液和耗材费用较高，"
               "妻子需要照顾他无法工作。",
               5000, D(2026, 2, 20)),
    CorpusNeed("college-jb", "500105001", EDU, "money", N, "贫困大学生学费和生活费",
               "男孩考上重庆一所大学，学费每年五千元，家中父亲重病，母亲在菜市场摆摊，"
               "学费和生活费缺口较大。",
               5000, D(2026, 8, 20)),
    CorpusNeed("wheelchair-child", "500105003", CARE, "goods", N, "脑瘫儿童需要康复轮椅",
               "五岁脑瘫患儿需要一台带支撑的儿童康复轮椅，便于外出参加康复训练。",
               2800, D(2026, 5, 10)),
    CorpusNeed("cerebral-palsy", "500105004", MED, "money", N, "脑瘫儿童康复训练费用",
               "孩子两岁时确诊脑瘫，一直在康复机构做运动和语言训练，每月康复费用数千元，"
               "残联补贴后仍有缺口。",
               12000, D(2026, 6, 30)),
    CorpusNeed("mri-review", "500105005", MED, "money", N, "脑瘤术后MRI复查费用",
               "脑瘤切除术后需每三个月做一次MRI复查，单次检查自付数百元，"
               "家庭靠临时工作维持。",
               1800, D(2026, 4, 1)),
    CorpusNeed("psych-student", "500105006", PSY, "service", U, "高三学生抑郁需要心理疏导",
               "高三女生确诊中度抑郁，已在医院就诊服药，"
               "家长希望有心理咨询师提供长期心理疏导与家庭辅导。",
               20, D(2026, 3, 1)),
    CorpusNeed("flood-house", "500105100", HOUSE, "money", U, "暴雨冲毁院墙和厨房",
               "暴雨导致自建房院墙倒塌、厨房进水损毁，需要尽快修复院墙和灶台。",
               8000, D(2026, 7, 31)),
    CorpusNeed("nursing-bed", "500105007", CARE, "goods", N, "卧床老人需要护理床和防褥疮垫",
               "八十多岁老人中风后长期卧床，需要一张多功能护理床和防褥疮气垫。",
               3500, D(2026, 5, 31)),
    CorpusNeed("ageing-adapt", "500105008", HOUSE, "money", N, "独居老人卫生间适老化改造",
               "独居老人家中卫生间地面湿滑，已摔倒两次，需要加装扶手、防滑地砖和淋浴座椅，"
               "进行适老化改造。",
               3000, D(2026, 9, 30)),
    CorpusNeed("autism", "500105006", CARE, "service", N, "孤独症儿童家庭喘息服务",
               "六岁孤独症儿童的母亲全职照护多年，身心疲惫，希望志愿者每周提供半天喘息服务。",
               48, D(2026, 8, 31)),
    CorpusNeed("cataract", "500105001", MED, "money", N, "老人白内障手术自付费用",
               "七十多岁老人双眼白内障，视力严重下降，需做白内障手术，自付部分约3000元。",
               3000, D(2026, 4, 20)),
    CorpusNeed("bathing", "500105003", CARE, "service", N, "失能老人上门助浴服务",
               "失能老人长期卧床，家属无法为其洗澡，希望提供每两周一次的上门助浴服务。",
               12, D(2026, 6, 1)),
    CorpusNeed("legal", "500105004", OTHER, "service", N, "工伤赔偿纠纷需要法律咨询",
               "外出务工人员工伤后与用人单位就赔偿产生纠纷，希望律师志愿者提供法律咨询。",
               6, D(2026, 5, 15)),
    CorpusNeed("burn", "500105005", MED, "money", U, "烧伤儿童植皮手术费用",
               "四岁男孩被开水烫伤，面积较大，需要分期做植皮手术，目前已花费30000元，"
               "后续费用更高。",
               80000, D(2026, 2, 10)),
    CorpusNeed("rent", "500105007", HOUSE, "money", N, "失业家庭房租补贴",
               "夫妻二人先后失业，租住的房屋已拖欠两个月房租，面临被迫搬离。",
               3600, D(2026, 3, 15)),
    CorpusNeed("jiangbei-district", "500105", LIVING, "money", N, "多子女困难家庭基本生活补助",
               "家中有四个未成年子女，父母均无稳定工作，日常开支入不敷出。",
               3000, D(2026, 10, 15)),
    CorpusNeed("stroke-rehab", "500105008", MED, "service", N, "脑梗患者康复训练陪护",
               "六十多岁的患者脑梗后左侧肢体无力，需要志愿者陪同进行康复训练。",
               36, D(2026, 7, 20), "fully_pledged"),
    CorpusNeed("laptop", "500105100", EDU, "goods", N, "大学生需要学习用电脑",
               "计算机专业大一学生没有电脑，课程作业需要编程，希望捐赠一台笔记本电脑。",
               4000, D(2026, 9, 15)),
    CorpusNeed("stall", "500105001", JOB, "money", N, "残疾人自主创业摆摊启动资金",
               "下肢残疾的青年想在社区摆早餐摊，需要购置推车和炉灶的启动资金。",
               3000, D(2026, 6, 10), "closed"),
    # ---- 泰安 泰山区 ----------------------------------------------------------------------
    CorpusNeed("kidney-transport", "370902001", MED, "money", N, "肾透析往返交通和营养费",
               "患者每周三次到市区医院做肾透析，往返路费和营养补充费用成为负担。",
               2400, D(2026, 5, 1)),
    CorpusNeed("breast-cancer", "370902002", MED, "money", U, "乳腺癌化疗期间医疗费用",
               "四十多岁的女性乳腺癌术后正在化疗，靶向药物部分自费，家中孩子还在读高中。",
               30000, D(2026, 2, 25)),
    CorpusNeed("high-school", "370902003", EDU, "money", N, "高中生住宿费和生活费",
               "父母离异后随祖母生活的高中生，住宿费和伙食费难以负担。",
               2000, D(2026, 8, 30)),
    CorpusNeed("door-window", "370902004", HOUSE, "money", N, "老旧房屋门窗更换",
               "房屋门窗年久失修，木窗变形漏风，冬天室内温度很低，需要更换铝合金门窗。",
               5000, D(2026, 10, 1)),
    CorpusNeed("wheelchair-electric", "370902005", CARE, "goods", U, "截瘫患者需要电动代步工具",
               "因车祸致截瘫的中年人需要一台电动代步车，方便到社区做康复。",
               5500, D(2026, 3, 5)),
    CorpusNeed("glasses", "370902100", MED, "goods", N, "高度近视学生需要配镜",
               "初中学生高度近视看不清黑板，家庭困难，希望资助验光配镜。",
               500, D(2026, 4, 10)),
    CorpusNeed("hepatitis", "370902101", MED, "money", N, "乙肝肝硬化长期服药费用",
               "患者乙肝导致肝硬化，需长期服用抗病毒药物并定期复查肝功能。",
               4000, D(2026, 6, 20)),
    CorpusNeed("elderly-meal", "370902001", CARE, "service", N, "独居老人助餐送餐服务",
               "九十岁独居老人做饭困难，希望志愿者每天中午送餐上门。",
               60, D(2026, 12, 31)),
    CorpusNeed("mountain-road", "370902", HOUSE, "money", N, "山区困难户危房加固",
               "居住在山区的困难户房屋墙体开裂，经鉴定为危房，需要加固墙体和屋梁。",
               9000, D(2026, 9, 1)),
    CorpusNeed("grief-elder", "370902002", PSY, "service", N, "失独老人心理陪伴",
               "失独老人情绪低落、不愿出门，希望社工定期上门陪伴聊天，帮助走出阴影。",
               24, D(2026, 11, 1)),
    CorpusNeed("job-disabled", "370902003", JOB, "service", N, "听障青年就业指导",
               "听障青年中专毕业后一直未就业，希望获得手语翻译协助的就业指导和岗位对接。",
               20, D(2026, 7, 10)),
    CorpusNeed("quilt", "370902004", LIVING, "goods", N, "受灾家庭需要被褥和厨具",
               "房屋失火后被褥和厨具全部烧毁，一家人暂住亲戚家，急需被褥、锅碗等物资。",
               1200, D(2026, 1, 20)),
    CorpusNeed("tuition-nurse", "370902005", EDU, "money", N, "护理专业中专学生学费",
               "就读卫生学校护理专业的女生，学费3000元尚未缴纳，面临无法注册。",
               3000, D(2026, 8, 15)),
    CorpusNeed("hemophilia", "370902100", MED, "money", U, "血友病患儿凝血因子费用",
               "八岁血友病患儿需定期输注凝血因子预防出血，费用高昂。",
               20000, D(2026, 2, 5)),
    CorpusNeed("roof-taishan", "370902101", HOUSE, "money", N, "瓦房屋顶翻修",
               "老瓦房屋顶瓦片破损，下雨天屋内需要用盆接水，需翻修屋顶。",
               6000, D(2026, 6, 30)),
    CorpusNeed("prosthesis", "370902202", MED, "goods", N, "截肢患者需要假肢",
               "因糖尿病足截肢的老人需要适配一具小腿假肢，才能重新下地行走。",
               15000, D(2026, 10, 20)),
    CorpusNeed("tablet", "370902003", EDU, "goods", N, "盲童需要读屏学习设备",
               "视力残疾的小学生需要带读屏功能的平板电脑和盲文学习用品。",
               3000, D(2026, 8, 1), "fully_pledged"),
    CorpusNeed("taishan-district", "370902", LIVING, "money", N, "重病家庭临时生活困难",
               "户主重病住院，配偶照顾病人无法工作，家庭日常生活出现困难。",
               2000, D(2026, 4, 30)),
    CorpusNeed("caregiver-training", "370902005", CARE, "service", N, "照护者护理技能培训",
               "长期照顾瘫痪在床亲人的家属，希望获得翻身、喂食和防褥疮等护理技能指导。",
               10, D(2026, 5, 25)),
]
# fmt: on
STREET_OF = {need.key: need.place for need in NEEDS}


def _public(need: CorpusNeed, index: int) -> dict[str, object]:
    category, kind, urgency = (
        NeedCategory(need.category),
        NeedKind(need.kind),
        Urgency(need.urgency),
    )
    code = need.place.ljust(12, "0")
    district = DISTRICTS[need.place[:6]]
    street = STREETS.get(need.place) if len(need.place) == 9 else None
    return {
        "id": need.id,
        "title": need.title,
        "story": need.story,
        "category": category,
        "category_label": NEED_CATEGORY_LABELS[category],
        "kind": kind,
        "kind_label": NEED_KIND_LABELS[kind],
        "urgency": urgency,
        "urgency_label": URGENCY_LABELS[urgency],
        "status": need.status,
        "status_label": STATUS_LABELS[need.status],
        "region_code": code,
        "region_name": district + (street or ""),
        "goods": [
            {"item": item, "quantity": 1, "unit": "件", "unit_value_fen": need.amount * 100}
            for item in need.goods
        ],
        "service_type": need.service,
        "deadline": need.deadline,
        # One need a day, so "newest" has a single right order.
        "published_at": datetime(2025, 11, 1, 9, 0, tzinfo=UTC) + timedelta(days=index),
    }


def document(need: CorpusNeed, index: int) -> NeedDocument:
    money = need.kind != "service"
    public = _public(need, index)
    return NeedDocument.from_public(
        public,
        remaining_fen=need.amount * 100 if money else 0,
        remaining_hours=0 if money else need.amount,
        district_name=DISTRICTS[need.place[:6]],
        street_name=STREETS.get(need.place) if len(need.place) == 9 else None,
    )


def documents() -> list[NeedDocument]:
    return [document(need, i) for i, need in enumerate(NEEDS)]


def ids_where(**conditions: str) -> set[str]:
    """Public ids of corpus needs whose attributes equal the given values."""
    return {
        need.id
        for need in NEEDS
        if all(getattr(need, name) == value for name, value in conditions.items())
    }


def ids_in(prefix: str) -> set[str]:
    """Public ids of corpus needs placed at or under a region prefix."""
    return {need.id for need in NEEDS if need.place.startswith(prefix)}


@dataclass(frozen=True)
class Judged:
    """A query and the needs that must fill its first places (in any order)."""

    q: str
    expected: frozenset[str]
    why: str
    #: Engines this judgement holds for; some typo rules differ on purpose (see plan.py).
    engines: frozenset[str] = frozenset({"embedded", "meili"})


def _judged(q: str, keys: set[str] | str, why: str, engines: set[str] | None = None) -> Judged:
    ids = {keys} if isinstance(keys, str) else keys
    expected = frozenset(i if i.startswith("c-") else f"c-{i}" for i in ids)
    return Judged(q, expected, why, frozenset(engines or {"embedded", "meili"}))


JUDGED: list[Judged] = [
    _judged("透析", {"uremia", "peritoneal", "kidney-transport"}, "透析 finds 血液/腹膜/肾透析"),
    _judged("血液透析", "uremia", "a compound word"),
    _judged("醫療費用", {"leukemia", "breast-cancer"}, "Traditional finds Simplified titles"),
    _judged("学费", {"college-tg", "college-jb", "vocational", "tuition-nurse"}, "学费 in titles"),
    _judged("大学 学费", {"college-tg", "college-jb"}, "both words must match"),
    _judged("轮椅", {"wheelchair-old", "wheelchair-child"}, "goods by name"),
    _judged("心理疏导", {"psych-bereaved", "psych-student", "grief-elder"}, "the category too"),
    _judged("助听器", "hearing", "a dictionary word"),
    _judged("房屋漏水", "roof-leak", "two words"),
    _judged("滨海新区", ids_in("120116"), "a district name"),
    _judged("江北区", ids_in("500105"), "a district name"),
    _judged("泰山区", ids_in("370902"), "a district name"),
    _judged("塘沽街道", ids_in("120116001"), "a street name"),
    _judged("观音桥", ids_in("500105006"), "part of a street name"),
    _judged("急难", {n.id for n in NEEDS if n.urgency == "urgent"}, "the urgency label"),
    _judged("CT检查", "ct-exam", "Latin inside Chinese"),
    _judged("ct", "ct-exam", "Latin in lower case"),
    _judged("MRl", "mri-review", "a typo in a Latin acronym", {"embedded"}),
    _judged("mri", "mri-review", "Latin in any case"),
    _judged("3000元", {"cataract", "tuition-nurse"}, "digits stay exact: not 30000元"),
    _judged("白血病", "leukemia", "an illness"),
    _judged("化疗", {"leukemia", "breast-cancer"}, "a treatment"),
    _judged("脑瘫 康复", {"cerebral-palsy", "wheelchair-child"}, "two words, two needs"),
    _judged("冬衣", "winter-clothes", "goods"),
    _judged("米面油", "food-parcel", "goods"),
    _judged("陪诊", "escort", "a service"),
    _judged("课业辅导", "tutoring", "a service"),
    _judged("技能培训", {"job-training", "caregiver-training"}, "a service"),
    _judged("护理床", "nursing-bed", "goods"),
    _judged("制氧机", "oxygen", "goods"),
    _judged("电路老化", "wiring", "a housing repair"),
    _judged("適老化改造", "ageing-adapt", "Traditional 適 → 适"),
    _judged("孤独症", "autism", "an illness"),
    _judged("白內障", "cataract", "Traditional 內 → 内"),
    _judged("助浴", "bathing", "a service"),
    _judged("煤改电 取暖", "heating", "two words"),
    _judged("校服 文具", "school-supplies", "two goods"),
    _judged("骨折", "fracture", "an injury"),
    _judged("法律咨询", "legal", "a service"),
    _judged("胰岛素", "diabetes", "a medicine"),
    _judged("凝血因子", "hemophilia", "a medicine"),
    _judged("假肢", "prosthesis", "goods"),
    _judged(
        "肾",
        {"kidney-transport", "peritoneal", "uremia"},
        "one character: as a prefix (肾功能) and through the thesaurus words it begins "
        "(肾衰竭 → 尿毒症)",
    ),
]
