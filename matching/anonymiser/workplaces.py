"""Schools and workplaces named in free text.

A child's school and class, a parent's employer or market stall narrow a family down to a
handful of people. Chinese has no spaces, so where such a name starts is decided by walking
whole jieba words leftwards from its last word (小学, 职业技术学院, 机械厂, 营业部, 水果市场)
until a word that cannot belong to it (``places._stops_local_name``). An institution with no
name of its own (在一家服装厂打工, 上大学) says nothing about who the family is and stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from matching.anonymiser.model import REPLACEMENTS, Finding
from matching.anonymiser.places import (
    _whole_word,
    is_admin_place,
    local_start,
    overlaps,
    strip_admin_prefix,
)
from matching.anonymiser.segment import Words
from matching.anonymiser.text import word_set

_SCHOOL = re.compile(
    r"职业技术学院|技术学院|职业学院|师范学院|学院|大学|小学|中学|学校|幼儿园|托儿所|附中|附小|"
    r"职业高中|职高|中专|技校|职校|技工学校|培训学校|特殊教育学校|特教学校|中心校|完小|教学点|"
    r"职教中心|职业教育中心|特教中心"
)
#: 泰安一中, 塘沽二小: a place followed by the school's number.
_NUMBERED_SCHOOL = re.compile(r"[一二三四五六七八九十]{1,3}[中小](?![学心国间午文等型期级班])")
_CLASS = re.compile(
    r"(?:(?P<grade>[初高][一二三]|[一二三四五六]年级|学前班|大班|中班|小班)|(?<=[学校园]))"
    r"\s*(?P<cls>[（(]\s*\d{1,2}\s*[)）]|\d{1,2}|[一二三四五六七八九十]{1,2})\s*班"
)
_WORKPLACE = re.compile(
    r"有限责任公司|股份有限公司|有限公司|集团公司|集团|分公司|公司|总厂|分厂|加工厂|工厂|厂|"
    r"营业部|批发部|门市部|经营部|服务部|分店|总店|专卖店|便利店|超市|商行|商店|商场|市场|"
    r"合作社|饭店|酒店|宾馆|酒楼|餐厅|饭馆|面馆|餐馆|茶楼|药店|药房|加油站|收费站|配送站|"
    r"服务站|回收站|维修站|快递站|驿站|工作室|车间|工地|养殖场|农场|林场|矿|煤矿|物流园|工业园|"
    r"仓库|仓|分拣中心|配送中心|中转场|网点|支行|分行|分部|办事处|店|铺|档口"
)
#: What an institution's name may be made of without naming any one of them.
_GENERIC = word_set(
    "服装 食品 机械 电子 化工 建筑 纺织 物流 快递 水果 蔬菜 五金 家具 印刷 塑料 钢铁 水泥 砖 砖瓦 "
    "木材 汽修 汽车 修理 维修 餐饮 小吃 早餐 理发 美发 洗车 便利 百货 杂货 服饰 鞋 玩具 包装 电器 "
    "家电 手机 电动车 农贸 菜 批发 零售 私人 个体 小型 大型 乡镇 附近 当地 本地 一家 一个 某 该 "
    "这家 那家 某家 公立 私立 民办 普通 重点 特殊教育 职业 技术 职业技术 艺术 体育 师范 医科 农业 "
    "工业 商业 财经 外国语 寄宿制 全日制 中等 高等 初级 中级 高级 培训 补习 辅导 一所 这所 那所 "
    "同一 所在 家门口 村里 镇上 城里 县城 附属 小 大 老 新 好 本 两家 几家 "
    "多家 各 其他 其它 外卖 快餐 早点 烧烤 麻辣烫 水产 海鲜 粮油 副食 日用 杂 小卖 小商品 干洗 "
    "保洁 家政 保安 物业 装修 装饰 搬家 废品 废品回收 再生资源 煤 钢 铝材 门窗 石材 瓷砖 陶瓷 "
    "电子厂 制衣 鞋厂 面包 蛋糕 奶茶 咖啡 网吧 药 中药 西药 医药 眼镜 照相 打印 复印 超 商 农 "
    "工 学 养殖 种植 建材 服装厂 国企 央企 外企 私企 民营 国有"
)
_SCHOOL_STOP = word_set("上 读 考 考上 念 进 毕业 毕业于 就读 就读于 在读 辍学 退学 休学 转学")


def _named(folded: str, words: Words, start: int, marker_start: int) -> bool:
    """True when the words before the marker include one that names something."""
    prefix_words = [t.word for t in words.tokens if start <= t.start and t.end <= marker_start]
    if not prefix_words:
        prefix_words = [folded[start:marker_start]]
    return any(word not in _GENERIC and not word.isdigit() for word in prefix_words)


#: 五里店街道, 邱家店镇, 铁厂村: a place named after a shop or a works, not a workplace.
_PLACE_AFTER = re.compile(r"街道|镇|乡|村|社区|小区|路|大街|大道|街|区|县|市|站|桥|坝|湾|沟")


def _institutions(
    folded: str,
    words: Words,
    protected: list[tuple[int, int]],
    marker: re.Pattern[str],
    limit: int,
) -> Iterator[tuple[re.Match[str], int, bool]]:
    """Each marker with where its name starts, and whether a name of its own precedes it
    (False: only a district or county does, as in 阜平县职教中心)."""
    for match in marker.finditer(folded):
        if not _whole_word(words, *match.span()) or _PLACE_AFTER.match(folded, match.end()):
            continue
        start = local_start(words, folded, match.start(), limit)
        if overlaps((start, match.end()), protected):
            continue
        if match.start() - start >= 2 and _named(folded, words, start, match.start()):
            yield match, start, True
        elif start == match.start() and _after_division(words, start):
            yield match, start, False


def find_schools(folded: str, words: Words, protected: list[tuple[int, int]]) -> list[Finding]:
    """A named school, and a class number (the grade is kept: it tells what help fits)."""
    found: list[Finding] = []
    for match, start, named in _institutions(folded, words, protected, _SCHOOL, 14):
        # the county's only 职教中心 names it as surely as a name would
        reason = "疑似学校名称" if named else "疑似学校名称（地名之后）"
        found.append(_finding("school", start, match.end(), reason))
    for match in _NUMBERED_SCHOOL.finditer(folded):
        place = words.ending_at(match.start())
        if place is not None and place.flag in ("ns", "nz", "j"):
            found.append(
                _finding("school", place.start, match.end(), "疑似学校名称（地名加序号的简称）")
            )
    for match in _CLASS.finditer(folded):
        found.append(
            Finding("school", match.start("cls"), match.end(), "[班级]", "detected", "疑似班级")
        )
    return found


def find_employers(folded: str, words: Words, protected: list[tuple[int, int]]) -> list[Finding]:
    found: list[Finding] = []
    for match, start, named in _institutions(folded, words, protected, _WORKPLACE, 16):
        if named:
            found.append(_finding("employer", start, match.end(), "疑似工作单位（单位名称）"))
        elif match.group() in _BRANCHES:
            # 天津市滨海新区分公司: a company's branch is named by the district it serves
            found.append(
                _finding("employer", start, match.end(), "疑似工作单位（地名之后的分支机构）")
            )
    return found


#: 在富士康打工, 在万达广场上班: where someone works, said by the verb, not by a suffix.
_AT_WORK = re.compile(
    r"在(?P<place>[^，。；;,、\s]{2,12}?)(?:的)?(?:打工|上班|工作|务工|干活|做工|帮工|帮忙|"
    r"当(?:保安|保洁|服务员|店员|司机|厨师|收银员|工人|学徒|护工|营业员|售货员|骑手|快递员)|"
    r"做(?:保安|保洁|服务员|销售|会计|收银|厨师|店员|司机|客服|快递|外卖)|送外卖|跑外卖|开网店)"
)
_BRANCHES = frozenset({"分公司", "分店", "分厂", "营业部", "支行", "分行", "分部", "办事处"})
_PROPER_FLAGS = frozenset({"nr", "nrt", "nrfg", "nz", "nt"})


def find_workplaces_by_verb(folded: str, words: Words) -> list[Finding]:
    """A proper noun between 在 and a verb of work is flagged: the gate cannot tell a
    nationwide brand from the one shop in the street, so staff decide."""
    found: list[Finding] = []
    for match in _AT_WORK.finditer(folded):
        start, end = match.span("place")
        start = end - len(strip_admin_prefix(folded[start:end]))  # the district may stay
        proper = [
            t
            for t in words.tokens
            if start <= t.start
            and t.end <= end
            and (t.flag in _PROPER_FLAGS or (t.guessed and len(t.word) >= 2))
            and t.word not in _GENERIC
        ]
        if proper:
            found.append(
                Finding(
                    "employer",
                    proper[0].start,
                    end,
                    REPLACEMENTS["employer"],
                    "detected",
                    "疑似工作单位（“在…上班”之间的专名）",
                    "flagged",
                )
            )
    return found


def _after_division(words: Words, start: int) -> bool:
    before = words.ending_at(start)
    return before is not None and is_admin_place(before.word) and len(before.word) >= 3


def _finding(kind: str, start: int, end: int, reason: str) -> Finding:
    return Finding(kind, start, end, REPLACEMENTS[kind], "detected", reason)
