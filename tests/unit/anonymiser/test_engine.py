"""How findings combine into the public text, and that no input can break it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.anonymiser import Finding, Known, anonymise, remaining_identifiers
from matching.anonymiser.engine import _apply, _to_input, merge
from tests.unit.anonymiser import found, valid_id


def _rebuild(text: str, findings: tuple[Finding, ...]) -> str:
    out, position = [], 0
    for finding in findings:
        out += [text[position : finding.start], finding.replacement]
        position = finding.end
    return "".join([*out, text[position:]])


def _finding(kind: str, start: int, end: int, source: str = "detected") -> Finding:
    return Finding(kind, start, end, f"[{kind}]", source, "测试")


class TestMerge:
    def test_overlapping_findings_become_one_span_described_by_the_longest(self) -> None:
        merged = merge([_finding("name", 0, 2), _finding("address", 0, 6), _finding("qq", 5, 9)])
        assert [(f.kind, f.start, f.end) for f in merged] == [("address", 0, 9)]

    def test_touching_findings_stay_apart(self) -> None:
        merged = merge([_finding("name", 0, 3), _finding("phone", 3, 14)])
        assert [(f.start, f.end) for f in merged] == [(0, 3), (3, 14)]

    def test_known_wins_a_tie(self) -> None:
        merged = merge([_finding("name", 0, 3), _finding("name", 0, 3, "known")])
        assert merged[0].source == "known"

    def test_more_specific_kind_wins_a_tie(self) -> None:
        assert merge([_finding("bank_card", 0, 15), _finding("phone", 0, 15)])[0].kind == "phone"

    def test_order_of_input_does_not_matter(self) -> None:
        findings = [_finding("name", 4, 6), _finding("address", 0, 5), _finding("email", 8, 9)]
        assert merge(findings) == merge(reversed(findings))

    def test_known_given_name_inside_a_detected_address_gives_one_address(self) -> None:
        text = "家住建国路12号"
        assert found(text, Known(names=("王建国",))) == [("address", "建国路12号")]
        assert anonymise(text, Known(names=("王建国",))).text == "家住[地址]"


class TestOffsets:
    text = "申请人张小明，电话+86 138 1234 5678，住幸福小区3号楼2单元301室，邮箱zxm@example.com。"

    def test_offsets_index_the_input(self) -> None:
        result = anonymise(self.text, Known(names=("张小明",)))
        assert [self.text[f.start : f.end] for f in result.findings] == [
            "张小明", "+86 138 1234 5678", "幸福小区3号楼2单元301室", "zxm@example.com",
        ]  # fmt: skip

    def test_public_text_is_the_input_with_each_span_replaced(self) -> None:
        result = anonymise(self.text, Known(names=("张小明",)))
        assert _rebuild(self.text, result.findings) == result.text

    def test_findings_are_sorted_and_disjoint(self) -> None:
        findings = anonymise(self.text).findings
        assert all(a.end <= b.start for a, b in itertools.pairwise(findings))

    def test_full_width_text_keeps_its_offsets(self) -> None:
        text = "电话１３８１２３４５６７８。"
        (finding,) = anonymise(text).findings
        assert (finding.start, finding.end) == (2, 13)


def test_a_finding_on_the_public_text_maps_back_to_input_offsets() -> None:
    """What a second pass finds is reported, like everything else, against the input."""
    text = "电话13812345678转张小明"
    findings = merge([_finding("phone", 2, 13)])
    public, segments = _apply(text, findings)
    assert public == "电话[phone]转张小明"
    # a span on the public text that starts inside the placeholder covers all it replaced
    on_public = _finding("name", public.index("]"), public.index("明") + 1)
    mapped = _to_input(on_public, segments)
    assert (mapped.start, mapped.end) == (2, len(text))
    assert text[mapped.start : mapped.end] == "13812345678转张小明"


def test_what_only_a_second_look_finds_is_removed_too() -> None:
    # jieba reads 室小红 differently before and after the address is replaced; the second look
    # at the public text finds 小红, and it is folded back into the findings.
    text = "住3号楼301室小红今年8岁"
    result = anonymise(text)
    assert result.text == "住[地址]小某今年8岁"
    assert [text[f.start : f.end] for f in result.findings] == ["3号楼301室", "小红"]


def test_deterministic() -> None:
    text = "户主周德福，男，妻子赵淑芬，住王家村3组15号，电话13812345678。"
    assert anonymise(text) == anonymise(text)
    assert anonymise(text).findings == remaining_identifiers(text)


def test_mixed_latin_digits_and_chinese() -> None:
    text = (
        f"Applicant 邱文杰, ID {valid_id('50010519850612432')}, tel 138-1234-5678, 住鲤鱼池小区12栋"
    )
    result = anonymise(text)
    # "Applicant" is no abbreviation the gate knows: flagged (deny by default), replaced too
    assert result.text == "[外文] 某某, ID [身份证号], tel [电话], 住[地址]"
    assert result.findings[0].action == "flagged"


class TestNeverCrashes:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   \n\t\u3000 ",
            "😀👨‍👩‍👧 患者😷 13812345678 😀",
            "（（【〔[(",
            ")]〕】））",
            "〔2021〕号号号楼楼室室",
            "\x00\x01\x7f\u200b\ufeff",
            "\ud800孤立代理项\udfff",
            "1" * 300,
            "某某某某某[电话][地址]小某老某",
            "Привет, مرحبا, こんにちは, 안녕하세요",
            "小区小区小区路路路号号号村村村组组组",
            "－＋（）＠．／",
        ],
    )
    def test_odd_input(self, text: str) -> None:
        result = anonymise(text)
        assert remaining_identifiers(result.text) == ()

    def test_five_thousand_characters(self) -> None:
        chunk = "户主张小明患尿毒症，电话13812345678，住幸福小区3号楼2单元301室。"
        text = (chunk * (5000 // len(chunk) + 1))[:5000]
        result = anonymise(text)
        assert "13812345678" not in result.text
        assert remaining_identifiers(result.text) == ()

    def test_odd_known_values(self) -> None:
        known = Known(
            names=("张", "某某", "[电话]", "😀😀"), id_numbers=("x", "1"), phones=("+", "86"),
            addresses=("区",), schools=("班",), employers=("公司",),
        )  # fmt: skip
        result = anonymise("某某[电话]😀😀区班公司86", known)
        assert remaining_identifiers(result.text, known) == ()

    @settings(max_examples=200, deadline=None)
    @given(
        st.text(
            alphabet=st.one_of(
                st.sampled_from(
                    "张王李小老某区号楼村组路室单元医院市街道微信QQ出生年月日()（）〔〕-+ .:：，。"
                ),
                st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
                st.characters(codec="utf-8"),
                st.sampled_from("0123456789Xx"),
            ),
            max_size=120,
        )
    )
    def test_any_text_is_clean_after_anonymising(self, text: str) -> None:
        result = anonymise(text)
        assert _rebuild(text, result.findings) == result.text
        assert remaining_identifiers(result.text) == ()
