"""Personal names nobody told us about: a neighbour, a relative, a doctor in the narrative.

jieba's part-of-speech tag ``nr`` is the starting point, but taken alone it is both too eager
and too shy for this text. Its dictionary tags some 80,000 entries as names, among them
康复, 洪水, 保健 and 申请人; and it splits names it has never seen (赵 + 淑芬). So a tag is
believed only when the word also looks like a name (a surname first, two to four characters)
and is not one of the words a need is made of (illness, kinship, place, hospital). Two cues
a caseworker's prose always gives add recall: a kinship or role word right before a name
(母亲李秀英) and the sex right after it (张小明，男，).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import jieba

from matching.anonymiser.forms import Form, text_key
from matching.anonymiser.known_names import familiar_replacement
from matching.anonymiser.model import Finding
from matching.anonymiser.places import overlaps
from matching.anonymiser.segment import Words
from matching.anonymiser.text import (
    COMPOUND_SURNAMES,
    NAME_CHARS,
    STRICT_NAME_CHARS,
    SURNAMES,
    split_name,
    starts_with_surname,
    word_set,
)

#: Kinship and role words: they stand before names and are never names themselves.
ROLE_WORDS = word_set(
    "户主 申请人 母亲 父亲 妻子 丈夫 爱人 老伴 儿子 女儿 其子 其女 其夫 其妻 长子 次子 三子 "
    "长女 次女 三女 孙子 孙女 外孙 外孙女 爷爷 奶奶 姥姥 姥爷 外公 外婆 祖父 祖母 哥哥 "
    "姐姐 弟弟 妹妹 患者 "
    "监护人 联系人 邻居 老人 儿媳 女婿 公公 婆婆 岳父 岳母 继父 继母 养父 养母 配偶 前妻 前夫 "
    "同学 班主任 网格员 社工 村医 医生 主治医生 护士 委托人 代理人 学生 孩子 小孩 女孩 男孩 本人 "
    "姓名 名叫 叫 名为 大哥 大姐 二哥 二姐 叔叔 阿姨 舅舅 姑姑 伯伯 侄子 侄女 外甥 外甥女 "
    "户籍人 残疾人 困难户 低保户 对象 救助对象 当事人 志愿者 负责人 法定代表人 患儿 其孙 其孙女 "
    "丈夫 前夫 男友 女友 男朋友 女朋友 同事 工友 房东 村干部 书记 主任 老师 校长 经办人 "
    "紧急联系人 家属 亲属 堂兄 堂姐 堂弟 堂妹 表哥 表姐 表弟 表妹 小孙子 小孙女 大儿子 小儿子 "
    "大女儿 小女儿 二儿子 二女儿 老大 老二 老三 幼子 幼女 独子 独女 亲戚 朋友 好友 室友 病友 "
    "乳名 小名 昵称 网名 大名 原名 曾用名 叫做 唤作 名字 学生 小朋友 儿童 宝宝 孙辈 嫂子 弟媳 "
    "姐夫 妹夫 连襟 亲家 侄孙 曾孙 户主为 申请人为 患者为 其母 其父 其兄 其姐 其弟 其妹"
)

#: Words a need is made of that jieba tags (or a cue would mistake) as names.
KEEP_WORDS = ROLE_WORDS | word_set(
    # illness and treatment
    "尿毒症 白血病 血液透析 透析 脑瘫 帕金森 阿尔茨海默 青光眼 白内障 霍奇金 李斯特 唐氏 马凡 "
    "高血压 糖尿病 冠心病 脑梗 脑梗死 脑出血 肝硬化 肺癌 胃癌 肝癌 乳腺癌 尘肺 红斑狼疮 康复 "
    "保健 化疗 放疗 手术 住院 门诊 医保 大病 重病 慢病 病情 截肢 瘫痪 偏瘫 抑郁症 精神分裂症 "
    "自闭症 孤独症 先心病 地中海贫血 再生障碍性贫血 淋巴瘤 骨折 烧伤 "
    # household, money and help
    "钟点工 护工 保姆 低保 特困 临时救助 救助 补贴 补助 资助 慈善 爱心 志愿 社会 明白 安康 平安 "
    "吉祥 齐全 黎明 乔迁 阳光 高峰 洪水 洪涝 青少年 师傅 老公 老婆 宝贝 子孙 祖先 光荣 友谊 "
    "公正 安静 文明 道德 智慧 荣誉 明星 顾问 顾客 白领 维生素 老太太 老大爷 老大娘 康宁 金鼎 "
    "常年 高中 初中 小学 大学 高考 中考 严重 常常 向前 于是 尚可 万元 千元 "
    # places, above all those of the platform's three districts
    "秦皇岛 天津 重庆 泰安 齐鲁 华山 滨海 塘沽 汉沽 大港 泰达 于家堡 响螺湾 胡家园 北塘 "
    "杭州道 新港 新河 新北 江北 观音桥 红旗河沟 鲤鱼池 五里店 大石坝 石马河 华新街 寸滩 "
    "郭家沱 唐家沱 铁山坪 鱼嘴 复盛 五宝 沙坪坝 杨家坪 解放碑 泰山 岱庙 岱岳 财源 泰前 "
    "上高 徐家楼 省庄 邱家店 红门 天外村 "
    # body, work and care words whose first character is also a surname (左小腿, 全职)
    "左小腿 右小腿 左大腿 右大腿 左上肢 右上肢 左下肢 右下肢 左手 右手 左脚 右脚 左眼 右眼 "
    "左耳 右耳 "
    "左腿 右腿 左臂 右臂 左侧 右侧 全职 全日 全天 全家 全部 全身 全程 全额 全年 全托 半职 "
    "单元 单元楼 单元房 单位 单亲 单身 单独 单人 单间 单据 单价 单项 单次 单侧 "
    "高一 高二 高三 初一 初二 初三 大一 大二 大三 大四 研一 研二 研三 "
    "常规 常驻 周末 周岁 周边 周期 高龄 高位 高位截瘫 高烧 高热 向日葵 关节 关节炎 关爱 "
    "万幸 包括 齐心 易感 韦氏 牛奶 石膏 钱款 金额 黄疸 白细胞 红细胞 "
    # placeholders the anonymiser writes
    "某某 小某 老某 阿某 某仔 某妈"
)

_NAME_FLAGS = frozenset({"nr", "nrfg", "nrt"})
#: A word right after a candidate that shows it names a place, an institution or an illness.
_NOT_A_PERSON_AFTER = word_set(
    "坪 堡 店 庄 村 镇 乡 街 路 道 桥 河 湖 湾 沟 屯 营 寨 坝 沱 塘 港 区 县 市 省 山 岭 峪 园 苑 "
    "里 街道 社区 小区 医院 大学 中学 小学 学院 学校 综合征 综合症 氏 病毒 菌 牌 集团 公司 基金会 "
    "大街 大道 新区 花园 家园 广场 大厦 中心 主义 思想 城"
)
#: Last characters of place names that jieba's dictionary files as personal names (杨家坪,
#: 张家湾, 沙坪坝); given names practically never end in them.
_PLACE_ENDINGS = frozenset("坪湾堡坝沱铺庄村镇沟屯寨塘店庙寺嘴垭坳坡渡窑巷弄街路")
#: After 家 (X家楼, X家台) these end a place too, though alone they may end a given name.
_PLACE_AFTER_JIA = frozenset("楼台山河湖园岭口门桥岗洼集")
#: Characters that do not occur inside a name but do follow one in a sentence (李秀英患…).
_NOT_IN_NAME = frozenset("患因在于是的了和与及今现已系说等为也都把被到从向对就又还将由经未曾病")
_SEX_AFTER = re.compile(r"\s*[，,（(、]\s*[男女](?=[，,、）)\s;；。]|性|\d|$)")
_COLON = re.compile(r"[:：\s]*")


def _familiar(word: str) -> bool:
    return len(word) in (2, 3) and word[0] in "小老阿"


def _looks_like_name(word: str) -> bool:
    return (
        2 <= len(word) <= 4
        and all("\u4e00" <= c <= "\u9fd5" for c in word)
        and "某" not in word
        # a name does not start with a word the need is made of (康复 → 康复科)
        and not any(word[:n] in KEEP_WORDS for n in (2, 3, 4))
    )


def _is_place_name(word: str) -> bool:
    if word[-1] in "镇乡县区市省村":
        return True
    return len(word) >= 3 and (
        word[-1] in _PLACE_ENDINGS or (word[-2] == "家" and word[-1] in _PLACE_AFTER_JIA)
    )


def _next_shows_not_person(words: Words, end: int) -> bool:
    following = words.starting_at(end)
    return following is not None and following.word in _NOT_A_PERSON_AFTER


def _single_common_word(words: Words, start: int, end: int) -> bool:
    """True when the span is exactly one dictionary word that jieba says is not a name."""
    token = words.starting_at(start)
    return (
        token is not None
        and token.end == end
        and not token.guessed
        and token.flag not in _NAME_FLAGS
    )


def _from_tags(words: Words) -> Iterator[tuple[int, int, str]]:
    tokens = words.tokens
    for index, token in enumerate(tokens):
        if token.flag not in _NAME_FLAGS:
            continue
        before = tokens[index - 1] if index else None
        if (
            before is not None
            and before.end == token.start
            and (before.word in SURNAMES or before.word in COMPOUND_SURNAMES)
            and len(token.word) <= 2
            and token.word not in KEEP_WORDS
        ):
            # jieba split an unseen name into surname + a given name it knows (赵 + 淑芬).
            yield before.start, token.end, "疑似人名（姓氏加名字）"
            continue
        if token.guessed:
            if starts_with_surname(token.word) or _familiar(token.word):
                yield token.start, token.end, "疑似人名（分词词性标注）"
        elif (len(token.word) == 3 and token.word[0] in SURNAMES) or (
            len(token.word) == 4 and token.word[:2] in COMPOUND_SURNAMES
        ):
            # A three-character dictionary "name" with a surname first is a person (李秀英);
            # two-character ones are mostly ordinary words (康复, 洪水) and need a cue.
            yield token.start, token.end, "疑似人名（分词词性标注）"


def _candidate_at(words: Words, text: str, start: int) -> int | None:
    """The end of a name starting at ``start``, if one plausibly does."""
    longest = 4 if text[start : start + 2] in COMPOUND_SURNAMES else 3
    for length in range(longest, 1, -1):
        end = start + length
        word = text[start:end]
        if (
            len(word) == length
            and starts_with_surname(word)
            and not (set(word[1:]) & _NOT_IN_NAME)
            and _looks_like_name(word)
            and words.containing(end) is None
            and not _single_common_word(words, start, end)
        ):
            return end
    return None


def _name_shaped_at(text: str, start: int) -> int | None:
    """A surname and one or two given-name characters, whatever jieba made of them: after a
    role word (网格员房巧云经常…) the words may straddle the name's end."""
    surname = 2 if text[start : start + 2] in COMPOUND_SURNAMES else 1
    if surname == 1 and text[start : start + 1] not in SURNAMES:
        return None
    given = 0
    while (
        given < 2
        and text[start + surname + given : start + surname + given + 1] in STRICT_NAME_CHARS
    ):
        given += 1
    if given == 0:
        return None
    end = start + surname + given
    word = text[start:end]
    return end if _looks_like_name(word) and not _is_place_name(word) else None


