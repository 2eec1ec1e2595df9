"""Identifiers nobody told the anonymiser about, one detector at a time."""

from __future__ import annotations

import pytest

from matching.anonymiser import Known, anonymise
from tests.unit.anonymiser import found, public, valid_id, wrong_check

# 120116 is 滨海新区, created in 2009: stdnum's county table rejects it for anyone born before.
BINHAI_1978 = valid_id("12011619780305123")


class TestIdNumbers:
    def test_county_created_after_the_birth_year_is_still_an_id(self) -> None:
        from stdnum.cn import ric

        assert not ric.is_valid(BINHAI_1978)  # the trap this detector avoids
        assert found(f"身份证号{BINHAI_1978}。") == [("id_number", BINHAI_1978)]

    def test_wrong_check_character_is_not_an_id(self) -> None:
        bad = wrong_check(BINHAI_1978)
        assert "id_number" not in [kind for kind, _ in found(f"编号{bad}。")]

    def test_impossible_birth_date_is_not_an_id(self) -> None:
        assert "id_number" not in [k for k, _ in found(f"编号{valid_id('12011619780230123')}")]

    def test_future_birth_date_is_not_an_id(self) -> None:
        assert "id_number" not in [k for k, _ in found(f"编号{valid_id('12011621990101123')}")]

    @pytest.mark.parametrize(
        "written",
        [
            "120116 19780305 1238",
            "1201 1619 7803 0512 38",
            "120116-19780305-1238",
            "１２０１１６１９７８０３０５１２３８",
        ],
    )
    def test_written_forms(self, written: str) -> None:
        assert found(f"证件号码：{written}") == [("id_number", written)]

    def test_check_character_x(self) -> None:
        number = valid_id("50010519850612432")
        assert number.endswith("9")
        number_x = valid_id("12011619780305456")
        assert found(f"证号{number_x}，另{number}") == [
            ("id_number", number_x),
            ("id_number", number),
        ]

    def test_next_to_latin_letters(self) -> None:
        assert found(f"ID:{BINHAI_1978}") == [("id_number", BINHAI_1978)]


class TestPhones:
    @pytest.mark.parametrize(
        "written",
        [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+86-139-0538-7762",
            "0086 13705388821",
            "(+86)13812345678",
            "１３８１２３４５６７８",
        ],
    )
    def test_mobile(self, written: str) -> None:
        assert found(f"联系{written}。") == [("phone", written)]

    @pytest.mark.parametrize("number", ["12345678901", "138123456789", "1381234567"])
    def test_not_a_mobile(self, number: str) -> None:
        assert "phone" not in [kind for kind, _ in found(f"编号{number}号")]

    @pytest.mark.parametrize(
        "written",
        ["022-12345678", "(023)6789 1234", "（0538）6218866", "0538-8214567", "02312345678"],
    )
    def test_landline_with_area_code(self, written: str) -> None:
        assert found(f"拨打{written}联系") == [("landline", written)]

    def test_local_number_after_a_phone_word(self) -> None:
        assert found("家中电话：2587 6543。") == [("landline", "2587 6543")]

    def test_local_number_without_a_phone_word_is_kept(self) -> None:
        assert public("累计支出25876543元") == "累计支出25876543元"


class TestBankCards:
    @pytest.mark.parametrize(
        "written",
        [
            "6228481948757491187",
            "6228 4819 4875 7491 187",
            "6217-0010-4974-6500",
            "6222026712768427",
        ],
    )
    def test_luhn_valid(self, written: str) -> None:
        assert found(f"卡号{written}。") == [("bank_card", written)]

    def test_luhn_invalid_is_flagged_not_taken_for_a_card(self) -> None:
        (finding,) = anonymise("卡号6228481948757491188。").findings
        assert (finding.kind, finding.action) == ("number", "flagged")


class TestPlates:
    @pytest.mark.parametrize(
        "plate", ["津A12345", "渝B·D1234", "渝B·D12345", "鲁J·D12345", "津E T1234"]
    )
    def test_plate(self, plate: str) -> None:
        assert found(f"车牌号{plate}，") == [("plate", plate)]

    def test_letters_after_a_province_abbreviation_are_not_a_plate(self) -> None:
        assert public("下载新Wechat版本") == "下载新Wechat版本"

    def test_province_abbreviation_in_a_document_number_is_not_a_plate(self) -> None:
        assert public("津民发〔2021〕12号") == "津民发〔2021〕12号"


