"""Every written form of a known person's name: characters, familiar forms and pinyin.

A caseworker writes 张欣怡 as 欣怡, 欣欣, 小欣, 阿欣, 欣仔 or 欣欣妈 (her mother), a Hong Kong
colleague as 張欣怡, a form exported from another system as ZHANG Xinyi, Zhang X.Y. or ZXY.
Characters are matched on the simplified text (``normalise``), pinyin on a letters-only view
that ignores case, spaces, dots, hyphens and tone numbers (tone marks are gone already).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import jieba
from pypinyin import Style, lazy_pinyin, pinyin

from matching.anonymiser.model import REPLACEMENTS
from matching.anonymiser.normalise import normalise_value
from matching.anonymiser.text import fold, split_name, word_set

from .forms import Form, text_key

#: 小/老/阿 + surname or given character that are ordinary words (小于 "less than", 老师).
COMMON_FAMILIAR = word_set(
    "小于 小时 小区 小学 小心 小康 小说 小吃 小米 小姐 小孩 小便 小组 小型 小麦 小数 小额 小微 "
    "小车 小儿 小伙 小腿 小巷 小事 小名 小票 小卖 小包 小菜 小路 小城 小商 老师 老年 老家 老公 "
    "老婆 老乡 老人 老板 老实 老化 老区 老伴 老式 老龄 老汉 老大 老总 老将 老鼠 老母 老父 老房 "
    "老街 老城 老旧 老病 老弱 老屋 老宅 老路 老干 阿姨 阿哥 阿妹 阿婆 阿公 阿爸 阿妈 阿伯 阿叔 "
    "阿嫂 阿爷 阿嬷 大妈 姨妈 舅妈 姑妈 后妈 干妈 奶妈 老妈 宝妈 亲妈 大爸 老爸 干爸 仔细 牛仔 "
    "公仔 猪仔 打仔 细仔 肥仔 靓仔 小仔"
)
#: A derived form this frequent in ordinary prose (天天 "every day", 明明 "obviously") would
#: strip the story; the record's own values (the given name, a listed nickname) still match.
_COMMON_WORD_FREQUENCY = 500
_HONORIFICS = ("先生", "女士", "阿姨", "大爷", "大妈", "大娘", "奶奶", "爷爷", "师傅", "叔叔")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_SPLIT_TRANSLITERATED = re.compile(r"[·•・.\s]+")


def familiar_replacement(word: str) -> str:
    if word[:1] in "小老阿" and len(word) <= 3:
        return word[0] + "某"
    if len(word) == 2 and word[-1:] in "仔妈":
        return "某" + word[-1]
    return REPLACEMENTS["name"]


def _name(value: str, reason: str, replacement: str | None = None) -> Form:
    return Form("name", text_key(value), "text", replacement or familiar_replacement(value), reason)


def _common(word: str) -> bool:
    return word in COMMON_FAMILIAR or jieba.dt.FREQ.get(word, 0) >= _COMMON_WORD_FREQUENCY


def _derived(given: str, surname: str) -> Iterator[tuple[str, str]]:
    """Familiar forms built from the characters of a given name (and the surname)."""
    chars = list(dict.fromkeys(given))
    for char in chars:
        yield char * 2, "已知姓名的叠字昵称"
        yield "小" + char, "已知姓名的称呼写法（小/老/阿加姓或名）"
        yield "阿" + char, "已知姓名的称呼写法（小/老/阿加姓或名）"
        yield char + "仔", "已知姓名的昵称（某仔）"
        yield char + "子", "已知姓名的昵称（某子）"
        yield char + "妈", "已知姓名加“妈”（其母亲的称呼）"
        yield char + "爸", "已知姓名加“爸”（其父亲的称呼）"
    if len(given) >= 2:
        yield given + "妈", "已知姓名加“妈”（其母亲的称呼）"
        yield given + "爸", "已知姓名加“爸”（其父亲的称呼）"
    yield "小" + surname, "已知姓名的称呼写法（小/老/阿加姓或名）"
    yield "老" + surname, "已知姓名的称呼写法（小/老/阿加姓或名）"


def _han_forms(name: str) -> Iterator[Form]:
    if len(name) < 2:
        return
    yield _name(name, "已知姓名", "某某")
    if not _HAN.match(name):
        return
    surname, given = split_name(name)
    if len(given) >= 2:
        yield _name(given, "已知姓名的名字部分")
    for word, reason in _derived(given, surname):
        if word != name and not _common(word):
            yield _name(word, reason)
    for title in _HONORIFICS:
        yield _name(surname + title, "已知姓氏加称谓", "某" + title)


def _transliterated_forms(name: str) -> Iterator[Form]:
    """阿依古丽·买买提: the whole name and each part identify their holder."""
    yield _name(name, "已知姓名", "某某")
    for part in _SPLIT_TRANSLITERATED.split(name):
        if len(part) >= 2:
            yield _name(part, "已知姓名的一部分", "某某")


# --- pinyin --------------------------------------------------------------------------------

_MAX_READINGS = 3


def _syllables(chars: str, *, every_reading: bool) -> list[list[str]]:
    """The pinyin of each character; for a surname every reading (单 dan/shan, 曾 ceng/zeng)."""
    if every_reading:
        readings = pinyin(chars, style=Style.NORMAL, heteronym=True, errors="ignore")
        return [list(dict.fromkeys(r))[:_MAX_READINGS] for r in readings]
    return [[syllable] for syllable in lazy_pinyin(chars, style=Style.NORMAL, errors="ignore")]


def _spellings(syllable: str) -> list[str]:
    """ü is typed v, u or yu (吕 lv, lu, lyu)."""
    if "v" not in syllable:
        return [syllable]
    return [syllable, syllable.replace("v", "u"), syllable.replace("v", "yu")]


def _joined(parts: list[list[str]]) -> Iterator[str]:
    options = [[s for syllable in choice for s in _spellings(syllable)] for choice in parts]
    for combination in itertools.islice(itertools.product(*options), 12):
        yield "".join(combination)


def _pinyin_form(value: str, reason: str) -> Form:
    return Form("name", value, "latin", REPLACEMENTS["name"], reason)


def _pinyin_forms(surname: str, given: str) -> Iterator[Form]:
    family = _syllables(surname, every_reading=True)
    personal = _syllables(given, every_reading=False)
    if len(family) != len(surname) or len(personal) != len(given):
        return
    initials = "".join(choice[0][0] for choice in personal)
    for reading in itertools.islice(itertools.product(*family), 6):
        family_initials = "".join(syllable[0] for syllable in reading)
        for sur in _joined([[syllable] for syllable in reading]):
            for first in _joined(personal):
                yield _pinyin_form(sur + first, "已知姓名的拼音写法")
                yield _pinyin_form(first + sur, "已知姓名的拼音写法（名在前）")
            yield _pinyin_form(sur + initials, "已知姓名的拼音缩写")
            yield _pinyin_form(initials + sur, "已知姓名的拼音缩写")
        if len(family_initials + initials) >= 3:
            yield _pinyin_form(family_initials + initials, "已知姓名的拼音首字母")
    if len(given) >= 2:
        for first in _joined(personal):
            if len(first) >= 5:
                yield _pinyin_form(first, "已知姓名的名字部分（拼音）")


def name_forms(raw: str) -> Iterator[Form]:
    name = normalise_value(raw).strip()
    compact = text_key(name)
    if any(mark in name for mark in "·•・") or ("." in name and _HAN.match(name.replace(".", ""))):
        yield from _transliterated_forms(name)
        return
    if not _HAN.match(compact):
        letters = "".join(c for c in fold(name).lower() if c.isascii() and c.isalpha())
        if len(letters) >= 4:
            # A name the record holds in Latin letters (a foreign spouse, a pinyin-only form).
            yield _pinyin_form(letters, "已知姓名")
        return
    yield from _han_forms(compact)
    surname, given = split_name(compact)
    if given:
        yield from _pinyin_forms(surname, given)


def nickname_forms(raw: str) -> Iterator[Form]:
    """A 小名 the record holds: itself, and in pinyin."""
    nickname = text_key(normalise_value(raw))
    if len(nickname) < 2:
        return
    yield _name(nickname, "已知小名")
    if _HAN.match(nickname):
        for spelled in _joined(_syllables(nickname, every_reading=False)):
            if len(spelled) >= 4:
                yield _pinyin_form(spelled, "已知小名的拼音写法")