#: Role words found in the text itself: jieba does not know 网格员 or 村医 and cuts them
#: (网格 + 员滕子), so the cue would be lost between its words.
_ROLE = re.compile(
    "(?=[" + "".join(sorted({w[0] for w in ROLE_WORDS})) + "])"
    "(?=(" + "|".join(sorted(ROLE_WORDS, key=len, reverse=True)) + "))"
)


def _from_cues(words: Words, text: str) -> Iterator[tuple[int, int, str]]:
    for role in _ROLE.finditer(text):
        start = _COLON.match(text, role.end(1))
        begin = start.end() if start else role.end(1)
        end = _candidate_at(words, text, begin) or _name_shaped_at(text, begin)
        if end is not None:
            yield begin, end, "疑似人名（称谓之后）"
    for match in _SEX_AFTER.finditer(text):
        end = match.start()
        for length in (4, 3, 2):
            begin = end - length
            if begin < 0 or words.containing(begin) is not None:
                continue
            if _candidate_at(words, text, begin) == end:
                yield begin, end, "疑似人名（性别说明之前）"
                break


#: Characters after which a name may start though they are Chinese (与安欣怡, 据万永福).
_BEFORE_NAME = frozenset(
    "与和及同跟据由给让找问叫对向被把替帮陪带请谢了就是为到见在看访候打、，,；;：:（(\n\t "
)
#: Characters a name may be followed by (丁建军说, 余庆丰的, 毛富贵、).
_AFTER_NAME = frozenset(
    "说的和与及、，,。；;：:（(）)是在今正也都夫家等每多介签他她一已还曾因患于从到去来向把被讲表"
    "同称告反打讲问希想要会能这那\n\t "
)


