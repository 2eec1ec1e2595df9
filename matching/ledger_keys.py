"""The ledger's signing keys over time: which key signed a head, and whether it was in force.

A platform rotates its Ed25519 key (a scheduled change, a departing administrator, a suspected
leak) without invalidating a single past head: every head names its key by key id, and every
key is published with its validity period. A key is in force from its ``valid_from`` until the
next key's ``valid_from`` (periods are contiguous by construction, so there is never a moment
with two keys or none). A head is accepted only if its key is known *and* its signed timestamp
falls in that key's period: a retired key that leaks cannot mint a head dated after its
retirement without being caught by every verifier and witness.

The schedule is written in one setting, ``LEDGER_SIGNING_KEYS``: comma-separated items, each a
base64 Ed25519 seed, or ``public:`` and a base64 public key for a retired key whose seed has
been destroyed, optionally followed by ``@`` and the UTC date or time it takes effect
(``2027-01-01`` or ``2027-01-01T08:00:00Z``). The item without a date is in force from the
beginning.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from matching.ledger import (
    LedgerVerificationError,
    TreeHead,
    key_id,
    parse_timestamp,
    public_key_from_raw,
    raw_public_key,
    signing_key,
    timestamp,
    verify_tree_head,
)

PUBLIC_PREFIX = "public:"


@dataclass(frozen=True)
class LedgerKey:
    public_key: Ed25519PublicKey
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    private_key: Ed25519PrivateKey | None = field(default=None, repr=False, compare=False)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def covers(self, moment: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= moment) and (
            self.valid_until is None or moment < self.valid_until
        )

    def status(self, now: datetime) -> str:
        if self.valid_from is not None and now < self.valid_from:
            return "upcoming"
        if self.valid_until is not None and now >= self.valid_until:
            return "retired"
        return "current"

    def period(self) -> str:
        start = timestamp(self.valid_from) if self.valid_from else "启用之初"
        end = timestamp(self.valid_until) if self.valid_until else "至今"
        return f"{start} 至 {end}"

    def document(self, now: datetime) -> dict[str, Any]:
        return {
            "algorithm": "Ed25519",
            "key_id": self.key_id,
            "public_key": base64.b64encode(raw_public_key(self.public_key)).decode(),
            "pem": self.public_key.public_bytes(
                Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
            ).decode(),
            "valid_from": timestamp(self.valid_from) if self.valid_from else None,
            "valid_until": timestamp(self.valid_until) if self.valid_until else None,
            "status": self.status(now),
        }


class KeySet:
    """Keys by key id; ``verify`` is the only way a head is accepted anywhere."""

    def __init__(self, keys: Sequence[LedgerKey]) -> None:
        if not keys:
            raise LedgerVerificationError("公钥文件中没有任何密钥")
        self.keys: dict[str, LedgerKey] = {}
        for key in keys:
            if key.key_id in self.keys:
                raise LedgerVerificationError(f"公钥文件中密钥 {key.key_id} 出现了两次")
            self.keys[key.key_id] = key

    def __iter__(self) -> Iterator[LedgerKey]:
        return iter(self.keys.values())

    def verify(self, head: TreeHead) -> LedgerKey:
        """The key that signed ``head``, once its signature and its period both hold."""
        key = self.keys.get(head.key_id)
        if key is None:
            known = "、".join(self.keys)
            raise LedgerVerificationError(
                f"树头由未知密钥 {head.key_id} 签名：公钥文件中只有 {known}"
            )
        verify_tree_head(head, key.public_key)
        moment = parse_timestamp(head.timestamp)
        if not key.covers(moment):
            why = (
                "该密钥已轮换退役"
                if key.valid_until and moment >= key.valid_until
                else "该密钥尚未启用"
            )
            raise LedgerVerificationError(
                f"树头签发时间 {head.timestamp} 不在密钥 {key.key_id} 的有效期"
                f"（{key.period()}）内：{why}"
            )
        return key

    def signer_at(self, now: datetime) -> LedgerKey:
        """The key in force at ``now``; it must hold its private half to sign."""
        for key in self.keys.values():
            if key.covers(now):
                if key.private_key is None:
                    raise ValueError(
                        f"the ledger key in force ({key.key_id}) is public only: "
                        "LEDGER_SIGNING_KEYS needs its seed"
                    )
                return key
        raise ValueError("no ledger signing key is in force now (see LEDGER_SIGNING_KEYS)")


def _moment(text: str) -> datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"ledger key start {text!r} is not a date or time") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _key_of(item: str) -> tuple[Ed25519PublicKey, Ed25519PrivateKey | None]:
    try:
        if item.startswith(PUBLIC_PREFIX):
            raw = base64.b64decode(item[len(PUBLIC_PREFIX) :], validate=True)
            if len(raw) != 32:
                raise ValueError("32 bytes")
            return public_key_from_raw(raw), None
        private = signing_key(item)
    except ValueError as exc:
        raise ValueError(
            "each LEDGER_SIGNING_KEYS item is a base64 32-byte Ed25519 seed or "
            "'public:' and a base64 32-byte public key"
        ) from exc
    return private.public_key(), private


def parse_schedule(setting: str) -> KeySet:
    """``LEDGER_SIGNING_KEYS`` → the key set, each key's period closed by the next start."""
    starts: list[tuple[datetime | None, Ed25519PublicKey, Ed25519PrivateKey | None]] = []
    for raw in setting.split(","):
        item = raw.strip()
        if not item:
            continue
        body, _, start = item.partition("@")
        public, private = _key_of(body.strip())
        starts.append((_moment(start) if start.strip() else None, public, private))
    if not starts:
        raise ValueError("LEDGER_SIGNING_KEYS is empty")
    if sum(1 for start, _, _ in starts if start is None) > 1:
        raise ValueError("only one LEDGER_SIGNING_KEYS item may omit its start (@date)")
    starts.sort(key=lambda s: (s[0] is not None, s[0] or datetime.min.replace(tzinfo=UTC)))
    moments = [s[0] for s in starts]
    if len(set(moments)) != len(moments):
        raise ValueError("two LEDGER_SIGNING_KEYS items start at the same moment")
    keys = [
        LedgerKey(
            public_key=public,
            valid_from=start,
            valid_until=starts[i + 1][0] if i + 1 < len(starts) else None,
            private_key=private,
        )
        for i, (start, public, private) in enumerate(starts)
    ]
    try:
        return KeySet(keys)
    except LedgerVerificationError as exc:
        raise ValueError("the same ledger key appears twice in LEDGER_SIGNING_KEYS") from exc


