"""Character-level helpers shared by the detectors.

Narratives arrive typed on phones and office PCs, so digits and Latin letters come in
full-width as often as not. Folding them one code point to one code point lets every pattern
be written once in ASCII while offsets still point into the original text.
"""

from __future__ import annotations

import datetime as dt

from stdnum import luhn

from matching.identity import birth_date_of, check_character, has_valid_check_character

_FOLD_PAIRS = {chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)}  # ！…～ → !…~
_FOLD_PAIRS.update({"\u3000": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " "})
_FOLD_PAIRS.update({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})
# Keep the Chinese brackets and colon that carry meaning in prose (（）：，); patterns accept
# both widths there, and folding them would change nothing a detector cares about.
for _kept in "（），：；？！":
    _FOLD_PAIRS.pop(_kept, None)
_FOLD = str.maketrans(_FOLD_PAIRS)


def word_set(text: str) -> frozenset[str]:
    """Words separated by spaces: long lists of Chinese words read best written that way."""
    return frozenset(text.split())


def fold(text: str) -> str:
    """Full-width digits, letters and signs to ASCII; the result has the same length."""
    return text.translate(_FOLD)


#: The common single-character surnames, for recognising names jieba's dictionary lacks.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧"
    "耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍"
    "华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏"
    "宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
    "冼禤植练巢招湛扈晁岩玉"
)

#: Characters common in given names (and in the nicknames built from them).
NAME_CHARS = frozenset(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁梅"
    "琳素云莲真环雪荣爱妹霞香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣"
    "婉娴瑾颖露瑶怡婵雁蓓仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗"
    "羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可舒影荔思熙豪朗浩宇轩涵睿博辰铭泽皓昊然"
    "梓萱诗琪彤瑜航鑫鹏飞龙凯斌峰亮鸿健俊毅坤翔旭阳东晨硕乐诺依蕾甜田恬贝果朵妞丫娃宝彬诚志"
    "刚德国建平安福禄寿喜康泰文武新兵林森淼焱垚宸煜烨炎铮锐哲逸远帆舟畅楠桐杉槿芮苒菡萌蒙童"
    "曈彦岩嵩崇峥巍川洲波溪沫汐潇湘源鸣声笛璇瑄玥珂琛璟珺祥祺禧佑祐恩蕙兮曦昕旸晔晗暄凌霖"
    "雯霏雨星学永长海山金银铁柱虎彪豹富贵胜利军民卫红光辉耀庆丰顺利"
    "世振兴洪涛清河江湖泉润玮琨瑛珏瑞珊琳瑶璐婧娇媚嫣婷娉姗姝妮婵嫦媛娥雅静淑贤惠良善德仁义"
    "礼智信忠孝勇毅刚强伟岸健康福寿喜乐平安吉祥如意富贵荣华春夏秋冬梅兰竹菊松柏桃李杏"
    "桂枝叶芽苗蕾花朵艳丽秀美俏倩娇柔媚婉娴雅达亨昌盛隆旺兴茂晋升腾跃飞翔鹤凤鸾燕莺鹏"
    "雁鸿鹰骏驰骁骐麒麟彬斌文武章华彩炜煊熠灿烂炫耀晖晴朗旭昊晟景昀昱晋曜星辰宇宙乾坤"
    "亭廷庭霆婷渟雨露霜雪云霞岚雾山峰岭岳峻崖岩磊石玉珍珠宝琦琪璇瑜瑾瑶瑛琼玫瑰钰铭锋锐钧"
    "鑫淼森焱垚犇骉晶磊家天生成发立保树朝若小长"
)
#: The same without the characters ordinary prose is full of (成家, 天生, 发生): for a name
#: read off the characters alone, after a role word.
STRICT_NAME_CHARS = NAME_CHARS - frozenset("家天生成发立地小长树朝若保")

#: Two-character surnames: the given name starts after them, not after the first character.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙",
        "宇文", "司徒", "夏侯", "端木", "独孤", "南宫", "西门", "澹台", "呼延", "轩辕", "钟离",
        "闻人", "万俟", "赫连", "申屠", "太史", "淳于", "单于", "拓跋",
    }
)  # fmt: skip


def split_name(name: str) -> tuple[str, str]:
    """Surname and given name; a two-character surname only when a given name follows it."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def starts_with_surname(word: str) -> bool:
    return word[:1] in SURNAMES or word[:2] in COMPOUND_SURNAMES


def id_check_character(number: str) -> str:
    """The check character of an 18-character resident ID (its own last character ignored)."""
    return check_character(number[:17])


#: First two digits of every province-level code; province codes have not changed since 1997
#: (unlike county codes), so this filter cannot reject a genuine card.
_PROVINCES = word_set(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 "
    "64 65 71 81 82 83 91"
)


def is_resident_id(number: str) -> bool:
    """True for 17 digits plus a correct check character and a real birth date in the past."""
    if len(number) != 18 or not number[:17].isdigit() or number[:2] not in _PROVINCES:
        return False
    return has_valid_check_character(number) and birth_date_of(number) is not None


def is_luhn(number: str) -> bool:
    return bool(luhn.is_valid(number))


def valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return 1880 <= year <= dt.date.today().year


def written_form_note(matched: str) -> str:
    """The part of a reason that tells staff which written form was matched."""
    notes = []
    if any(c.isspace() for c in matched):
        notes.append("含空格写法")
    if any(c in "-－—‐–·." for c in matched):
        notes.append("含连字符写法")
    if any("０" <= c <= "９" or "Ａ" <= c <= "ｚ" for c in matched):
        notes.append("全角写法")
    if "+86" in fold(matched) or "0086" in fold(matched):
        notes.append("含国际区号")
    return "（" + "、".join(notes) + "）" if notes else ""