def _boundary_before(text: str, start: int) -> bool:
    return (
        start == 0
        or not ("\u4e00" <= text[start - 1] <= "\u9fd5")
        or text[start - 1] in _BEFORE_NAME
    )


def _boundary_after(text: str, end: int) -> bool:
    return end >= len(text) or not ("\u4e00" <= text[end] <= "\u9fd5") or text[end] in _AFTER_NAME


def _from_shape(words: Words, text: str) -> Iterator[tuple[int, int, str]]:
    """A surname, then one or two given-name characters, between words that end and start a
    name, however jieba cut them (丁|建军, 舒丽|娟, 时倪|海涛, 焦军): names in prose that no
    role word or sex marks, written by someone who does not know the family."""
    tokens = words.tokens
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        # surname + a given name of two characters
        if (
            len(token.word) == 1
            and token.word in SURNAMES
            and following is not None
            and following.start == token.end
            and len(following.word) == 2
            and all(c in NAME_CHARS for c in following.word)
            and following.word not in KEEP_WORDS
            and _boundary_before(text, token.start)
            and _boundary_after(text, following.end)
        ):
            yield token.start, following.end, "疑似人名（姓氏加常见名字用字）"
        # a guessed word ending in a surname, then the given name (时倪|海涛)
        if (
            token.guessed
            and len(token.word) == 2
            and following is not None
            and following.start == token.end
        ):
            first, last = token.word[0], token.word[1]
            given = following.word
            if (
                last in SURNAMES
                and 1 <= len(given) <= 2
                and all(c in NAME_CHARS for c in given)
                and _boundary_after(text, following.end)
            ):
                yield token.start + 1, following.end, "疑似人名（姓氏加常见名字用字）"
            elif (
                first in SURNAMES
                and last in NAME_CHARS
                and len(given) == 1
                and given in NAME_CHARS
                and _boundary_before(text, token.start)
                and _boundary_after(text, following.end)
            ):
                yield token.start, following.end, "疑似人名（姓氏加常见名字用字）"
        # the characters alone, whatever the words: 段德胜, 游子萱 (jieba made 时段, 游子)
        if token.word[0] in SURNAMES and len(token.word) <= 2:
            end = token.start + 3
            word = text[token.start : end]
            if (
                len(word) == 3
                and all(c in NAME_CHARS or c == "子" for c in word[1:])
                and word[1:] not in KEEP_WORDS
                and not jieba.dt.FREQ.get(word)
                and _boundary_before(text, token.start)
                and _boundary_after(text, end)
                and words.containing(end) is None
            ):
                yield token.start, end, "疑似人名（姓氏加常见名字用字）"
        # a guessed two-character word: surname + one given character (焦军和…)
        if (
            token.guessed
            and len(token.word) == 2
            and token.word[0] in SURNAMES
            and token.word[1] in NAME_CHARS
            and _boundary_before(text, token.start)
            and _boundary_after(text, token.end)
        ):
            yield token.start, token.end, "疑似人名（姓氏加常见名字用字）"


