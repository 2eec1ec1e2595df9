"""The gate's API: field kinds, flagged spans and decisions, the published region, convergence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.anonymiser import (
    Decision,
    FieldKind,
    GateContext,
    Known,
    Locations,
    gate,
    span_key,
)

HOUSEHOLD = GateContext(
    known=Known(
        names=("欧阳建国", "张欣怡"),
        id_numbers=("120107197803152876",),
        phones=("13912345678",),
        bank_cards=("6228480012345678911",),
    )
)


class TestFields:
    def test_a_goods_item_naming_the_household_is_rewritten(self) -> None:
        result = gate("欧阳建国专用制氧机", HOUSEHOLD, FieldKind.goods_item)
        assert result.text == "某某专用制氧机"
        assert [(f.kind, f.action) for f in result.findings] == [("name", "removed")]

    def test_a_service_type_with_a_phone(self) -> None:
        assert gate("上门护理请电13912345678", field_kind=FieldKind.service_type).text == (
            "上门护理请电[电话]"
        )

    def test_four_digits_are_flagged_in_a_short_field_not_in_a_story(self) -> None:
        title = gate("轮椅（编号4471）", field_kind=FieldKind.title)
        assert [(f.kind, f.action) for f in title.findings] == [("number", "flagged")]
        assert gate("轮椅（编号4471）").findings == ()

    @pytest.mark.parametrize("unit", ["台", "箱", " 次 ", "小时", "kg", "[单位]"])
    def test_a_unit_of_measure_is_clean(self, unit: str) -> None:
        assert gate(unit, field_kind=FieldKind.unit).clean

    @pytest.mark.parametrize(
        ("unit", "public", "action"),
        [("送到门口", "[单位]", "flagged"), ("找张欣怡", "某某", "removed"),
         ("2876", "[身份证号]", "removed")],
    )  # fmt: skip
    def test_anything_else_in_a_unit_is_one_span(self, unit: str, public: str, action: str) -> None:
        result = gate(unit, HOUSEHOLD, FieldKind.unit)
        assert result.text == public
        assert [f.action for f in result.findings] == [action]

    @pytest.mark.parametrize("kind", list(FieldKind))
    def test_known_identifiers_go_in_every_field(self, kind: FieldKind) -> None:
        result = gate("歐陽建國 尾号2876", HOUSEHOLD, kind)
        assert "歐陽建國" not in result.text and "2876" not in result.text


class TestFlaggedAndDecisions:
    text = "家属 Wong Chi Shing 来电，档案号88231907，电话13912345678"

    def test_flagged_spans_are_replaced_by_default(self) -> None:
        result = gate(self.text)
        assert result.text == "家属 [外文] 来电，档案号[数字]，电话[电话]"
        assert [f.action for f in result.findings] == ["flagged", "flagged", "removed"]
        assert len(result.undecided) == 2
        assert not result.clean

    def test_keeping_a_flagged_span_leaves_it_and_lists_it(self) -> None:
        first = gate(self.text)
        latin = first.findings[0]
        result = gate(self.text, decisions={latin.key: Decision.keep})
        assert result.text == "家属 Wong Chi Shing 来电，档案号[数字]，电话[电话]"
        assert [f.key for f in result.kept] == [latin.key]
        assert len(result.undecided) == 1

    def test_removing_a_flagged_span_decides_it(self) -> None:
        keys = {f.key: "remove" for f in gate(self.text).undecided}
        result = gate(self.text, decisions=keys)
        assert result.undecided == () and result.kept == ()
        assert "Wong" not in result.text

    def test_a_confident_identifier_cannot_be_kept(self) -> None:
        phone = gate(self.text).findings[-1]
        result = gate(self.text, decisions={phone.key: "keep"})
        assert "13912345678" not in result.text
        assert result.findings[-1].decision is None

    def test_a_decision_survives_edits_elsewhere_and_the_gates_own_text(self) -> None:
        key = gate(self.text).findings[0].key
        edited = "补充：家属 Wong Chi Shing 每周来两次"
        result = gate(edited, decisions={key: "keep"})
        assert result.text == edited and result.undecided == ()
        assert gate(result.text, decisions={key: "keep"}).undecided == ()

    def test_the_key_ignores_case_width_and_spaces_and_hides_the_text(self) -> None:
        assert span_key("latin", "Wong Chi Shing") == span_key("latin", "ＷＯＮＧ chi  shing")
        assert "wong" not in span_key("latin", "Wong Chi Shing").lower()
        assert span_key("latin", "Wong") != span_key("number", "Wong")

    def test_a_clean_text_is_clean(self) -> None:
        result = gate("患尿毒症，每周透析3次，自付3.2万元。")
        assert result.clean and result.findings == ()


class TestRegion:
    story = "家住滨海新区塘沽街道新城家园社区，常去新港街道办事，塘沽的医院离得近。"

    def test_community_and_estate_go_district_and_street_stay(self) -> None:
        result = gate(self.story)
        assert "新城家园" not in result.text
        assert "滨海新区塘沽街道" in result.text and "新港街道" in result.text

    def test_streets_go_when_the_region_is_a_district(self) -> None:
        context = GateContext(locations=Locations(allowed=("天津市", "滨海新区"), streets=False))
        result = gate(self.story, context)
        assert "塘沽街道" not in result.text and "新港街道" not in result.text
        assert "滨海新区" in result.text

    def test_finer_divisions_named_by_the_backend_go_with_or_without_suffix(self) -> None:
        context = GateContext(locations=Locations(allowed=("滨海新区",), finer=("塘沽街道",)))
        result = gate(self.story, context)
        assert "塘沽" not in result.text
        assert "滨海新区" in result.text and "新港街道" in result.text

    def test_allowed_names_are_never_removed(self) -> None:
        context = GateContext(
            locations=Locations(allowed=("塘沽街道",), finer=("塘沽街道",), streets=False)
        )
        assert "塘沽街道" in gate("住塘沽街道", context).text


WHEELCHAIR = (
    "申请人张建国，2019年工伤致左小腿截肢，全職在家，常年坐轮椅，由妻子照顾。电动轮椅约6800元，"
    "依据津民发〔2021〕12号申请临时救助。在天津医科大学总医院复查。"
)


def test_the_wheelchair_story_keeps_its_facts_and_passes_again() -> None:
    result = gate(WHEELCHAIR)
    for fact in ("左小腿", "全職", "轮椅", "6800元", "津民发〔2021〕12号", "天津医科大学总医院"):
        assert fact in result.text
    assert "张建国" not in result.text
    assert gate(result.text).findings == ()


@pytest.mark.parametrize("kind", list(FieldKind))
@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(
                "欧阳建国欣怡张小区号楼村组路室社区小学厂市场营业部微信QQ尾号出生年月日幺洞一三九"
                "()（）〔〕-·+ .:：，。WongAbc_"
            ),
            st.sampled_from("0123456789Xx"),
            st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        ),
        max_size=80,
    )
)
def test_the_gates_own_text_always_passes_again(kind: FieldKind, text: str) -> None:
    result = gate(text, HOUSEHOLD, kind)
    again = gate(result.text, HOUSEHOLD, kind)
    assert again.findings == (), (text, result.text)
