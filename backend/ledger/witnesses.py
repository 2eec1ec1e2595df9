"""The witness registry and the cosignatures it accepts (``matching/cosign.py`` has the rules).

Only witnesses an admin registered are heard, and only for heads this platform signed: a
cosignature is self-authenticating (its Ed25519 signature), so posting one needs no login, and
one that does not verify is refused rather than stored.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from backend.db import UNIQUE_VIOLATIONS
from backend.errors import Conflict, DomainError, FieldInvalid, NotFound
from backend.ledger.service import latest_tree_head
from backend.ledger.tables import Cosignature as CosignatureRow
from backend.ledger.tables import TreeHead as TreeHeadRow
from backend.ledger.tables import Witness
from matching.cosign import Cosignature, verify_cosignature
from matching.ledger import LedgerVerificationError, key_id, public_key_from_raw

#: A cosignature dated further ahead than this is refused: a witness's clock, not a promise.
MAX_CLOCK_SKEW_S = 300


class WitnessUnknown(DomainError):
    status_code = 403
    code = "witness_unknown"
    message = "未登记的见证方：请先把见证方公钥交给平台管理员登记"


class WitnessAlreadyRegistered(Conflict):
    code = "witness_already_registered"
    message = "该见证方公钥已登记"


class CosignedHeadUnknown(NotFound):
    code = "cosignature_head_unknown"
    message = "平台没有签发过该大小与根哈希的树头"


class CosignatureInvalid(FieldInvalid):
    status_code = 422
    code = "cosignature_invalid"
    message = "联署签名无效"


@dataclass(frozen=True)
class WitnessView:
    name: str
    key_id: str
    public_key: str
    registered_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "registered_at": self.registered_at.isoformat(),
        }


def _public_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        public_key_from_raw(raw)
    except ValueError as exc:
        raise FieldInvalid(
            "公钥应为 32 字节 Ed25519 公钥的 base64", field="public_key", code="public_key_invalid"
        ) from exc
    return raw


async def register(registered_by: str, name: str, public_key: str) -> WitnessView:
    """An admin (or the CLI, on the server) registers a witness by its public key."""
    name = name.strip()
    if not name or len(name) > 100:
        raise FieldInvalid("见证方名称应为 1 至 100 个字符", field="name", code="name_invalid")
    raw = _public_key(public_key)
    kid = key_id(public_key_from_raw(raw))
    encoded = base64.b64encode(raw).decode()
    if await Witness.exists().where(Witness.key_id == kid):
        raise WitnessAlreadyRegistered(field="public_key")
    now = datetime.now(UTC)
    try:
        await Witness.insert(
            Witness(
                name=name,
                key_id=kid,
                public_key=encoded,
                registered_at=now,
                registered_by=registered_by,
            )
        )
    except UNIQUE_VIOLATIONS:
        raise WitnessAlreadyRegistered(field="public_key") from None
    return WitnessView(name, kid, encoded, now)


async def witnesses() -> list[WitnessView]:
    rows = await Witness.select().order_by(Witness.id)
    return [WitnessView(r["name"], r["key_id"], r["public_key"], r["registered_at"]) for r in rows]


def _cosignature_of(data: dict[str, Any]) -> Cosignature:
    try:
        size, time = data["tree_size"], data["time"]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (size, time)):
            raise ValueError("tree_size/time")
        return Cosignature(
            witness_key_id=str(data["witness_key_id"]),
            tree_size=size,
            root_hash=bytes.fromhex(str(data["root_hash"])),
            time=time,
            signature=base64.b64decode(str(data["signature"]), validate=True),
        )
    except (KeyError, ValueError) as exc:
        raise CosignatureInvalid(
            "联署格式不正确：需要 witness_key_id、tree_size、root_hash、time、signature"
        ) from exc


async def accept(data: dict[str, Any]) -> dict[str, Any]:
    """Store a cosignature once: the witness known, the head ours, the signature good."""
    cosignature = _cosignature_of(data)
    witness = await Witness.select().where(Witness.key_id == cosignature.witness_key_id).first()
    if witness is None:
        raise WitnessUnknown()
    signed = await TreeHeadRow.exists().where(
        (TreeHeadRow.tree_size == cosignature.tree_size)
        & (TreeHeadRow.root_hash == cosignature.root_hash.hex())
    )
    if not signed:
        raise CosignedHeadUnknown()
    try:
        verify_cosignature(
            public_key_from_raw(base64.b64decode(witness["public_key"])), cosignature
        )
    except LedgerVerificationError as exc:
        raise CosignatureInvalid(str(exc)) from exc
    if cosignature.time > datetime.now(UTC).timestamp() + MAX_CLOCK_SKEW_S:
        raise CosignatureInvalid("联署时间晚于平台当前时间：请校准见证方的时钟")
    # The unique (witness, tree_size) index keeps the first; a retry changes nothing.
    await CosignatureRow.raw(
        "INSERT INTO ledger_cosignature (witness, tree_size, root_hash, cosigned_time, "
        "signature, received_at) VALUES ({}, {}, {}, {}, {}, {}) "
        "ON CONFLICT (witness, tree_size) DO NOTHING",
        witness["id"],
        cosignature.tree_size,
        cosignature.root_hash.hex(),
        cosignature.time,
        base64.b64encode(cosignature.signature).decode(),
        datetime.now(UTC),
    )
    return {"witness": witness["name"], **cosignature.to_json()}


async def cosignatures_of(tree_size: int | None = None) -> dict[str, Any]:
    """The cosignatures of the head of ``tree_size`` (the latest head by default)."""
    if tree_size is None:
        head = await latest_tree_head()
        if head is None:
            return {"tree_size": 0, "root_hash": None, "cosignatures": []}
        tree_size, root = head.tree_size, head.root_hash.hex()
    else:
        row = (
            await TreeHeadRow.select(TreeHeadRow.root_hash)
            .where(TreeHeadRow.tree_size == tree_size)
            .first()
        )
        if row is None:
            raise CosignedHeadUnknown(f"没有大小为 {tree_size} 的已签名树头")
        root = row["root_hash"]
    rows = (
        await CosignatureRow.select(
            CosignatureRow.witness.name.as_alias("witness"),
            CosignatureRow.witness.key_id.as_alias("witness_key_id"),
            CosignatureRow.witness.public_key.as_alias("witness_public_key"),
            CosignatureRow.tree_size,
            CosignatureRow.root_hash,
            CosignatureRow.cosigned_time,
            CosignatureRow.signature,
        )
        .where((CosignatureRow.tree_size == tree_size) & (CosignatureRow.root_hash == root))
        .order_by(CosignatureRow.id)
    )
    return {
        "tree_size": tree_size,
        "root_hash": root,
        "cosignatures": [
            {
                "witness": r["witness"],
                "witness_key_id": r["witness_key_id"],
                "witness_public_key": r["witness_public_key"],
                "tree_size": r["tree_size"],
                "root_hash": r["root_hash"],
                "time": r["cosigned_time"],
                "signature": r["signature"],
            }
            for r in rows
        ],
    }


@dataclass(frozen=True)
class WitnessStatus:
    """What the disclosure page says about the latest head: who vouched for it."""

    tree_size: int
    signed_at: str
    key_id: str
    cosigners: int
    registered: int


async def witness_status() -> WitnessStatus | None:
    head = await latest_tree_head()
    if head is None:
        return None
    cosigners = await CosignatureRow.count().where(
        (CosignatureRow.tree_size == head.tree_size)
        & (CosignatureRow.root_hash == head.root_hash.hex())
    )
    return WitnessStatus(
        tree_size=head.tree_size,
        signed_at=head.timestamp,
        key_id=head.key_id,
        cosigners=cosigners,
        registered=await Witness.count(),
    )