def keys_document(keys: KeySet, now: datetime) -> dict[str, Any]:
    """``/api/v1/ledger/public-key``: the key in force at the top level, as before rotation
    existed (readers of the old shape keep working), and every key with its period."""
    documents = [key.document(now) for key in keys]
    in_force = next((d for d in documents if d["status"] == "current"), documents[-1])
    return {**in_force, "keys": documents}


def _timestamp_or_none(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LedgerVerificationError(f"公钥文件格式不正确：{name} 应为时间字符串或 null")
    return parse_timestamp(value)


def _key_from_document(item: Any, *, periods: bool) -> LedgerKey:
    if not isinstance(item, Mapping):
        raise LedgerVerificationError("公钥文件格式不正确：每把密钥应为 JSON 对象")
    if item.get("algorithm", "Ed25519") != "Ed25519":
        raise LedgerVerificationError(f"公钥文件中的算法 {item.get('algorithm')!r} 不是 Ed25519")
    try:
        raw = base64.b64decode(str(item["public_key"]), validate=True)
        public = public_key_from_raw(raw)
    except (KeyError, ValueError) as exc:
        raise LedgerVerificationError(
            "公钥文件格式不正确：public_key 应为 32 字节的 base64"
        ) from exc
    derived = key_id(public)
    if "key_id" in item and item["key_id"] != derived:
        raise LedgerVerificationError(
            f"公钥文件中密钥编号 {item['key_id']!r} 与公钥本身（{derived}）不符"
        )
    if not periods:
        return LedgerKey(public)
    start = _timestamp_or_none(item.get("valid_from"), "valid_from")
    end = _timestamp_or_none(item.get("valid_until"), "valid_until")
    if start and end and end <= start:
        raise LedgerVerificationError(f"公钥文件中密钥 {derived} 的有效期结束早于开始")
    return LedgerKey(public, start, end)


def _refuse_overlaps(keys: list[LedgerKey]) -> None:
    """Periods follow one another: two keys in force at once would let a retired key sign on."""
    never = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(keys, key=lambda k: k.valid_from or never)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.valid_until is None or earlier.valid_until > (later.valid_from or never):
            raise LedgerVerificationError(
                f"公钥文件中密钥 {earlier.key_id} 与 {later.key_id} 的有效期重叠："
                "同一时刻只能有一把签名密钥"
            )


def key_set_from_document(document: Any) -> KeySet:
    """The key set of a downloaded ``/public-key`` document, old shape (one key) or new."""
    if not isinstance(document, Mapping):
        raise LedgerVerificationError("公钥文件格式不正确：应为 JSON 对象")
    listed = document.get("keys")
    if listed is None:
        return KeySet([_key_from_document(document, periods=False)])
    if not isinstance(listed, list):
        raise LedgerVerificationError("公钥文件格式不正确：keys 应为数组")
    keys = KeySet([_key_from_document(item, periods=True) for item in listed])
    _refuse_overlaps(list(keys))
    if "public_key" in document:
        top = _key_from_document(document, periods=False)
        if top.key_id not in keys.keys:
            raise LedgerVerificationError(
                f"公钥文件自相矛盾：当前密钥 {top.key_id} 不在 keys 列表中"
            )
    return keys
