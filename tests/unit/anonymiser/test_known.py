"""Identifiers the case record holds are removed in every written form."""

from __future__ import annotations

import pytest

from matching.anonymiser import Known, anonymise, remaining_identifiers
from tests.unit.anonymiser import found, public, valid_id, wrong_check

ID_BINHAI_1978 = valid_id("12011619780305123")


class TestFromDict:
    def test_all_keys_optional(self) -> None:
        assert Known.from_dict({}) == Known()

    def test_reads_lists_and_drops_blanks_and_non_strings(self) -> None:
        known = Known.from_dict({"names": ["张小明", " ", None, 3], "phones": "13812345678"})
        assert known.names == ("张小明",)
        assert known.phones == ("13812345678",)

    def test_ignores_unknown_keys(self) -> None:
        assert Known.from_dict({"nickname": ["小明"]}) == Known()


class TestNames:
    known = Known(names=("张小明",))

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("户主张小明患尿毒症", "户主某某患尿毒症"),
            ("小明今年上初二", "小某今年上初二"),
            ("街坊都叫他老张", "街坊都叫他老某"),
            ("小张每天去透析", "小某每天去透析"),
            ("张先生表示感谢", "某先生表示感谢"),
            ("张 小 明，男", "某某，男"),
        ],
    )
    def test_every_form_of_the_name(self, text: str, expected: str) -> None:
        assert public(text, self.known) == expected

    def test_given_name_of_a_three_character_name(self) -> None:
        assert public("老伴叫他建国", Known(names=("王建国",))) == "老伴叫他某某"

    def test_familiar_form_from_last_character_of_given_name(self) -> None:
        assert public("大家都叫她小英", Known(names=("李秀英",))) == "大家都叫她小某"

    def test_one_character_given_name(self) -> None:
        text = "王芳，女。芳芳和小芳都是她。老王说"
        assert public(text, Known(names=("王芳",))) == "某某，女。某某和小某都是她。老某说"

    def test_one_character_given_name_alone_is_not_removed_everywhere(self) -> None:
        # 芳 alone would strip every 芳 from the text (芳香, 芬芳): only its name forms go.
        assert public("芬芳的花", Known(names=("王芳",))) == "芬芳的花"

    @pytest.mark.parametrize(
        ("name", "given"), [("欧阳娜娜", "娜娜"), ("司马国栋", "国栋"), ("诸葛明亮", "明亮"),
                            ("上官婉清", "婉清")],
    )  # fmt: skip
    def test_compound_surname_given_name(self, name: str, given: str) -> None:
        text = f"申请人{name}。{given}说她想上学。"
        assert public(text, Known(names=(name,))) == "申请人某某。某某说她想上学。"

    def test_compound_surname_familiar_forms(self) -> None:
        assert public("老欧阳和欧阳先生", Known(names=("欧阳娜娜",))) == "老某和某先生"

    def test_familiar_form_that_is_an_ordinary_word_is_kept(self) -> None:
        # 小于 means "less than": a family called 于 must not break the sentence.
        text = "年龄小于18岁，老于说"
        assert public(text, Known(names=("于海洋",))) == "年龄小于18岁，老某说"

    def test_transliterated_name_parts(self) -> None:
        text = "申请人阿依古丽·买买提，阿依古丽说"
        assert public(text, Known(names=("阿依古丽·买买提",))) == "申请人某某，某某说"


class TestIdNumbers:
    known = Known(id_numbers=(ID_BINHAI_1978,))

    @pytest.mark.parametrize(
        "written",
        [
            ID_BINHAI_1978,
            "120116 19780305 1238",
            "1201 1619 7803 0512 38",
            "120116-19780305-1238",
            "１２０１１６１９７８０３０５１２３８",
            "１２０１１６ １９７８０３０５ １２３８",
        ],
    )
    def test_every_written_form(self, written: str) -> None:
        assert ID_BINHAI_1978 == "120116197803051238"
        result = anonymise(f"身份证号{written}。", self.known)
        assert result.text == "身份证号[身份证号]。"
        assert result.findings[0].source == "known"

    def test_reason_says_which_form(self) -> None:
        result = anonymise("身份证号120116 19780305 1238", self.known)
        assert result.findings[0].reason == "已知身份证号（含空格写法）"

    def test_lowercase_x(self) -> None:
        number = valid_id("12011619780305456")
        assert number.endswith("X")
        assert public(f"证号{number.lower()}", Known(id_numbers=(number,))) == "证号[身份证号]"

    def test_known_number_with_wrong_check_character_is_still_removed(self) -> None:
        bad = wrong_check(ID_BINHAI_1978)
        known = Known(id_numbers=(bad,))
        for written in (bad, f"{bad[:6]} {bad[6:14]} {bad[14:]}", bad.translate(_FULL_WIDTH)):
            assert public(f"证号{written}。", known) == "证号[身份证号]。"

    def test_not_matched_inside_a_longer_number(self) -> None:
        text = f"流水号9{ID_BINHAI_1978}9"
        assert ("id_number", ID_BINHAI_1978) not in found(text, self.known)

    def test_birthday_inside_a_known_id_is_removed_wherever_written(self) -> None:
        text = "老人于1978年3月5日住院"
        assert public(text, self.known) == "老人于[出生日期]住院"


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class TestPhones:
    known = Known(phones=("13812345678",))

    @pytest.mark.parametrize(
        "written",
        [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+86-13812345678",
            "+8613812345678",
            "0086 13812345678",
            "(+86)13812345678",
            "１３８１２３４５６７８",
        ],
    )
    def test_every_written_form(self, written: str) -> None:
        assert public(f"电话：{written}。", self.known) == "电话：[电话]。"

    def test_record_may_hold_the_prefixed_form(self) -> None:
        assert public("电话13812345678", Known(phones=("+86 138-1234-5678",))) == "电话[电话]"

    @pytest.mark.parametrize("written", ["022-23456789", "(022)2345 6789", "（022）23456789"])
    def test_landline_forms(self, written: str) -> None:
        assert public(f"家中{written}", Known(phones=("022-23456789",))) == "家中[电话]"

    def test_landline_without_area_code(self) -> None:
        # no 电话 before it: only the record knows this is a phone number
        assert (
            public("可拨打 2345 6789 找她", Known(phones=("02223456789",))) == "可拨打 [电话] 找她"
        )


