"""``run``, the function behind ``aidbridge anonymise``: JSON Lines in, JSON Lines out."""

from __future__ import annotations

import io
import json
from typing import Any

from backend.anonymise_cli import run


def _run(*lines: str) -> tuple[int, list[dict[str, Any]], str]:
    stdout = io.StringIO()
    status = run(io.StringIO("".join(line + "\n" for line in lines)), stdout)
    raw = stdout.getvalue()
    return status, [json.loads(line) for line in raw.splitlines()], raw


def _line(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_one_output_line_per_input_line_in_order() -> None:
    status, out, _ = _run(
        _line({"text": "申请人张小明，电话13812345678"}),
        _line({"text": "老张说", "known": {"names": ["张小明"]}}),
        _line({"text": "患尿毒症，自付3.2万元"}),
    )
    assert status == 0
    assert [line["text"] for line in out] == [
        "申请人某某，电话[电话]",
        "老某说",
        "患尿毒症，自付3.2万元",
    ]


def test_findings_carry_kind_offsets_replacement_action_and_reason() -> None:
    _, (line,), raw = _run(_line({"text": "电话13812345678", "known": {"phones": ["13812345678"]}}))
    assert line["findings"] == [
        {
            "kind": "phone", "start": 2, "end": 13, "replacement": "[电话]",
            "action": "removed", "reason": "已知电话号码",
        }
    ]  # fmt: skip
    assert line["undecided"] == 0
    assert raw.count("13812345678") == 0


def test_flagged_spans_are_replaced_and_keyed_without_their_text() -> None:
    _, (line,), raw = _run(_line({"text": "联系人 Wong Chi Shing，档案号88231907"}))
    assert line["text"] == "联系人 [外文]，档案号[数字]"
    assert [(f["kind"], f["action"]) for f in line["findings"]] == [
        ("latin", "flagged"), ("number", "flagged"),
    ]  # fmt: skip
    assert line["undecided"] == 2
    assert "Wong" not in raw and "88231907" not in raw


def test_decisions_keep_a_flagged_span() -> None:
    _, (first,), _ = _run(_line({"text": "档案号88231907"}))
    key = first["findings"][0]["key"]
    _, (line,), _ = _run(_line({"text": "档案号88231907", "decisions": {key: "keep"}}))
    assert line["text"] == "档案号88231907"
    assert line["undecided"] == 0
    assert line["findings"][0]["decision"] == "keep"


def test_field_and_region_and_extra_known_keys() -> None:
    status, out, _ = _run(
        _line({"text": "欧阳建国专用制氧机", "known": {"names": ["欧阳建国"], "region": ["x"]},
               "field": "goods_item"}),
        _line({"text": "住塘沽街道，常去新港街道", "region": {"allowed": ["滨海新区"],
               "finer": ["塘沽街道"], "streets": False}}),
        _line({"text": "卡尾号5678", "known": {"bank_cards": ["6228480012345678"]}}),
    )  # fmt: skip
    assert status == 0
    assert [line["text"] for line in out] == [
        "某某专用制氧机", "住[地名]，常去[地名]", "卡尾号[银行卡号]",
    ]  # fmt: skip


def test_known_and_each_key_optional() -> None:
    status, out, _ = _run(
        _line({"text": "住幸福小区3号楼", "known": {}}),
        _line({"text": "住幸福小区3号楼", "known": {"addresses": ["幸福小区3号楼"]}}),
    )
    assert status == 0
    assert [line["text"] for line in out] == ["住[地址]", "住[地址]"]


def test_chinese_is_written_as_is() -> None:
    _, _, raw = _run(_line({"text": "患尿毒症"}))
    assert "患尿毒症" in raw


def test_bad_lines_get_an_error_and_processing_continues() -> None:
    status, out, raw = _run(
        '{"text": "张小明的电话13812345678"',  # truncated
        _line({"text": "患白血病"}),
        '["张小明"]',
        _line({"known": {"names": ["张小明"]}}),
        _line({"text": "x", "known": {"names": "张小明"}}),
        _line({"text": "x", "known": {"nickname": ["小明"]}}),
        "",
        _line({"text": "x", "field": "headline"}),
    )
    assert status == 1
    assert out[1] == {"text": "患白血病", "findings": [], "undecided": 0}
    assert out[5] == {"text": "x", "findings": [], "undecided": 0}  # unknown keys are ignored
    errors = {index: line["error"] for index, line in enumerate(out) if "error" in line}
    assert sorted(errors) == [0, 2, 3, 4, 6, 7]
    assert errors[0] == {"code": "invalid_line", "message": "第1行不是有效的 JSON 对象"}
    assert errors[6]["message"] == "第7行不是有效的 JSON 对象"
    assert "张小明" not in raw and "13812345678" not in raw


def test_no_input_no_output() -> None:
    assert _run() == (0, [], "")


def test_lone_surrogate_does_not_stop_the_batch() -> None:
    status, out, raw = _run('{"text": "\\ud800张小明，男"}', _line({"text": "患白血病"}))
    assert status == 0
    raw.encode("utf-8")  # writable to a UTF-8 stdout
    assert out[0]["text"] == "\ud800某某，男"
    assert out[1]["text"] == "患白血病"
