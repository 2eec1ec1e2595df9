"""Ledger entries are canonical bytes; tree heads are signed over canonical bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from matching.ledger import (
    EntryKind,
    LedgerVerificationError,
    TreeHead,
    canonical,
    entry_body,
    sign_tree_head,
    verify_tree_head,
)

AT = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))


def test_body_is_sorted_compact_utf8_with_utc_time() -> None:
    body = entry_body(
        entry_id="abc",
        kind=EntryKind.donation,
        at=AT,
        amount_fen=12_345,
        need="n1",
        organisation="o1",
        details={"donor": "爱心人士", "channel": "offline"},
    )
    text = body.decode()
    assert text == (
        '{"amount_fen":12345,"at":"2026-03-01T00:30:00.000000Z","channel":"offline",'
        '"currency":"CNY","donor":"爱心人士","hours":0,"id":"abc","kind":"donation",'
        '"need":"n1","organisation":"o1","v":1}'
    )
    assert json.loads(text)["donor"] == "爱心人士"


def test_the_same_facts_give_the_same_bytes_whatever_the_key_order() -> None:
    a = canonical({"b": 1, "a": [1, {"y": 2, "x": "文"}]})
    b = canonical({"a": [1, {"x": "文", "y": 2}], "b": 1})
    assert a == b


def test_floats_and_overrides_are_refused() -> None:
    with pytest.raises(TypeError):
        canonical({"amount": 1.5})
    with pytest.raises(TypeError):
        entry_body(entry_id="x", kind=EntryKind.refund, at=AT, details={"fee": [0.1]})
    with pytest.raises(ValueError, match="override"):
        entry_body(entry_id="x", kind=EntryKind.refund, at=AT, details={"amount_fen": 1})


def test_absent_links_and_none_details_are_left_out() -> None:
    body = json.loads(
        entry_body(entry_id="x", kind=EntryKind.pledge, at=AT, details={"pledge_kind": None})
    )
    assert "need" not in body and "organisation" not in body and "pledge_kind" not in body


def test_tree_heads_sign_and_verify_and_survive_json() -> None:
    key = Ed25519PrivateKey.generate()
    head = sign_tree_head(key, 42, b"\x01" * 32, datetime.now(UTC))
    verify_tree_head(TreeHead.from_json(json.loads(json.dumps(head.to_json()))), key.public_key())
    moved = TreeHead(43, head.root_hash, head.timestamp, head.key_id, head.signature)
    with pytest.raises(LedgerVerificationError):
        verify_tree_head(moved, key.public_key())
    with pytest.raises(LedgerVerificationError):
        TreeHead.from_json({"tree_size": "x"})