def find_names(text: str, words: Words, protected: list[tuple[int, int]]) -> list[Finding]:
    """Detected names; ``text`` is the folded text the offsets of ``words`` refer to."""
    found: dict[tuple[int, int], str] = {}
    for start, end, reason in (
        *_from_tags(words),
        *_from_cues(words, text),
        *_from_shape(words, text),
    ):
        word = text[start:end]
        if (
            (start, end) in found
            or not _looks_like_name(word)
            or _is_place_name(word)
            or overlaps((start, end), protected)
            or _next_shows_not_person(words, end)
        ):
            continue
        found[(start, end)] = reason
    return [
        Finding("name", start, end, familiar_replacement(text[start:end]), "detected", reason)
        for (start, end), reason in sorted(found.items())
    ]


#: Words after a surname that make a form of address, not a given name (吴大妈, 马大姐).
_FORMS_OF_ADDRESS = word_set(
    "大妈 大姐 大哥 大嫂 大婶 大爷 大娘 阿姨 叔叔 奶奶 爷爷 先生 女士 师傅 老师 同学 医生"
)


def other_forms_of(text: str, names: Iterable[Finding]) -> list[Form]:
    """Once 郑小红 is found, 小红 elsewhere in the same narrative is the same person."""
    givens: dict[str, Form] = {}
    for finding in names:
        _, given = split_name(text[finding.start : finding.end])
        if len(given) >= 2 and given not in _FORMS_OF_ADDRESS and given not in KEEP_WORDS:
            givens.setdefault(
                given,
                Form(
                    "name",
                    text_key(given),
                    "text",
                    familiar_replacement(given),
                    "与疑似人名相同的名字",
                ),
            )
    return list(givens.values())
