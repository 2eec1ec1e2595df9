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
from dataclasses import dataclass, field

from matching.anonymiser.model import REPLACEMENTS, Finding
from matching.anonymiser.segment import Token, Words
from matching.anonymiser.text import word_set

# --- spans that are kept -------------------------------------------------------------------

#: Institutions that serve a whole city or more: a fact of the need, never an identifier. A
#: village clinic (卫生室) or a private 诊所 is not among them: it names where the family lives.
_INSTITUTION = re.compile(
    r"医院|卫生院|保健院|医疗中心|透析中心|急救中心|疾病预防控制中心|疾控中心|基金会|慈善总会"
    r"|慈善会|红十字会|防治中心|医学中心|诊疗中心|民政局|人社局|医保局|残联|残疾人联合会|妇联|总工会|法院|检察院|公安局"
)
#: 津民发〔2021〕12号, 渝府办发[2022]5号, 泰政发（2020）3号 …
_POLICY_NUMBER = re.compile(
    r"[\u4e00-\u9fd5]{1,12}\s*[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*(?:第\s*)?\d{1,4}\s*号"
)

_FUNCTION_FLAGS = frozenset(
    {"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "r", "d", "x", "t", "f", "v"}
)
#: Kin and roles: a name never runs on to its left (大儿子|黄子轩读大良实验小学).
_PEOPLE = word_set(
    "儿子 女儿 大儿子 小儿子 大女儿 小女儿 孩子 妻子 丈夫 父亲 母亲 爸爸 妈妈 爷爷 奶奶 孙子 孙女 "
    "哥哥 姐姐 弟弟 妹妹 老伴 爱人 家属 申请人 户主 患者 患儿 本人 邻居 亲戚 其子 其女 长子 次子 "
    "长女 次女 学生 妈 爸"
)
_VERBS_BEFORE_PLACES = word_set(
    "住 家住 现住 居住 住在 租住 暂住 借住 寄住 入住 位于 地址 住址 户籍 户籍地 现居 居于 搬到 "
    "搬至 搬入 迁至 迁入 迁往 纳入 列入 属于 回到 来到 前往 落户 租 租房 买 购买 就读 就读于 "
    "读 上 念 转学 转入 "
    "考入 考上 进入 在读 入职 就职 任职 打工 工作 务工 上班 受雇 受雇于 供职 原 曾 是 系 为 到 "
    "进 去 往 在 于 至 从 自 的 和 与 及 或 叫 名叫 叫做 名为 考 想考 报考 考取 考到 想上 开 开了 "
    "联系 通过 经过 找 告知 上报 反映 报告 协助 配合 咨询 询问 联络 求助 所在 归 管辖 辖区 "
    "就诊 治疗 住院 转院 转诊 送往 送至 确诊 检查 透析 "
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
    # Hong Kong and Macao write their districts without a suffix
    r"|香港|澳门|九龙|新界|港岛|中西区|湾仔|油尖旺|深水埗|九龙城|黄大仙|观塘|荃湾|屯门|元朗|大埔|沙田"
    r"|西贡|葵青|离岛|旺角|尖沙咀|铜锣湾"
)


def strip_admin_prefix(text: str) -> str:
    """The part of an address (or school, company) below the district and street."""
    position = 0
    while True:
        match = _ADMIN_COMPONENT.match(text, position)
        if match is None or match.group().endswith(_NOT_ADMIN):
            return text[position:]
        position = match.end()


#: Single characters that end a name on its left even amid characters jieba could not join
#: into words (顺丰速运: 顺 is tagged a preposition there, yet belongs to the name).
_FUNCTION_CHARS = frozenset(
    "在于从到和与及或的了是被把将向对给让由自往至跟同为住读上去进回来已也都就还又才曾均仍正未不没"
    "最很再更太刚想说看做干考叫找等带送接"
)


def _stops_institution(token: Token) -> bool:
    if len(token.word) == 1 and token.flag in _FUNCTION_FLAGS:
        return token.word in _FUNCTION_CHARS or token.word in _VERBS_BEFORE_PLACES
    return (
        (token.flag in _FUNCTION_FLAGS and token.flag != "v")
        or token.word in _PEOPLE
        or token.word in _VERBS_BEFORE_PLACES
        or token.word in _GENERIC_MODIFIERS
        or "某" in token.word
    )


_LEADING_VERB = re.compile(r"^(?:家住|现住|住在|租住|暂住|借住|居住|之前住|原住|住)")


def local_start(words: Words, folded: str, marker: int, limit: int) -> int:
    """Where a local name ending at ``marker`` starts: whole words leftwards, then anything
    down to the last district or street (jieba reads 八廓街道 as 八廓街 + 道, so the street may
    hide inside the words walked over)."""
    start = words.extend_left(marker, _stops_local_name, limit)
    prefix = folded[start:marker]
    if not prefix:
        return start
    prefix = strip_admin_prefix(prefix)
    # jieba joins a verb to the name's first character at times (之前住金|地|格林小镇)
    lead = _LEADING_VERB.match(prefix)
    return marker - len(prefix) + (lead.end() if lead and lead.end() < len(prefix) else 0)


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
        start = words.extend_left(match.start(), _stops_institution, 24)
        if start < match.start():
            spans.append((start, match.end()))
    return spans


def overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


# --- the published region -----------------------------------------------------------------


@dataclass(frozen=True)
class Locations:
    """What the text may say about where the household lives.

    ``allowed``: the names of the published region and its ancestors (滨海新区, 天津市). They
    stay, and nothing inside them is removed. ``finer``: names of divisions below the published
    region (its streets, communities, villages) that the backend knows: removed wherever they
    appear, with or without their suffix. ``streets``: whether street (街道), town (镇) and
    township (乡) names may stay; false when the published region is a district or coarser.
    """

    allowed: tuple[str, ...] = ()
    finer: tuple[str, ...] = ()
    streets: bool = True
    _spans: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)


