"""Ledger entries and signed tree heads: what is hashed and signed, byte for byte.

An entry is canonical JSON (keys sorted, no insignificant whitespace, UTF-8, integers only: no
floats ever reach it), so any verifier in any language rebuilds the same bytes from the same
facts. Amounts are signed integers of fen: negative for money going back (cancellation,
expiry, refund). An entry never names a person: only public ids, kinds, amounts and dates.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ENTRY_VERSION = 1
SIGNATURE_BYTES = 64
CURRENCY = "CNY"


class EntryKind(StrEnum):
    """One member per kind of movement; the sign of ``amount_fen`` follows the money."""

    #: Government aid already given to the case, as recorded for the need (amount only).
    government_aid = "government_aid"
    #: An organisation committed money, goods (estimated value) or hours to a need.
    pledge = "pledge"
    #: A pledge withdrawn by its organisation before delivery: its amount, negative.
    pledge_cancelled = "pledge_cancelled"
    #: A pledge released because it was not delivered in time: its amount, negative.
    pledge_expired = "pledge_expired"
    #: Goods or service hours handed over, awaiting staff verification.
    delivery = "delivery"
    #: A public donation received by a qualified charity for a need.
    donation = "donation"
    #: Money refunded to a donor: negative.
    refund = "refund"
    #: Money paid out for a pledge to a payee (hospital, school, landlord, supplier, household).
    disbursement = "disbursement"
    #: Staff verified a disbursement or a delivery against the case.
    verification = "verification"


ENTRY_KIND_LABELS = {
    EntryKind.government_aid: "政府救助",
    EntryKind.pledge: "认捐",
    EntryKind.pledge_cancelled: "认捐取消",
    EntryKind.pledge_expired: "认捐过期",
    EntryKind.delivery: "物资/服务交付",
    EntryKind.donation: "社会捐赠",
    EntryKind.refund: "退款",
    EntryKind.disbursement: "拨付",
    EntryKind.verification: "核实",
}


def canonical(value: Mapping[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, compact, UTF-8; refuses floats (money is never a float)."""
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("ledger entries hold integers, never floats")
    if isinstance(value, Mapping):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def timestamp(moment: datetime) -> str:
    """UTC, microseconds, a trailing Z: one spelling for every moment."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_body(
    *,
    entry_id: str,
    kind: EntryKind,
    at: datetime,
    amount_fen: int = 0,
    hours: int = 0,
    need: str | None = None,
    organisation: str | None = None,
    pledge: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "v": ENTRY_VERSION,
        "id": entry_id,
        "kind": kind.value,
        "at": timestamp(at),
        "amount_fen": int(amount_fen),
        "hours": int(hours),
        "currency": CURRENCY,
    }
    for key, value in (("need", need), ("organisation", organisation), ("pledge", pledge)):
        if value is not None:
            body[key] = value
    if details:
        overlap = body.keys() & details.keys()
        if overlap:
            raise ValueError(f"details may not override {sorted(overlap)}")
        body.update({k: v for k, v in details.items() if v is not None})
    return canonical(body)


# --- signed tree heads ---------------------------------------------------------------------


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: bytes
    timestamp: str
    key_id: str
    signature: bytes = b""

    def signed_bytes(self) -> bytes:
        return canonical(
            {
                "v": ENTRY_VERSION,
                "tree_size": self.tree_size,
                "root_hash": self.root_hash.hex(),
                "timestamp": self.timestamp,
                "key_id": self.key_id,
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
        }

    @classmethod
    def from_json(cls, data: Any) -> TreeHead:
        """A head exactly as served: every field present and of its own type, nothing coerced.

        Lenient parsing would let a head whose size reads ``"13"`` or ``13.9`` pass for 13; a
        verifier must look at the bytes it was given, not at what they could be made to mean.
        """
        if not isinstance(data, Mapping):
            raise LedgerVerificationError("树头格式不正确：应为 JSON 对象")
        missing = [
            k
            for k in ("tree_size", "root_hash", "timestamp", "key_id", "signature")
            if k not in data
        ]
        if missing:
            raise LedgerVerificationError(f"树头格式不正确：缺少字段 {', '.join(missing)}")
        size, root, moment = data["tree_size"], data["root_hash"], data["timestamp"]
        kid, signature = data["key_id"], data["signature"]
        if not _is_int(size) or size < 0:
            raise LedgerVerificationError("树头格式不正确：tree_size 应为非负整数")
        if not _is_hex(root, 64):
            raise LedgerVerificationError("树头格式不正确：root_hash 应为 64 位小写十六进制")
        if not isinstance(moment, str):
            raise LedgerVerificationError("树头格式不正确：timestamp 应为字符串")
        parse_timestamp(moment)
        if not isinstance(kid, str) or not kid:
            raise LedgerVerificationError("树头格式不正确：key_id 应为非空字符串")
        if not isinstance(signature, str):
            raise LedgerVerificationError("树头格式不正确：signature 应为 base64 字符串")
        try:
            raw_signature = base64.b64decode(signature, validate=True)
        except ValueError as exc:
            raise LedgerVerificationError("树头格式不正确：signature 不是 base64") from exc
        if len(raw_signature) != SIGNATURE_BYTES:
            raise LedgerVerificationError("树头格式不正确：signature 应为 64 字节的 Ed25519 签名")
        return cls(size, bytes.fromhex(root), moment, kid, raw_signature)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hex(value: Any, length: int) -> bool:
    return (
        isinstance(value, str)
        and len(value) == length
        and all(c in "0123456789abcdef" for c in value)
    )


def parse_timestamp(text: str) -> datetime:
    """The one spelling ``timestamp`` writes; anything else is not a moment we signed."""
    try:
        if len(text) != len("2026-01-01T00:00:00.000000Z") or not text.endswith("Z"):
            raise ValueError(text)
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise LedgerVerificationError(
            f"时间格式不正确：{text[:40]!r}（应为 UTC 的 YYYY-MM-DDTHH:MM:SS.ffffffZ）"
        ) from exc


class LedgerVerificationError(ValueError):
    """The ledger, a proof or a signature does not verify; the message says what and where."""


def signing_key(seed_b64: str) -> Ed25519PrivateKey:
    seed = base64.b64decode(seed_b64)
    if len(seed) != 32:
        raise ValueError("the ledger signing key is 32 bytes, base64-encoded")
    return Ed25519PrivateKey.from_private_bytes(seed)


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_key(public_key)).hexdigest()[:16]


def public_key_from_raw(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def sign_tree_head(
    key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, at: datetime
) -> TreeHead:
    unsigned = TreeHead(tree_size, root_hash, timestamp(at), key_id(key.public_key()))
    return replace(unsigned, signature=key.sign(unsigned.signed_bytes()))


def verify_tree_head(head: TreeHead, public_key: Ed25519PublicKey) -> None:
    """The signature alone; which key and whether it was in force is ``ledger_keys.KeySet``'s."""
    if head.key_id != key_id(public_key):
        raise LedgerVerificationError(f"树头由另一把密钥签名（key_id {head.key_id} 不符）")
    try:
        public_key.verify(head.signature, head.signed_bytes())
    except InvalidSignature as exc:
        raise LedgerVerificationError("树头签名无效：树头被改动或不是本平台签发") from exc
