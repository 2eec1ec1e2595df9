"""Names that carry no surname: children's nicknames and names transcribed from Uyghur,
Kazakh, Tibetan or Mongolian.

A child is 欣欣, 熙熙, 豪豪, 朗仔, 阿明 or 小宇 in a caseworker's note far more often than by the
full name, and 阿依古丽·买买提 or 热合曼·吐尔逊 have no Han surname for the name detector to
start from. Both are recognised by their shape (a doubled name character, 仔 after one, the
middle dot between transcribed parts) or by the cue before them (患儿, 女儿, 小名叫 …).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import jieba

from matching.anonymiser.known_names import COMMON_FAMILIAR, familiar_replacement
from matching.anonymiser.model import Finding
from matching.anonymiser.segment import Words
from matching.anonymiser.text import NAME_CHARS, word_set

#: Doubled characters that are ordinary words (天天 "every day", 慢慢, 爸爸) or kin terms.
_COMMON_DOUBLES = word_set(
    "常常 刚刚 天天 慢慢 渐渐 偏偏 往往 爸爸 妈妈 哥哥 姐姐 弟弟 妹妹 爷爷 奶奶 姥姥 姥爷 舅舅 "
    "叔叔 "
    "伯伯 婆婆 公公 宝宝 娃娃 人人 个个 家家 户户 年年 月月 日日 时时 处处 事事 样样 步步 稍稍 "
    "仅仅 好好 久久 默默 悄悄 轻轻 早早 冷冷 足足 白白 统统 通通 匆匆 纷纷 苦苦 谢谢 看看 想想 "
    "试试 说说 走走 聊聊 等等 点点 滴滴 姑姑 太太 嫂嫂 哈哈 呵呵 嘻嘻 嘿嘿 恰恰 连连 频频 屡屡 "
    "区区 每每 草草 略略 微微 明明 多多 星星 平平 常常 刚刚 重重 层层 片片 条条 串串 次次 回回 "
    "遍遍 声声 句句 字字 双双 对对 三三 两两 一一 万万 千千 生生 世世 代代 子子 孙孙 花花 "
    "绿绿 红红火火 安安 稳稳 乐乐呵呵 欣欣向荣 蒸蒸 勃勃 熙熙攘攘 浩浩荡荡 堂堂 正正 高高 "
    "大大 小小 长长 短短 远远 近近 深深 浅浅 满满 紧紧 松松 静悄悄 亮晶晶 暖暖 凉凉 热热 "
    "冷冰冰 空空 淡淡 浓浓 细细 粗粗 快快 乖乖 傻傻 呆呆 怕怕 痛痛 疼疼 哭哭 笑笑 吃吃 喝喝"
)
#: 仔 after these is a word of its own (仔细, 牛仔, 打工仔).
_NOT_NICK_ZAI = frozenset("细牛猪打公肥靓外学发鸡鱼虾菜羊狗猫马贼个两一三呢嗰啲契衰傻烂生孙表")
_KID_CUE_BEFORE = word_set(
    "患儿 孩子 儿子 女儿 孙子 孙女 外孙 外孙女 小名 乳名 昵称 叫 叫做 名叫 大名 小孩 男孩 女孩 "
    "长子 次子 长女 次女 幼子 幼女 宝宝 小朋友 学生 大儿子 小儿子 大女儿 小女儿 侄子 侄女"
)
_KID_CUE_AFTER = re.compile(
    r"\s*(?:[今现]年|\d{1,2}\s*岁|[一二三四五六七八九十]{1,2}岁|[，,]\s*[男女]|妈妈|爸爸|妈|爸|奶奶|"
    r"爷爷|的(?:妈妈|爸爸|病|学费|治疗|手术)|上学|读|在读|患|确诊|出生|刚|平时|每天|说|哭|笑|很|"
    r"特别|也|还|从小|自小)"
)

#: Characters of Uyghur, Kazakh, Tibetan and Mongolian names in Chinese transcription.
_TRANSCRIBED = frozenset(
    "阿依古丽买提吐尔逊热合曼艾力江努帕孜克汗斯坦木沙迪娜哈尼亚库巴别扎西卓嘎拉姆次仁旦增"
    "多吉央金德格桑索朗平措达瓦白玛顿珠图乌兰其苏和朝鲁敖登雅萨日那布赫宝音额敦米卜杜玉素甫特"
    "麦热依罕加孜提萨拉尕勒塔里普夏合买孙然哈吾买尔衣达衣尼沙帕热提巴音孟根图雅乌云塔娜娜仁"
    "其其格苏日娜阿拉坦旺姆拉巴次卓洛桑尼玛央宗贡觉曲珍格勒扎吾古尔再伊欣石吉克俄比海来鲁西明洪"
    "则茹兹丁卡尕夏莫马伍惹日"
)
_TRANSCRIBED_RUN = re.compile("[" + "".join(sorted(_TRANSCRIBED)) + "]{3,8}")
_DOTTED = re.compile(
    r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{2,7}(?:[·•・.．][\u4e00-\u9fff]{2,7}){1,2}"
    r"|[\u4e00-\u9fff]{2,7}(?:[·•・][\u4e00-\u9fff]{2,7}){1,2}"
)
_CUE_BEFORE_TRANSCRIBED = re.compile(
    r"(?:户主|申请人|患者|患儿|丈夫|妻子|爱人|儿子|女儿|母亲|父亲|名叫|叫|姓名|本人|孙子|孙女|老人)"
    r"[:：\s]*$"
)


#: Kin terms are never a child's name, whatever the context says.
_KIN_DOUBLES = word_set(
    "爸爸 妈妈 哥哥 姐姐 弟弟 妹妹 爷爷 奶奶 姥姥 姥爷 舅舅 叔叔 伯伯 婆婆 公公 姑姑 嫂嫂 太太 "
    "宝宝 娃娃 孙孙"
)


def _doubled(words: Words, folded: str) -> Iterator[tuple[int, int, str]]:
    for index in range(len(folded) - 1):
        char = folded[index]
        if char != folded[index + 1] or not ("\u4e00" <= char <= "\u9fff"):
            continue
        if index > 0 and folded[index - 1] == char:
            continue  # 哈哈哈
        pair = char * 2
        if pair in _KIN_DOUBLES:
            continue
        if pair in _COMMON_DOUBLES:
            if not _kid_context(words, folded, index, index + 2):
                continue
        elif char not in NAME_CHARS and not _kid_context(words, folded, index, index + 2):
            continue
        yield index, index + 2, "疑似小名（叠字昵称）"


def _kid_context(words: Words, folded: str, start: int, end: int) -> bool:
    before = words.ending_at(start)
    if before is not None and before.word in _KID_CUE_BEFORE:
        return True
    return bool(_KID_CUE_AFTER.match(folded, end))


def _zai(folded: str) -> Iterator[tuple[int, int, str]]:
    index = folded.find("仔")
    while index > 0:
        char = folded[index - 1]
        before = folded[index - 2] if index >= 2 else ""
        if (
            "\u4e00" <= char <= "\u9fff"
            and char not in _NOT_NICK_ZAI
            and char != "某"
            and not jieba.dt.FREQ.get(folded[index - 1 : index + 1])
            and before != char
        ):
            start = index - 2 if before in "阿小" and before else index - 1
            yield start, index + 1, "疑似小名（某仔）"
        index = folded.find("仔", index + 1)


def _familiar(words: Words, folded: str) -> Iterator[tuple[int, int, str]]:
    """阿明, 小宇: 阿/小 before a name character, when the pair is no dictionary word."""
    for token in words.tokens:
        if len(token.word) != 2 or token.word[0] not in "阿小":
            continue
        if token.word[1] not in NAME_CHARS or token.word in COMMON_FAMILIAR:
            continue
        rare = jieba.dt.FREQ.get(token.word, 0) < 50
        if (rare and token.word[0] == "阿") or _kid_context(words, folded, token.start, token.end):
            yield token.start, token.end, "疑似昵称（小/阿加名字）"


_LEADING_CUE = re.compile(
    r"^(?:户主|申请人|患者|患儿|丈夫|妻子|爱人|儿子|女儿|母亲|父亲|名叫|叫|姓名|本人|孙子|孙女|老人|"
    r"邻居|其子|其女|其夫|其妻|和|与|及|是|为|由|给|的)"
)


def _transcribed(folded: str) -> Iterator[tuple[int, int, str]]:
    for match in _DOTTED.finditer(folded):
        start = match.start()
        while (cue := _LEADING_CUE.match(folded[start : match.end()])) and (
            folded[start + cue.end() : match.end()].find("·") >= 2
            or folded[start + cue.end() : match.end()].find(".") >= 2
        ):
            start += cue.end()
        yield start, match.end(), "疑似少数民族姓名（音译，中间点分隔）"
    for run in _TRANSCRIBED_RUN.finditer(folded):
        index, end = run.span()
        if _CUE_BEFORE_TRANSCRIBED.search(folded, max(0, index - 6), index):
            yield index, end, "疑似少数民族姓名（音译，称谓之后）"


def extend_transcribed(folded: str, names: list[Finding]) -> list[Finding]:
    """古再丽 + 努尔, 艾合买 + 提江: a transcribed name the surname detector cut short."""
    out = []
    for finding in names:
        end = finding.end
        if folded[finding.start] in _TRANSCRIBED and all(
            c in _TRANSCRIBED for c in folded[finding.start : finding.end]
        ):
            while end < len(folded) and folded[end] in _TRANSCRIBED and end - finding.start < 8:
                end += 1
        out.append(finding if end == finding.end else replace(finding, end=end))
    return out


def find_nicknames(folded: str, words: Words) -> list[Finding]:
    found = [*_doubled(words, folded), *_zai(folded), *_familiar(words, folded)]
    found += _transcribed(folded)
    return [
        Finding("name", start, end, familiar_replacement(folded[start:end]), "detected", reason)
        for start, end, reason in found
    ]
