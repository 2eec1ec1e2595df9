"""Invented people, places and numbers for the generated corpus.

Nothing here is a real person, ID, phone or account: names are drawn at random, ID numbers
are built from county codes, random dates and a computed check character, phones and cards
from random digits (cards with a computed Luhn digit).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from stdnum import luhn

from matching.identity import check_character


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左"
    "柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈"
)
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "司徒", "夏侯")
GIVEN_F = _words(
    "秀英 桂英 秀兰 玉兰 淑珍 淑芬 丽娟 海燕 红梅 晓燕 雪梅 春燕 美玲 慧玲 婷婷 欣怡 梓涵 诗琪 "
    "雨欣 佳怡 子萱 思雨 可馨 一诺 语桐 若曦 紫琳 静 芳 娟 敏 丽 艳 霞 玲 萍 燕 慧 莉 琳 颖 倩 洁 "
    "翠花 桂芝 凤英 素珍 月娥 金凤 彩霞 晓红 小燕 丽华 淑华 秀梅 玉梅 爱华 春梅 冬梅 巧云 惠敏"
)
GIVEN_M = _words(
    "建国 建军 志强 国强 德胜 立新 永红 海峰 伟 强 磊 军 勇 涛 杰 斌 鹏 浩然 子轩 宇航 俊杰 "
    "志明 志诚 文博 天佑 家豪 锦程 德华 德明 大勇 小军 国栋 卫东 振华 红军 保国 富贵 长青 "
    "庆丰 明辉 永强 建华 海涛 金龙 春生 朝阳 新民 学文 光明 铁柱 二虎 世杰 梓轩 皓轩 宇辰"
)
MINORITY = (
    "阿依古丽·买买提", "热合曼·吐尔逊", "古丽娜尔·艾力", "买买提江·吐尔洪", "帕提古丽·阿不都",
    "艾力·司马义", "努尔兰·哈山", "阿迪力·热合曼", "迪丽努尔·艾买提", "吐尔逊古丽·麦麦提",
    "扎西顿珠", "次仁卓玛", "巴特尔", "乌云其木格", "卓玛央宗", "格桑旺姆", "其其格",
    "阿卜杜热合曼",
)  # fmt: skip

# county codes (real divisions, invented people)
COUNTIES = _words(
    "120116 500105 370902 110108 440402 210106 460106 640104 650102 653101 540102 150102 "
    "510107 420106 330106 440106 440304 320106 610113 230103 350203 430104 450102 520102"
)


@dataclass(frozen=True)
class Place:
    city: str
    district: str
    street: str
    hospital: str
    policy: str


PLACES = (
    Place("天津市", "滨海新区", "塘沽街道", "天津医科大学总医院", "津民发〔2021〕12号"),
    Place("天津市", "滨海新区", "新港街道", "天津市肿瘤医院", "津民规〔2022〕3号"),
    Place("重庆市", "江北区", "观音桥街道", "重庆医科大学附属第一医院", "渝府办发〔2022〕5号"),
    Place("重庆市", "江北区", "五里店街道", "重庆医科大学附属儿童医院", "渝民发〔2021〕8号"),
    Place("泰安市", "泰山区", "岱庙街道", "泰安市中心医院", "泰政办发〔2020〕8号"),
    Place("北京市", "昌平区", "回龙观街道", "北京积水潭医院", "京民社救发〔2022〕112号"),
    Place("珠海市", "香洲区", "拱北街道", "珠海市人民医院", "珠民〔2021〕45号"),
    Place("沈阳市", "铁西区", "兴华街道", "中国医科大学附属盛京医院", "沈民发〔2020〕21号"),
    Place("海口市", "龙华区", "金宇街道", "海南省人民医院", "海府办〔2022〕9号"),
    Place("银川市", "兴庆区", "富宁街道", "宁夏医科大学总医院", "宁民发〔2021〕33号"),
    Place("乌鲁木齐市", "天山区", "燕儿窝街道", "新疆医科大学第一附属医院", "新民发〔2022〕17号"),
    Place("喀什市", "喀什市", "恰萨街道", "喀什地区第一人民医院", "喀署办〔2021〕6号"),
    Place("成都市", "锦江区", "春熙路街道", "四川大学华西医院", "成民发〔2022〕14号"),
    Place(
        "武汉市", "江汉区", "民族街道", "华中科技大学同济医学院附属协和医院", "武民政〔2021〕7号"
    ),
    Place("广州市", "越秀区", "北京街道", "广州市妇女儿童医疗中心", "穗民规字〔2021〕3号"),
    Place("深圳市", "福田区", "华富街道", "北京大学深圳医院", "深民规〔2022〕2号"),
    Place("南宁市", "青秀区", "新竹街道", "广西医科大学第一附属医院", "桂民发〔2021〕30号"),
    Place("拉萨市", "城关区", "八廓街道", "西藏自治区人民医院", "藏民发〔2022〕4号"),
)
ESTATE_STEMS = _words(
    "幸福 阳光 金色 翠湖 和谐 锦绣 滨江 新城 东岳 碧水 锦华 宏达 兴业 丽景 华庭 康乐 怡园 盛世 "
    "书香 名都 龙湖 星河 绿洲 万科 紫荆 桃源 嘉禾 永安 明珠 海棠"
)
ESTATE_KINDS = ("小区", "家园", "花园", "新村", "苑", "公寓", "社区")
VILLAGES = _words(
    "胜利 前进 红旗 东风 王家 李家 张庄 杨柳 石桥 柳树 下河 上坪 大湾 马家 黄泥 青山 坡芽 "
    "那耶 沙岗 后营 南关 北屯 梨园 枣林"
)
ROADS = _words(
    "建设路 解放路 人民路 和平路 中山路 福州道 新华路 胜利大街 东风路 育才路 文化街 迎宾大道 "
    "光明路 友谊路 长江路 黄河道 红星路 工农路 金桥路 滨河路"
)
COMPANY_PLACES = _words(
    "沈阳 海口 宏远 顺丰 京东 美团 鸿福 金利 兴旺 恒信 华强 利民 宏泰兴 永辉 天成"
)
COMPANY_KINDS = (
    "重型机械厂", "陶瓷厂", "服装有限公司", "物流有限公司", "速运营业部", "水果批发部", "超市",
    "建材市场", "汽修厂", "食品加工厂", "家政服务有限公司", "餐饮店", "五金批发部", "电子厂",
)  # fmt: skip
SCHOOL_NAMES = (
    "实验小学", "第二中学", "第四十五中学", "育才小学", "阳光幼儿园", "职业技术学院", "外国语学校",
    "第一中学", "希望小学", "中心小学", "职业中专", "师范学院",
)  # fmt: skip
ILLNESS = (
    "尿毒症", "白血病", "脑瘫", "乳腺癌", "肝硬化", "脑出血后遗症", "再生障碍性贫血", "肺癌",
    "先天性心脏病", "系统性红斑狼疮", "自闭症", "帕金森病", "类风湿性关节炎", "股骨头坏死",
    "淋巴瘤",
    "精神分裂症", "糖尿病肾病", "地中海贫血", "重症肌无力", "骨肉瘤",
)  # fmt: skip
TREATMENT = ("血液透析", "化疗", "放疗", "康复训练", "骨髓移植", "手术治疗", "靶向治疗", "住院治疗")
BENEFITS = ("低保", "特困供养", "临时救助", "残疾人两项补贴", "医疗救助", "低保边缘")


def id_number(rng: random.Random, year: int | None = None) -> str:
    year = year or rng.randint(1940, 2018)
    body = (
        f"{rng.choice(COUNTIES)}{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        f"{rng.randint(0, 999):03d}"
    )
    return body + check_character(body)


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


def card(rng: random.Random) -> str:
    body = rng.choice(("622848", "621700", "622202", "623058")) + "".join(
        str(rng.randint(0, 9)) for _ in range(12)
    )
    return body + luhn.calc_check_digit(body)


def person(rng: random.Random, female: bool | None = None) -> str:
    female = rng.random() < 0.5 if female is None else female
    surname = rng.choice(COMPOUND) if rng.random() < 0.06 else rng.choice(SURNAMES)
    return surname + rng.choice(GIVEN_F if female else GIVEN_M)


@dataclass
class Entry:
    """One narrative being written: its text pieces and what must go and stay."""

    id: str
    known: dict[str, list[str]] = field(default_factory=dict)
    remove: dict[str, list[str]] = field(default_factory=dict)
    keep: list[str] = field(default_factory=list)
    field: str = "narrative"

    def know(self, kind: str, value: str) -> str:
        self.known.setdefault(kind, []).append(value)
        return value

    def must_go(self, kind: str, value: str) -> str:
        values = self.remove.setdefault(kind, [])
        if value not in values:
            values.append(value)
        return value

    def must_stay(self, value: str) -> str:
        if value not in self.keep:
            self.keep.append(value)
        return value