class TestContacts:
    def test_email(self) -> None:
        assert found("邮箱：zxm.1988@example.com。") == [("email", "zxm.1988@example.com")]

    @pytest.mark.parametrize("cue", ["微信", "微信号", "微信：", "wx:", "WeChat ", "vx"])
    def test_wechat_after_a_cue(self, cue: str) -> None:
        assert found(f"加{cue}zxm_1988，") == [("wechat", "zxm_1988")]

    def test_account_shape_without_a_cue_is_removed(self) -> None:
        assert public("化疗方案 zxm_1988 已完成") == "化疗方案 [微信号] 已完成"

    @pytest.mark.parametrize("cue", ["QQ", "qq号", "QQ：", "扣扣"])
    def test_qq_after_a_cue(self, cue: str) -> None:
        assert found(f"{cue}382716495，") == [("qq", "382716495")]

    def test_bare_number_is_not_a_qq(self) -> None:
        # nine digits are no amount a need asks for: flagged for staff, not called a QQ
        (finding,) = anonymise("累计382716495元").findings
        assert (finding.kind, finding.action) == ("number", "flagged")


class TestBirthDates:
    @pytest.mark.parametrize(
        "text",
        [
            "1978年3月5日出生",
            "1978年3月5日生",
            "出生于1978年3月5日",
            "生于1978-03-05",
            "出生日期：1978.3.5",
            "生日是1978/3/5",
            "1978年3月出生",
            "七八年三月五日出生",
            "一九七八年三月五日生",
        ],
    )
    def test_birth_date(self, text: str) -> None:
        assert [kind for kind, _ in found(text)] == ["birth_date"]

    @pytest.mark.parametrize(
        "text", ["2023年3月5日确诊白血病", "1978年3月5日生病住院", "1978年出生", "3月5日住院"]
    )
    def test_other_dates_are_kept(self, text: str) -> None:
        assert public(text) == text


class TestAddresses:
    @pytest.mark.parametrize(
        ("text", "address"),
        [
            ("住在塘沽街道幸福小区。", "幸福小区"),
            ("家住阳光小区5栋1单元602。", "阳光小区5栋1单元602"),
            ("现住金色家园3号楼1单元502室。", "金色家园3号楼1单元502室"),
            ("住3号楼2单元301室。", "3号楼2单元301室"),
            ("东岳大街79号院2号楼居民", "东岳大街79号院2号楼"),
            ("独居在王家村3组15号，", "王家村3组15号"),
            ("住东风村三组。", "东风村三组"),
            ("家住福州道88号3门202。", "福州道88号3门202"),
            ("建新北路88号附3号居民", "建新北路88号附3号"),
            ("住在幸福里12号。", "幸福里12号"),
            ("家住红旗河沟小区6栋3-2。", "红旗河沟小区6栋3-2"),
            ("家住鲤鱼池小区12栋5-1。", "鲤鱼池小区12栋5-1"),
        ],
    )
    def test_below_street_level(self, text: str, address: str) -> None:
        assert found(text) == [("address", address)]

    def test_room_number_right_before_a_name(self) -> None:
        # 小 after the number starts a name here, not 小时 ("602 hours").
        text = "家住阳光小区5栋1单元602小红在家"
        assert ("address", "阳光小区5栋1单元602") in found(text)

    def test_district_and_street_are_kept(self) -> None:
        assert public("住滨海新区塘沽街道幸福小区3号楼") == "住滨海新区塘沽街道[地址]"

    @pytest.mark.parametrize(
        "text",
        [
            "租住两室一厅，面积56平方米",
            "在小区做保洁",
            "老旧小区改造",
            "依据津民发〔2021〕12号文件",
            "住院3次，第2期",
            "每周透析3次，每次4小时",
            "住在拆迁安置小区",
            "商品房小区",
            "3楼",
        ],
    )
    def test_not_an_address(self, text: str) -> None:
        assert public(text) == text


