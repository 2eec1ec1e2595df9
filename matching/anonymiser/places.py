"""Addresses below street level, schools and employers found in free text, and the spans
that must be kept whatever a heuristic thinks of them.

The need may say which district and street a family lives in (charities work by area), but
not the estate, building, village group or house number. Chinese has no spaces, so where an
estate or school name starts is decided by walking whole jieba words leftwards from the
marker (小区, 路…号, 中学) until a word that cannot belong to it: a verb of dwelling, a
preposition, or an administrative place the need may keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from matching.anonymiser.model import REPLACEMENTS, Finding
from matching.anonymiser.segment import Token, Words
from matching.anonymiser.text import word_set

# --- spans that are kept -------------------------------------------------------------------

_INSTITUTION = re.compile(
    r"医院|卫生院|卫生服务中心|卫生服务站|卫生室|诊所|保健院|医馆|门诊部|医疗中心|透析中心|康复中心"
    r"|急救中心|疾病预防控制中心|疾控中心|基金会|慈善总会|慈善会|红十字会"
)
#: 津民发〔2021〕12号, 渝府办发[2022]5号, 泰政发（2020）3号 …
_POLICY_NUMBER = re.compile(
    r"[\u4e00-\u9fd5]{1,12}\s*[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*(?:第\s*)?\d{1,4}\s*号"
)

_FUNCTION_FLAGS = frozenset({"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "r", "d", "x", "t"})
_VERBS_BEFORE_PLACES = word_set(
    "住 家住 现住 居住 住在 租住 暂住 借住 寄住 入住 位于 地址 住址 户籍 户籍地 现居 居于 搬到 "
    "搬至 搬入 迁至 迁入 迁往 回到 来到 前往 落户 租 租房 买 购买 就读 就读于 读 上 念 转学 转入 "
    "考入 考上 进入 在读 入职 就职 任职 打工 工作 务工 上班 受雇 受雇于 供职 原 曾 是 系 为 到 "
    "进 去 往 在 于 至 从 自 的 和 与 及 或 就诊 治疗 住院 转院 转诊 送往 送至 确诊 检查 透析 "
    "手术 化疗 复查 看病 就医 经 由 被 把 将"
)
_GENERIC_MODIFIERS = word_set(
    "本 该 此 这个 那个 这所 那所 一所 一家 所在 所住 附近 周边 同一 整个 其他 其它 各 某 某某 "
    "老旧 一个 当地 本地 普通 重点 公立 私立 民办 寄宿制 特殊教育 特教 全日制 义务教育 初级 "
    "高级 多家 多所 小型 大型 一些 个体 私营 国有 外地 老 旧 新 新建 老式 高档 回迁 安置 拆迁 "
    "商品房 保障房 廉租房 公租房 封闭式 开放式 无物业 城中 城郊 郊区 市区 城区"
)
_NOT_ADMIN = (
    "小区", "社区", "园区", "校区", "景区", "片区", "厂区", "营区", "矿区", "专区",
    "超市", "门市", "城市", "夜市", "菜市", "集市", "早市", "家乡", "老乡", "古镇",
)  # fmt: skip
_ADMIN_SUFFIX = ("省", "市", "区", "县", "镇", "乡", "街道", "自治州")
_ADMIN_WORDS = frozenset({"街道", "社区", "居委会", "村委会", "新区", "开发区", "管委会", "城区"})


def is_admin_place(word: str) -> bool:
    """A district, street or other division the need may name (滨海新区, 塘沽街道)."""
    if word in _ADMIN_WORDS:
        return True
    return len(word) >= 2 and word.endswith(_ADMIN_SUFFIX) and not word.endswith(_NOT_ADMIN)


_ADMIN_COMPONENT = re.compile(
    r"[\u4e00-\u9fff]{1,8}?(?:自治区|自治州|新区|开发区|街道|省|市|区|县|镇|乡)"
)


def strip_admin_prefix(text: str) -> str:
    """The part of an address (or school, company) below the district and street."""
    position = 0
    while True:
        match = _ADMIN_COMPONENT.match(text, position)
        if match is None or match.group().endswith(_NOT_ADMIN):
            return text[position:]
        position = match.end()


def _stops_institution(token: Token) -> bool:
    return (
        token.flag in _FUNCTION_FLAGS
        or token.word in _VERBS_BEFORE_PLACES
        or token.word in _GENERIC_MODIFIERS
        or "某" in token.word
    )


def _stops_local_name(token: Token) -> bool:
    """Where the name of an estate, road, school or company ends on its left.

    A place word does not end it: roads and estates are named after places (福州道, 红旗河沟小区),
    and leaking half an estate name is worse than hiding a place name the need repeats anyway.
    Districts and streets (is_admin_place) do end it, since the need may show them.
    """
    return _stops_institution(token) or is_admin_place(token.word)


def _whole_word(words: Words, start: int, end: int) -> bool:
    """True when a marker found by pattern is a word of its own or ends one (实验中学), not
    characters borrowed from two neighbours (高中|学业)."""
    if words.containing(end) is not None:
        return False
    straddling = words.containing(start)
    return straddling is None or straddling.end == end


def protected_spans(folded: str, words: Words) -> list[tuple[int, int]]:
    """Hospital and charity names and policy document numbers: never a person or an address.

    jieba tags parts of some of them as personal names (齐鲁, 邵逸夫), and 〔2021〕12号 looks like
    a house number to a pattern, so the heuristics check against these spans first.
    """
    spans = [m.span() for m in _POLICY_NUMBER.finditer(folded)]
    for match in _INSTITUTION.finditer(folded):
        # Only the end must fall between words: 妇幼保健|院 splits the marker itself.
        if words.containing(match.end()) is not None:
            continue
        start = words.extend_left(match.start(), _stops_institution, 16)
        if start < match.start():
            spans.append((start, match.end()))
    return spans


def overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


# --- addresses -----------------------------------------------------------------------------

_NUM = r"[A-Za-z]?\d{1,5}[A-Za-z]?"
_CN_NUM = r"[一二三四五六七八九十两]{1,3}"
_UNIT = (
    rf"(?:{_NUM}\s*(?:号楼|栋|幢|座|单元|号院|室(?!\s*[一二两三四\d]\s*厅)|号|层|楼|门|户|组|社|队|排)"
    rf"|{_CN_NUM}\s*(?:号楼|单元|号院|组|社|队))"
)
_STRONG_UNIT = re.compile(r"[\dA-Za-z一二三四五六七八九十两]\s*(?:号楼|栋|幢|单元|号院|室)")
_CHAIN = re.compile(
    rf"{_UNIT}(?:\s*[-－]?\s*{_UNIT})*"
    r"(?:\s*[-－]?\s*\d{1,5}(?:\s*[-－]\s*\d{1,5}){0,2}"
    r"(?![\d.]|\s*(?:年|月|日|元|万|岁|个|次|期|天|号|周|小时|分|%)))?"
)
_DASH_ROOM = re.compile(r"\s*\d{1,4}(?:\s*[-－]\s*\d{1,4}){1,3}(?![\d.])")
_ESTATE = re.compile(r"小区|花园|家园|公寓|新村|苑|大厦|公馆|山庄")
_ROAD = re.compile(
    r"(?:路|大街|大道|(?<!街)道|街(?!道)|巷|胡同|(?<![这那哪家心村县城夜公])里|弄)"
    r"(?=\s*\d{1,5}\s*号)"
)
_ROAD_NUMBER = re.compile(
    r"\s*\d{1,5}\s*号(?!文|令|线|码|卡|床)(?:\s*(?:附|之)\s*\d{1,4}(?:\s*号(?!楼))?)?"
)
_VILLAGE = re.compile(rf"村(?=\s*(?:\d{{1,3}}|{_CN_NUM})\s*(?:组|社|队)|\s*\d{{1,5}}\s*号)")


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    reason: str


def _chain_after(folded: str, end: int) -> int:
    match = _CHAIN.match(folded, end) or _DASH_ROOM.match(folded, end)
    if match is None:
        # allow one space between the estate and its building number
        spaced = re.compile(r"\s+").match(folded, end)
        if spaced:
            match = _CHAIN.match(folded, spaced.end())
    return match.end() if match else end


def _address_spans(folded: str, words: Words) -> Iterator[_Span]:
    for match in _ESTATE.finditer(folded):
        if not _whole_word(words, *match.span()):
            continue
        start = words.extend_left(match.start(), _stops_local_name, 10)
        end = _chain_after(folded, match.end())
        named = match.start() - start >= 2
        # 幸福小区 alone is an address; 花园, 公寓 … only with a building number after them.
        if (named and match.group() == "小区") or end > match.end():
            yield _Span(start, end, "疑似街道以下的详细地址（小区、楼栋）")
    for match in _ROAD.finditer(folded):
        start = words.extend_left(match.start(), _stops_local_name, 10)
        number = _ROAD_NUMBER.match(folded, match.end())
        if number and match.start() - start >= 1:
            yield _Span(
                start, _chain_after(folded, number.end()), "疑似街道以下的详细地址（路名门牌）"
            )
    for match in _VILLAGE.finditer(folded):
        start = words.extend_left(match.start(), _stops_local_name, 8)
        if match.start() - start >= 1:
            yield _Span(
                start, _chain_after(folded, match.end()), "疑似街道以下的详细地址（村组门牌）"
            )
    for match in _CHAIN.finditer(folded):
        if _STRONG_UNIT.search(match.group()):
            yield _Span(*match.span(), "疑似街道以下的详细地址（楼栋单元室号）")


def find_addresses(folded: str, words: Words, protected: list[tuple[int, int]]) -> list[Finding]:
    """Address pieces, joined when they touch so one address becomes one ``[地址]``."""
    spans = sorted(
        (s for s in _address_spans(folded, words) if not overlaps((s.start, s.end), protected)),
        key=lambda s: (s.start, -s.end),
    )
    joined: list[_Span] = []
    for span in spans:
        if joined and span.start <= joined[-1].end + _gap(folded, joined[-1].end, span.start):
            last = joined[-1]
            if span.end > last.end:
                joined[-1] = _Span(last.start, span.end, last.reason)
        else:
            joined.append(span)
    return [
        Finding("address", s.start, s.end, REPLACEMENTS["address"], "detected", s.reason)
        for s in joined
    ]


def _gap(folded: str, end: int, start: int) -> int:
    """Whitespace between two address pieces still joins them into one address."""
    between = folded[end:start]
    return len(between) if between.isspace() else 0


# --- schools and employers -----------------------------------------------------------------

_SCHOOL = re.compile(r"小学|中学|学校|幼儿园|附中|附小|职业高中|职高|中专|技校")
#: 泰安一中, 塘沽二小: a place followed by the school's number.
_NUMBERED_SCHOOL = re.compile(r"[一二三四五六七八九十]{1,3}[中小](?![学心国间午文等型期级班])")
_CLASS = re.compile(
    r"(?:(?P<grade>[初高][一二三]|[一二三四五六]年级|学前班|大班|中班|小班)|(?<=[学校园]))"
    r"\s*(?P<cls>[（(]\s*\d{1,2}\s*[)）]|\d{1,2})\s*班"
)
_COMPANY = re.compile(r"有限责任公司|股份有限公司|有限公司|集团公司|集团|分公司")


def find_schools(folded: str, words: Words, protected: list[tuple[int, int]]) -> list[Finding]:
    """A named school, and a class number (the grade is kept: it tells what help fits)."""
    found: list[Finding] = []
    for match in _SCHOOL.finditer(folded):
        if not _whole_word(words, *match.span()):
            continue
        start = words.extend_left(match.start(), _stops_local_name, 12)
        if match.start() - start >= 2 and not overlaps((start, match.end()), protected):
            found.append(
                Finding(
                    "school",
                    start,
                    match.end(),
                    REPLACEMENTS["school"],
                    "detected",
                    "疑似学校名称",
                )
            )
    for match in _NUMBERED_SCHOOL.finditer(folded):
        place = words.ending_at(match.start())
        if place is not None and place.flag == "ns":
            found.append(
                Finding(
                    "school",
                    place.start,
                    match.end(),
                    REPLACEMENTS["school"],
                    "detected",
                    "疑似学校名称（地名加序号的简称）",
                )
            )
    for match in _CLASS.finditer(folded):
        found.append(
            Finding(
                "school",
                match.start("cls"),
                match.end(),
                "[班级]",
                "detected",
                "疑似班级",
            )
        )
    return found


def find_employers(folded: str, words: Words, protected: list[tuple[int, int]]) -> list[Finding]:
    found: list[Finding] = []
    for match in _COMPANY.finditer(folded):
        if not _whole_word(words, *match.span()):
            continue
        start = words.extend_left(match.start(), _stops_local_name, 14)
        if match.start() - start >= 2 and not overlaps((start, match.end()), protected):
            found.append(
                Finding(
                    "employer",
                    start,
                    match.end(),
                    REPLACEMENTS["employer"],
                    "detected",
                    "疑似工作单位（公司名称）",
                )
            )
    return found
