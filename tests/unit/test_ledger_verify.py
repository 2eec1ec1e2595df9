"""Verifying a download line by line: only what the signed head covers counts as verified."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from matching import merkle
from matching.ledger import EntryKind, LedgerVerificationError, entry_body, sign_tree_head
from matching.ledger_keys import KeySet, LedgerKey
from matching.ledger_verify import check_entries, diagnose, entry_problem

AT = datetime(2026, 5, 1, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()
KEYS = KeySet([LedgerKey(KEY.public_key())])
ENTRIES = [
    entry_body(entry_id=f"e{i}", kind=EntryKind.pledge, at=AT, amount_fen=100 * i) for i in range(9)
]
ROOT = merkle.root_of_leaves(merkle.leaf_hash(e) for e in ENTRIES)[1]
HEAD = sign_tree_head(KEY, 9, ROOT, AT)


def _lines(entries: list[bytes]) -> list[bytes]:
    return [e + b"\n" for e in entries]


def test_exactly_the_signed_entries_verify() -> None:
    result = check_entries(lambda: _lines(ENTRIES), HEAD, KEYS)
    assert (result.verified, result.unverified_count) == (9, 0)


def test_lines_past_the_head_are_returned_unverified_with_their_ids() -> None:
    extra = entry_body(entry_id="late", kind=EntryKind.refund, at=AT, amount_fen=-5)
    result = check_entries(lambda: _lines([*ENTRIES, extra, b"not json"]), HEAD, KEYS)
    assert result.verified == 9
    assert [(u.line, u.entry_id) for u in result.unverified] == [(10, "late"), (11, None)]
    assert result.describe_unverified() == "第 10 行（条目 late）、第 11 行"


def test_a_mismatch_is_explained_line_by_line() -> None:
    reordered = [ENTRIES[1], ENTRIES[0], *ENTRIES[2:]]
    with pytest.raises(LedgerVerificationError, match="无法定位"):
        check_entries(lambda: _lines(reordered), HEAD, KEYS)
    doubled = [*ENTRIES[:3], ENTRIES[2], *ENTRIES[3:8]]
    with pytest.raises(LedgerVerificationError, match="第 4 行与第 3 行是同一条目"):
        check_entries(lambda: _lines(doubled), HEAD, KEYS)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{", "不是合法的 UTF-8 JSON"),
        (b"[1]", "不是 JSON 对象"),
        (b'{"a":1,"a":2}', "不是规范 JSON"),
        (b'{"a":NaN}', "小数"),
        (b'{"amount_fen":1.5}', "小数"),
        (b'{"b":1, "a":2}', "不是规范 JSON"),
        (b'{"v":2}', "版本"),
        (b'{"id":"x","kind":"gift","v":1}', "未知的条目类型"),
        (b'{"amount_fen":true,"id":"x","kind":"pledge","v":1}', "amount_fen 应为整数"),
    ],
)
def test_entry_problems_are_named(body: bytes, problem: str) -> None:
    found = entry_problem(body)
    assert found is not None and problem in found


def test_genuine_entries_have_no_problem_and_diagnosis_stops_at_the_head() -> None:
    assert all(entry_problem(e) is None for e in ENTRIES)
    assert diagnose(_lines([*ENTRIES, b"junk"]), 9) == []
    edited = json.loads(ENTRIES[0])
    assert entry_problem(json.dumps(edited).encode()) == (
        "不是规范 JSON（键的顺序、空白或转义被改动）"
    )