_DIVISION_SUFFIX = re.compile(
    r"(?:街道办事处|街道办|街道|居民委员会|村民委员会|居委会|村委会|社区|自治县|新区|镇|乡|村|区|县|市)$"
)


def _name_variants(name: str) -> list[str]:
    """A division's name with and without its suffix (塘沽街道, 塘沽)."""
    short = _DIVISION_SUFFIX.sub("", name)
    return [v for v in dict.fromkeys((name, short)) if len(v) >= 2]


def allowed_spans(folded: str, locations: Locations) -> list[tuple[int, int]]:
    spans = []
    for name in locations.allowed:
        for variant in _name_variants(name):
            start = folded.find(variant)
            while start >= 0:
                spans.append((start, start + len(variant)))
                start = folded.find(variant, start + 1)
    return spans


_STREET_LEVEL = re.compile(r"街道|镇|乡")
_NOT_A_TOWN = word_set(
    "城乡 乡镇 城镇 村镇 集镇 小镇 古镇 本镇 该镇 全镇 各镇 重镇 家乡 老乡 下乡 回乡 返乡 同乡 "
    "故乡 异乡 外乡 他乡 本乡 该乡 全乡 各乡 乡村 乡下 本街道 该街道 所在街道 各街道"
)


def find_finer_places(
    folded: str, words: Words, locations: Locations, allowed: list[tuple[int, int]]
) -> list[Finding]:
    """Divisions below the published region: named by the backend, and (when the region is a
    district or coarser) any street, town or township the text names."""
    found: list[Finding] = []
    for name in locations.finer:
        for variant in _name_variants(name):
            start = folded.find(variant)
            while start >= 0:
                span = (start, start + len(variant))
                if not overlaps(span, allowed):
                    found.append(_place(*span, "比公开地区更细的地名"))
                start = folded.find(variant, start + 1)
    if locations.streets:
        return found
    for match in _STREET_LEVEL.finditer(folded):
        if not _whole_word(words, *match.span()):
            continue
        start = words.extend_left(match.start(), _stops_local_name, 8)
        named = folded[start : match.end()]
        if (
            match.start() - start >= 2
            and named not in _NOT_A_TOWN
            and not overlaps((start, match.end()), allowed)
        ):
            found.append(_place(start, match.end(), "街道或乡镇名称（公开地区为区县或更粗）"))
    return found


