"""Signing-key schedules, key documents and witness progress: the pure rules."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from matching import merkle
from matching.cosign import Verdict, WitnessAlarm, check_progress, cosign, verify_cosignature
from matching.ledger import LedgerVerificationError, TreeHead, key_id, sign_tree_head
from matching.ledger_keys import (
    KeySet,
    LedgerKey,
    key_set_from_document,
    keys_document,
    parse_schedule,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ROTATION = datetime(2026, 6, 1, tzinfo=UTC)


def _seed(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes_raw()).decode()


def _public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes_raw()).decode()


def test_a_schedule_gives_contiguous_periods_and_the_key_in_force_signs() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys = parse_schedule(f"{_seed(new)}@2026-06-01, {_seed(old)}")
    first, second = list(keys)
    assert first.key_id == key_id(old.public_key()) and first.valid_from is None
    assert first.valid_until == ROTATION == second.valid_from
    assert second.valid_until is None
    assert keys.signer_at(ROTATION - timedelta(seconds=1)).key_id == first.key_id
    assert keys.signer_at(ROTATION).key_id == second.key_id
    assert first.status(ROTATION) == "retired" and second.status(T0) == "upcoming"


def test_a_retired_key_kept_public_only_verifies_old_heads_but_cannot_sign() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys = parse_schedule(f"public:{_public(old)},{_seed(new)}@2026-06-01T00:00:00Z")
    old_head = sign_tree_head(old, 3, b"\x02" * 32, T0)
    assert keys.verify(old_head).key_id == key_id(old.public_key())
    with pytest.raises(ValueError, match="public only"):
        keys.signer_at(T0)
    late = sign_tree_head(old, 4, b"\x03" * 32, ROTATION + timedelta(days=1))
    with pytest.raises(LedgerVerificationError, match="已轮换退役"):
        keys.verify(late)
    early = sign_tree_head(new, 4, b"\x03" * 32, T0)
    with pytest.raises(LedgerVerificationError, match="尚未启用"):
        keys.verify(early)


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("", "empty"),
        ("bm90IGEga2V5", "seed"),
        ("public:AAAA", "seed"),
        ("{a},{b}", "omit its start"),
        ("{a}@2026-01-01,{b}@2026-01-01T00:00:00Z", "same moment"),
        ("{a},{a}@2027-01-01", "twice"),
        ("{a}@01/01/2026", "not a date"),
    ],
)
def test_bad_schedules_are_refused_with_the_reason(setting: str, problem: str) -> None:
    a, b = _seed(Ed25519PrivateKey.generate()), _seed(Ed25519PrivateKey.generate())
    with pytest.raises(ValueError, match=problem):
        parse_schedule(setting.format(a=a, b=b))


def test_the_key_document_keeps_its_old_shape_and_round_trips() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys = parse_schedule(f"{_seed(old)},{_seed(new)}@2026-06-01")
    document = json.loads(json.dumps(keys_document(keys, ROTATION + timedelta(days=1))))
    assert document["key_id"] == key_id(new.public_key())  # the key in force, on top
    assert [k["status"] for k in document["keys"]] == ["retired", "current"]
    again = key_set_from_document(document)
    assert [k.valid_until for k in again] == [ROTATION, None]
    legacy = {"public_key": _public(old), "key_id": key_id(old.public_key())}
    assert next(iter(key_set_from_document(legacy))).valid_from is None
    document["key_id"] = "0" * 16
    with pytest.raises(LedgerVerificationError, match="与公钥本身"):
        key_set_from_document(document)


def _head(key: Ed25519PrivateKey, leaves: list[bytes]) -> TreeHead:
    size, root = merkle.root_of_leaves(merkle.leaf_hash(x) for x in leaves)
    return sign_tree_head(key, size, root, T0)


def test_a_cosignature_binds_size_root_and_time() -> None:
    log, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    head = _head(log, [b"a", b"b", b"c"])
    signed = cosign(witness, head, 1_800_000_000)
    verify_cosignature(witness.public_key(), signed)
    for changed in (
        {"tree_size": 4},
        {"root_hash": b"\x00" * 32},
        {"time": 1_800_000_001},
    ):
        forged = type(signed)(**{**signed.__dict__, **changed})
        with pytest.raises(LedgerVerificationError, match="联署签名无效"):
            verify_cosignature(witness.public_key(), forged)
    with pytest.raises(LedgerVerificationError, match="密钥编号"):
        verify_cosignature(log.public_key(), signed)


def test_witness_progress_first_same_extends_and_the_three_alarms() -> None:
    log = Ed25519PrivateKey.generate()
    leaves = [bytes([i]) for i in range(9)]
    small, big = _head(log, leaves[:5]), _head(log, leaves)
    nodes = {}
    _, _, stored = merkle.extend(0, [], [merkle.leaf_hash(x) for x in leaves])
    nodes.update({(lv, ix): h for lv, ix, h in stored})
    nodes.update({(0, i): merkle.leaf_hash(x) for i, x in enumerate(leaves)})
    proof = merkle.consistency_proof(5, 9, lambda lv, ix: nodes[(lv, ix)])
    assert check_progress(None, small) is Verdict.first
    assert check_progress(small, small) is Verdict.same
    assert check_progress(small, big, proof) is Verdict.extends
    with pytest.raises(WitnessAlarm) as rollback:
        check_progress(big, small)
    assert rollback.value.kind == "rollback"
    other = _head(log, [*leaves[:4], b"forged"])
    with pytest.raises(WitnessAlarm) as split:
        check_progress(small, other)
    assert split.value.kind == "split_view"
    with pytest.raises(WitnessAlarm) as inconsistent:
        check_progress(other, big, proof)
    assert inconsistent.value.kind == "inconsistent"


def test_a_key_set_names_an_unknown_key() -> None:
    known, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys = KeySet([LedgerKey(known.public_key())])
    with pytest.raises(LedgerVerificationError, match="未知密钥"):
        keys.verify(_head(stranger, [b"x"]))