class TestSchoolsAndEmployers:
    def test_named_school_and_class(self) -> None:
        text = "就读于天津市第四十五中学高一(2)班"
        assert public(text) == "就读于天津市[学校]高一[班级]"

    def test_numbered_school_abbreviation(self) -> None:
        assert public("在泰安一中读高二") == "在[学校]读高二"

    @pytest.mark.parametrize(
        "text", ["在当地小学读三年级", "完成高中学业", "孩子在读小学", "所在学校减免学费"]
    )
    def test_generic_school_words_are_kept(self, text: str) -> None:
        assert public(text) == text

    def test_company(self) -> None:
        assert public("在天津港远航物流有限公司上班") == "在[工作单位]上班"


class TestNames:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("邻居吴春燕经常帮忙", "吴春燕"),
            ("妻子赵淑芬，", "赵淑芬"),
            ("女儿钱梓涵，读初一", "钱梓涵"),
            ("户主周德福，男，", "周德福"),
            ("其子张浩在读初中", "张浩"),
            ("董成林，男，46岁", "董成林"),
            ("欧阳娜娜在医院治疗", "欧阳娜娜"),
        ],
    )
    def test_detected(self, text: str, name: str) -> None:
        assert ("name", name) in found(text)

    def test_other_forms_of_a_detected_name(self) -> None:
        assert public("志愿者郑小红每周来，小红很细心") == "志愿者某某每周来，小某很细心"

    @pytest.mark.parametrize(
        "text",
        [
            "申请人患帕金森病和阿尔茨海默病",
            "母亲、父亲、户主、患者均在家",
            "孙女在读小学，钟点工每周上门",
            "该户居住在于家堡街道",
            "在邵逸夫医院和齐鲁医院就诊后转入张仲景医院康复科",
            "因洪水导致房屋受损，需要保健品和维生素",
            "黎明时分老人摔倒",
            "女儿高中毕业，丈夫常年在外",
        ],
    )
    def test_words_the_need_needs_are_not_names(self, text: str) -> None:
        assert public(text) == text

    @pytest.mark.parametrize("place", ["张家湾", "马家堡", "王家庄", "胡家台"])
    def test_place_names_jieba_files_as_names_are_kept(self, place: str) -> None:
        assert public(f"老人家在{place}，") == f"老人家在{place}，"

    def test_word_after_the_candidate_shows_it_is_a_place(self) -> None:
        # jieba guesses 鲁能星 as a name; the 城 after it makes it an estate, which is an
        # address below the street (location no finer than the published region)
        assert found("家住鲁能星城，") == [("address", "鲁能星城")]

    def test_name_inside_a_hospital_name_is_kept(self) -> None:
        assert public("在宋庆龄妇幼保健院分娩") == "在宋庆龄妇幼保健院分娩"

    def test_policy_number_whose_issuer_jieba_tags_as_a_name_is_kept(self) -> None:
        # jieba reads 鲁民 (Shandong civil affairs) as a person; the document number protects it.
        assert public("依据鲁民发〔2019〕25号文件") == "依据鲁民发〔2019〕25号文件"

    def test_form_of_address_is_not_taken_for_a_given_name(self) -> None:
        text = "邻居吴大妈常来帮忙，社区的大妈们也来看望"
        assert public(text) == "邻居某某常来帮忙，社区的大妈们也来看望"

    def test_placeholders_are_never_names(self) -> None:
        assert anonymise("申请人某某，男。小某和老某说").findings == ()


class TestKeep:
    """What charities need to decide survives untouched."""

    @pytest.mark.parametrize(
        "text",
        [
            "患尿毒症，每周血液透析3次",
            "确诊白血病，脑瘫伴癫痫",
            "自付3.2万元，每月12000元",
            "在天津医科大学总医院、重庆医科大学附属儿童医院和泰安市中心医院治疗",
            "滨海新区塘沽街道、江北区观音桥街道、泰山区岱庙街道",
            "依据津民发〔2021〕12号和渝府办发〔2022〕5号文件",
            "失业3个月，住院2次，第3期",
            "泰政办发[2020]8号、民发（2020）69号",
        ],
    )
    def test_kept(self, text: str) -> None:
        assert public(text) == text


def test_known_id_with_wrong_check_is_removed_but_not_detected() -> None:
    bad = wrong_check(BINHAI_1978)
    text = f"证号{bad[:6]} {bad[6:14]} {bad[14:]}。"
    assert "id_number" not in [f.kind for f in anonymise(text).findings]
    assert anonymise(text, Known(id_numbers=(bad,))).text == "证号[身份证号]。"
