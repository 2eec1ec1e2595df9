"""Generated narratives: no generated identifier survives in any written form.

Names, ID numbers, phones and addresses are drawn afresh for every example and poured into
templates the way caseworkers write; whatever form a template uses, none of it may reach the
public text, and a second pass over the public text must find nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.anonymiser import Known, anonymise, remaining_identifiers
from matching.anonymiser.text import fold
from tests.unit.anonymiser import valid_id

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官")
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁梅"
    "琳素云莲环雪荣爱霞香月瑞凡佳嘉琼勤珍贞莉桂璐琦晶妍茜秋珊锦黛倩婷颖露瑶怡丹蓉君琴蕊薇梦岚"
    "馨浩宇轩睿博文德福贵"
)
ESTATES = ("幸福", "阳光", "翠湖", "和谐", "锦绣", "滨江", "海韵", "金色", "龙潭", "青年")
VILLAGES = ("前旺", "东羊楼", "胜利", "南桥寺", "红光", "王家")
PLACES = (
    ("天津市滨海新区", "塘沽街道", "天津医科大学总医院", "津民发〔2021〕12号"),
    ("重庆市江北区", "观音桥街道", "重庆医科大学附属儿童医院", "渝府办发〔2022〕5号"),
    ("泰安市泰山区", "岱庙街道", "泰安市中心医院", "泰政办发〔2020〕8号"),
)
ILLNESSES = ("尿毒症", "白血病", "脑瘫", "乳腺癌", "再生障碍性贫血")

TEMPLATES = (
    "申请人{name}，{sex}，身份证号{id}，现住{district}{street}{address}。{year}年确诊{illness}，"
    "在{hospital}治疗，自付费用{amount}万元。联系电话{phone}。",
    "户主{name}（{sex}，{age}岁）患{illness}，依据{policy}文件给予临时救助{money}元。"
    "{familiar}说家里困难。家庭住址：{address}。证件号码：{id}，手机{phone}。",
    "{name}，{sex}，{district}{street}居民，家住{address}，患{illness}{months}个月，"
    "在{hospital}住院{times}次。其身份证号码为{id}，电话 {phone}，{title}希望得到帮助。",
    "经入户核实，{given}的母亲长期卧床，{name}本人患{illness}。住址{address}，"
    "联系方式：{phone}；身份证：{id}。街道已给予救助{money}元（{policy}）。",
)
#: Every two characters a template contains: a generated given name equal to one of them
#: would make "the given name must be gone" a test of the template, not of the anonymiser.
TEMPLATE_BIGRAMS = {
    text[i : i + 2]
    for text in (*TEMPLATES, *ESTATES, *VILLAGES, *ILLNESSES, *(p for ps in PLACES for p in ps))
    for i in range(len(text) - 1)
}


@dataclass(frozen=True)
class Person:
    surname: str
    given: str

    @property
    def name(self) -> str:
        return self.surname + self.given


@st.composite
def people(draw: st.DrawFn) -> Person:
    surname = draw(st.one_of(st.sampled_from(SURNAMES), st.sampled_from(COMPOUND)))
    given = draw(
        st.text(alphabet=GIVEN, min_size=1, max_size=2).filter(lambda g: g not in TEMPLATE_BIGRAMS)
    )
    return Person(surname, given)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    county = draw(st.sampled_from(("120116", "500105", "370902", "120101", "500112")))
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2015, 12, 31)))
    serial = draw(st.integers(min_value=0, max_value=999))
    return valid_id(f"{county}{born:%Y%m%d}{serial:03d}")


_FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def id_written(number: str, style: int) -> str:
    return (
        number,
        f"{number[:6]} {number[6:14]} {number[14:]}",
        " ".join(number[i : i + 4] for i in range(0, 18, 4)),
        f"{number[:6]}-{number[6:14]}-{number[14:]}",
        number.translate(_FULL_WIDTH),
        number.lower(),
    )[style]


phones = st.builds(
    lambda prefix, rest: f"{prefix}{rest:08d}",
    st.sampled_from(("130", "135", "138", "139", "150", "152", "158", "166", "177", "186", "199")),
    st.integers(min_value=0, max_value=99_999_999),
)


def phone_written(phone: str, style: int) -> str:
    return (
        phone,
        f"{phone[:3]} {phone[3:7]} {phone[7:]}",
        f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
        f"+86 {phone}",
        f"0086 {phone[:3]} {phone[3:7]} {phone[7:]}",
        f"(+86){phone}",
        phone.translate(_FULL_WIDTH),
    )[style]


@st.composite
def addresses(draw: st.DrawFn) -> tuple[str, str]:
    """An address below street level and the way it is written in the narrative."""
    if draw(st.booleans()):
        estate = draw(st.sampled_from(ESTATES)) + "小区"
        building, unit = draw(st.integers(1, 40)), draw(st.integers(1, 6))
        room = f"{draw(st.integers(1, 33))}0{draw(st.integers(1, 4))}"
        full = f"{estate}{building}号楼{unit}单元{room}室"
        written = draw(
            st.sampled_from(
                (
                    full,
                    f"{estate} {building}号楼{unit}单元{room}室",
                    f"{building}号楼{unit}单元{room}室",
                )
            )
        )
        return full, written
    village = draw(st.sampled_from(VILLAGES)) + "村"
    full = f"{village}{draw(st.integers(1, 12))}组{draw(st.integers(1, 80))}号"
    return full, full


def number_chunks(text: str) -> list[str]:
    """Digits as they can be read in the text: runs of digits and separators, separators out."""
    return [
        re.sub(r"[\s\-·.()（）+]", "", chunk)
        for chunk in re.findall(r"[\dXx\s\-·.()（）+]+", fold(text))
    ]


@settings(max_examples=200, deadline=None)
@given(
    template=st.sampled_from(TEMPLATES),
    person=people(),
    relative=people(),
    id_number=id_numbers(),
    id_style=st.integers(0, 5),
    phone=phones,
    phone_style=st.integers(0, 6),
    address=addresses(),
    place=st.sampled_from(PLACES),
    illness=st.sampled_from(ILLNESSES),
    familiar_prefix=st.sampled_from("小老"),
)
def test_generated_identifiers_never_survive(
    template: str,
    person: Person,
    relative: Person,
    id_number: str,
    id_style: int,
    phone: str,
    phone_style: int,
    address: tuple[str, str],
    place: tuple[str, str, str, str],
    illness: str,
    familiar_prefix: str,
) -> None:
    district, street, hospital, policy = place
    full_address, written_address = address
    text = template.format(
        name=person.name,
        given=person.given if len(person.given) >= 2 else relative.name,
        familiar=familiar_prefix + person.surname,
        title=person.surname + "女士",
        sex="女",
        age=47,
        id=id_written(id_number, id_style),
        phone=phone_written(phone, phone_style),
        district=district,
        street=street,
        address=written_address,
        year=2022,
        illness=illness,
        hospital=hospital,
        amount="3.2",
        money=5000,
        months=3,
        times=2,
        policy=policy,
    )
    known = Known(
        names=(person.name, relative.name),
        id_numbers=(id_number,),
        phones=(phone,),
        addresses=(f"{district}{street}{full_address}",),
    )

    public = anonymise(text, known).text

    for form in (person.name, relative.name, person.surname + "女士"):
        assert form not in public
    if len(person.given) >= 2:
        assert person.given not in public
    assert familiar_prefix + person.surname not in public
    chunks = number_chunks(public)
    assert not any(id_number in chunk.upper() for chunk in chunks)
    assert not any(phone in chunk for chunk in chunks)
    assert written_address not in public
    assert full_address not in public
    for needed in (illness, street, district, hospital, policy):
        assert (needed in public) == (needed in text)
    assert remaining_identifiers(public, known) == ()


@settings(max_examples=100, deadline=None)
@given(person=people(), id_number=id_numbers(), phone=phones)
def test_detection_alone_catches_shaped_identifiers(
    person: Person, id_number: str, phone: str
) -> None:
    """With no record at all, numbers with a checkable shape still never get through."""
    text = f"求助人身份证号{id_number}，联系电话{phone}，家住幸福小区3号楼2单元301室。"
    public = anonymise(text).text
    assert id_number not in public
    assert phone not in public
    assert "301室" not in public
    assert remaining_identifiers(public) == ()