def _place(start: int, end: int, reason: str) -> Finding:
    return Finding("place", start, end, REPLACEMENTS["place"], "detected", reason)


# --- addresses -----------------------------------------------------------------------------

_NUM = r"[A-Za-z]?\d{1,5}[A-Za-z]?"
_CN_NUM = r"[一二三四五六七八九十两]{1,3}"
_UNIT = (
    rf"(?:[A-Za-z]\s*(?:座|栋|幢|区|单元|室)|{_NUM}\s*(?:号楼|栋|幢|座|单元|号院|室(?!\s*[一二两三四\d]\s*厅)|号|层|楼|门|户|组|社|队|排|巷|弄)"
    rf"|{_CN_NUM}\s*(?:号楼|单元|号院|组|社|队|段|楼|层))"
)
_STRONG_UNIT = re.compile(r"[\dA-Za-z一二三四五六七八九十两]\s*(?:号楼|栋|幢|单元|号院|室)")
_CHAIN = re.compile(
    rf"{_UNIT}(?:\s*[-－]?\s*{_UNIT})*"
    r"(?:\s*[-－]?\s*\d{1,5}(?:\s*[-－]\s*\d{1,5}){0,2}"
    r"(?![\d.]|\s*(?:年|月|日|元|万|岁|个|次|期|天|号|周|小时|分|%)))?"
)
_DASH_ROOM = re.compile(r"\s*\d{1,4}(?:\s*[-－]\s*\d{1,4}){1,3}(?![\d.])")
#: A named estate, community or village: removed even without a number after it.
_ALWAYS_NAMED = frozenset(
    {"小区", "社区", "居委会", "村委会", "居民委员会", "村民委员会", "家属院", "家属区", "邨",
     "新村", "家园", "花园", "小组", "宿舍", "大院", "屯", "嘎查"}
)  # fmt: skip
_ESTATE = re.compile(
    r"小区|社区|居民委员会|村民委员会|居委会|村委会|家属院|家属区|花园|家园|公寓|新村|邨|苑|大厦|"
    r"公馆|山庄|小组|宿舍|大院|屯(?![区县镇乡市])|嘎查|新城|小镇|华府|名苑|大楼|广场|阁|"
    r"村(?![民医长委里子庄落干口头务区县镇乡市])"
)
#: Estates, communities and villages that are words, not names (本社区, 农村, 工作小组).
_GENERIC_PLACES = word_set(
    "农村 乡村 山村 渔村 本村 该村 全村 邻村 外村 同村 新农村 城中村 贫困村 行政村 自然村 示范村 "
    "文明村 重点村 空心村 移民村 此村 各村 整村 回村 进村 出村 到村 在村 驻村 包村 村村 "
    "城市社区 农村社区 本社区 该社区 所在社区 各社区 老旧小区 本小区 该小区 各小区 所在小区 "
    "工作小组 帮扶小组 互助小组 学习小组 专家小组 评估小组 调查小组 领导小组 兴趣小组 项目小组 "
    "志愿小组 服务小组 核查小组 入户小组 督导小组 家园 花园 幼儿园 公园 校园 田园 庄园 乐园 "
    "员工宿舍 职工宿舍 集体宿舍 学生宿舍 工地宿舍 大杂院 精神家园 美好家园 共同家园 温馨家园"
)
_ROAD = re.compile(
    r"(?:路|大街|大道|(?<!街)道|街(?!道)|巷|胡同|(?<![这那哪家心村县城夜公])里|弄)"
    r"(?=\s*(?:[一二三四五六七八九十\d]{1,3}\s*段\s*)?\d{1,5}(?:\s*-\s*\d{1,5}){0,3}\s*(?:号|巷|弄))"
)
_ROAD_NUMBER = re.compile(
    r"\s*(?:[一二三四五六七八九十\d]{1,3}\s*段\s*)?"
    r"\d{1,5}(?:\s*-\s*\d{1,5}){0,3}\s*(?:号(?!文|令|线|码|卡|床)|巷|弄)"
    r"(?:\s*(?:附|之)\s*\d{1,4}(?:\s*号(?!楼))?)?"
)
_VILLAGE = re.compile(
    rf"(?:村|屯|庄|寨|堡|组)(?=\s*(?:\d{{1,3}}|{_CN_NUM})\s*(?:组|社|队)|\s*\d{{1,5}}\s*号)"
)
#: A road named right after where someone lives: 家住解放路 says the road without a number.
_LIVES_ON = re.compile(
    r"(?:家住|住在|现住|居住在|居住于|居住|租住在|租住|暂住在|暂住|借住在|住址[:：]?|地址[:：]?|住)"
    r"\s*(?P<place>[\u4e00-\u9fff]{2,14}?(?:路|大街|大道|街(?!道)|巷|胡同|弄))"
    r"(?![\u4e00-\u9fff]{0,2}(?:医院|学校|小学|中学)|街道|镇|乡|社区|办事处)"
)


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