class TestAddresses:
    address = "天津市滨海新区塘沽街道幸福小区3号楼2单元301室"
    known = Known(addresses=(address,))

    def test_full_address_keeps_district_and_street(self) -> None:
        assert public(f"现住{self.address}。", self.known) == "现住天津市滨海新区塘沽街道[地址]。"

    @pytest.mark.parametrize(
        "partial",
        ["幸福小区3号楼2单元301室", "幸福小区", "3号楼2单元301室", "幸福小区 3号楼2单元301室"],
    )
    def test_part_below_street_level(self, partial: str) -> None:
        result = public(f"家住{partial}。", self.known)
        assert result == "家住[地址]。"

    def test_reason_names_the_partial_form(self) -> None:
        result = anonymise("家住幸福小区。", self.known)
        assert result.findings[0].reason == "已知住址的小区或村名"

    def test_building_and_flat_without_the_estate(self) -> None:
        # 5号2门301 has no unit a detector would trust alone; the record makes it an address.
        known = Known(addresses=("塘沽街道幸福小区5号2门301",))
        assert public("住5号2门301", known) == "住[地址]"

    def test_village_address(self) -> None:
        known = Known(addresses=("泰安市泰山区邱家店镇前旺村6组18号",))
        assert public("住在前旺村6组18号", known) == "住在[地址]"

    def test_address_that_is_only_a_district_removes_nothing(self) -> None:
        assert public("住在滨海新区", Known(addresses=("天津市滨海新区",))) == "住在滨海新区"


class TestSchoolsAndEmployers:
    def test_school_and_class(self) -> None:
        known = Known(schools=("滨海新区第一中学初二(3)班",))
        text = "就读于滨海新区第一中学初二(3)班，第一中学老师说，初二（3）班同学捐款"
        # the grade stays: it tells what help fits; the school and the class go
        expected = "就读于滨海新区[学校]初二[班级]，[学校]老师说，初二[班级]同学捐款"
        assert public(text, known) == expected

    def test_employer_full_and_short(self) -> None:
        known = Known(employers=("泰安市岱宗机械有限公司",))
        text = "原在泰安市岱宗机械有限公司工作，岱宗机械拖欠工资"
        assert public(text, known) == "原在泰安市[工作单位]工作，[工作单位]拖欠工资"

    def test_employer_without_its_city(self) -> None:
        known = Known(employers=("天津红星机械厂",))
        assert public("在红星机械厂上班", known) == "在[工作单位]上班"

    def test_employer_without_place_prefix(self) -> None:
        known = Known(employers=("重庆长江船舶修造有限公司",))
        assert public("在长江船舶修造有限公司上班", known) == "在[工作单位]上班"

    def test_company_name_ending_like_a_place_is_not_mistaken_for_one(self) -> None:
        # 超市 ends with 市; it must not be stripped as if it were a city.
        known = Known(employers=("华润万家超市",))
        assert public("在华润万家超市做收银员", known) == "在[工作单位]做收银员"


def test_known_forms_are_gone_on_the_second_pass() -> None:
    known = Known(
        names=("张小明",), id_numbers=(ID_BINHAI_1978,), phones=("13812345678",),
        addresses=("滨海新区塘沽街道幸福小区3号楼",),
    )  # fmt: skip
    text = "张小明（小明、老张），证号120116 19780305 1238，电话+86 138 1234 5678，住幸福小区3号楼"
    assert remaining_identifiers(anonymise(text, known).text, known) == ()
