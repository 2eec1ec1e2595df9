"""Write ``generated.jsonl``: narratives composed the way street staff write them.

    .venv/bin/python -m tests.unit.anonymiser.corpora.generate

Each narrative is one of several kinds of document (a visit note, a table pasted from Excel,
a phone call or WeChat transcript, voice input with Chinese numerals, traditional script,
a short public field) with a household drawn at random, and two to five leak forms drawn
from the catalogue below, each with what must go (by kind) and what must stay. The seed is
fixed, so the file only changes when this script does.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import opencc
from pypinyin import Style, lazy_pinyin

from tests.unit.anonymiser.corpora.pools import (
    BENEFITS,
    COMPANY_KINDS,
    COMPANY_PLACES,
    ESTATE_KINDS,
    ESTATE_STEMS,
    ILLNESS,
    MINORITY,
    PLACES,
    ROADS,
    SCHOOL_NAMES,
    TREATMENT,
    VILLAGES,
    Entry,
    Place,
    card,
    id_number,
    person,
    phone,
)

OUT = Path(__file__).with_name("generated.jsonl")
COUNT = 300
_CN = "零一二三四五六七八九"


class Household:
    def __init__(self, rng: random.Random, entry: Entry) -> None:
        self.rng = rng
        self.entry = entry
        self.place: Place = rng.choice(PLACES)
        self.head = person(rng)
        self.spouse = person(rng)
        self.child = self.head[0] + rng.choice(
            ("欣怡", "子轩", "浩然", "梓涵", "雨欣", "俊杰", "一诺")
        )
        born = rng.randint(1950, 1990)
        self.head_id = id_number(rng, born)
        self.child_id = id_number(rng, rng.randint(2008, 2019))
        self.phone = phone(rng)
        self.card = card(rng)
        self.estate = rng.choice(ESTATE_STEMS) + rng.choice(ESTATE_KINDS)
        number, unit = rng.randint(1, 30), rng.randint(1, 6)
        floor, flat = rng.randint(1, 28), rng.randint(1, 4)
        self.building = f"{number}号楼{unit}单元{floor}0{flat}室"
        self.address = f"{self.place.district}{self.place.street}{self.estate}{self.building}"
        for name in (self.head, self.spouse, self.child):
            entry.know("names", name)
        entry.know("id_numbers", self.head_id)
        entry.know("id_numbers", self.child_id)
        entry.know("phones", self.phone)
        entry.know("addresses", self.address)
        self.illness = rng.choice(ILLNESS)
        self.treatment = rng.choice(TREATMENT)


def amount(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return f"{rng.randint(1, 40)}.{rng.randint(1, 9)}万元"
    if kind < 0.8:
        return f"{rng.randint(2, 90) * 100}元"
    return f"{rng.randint(1, 30)}万元"


def spoken(digits: str, rng: random.Random) -> str:
    """Digits as voice input writes them: 一三九…, sometimes 幺 for 1 and 洞 for 0."""
    yao = rng.random() < 0.4
    out = []
    for d in digits:
        if d == "1" and yao:
            out.append("幺")
        elif d == "0":
            out.append(rng.choice("零〇洞"))
        else:
            out.append(_CN[int(d)])
    return "".join(out)


def pinyin_forms(name: str, rng: random.Random) -> str:
    surname, given = (
        (name[:2], name[2:])
        if name[:2]
        in ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "司徒", "夏侯")
        else (name[:1], name[1:])
    )
    sur = "".join(lazy_pinyin(surname))
    first = "".join(lazy_pinyin(given))
    marks = "".join(lazy_pinyin(given, style=Style.TONE))
    choice = rng.randrange(6)
    if choice == 0:
        return f"{sur.capitalize()} {first.capitalize()}"
    if choice == 1:
        return f"{sur.upper()} {first.capitalize()}"
    if choice == 2:
        return f"{first.capitalize()} {sur.capitalize()}"
    if choice == 3:
        return f"{sur.capitalize()} {marks.capitalize()}"
    if choice == 4:
        return f"{sur.capitalize()} {'.'.join(s[0].upper() for s in lazy_pinyin(given))}."
    return (
        (sur[0] + "".join(s[0] for s in lazy_pinyin(given))).upper()
        if len(name) >= 3
        else f"{sur}{first}"
    )


# --- leak forms: each returns a sentence and records what must go ---------------------------


def leak_traditional_name(h: Household) -> str:
    t = opencc.OpenCC("s2t").convert(h.head)
    h.entry.must_go("name", t)
    return f"香港同事登记的名字写作{t}。"


def leak_pinyin(h: Household) -> str:
    written = pinyin_forms(h.head, h.rng)
    h.entry.must_go("name", written)
    return h.rng.choice(
        (f"医院系统里登记为 {written}。", f"英文材料上写的是{written}，", f"(Name: {written})")
    )


def leak_given_and_nick(h: Household) -> str:
    given = h.child[1:]
    nick = h.rng.choice((given[-1] * 2, "小" + given[-1], "阿" + given[-1], given[-1] + "仔"))
    h.entry.must_go("name", given)
    h.entry.must_go("name", nick)
    return h.rng.choice((
        f"{given}很懂事，家里人都叫他{nick}。", f"{nick}今年上学了，{given}的学费还没着落。",
        f"邻居说{nick}妈每天都去医院陪护，{given}也跟着去。",
    ))  # fmt: skip


def leak_masked_id(h: Household) -> str:
    number = h.head_id
    form = h.rng.randrange(5)
    if form == 0:
        text = number[:10] + "****" + number[-4:]
        h.entry.must_go("id_number", number[:10])
        h.entry.must_go("id_number", number[-4:])
        return f"身份证号{text}。"
    if form == 1:
        h.entry.must_go("id_number", number[-4:])
        return h.rng.choice(
            (
                f"身份证尾号{number[-4:]}。",
                f"证件后四位{number[-4:]}，",
                f"身份证末四位是{number[-4:]}。",
            )
        )
    if form == 2:
        spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
        h.entry.must_go("id_number", spaced)
        return f"身份证：{spaced}。"
    if form == 3:
        wide = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
        h.entry.must_go("id_number", wide)
        return f"公民身份号码 {wide}"
    h.entry.must_go("id_number", number[:6] + "********" + number[-4:])
    h.entry.must_go("id_number", number[-4:])
    return f"证号{number[:6]}********{number[-4:]}"


def leak_phone(h: Household) -> str:
    number = h.phone
    form = h.rng.randrange(4)
    if form == 0:
        text = spoken(number, h.rng)
        h.entry.must_go("phone", text)
        return f"电话{text}"
    if form == 1:
        text = f"{number[:3]} {number[3:7]} {number[7:]}"
        h.entry.must_go("phone", text)
        return f"联系电话：{text}。"
    if form == 2:
        h.entry.must_go("phone", number[-4:])
        return f"手机尾号{number[-4:]}。"
    text = f"+86-{number[:3]}-{number[3:7]}-{number[7:]}"
    h.entry.must_go("phone", text)
    return f"Tel: {text}"


def leak_card(h: Household) -> str:
    h.entry.know("bank_cards", h.card)
    form = h.rng.randrange(3)
    if form == 0:
        grouped = " ".join(h.card[i : i + 4] for i in range(0, len(h.card), 4))
        h.entry.must_go("bank_card", grouped)
        return f"善款可汇入银行卡{grouped}。"
    if form == 1:
        h.entry.must_go("bank_card", h.card[-4:])
        return f"工资卡尾号{h.card[-4:]}，"
    h.entry.must_go("bank_card", h.card)
    return f"收款账号：{h.card}"


def leak_certificate(h: Household) -> str:
    cert = h.head_id + f"{h.rng.randint(1, 7)}{h.rng.randint(1, 4)}"
    h.entry.must_go("certificate", cert)
    grade = h.entry.must_stay(h.rng.choice(("肢体二级", "视力一级", "精神三级", "智力二级")))
    return f"残疾证号{cert}，{grade}。"


def leak_birth(h: Household) -> str:
    born = h.head_id[6:14]
    y, m, d = int(born[:4]), int(born[4:6]), int(born[6:])
    rng = h.rng
    forms = (
        f"{y}年{m}月{d}日", f"{y}.{m}.{d}", born, f"{str(y)[2:]}年{m}月{d}日",
        f"{''.join(_CN[int(c)] for c in str(y))}年{_cn_small(m)}月{_cn_small(d)}日",
        f"{y}-{m:02d}-{d:02d}",
    )  # fmt: skip
    written = rng.choice(forms)
    h.entry.must_go("birth_date", written)
    return rng.choice((f"户主生日{written}。", f"{written}出生。", f"（出生日期：{written}）"))


def _cn_small(n: int) -> str:
    if n < 10:
        return _CN[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[units] if units else "")


def leak_accounts(h: Household) -> str:
    rng = h.rng
    handle = (
        "".join(lazy_pinyin(h.head))[: rng.randint(3, 6)]
        + rng.choice(("_", ""))
        + str(rng.randint(1970, 2005))
        + str(rng.randint(1, 99))
    )
    qq = str(rng.randint(10000000, 2999999999))
    plate = (
        rng.choice("津渝鲁粤京辽琼宁新藏")
        + rng.choice("ABCDEF")
        + rng.choice(("·", "", " "))
        + f"{rng.randint(10, 99)}{rng.choice('KXYZ')}{rng.randint(10, 99)}"
    )
    form = rng.randrange(4)
    if form == 0:
        h.entry.must_go("wechat", handle)
        return rng.choice((f"微信：{handle}。", f"加了她的微信 {handle}，", f"vx {handle}"))
    if form == 1:
        h.entry.must_go("wechat", handle)
        return f"家属留的联系方式 {handle}"
    if form == 2:
        h.entry.must_go("qq", qq)
        return f"QQ号{qq}。"
    h.entry.must_go("plate", plate)
    return f"肇事车辆车牌{plate}。"


def leak_neighbour(h: Household) -> str:
    other = person(h.rng)
    h.entry.must_go("name", other)
    cue = h.rng.choice(("邻居", "网格员", "社工", "村医", "班主任", "联系人：", "其姐姐", "表哥"))
    return h.rng.choice(
        (f"{cue}{other}经常帮忙。", f"由{cue}{other}陪同就医。", f"{cue}{other}反映情况属实。")
    )


def leak_address(h: Household) -> str:
    rng = h.rng
    form = rng.randrange(5)
    street = h.entry.must_stay(h.place.street)
    if form == 0:
        h.entry.must_go("address", h.estate)
        h.entry.must_go("address", h.building)
        return f"家住{street}{h.estate}{h.building}。"
    if form == 1:
        village = rng.choice(VILLAGES)
        text = f"{village}村委会{rng.choice(VILLAGES)}小组{rng.randint(1, 60)}号"
        h.entry.must_go("address", text)
        return f"户籍地{text}。"
    if form == 2:
        road = rng.choice(ROADS)
        text = f"{road}{rng.randint(1, 300)}号"
        h.entry.must_go("address", text)
        return f"现租住在{street}{text}{rng.randint(1, 6)}楼。"
    if form == 3:
        community = rng.choice(ESTATE_STEMS) + rng.choice(("社区", "居委会"))
        h.entry.must_go("address", community)
        return f"该户原住{community}，后搬到{street}。"
    village = rng.choice(VILLAGES) + "村"
    text = f"{village}{rng.randint(1, 9)}组{rng.randint(1, 60)}号"
    h.entry.must_go("address", text)
    return f"住{text}自建房。"


def leak_work_school(h: Household) -> str:
    rng = h.rng
    company = rng.choice(COMPANY_PLACES) + rng.choice(COMPANY_KINDS)
    school = rng.choice(
        ("拱北", "塘沽", "观音桥", "岱庙", "回龙观", "新华", "城关", "兴庆")
    ) + rng.choice(SCHOOL_NAMES)
    h.entry.must_go("employer", company)
    h.entry.must_go("school", school)
    work = h.entry.must_stay(rng.choice(("全职", "兼职", "打零工", "做保洁")))
    return rng.choice((
        f"配偶原在{company}上班，现{work}。孩子在{school}读{rng.choice('一二三四五六')}年级。",
        f"父亲在{company}工作，{work}；女儿就读于{school}。",
    ))  # fmt: skip


LEAKS: tuple[Callable[[Household], str], ...] = (
    leak_traditional_name, leak_pinyin, leak_given_and_nick, leak_masked_id, leak_phone,
    leak_card, leak_certificate, leak_birth, leak_accounts, leak_neighbour, leak_address,
    leak_work_school,
)  # fmt: skip


def facts(h: Household) -> str:
    rng, e, p = h.rng, h.entry, h.place
    cost, own = amount(rng), amount(rng)
    year = rng.randint(2018, 2024)
    e.must_stay(h.illness)
    e.must_stay(p.hospital)
    e.must_stay(cost)
    e.must_stay(p.district)
    benefit = e.must_stay(rng.choice(BENEFITS))
    body = e.must_stay(rng.choice(("左小腿", "右手", "左眼", "腰椎", "双下肢", "右侧肢体")))
    policy = p.policy if rng.random() < 0.5 else ""
    if policy:
        e.must_stay(policy)
    return (
        f"{year}年{rng.randint(1, 12)}月确诊{h.illness}，"
        f"在{p.hospital}{h.treatment}，累计花费{cost}，"
        f"医保报销后自付{own}。{body}活动受限，需要轮椅。户籍{p.district}，已纳入{benefit}"
        + (f"，依据{policy}给予临时救助。" if policy else "。")
    )


def visit_note(h: Household) -> str:
    e = h.entry
    e.must_go("name", h.head)
    e.must_go("name", h.spouse)
    return (
        f"入户走访记录：申请人{h.head}，{h.rng.choice('男女')}，{h.rng.randint(30, 75)}岁。"
        + facts(h)
        + f"配偶{h.spouse}在家照顾。"
    )


def excel_table(h: Household) -> str:
    e = h.entry
    e.must_go("name", h.head)
    e.must_go("id_number", h.head_id)
    e.must_go("phone", h.phone)
    header = "序号\t姓名\t性别\t身份证号\t联系电话\t困难情况\t救助金额"
    grant = e.must_stay(f"{h.rng.randint(10, 60) * 100}元")
    e.must_stay(h.illness)
    row = f"1\t{h.head}\t{h.rng.choice('男女')}\t{h.head_id}\t{h.phone}\t患{h.illness}\t{grant}"
    return header + "\n" + row + "\n"


def phone_call(h: Household) -> str:
    e = h.entry
    e.must_go("name", h.spouse)
    e.must_stay(h.illness)
    return (
        f"电话回访记录\n社工：您好，请问是{h.spouse}吗？\n家属：是的，我是。\n"
        f"社工：孩子的{h.illness}现在怎么样？\n家属：还在{h.treatment}，每个月要{amount(h.rng)}。\n"
    )


def wechat_chat(h: Household) -> str:
    e = h.entry
    e.must_go("name", h.head)
    e.must_stay(h.illness)
    t = f"{h.rng.randint(8, 21)}:{h.rng.randint(10, 59)}"
    return (
        f"[微信聊天记录]\n{h.head[0]}姐 {t}：社区的同志好，我是{h.head}，"
        f"娃的{h.illness}复查结果出来了\n网格员 {t}：收到，材料发我一下\n"
    )


def voice_input(h: Household) -> str:
    e = h.entry
    e.must_go("name", h.head)
    spoken_phone = spoken(h.phone, h.rng)
    e.must_go("phone", spoken_phone)
    e.must_stay(h.illness)
    return (
        f"语音转文字 申请人叫{h.head} 电话是{spoken_phone} 得的是{h.illness} "
        f"去年住了两次院 家里就靠他一个人 "
    )


def minority(h: Household) -> str:
    e = h.entry
    name = h.rng.choice(MINORITY)
    e.known["names"] = [name, *e.known.get("names", [])]
    e.must_go("name", name)
    other = h.rng.choice([m for m in MINORITY if m != name])
    e.must_go("name", other)
    e.must_stay(h.illness)
    return f"户主{name}，丈夫{other}，家中三口人。" + facts(h)


GENRES = (visit_note, visit_note, excel_table, phone_call, wechat_chat, voice_input, minority)


def traditional(entry: Entry, text: str) -> str:
    converter = opencc.OpenCC("s2tw" if entry.id.endswith("tw") else "s2hk")
    converted: str = converter.convert(text)
    for kind, values in entry.remove.items():
        entry.remove[kind] = [
            converter.convert(v) if converter.convert(v) in converted else v for v in values
        ]
    entry.keep = [k for k in (converter.convert(k) for k in entry.keep) if k in converted]
    return converted


def build(index: int, rng: random.Random) -> dict[str, object]:
    script = rng.random()
    suffix = "tw" if script < 0.08 else "hk" if script < 0.16 else ""
    entry = Entry(f"gen-{index:03d}{'-' + suffix if suffix else ''}")
    h = Household(rng, entry)
    genre = rng.choice(GENRES)
    text = genre(h)
    for leak in rng.sample(LEAKS, rng.randint(2, 5)):
        text += leak(h)
    if suffix:
        text = traditional(entry, text)
    entry.keep = [k for k in entry.keep if k in text]
    return {
        "id": entry.id,
        "text": text,
        "known": entry.known,
        "remove": entry.remove,
        "keep": entry.keep,
    }


def main() -> None:
    rng = random.Random(20261204)
    lines = [json.dumps(build(i, rng), ensure_ascii=False) for i in range(1, COUNT + 1)]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