def _after_dwelling(words: Words, start: int) -> bool:
    before = words.ending_at(start)
    return before is not None and before.word in _VERBS_BEFORE_PLACES


def _estate_spans(folded: str, words: Words) -> Iterator[_Span]:
    for match in _ESTATE.finditer(folded):
        if not _whole_word(words, *match.span()):
            continue
        marker = match.group()
        start = local_start(words, folded, match.start(), 10)
        end = _chain_after(folded, match.end())
        name = folded[start : match.end()]
        own = words.ending_at(match.end())
        if (
            match.start() - start < (1 if marker in "村屯" else 2)
            or name in _GENERIC_PLACES
            or (own is not None and own.word in _GENERIC_PLACES)
        ):
            continue
        if (
            marker in _ALWAYS_NAMED
            or marker == "村"
            or end > match.end()
            or _after_dwelling(words, start)
        ):
            yield _Span(start, end, "疑似街道以下的详细地址（社区、村、小区、楼栋）")


#: Where someone lives, said outright: what follows, down to the end of the clause and below
#: the district and street, is the address (阳光100国际新城B座1508 has no marker a pattern
#: would know, 家住 says what it is).
_DWELLING = re.compile(
    r"(?:家住|现住|住在|居住在|居住于|现居住在|现居于|现居|家庭住址|住址|地址|租住在|租住于|租住|"
    r"暂住在|暂住于|暂住|借住在|户籍地址|之前住|原住址|原住|搬到|搬至|迁至|现租住在|住喺)[:：]?\s*"
)
_CLAUSE_END = re.compile(r"[，。；;,、\n\t（(！!？?\[\]]|$")
_ADDRESS_MARK = re.compile(r"[\d号栋幢村组屯苑园府城庄寨座湾庭巷弄坊邨厦舍楼]|小区|社区|路|大街")
#: Words that end an address on its right: a person, a verb, a time (家住3号楼301室|小红今年8岁).
_AFTER_ADDRESS_FLAGS = frozenset(
    {"v", "vn", "nr", "nrfg", "nrt", "t", "d", "p", "c", "r", "u", "uj", "ul", "y", "e", "a"}
)
#: What follows 住在 without being an address (住在城里, 住在亲戚家).
_NOT_AN_ADDRESS = re.compile(
    r"^(?:这|那|哪|城里|乡下|村里|亲戚|朋友|女儿|儿子|家里|医院|单位|一起|附近)"
    r"|^(?:县城|市区|城区|镇上|乡下|老家|外地|郊区)"
    r"|^(?:拆迁|安置|回迁|老旧|廉租|公租|保障|商品|城中|农村|单位|职工|员工|一个|一处|本|该)"
    r"[\u4e00-\u9fff]{0,4}(?:小区|房|宿舍|村)$"
)
_CLAUSE_LIMIT = 30


def _address_end(words: Words, folded: str, start: int, limit: int) -> int:
    """Where an address that starts at ``start`` ends: at the first word after a place marker
    that cannot be part of an address."""
    position, marked = start, False
    while position < limit:
        token = words.starting_at(position)
        if token is None:
            position += 1
            continue
        if marked and token.flag in _AFTER_ADDRESS_FLAGS and not _ADDRESS_MARK.search(token.word):
            break
        marked = marked or bool(_ADDRESS_MARK.search(folded[start : token.end]))
        position = token.end
    return min(position, limit)


def _dwelling_spans(folded: str, words: Words) -> Iterator[_Span]:
    for match in _DWELLING.finditer(folded):
        if match.start() and folded[match.start() - 1] == "[":
            continue  # the placeholder [地址] itself
        clause_end = _CLAUSE_END.search(folded, match.end(), match.end() + _CLAUSE_LIMIT)
        end = clause_end.start() if clause_end else min(len(folded), match.end() + _CLAUSE_LIMIT)
        clause = folded[match.end() : end]
        start = end - len(strip_admin_prefix(clause))
        end = _address_end(words, folded, start, end)
        rest = folded[start:end].rstrip()
        if len(rest) >= 2 and _ADDRESS_MARK.search(rest) and not _NOT_AN_ADDRESS.match(rest):
            yield _Span(start, start + len(rest), "疑似住址（“住在”等提示词之后）")


#: A market stall, a shop front, a room: numbered places that are no part of a postal address.
_NUMBERED_PLACE = re.compile(
    r"(?:摊位|档口|铺位|柜台|门牌|房号|房间号|宿舍号)号?\s*(?:是|为|[:：])?\s*"
    r"(?P<number>[A-Za-z]?\s*[-－]?\s*\d{1,5}(?:\s*[-－]\s*[A-Za-z0-9]{1,5}){0,3}[A-Za-z]?)"
)


def _address_spans(folded: str, words: Words) -> Iterator[_Span]:
    yield from _estate_spans(folded, words)
    for match in _NUMBERED_PLACE.finditer(folded):
        yield _Span(*match.span("number"), "疑似摊位、门牌或房间号")
    yield from _dwelling_spans(folded, words)
    for match in _ROAD.finditer(folded):
        start = local_start(words, folded, match.start(), 10)
        number = _ROAD_NUMBER.match(folded, match.end())
        if number and match.start() - start >= 1:
            yield _Span(
                start, _chain_after(folded, number.end()), "疑似街道以下的详细地址（路名门牌）"
            )
    for match in _LIVES_ON.finditer(folded):
        place = match.group("place")
        tail = strip_admin_prefix(place)
        if len(tail) >= 3:
            start = match.end("place") - len(tail)
            yield _Span(start, _chain_after(folded, match.end("place")), "疑似住址中的路名")
    for match in _VILLAGE.finditer(folded):
        start = local_start(words, folded, match.start(), 8)
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
        (s for s in _address_spans(folded, words) if not _covers_kept(s, protected)),
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


def _covers_kept(span: _Span, kept: list[tuple[int, int]]) -> bool:
    return overlaps((span.start, span.end), kept)


def _gap(folded: str, end: int, start: int) -> int:
    """Whitespace between two address pieces still joins them into one address."""
    between = folded[end:start]
    return len(between) if between.isspace() else 0
