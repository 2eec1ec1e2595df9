"""Witness cosignatures: independent parties vouching that the ledger only ever grew.

The idea is Certificate Transparency's gossip made concrete by the C2SP witness protocol: a
witness remembers the last tree head it saw, accepts a new one only with a consistency proof
from the old, and then signs a short statement about it (a *cosignature*). A platform that
shows two readers two different histories (a split view) or rewrites its past cannot collect
cosignatures for both from a witness that saw one of them, and the witness keeps the two signed
heads as evidence. Readers trust a head once enough witnesses they know have cosigned it.

The statement is canonical JSON of the tree size, root hash and the witness's own time, so it
is bound to the tree, not to the platform's signature or key (which may rotate).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from matching import merkle
from matching.ledger import LedgerVerificationError, TreeHead, canonical, key_id

COSIGNATURE_TYPE = "aidbridge-cosignature/v1"


def cosigned_bytes(tree_size: int, root_hash: bytes, time: int) -> bytes:
    return canonical(
        {
            "type": COSIGNATURE_TYPE,
            "tree_size": tree_size,
            "root_hash": root_hash.hex(),
            "time": time,
        }
    )


@dataclass(frozen=True)
class Cosignature:
    witness_key_id: str
    tree_size: int
    root_hash: bytes
    time: int
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "witness_key_id": self.witness_key_id,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "time": self.time,
            "signature": base64.b64encode(self.signature).decode(),
        }


def cosign(key: Ed25519PrivateKey, head: TreeHead, time: int) -> Cosignature:
    signature = key.sign(cosigned_bytes(head.tree_size, head.root_hash, time))
    return Cosignature(key_id(key.public_key()), head.tree_size, head.root_hash, time, signature)


def verify_cosignature(public_key: Ed25519PublicKey, cosignature: Cosignature) -> None:
    if cosignature.witness_key_id != key_id(public_key):
        raise LedgerVerificationError("联署的见证方密钥编号与其公钥不符")
    message = cosigned_bytes(cosignature.tree_size, cosignature.root_hash, cosignature.time)
    try:
        public_key.verify(cosignature.signature, message)
    except InvalidSignature as exc:
        raise LedgerVerificationError("联署签名无效：与见证方公钥或树头不符") from exc


class Verdict(StrEnum):
    #: No earlier head: trust on first use.
    first = "first"
    #: The same head as last time.
    same = "same"
    #: A larger tree, proven to extend the last one.
    extends = "extends"


class WitnessAlarm(LedgerVerificationError):
    """The platform contradicted itself; ``kind`` names how, for the evidence file."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def check_progress(
    last: TreeHead | None, new: TreeHead, proof: list[bytes] | None = None
) -> Verdict:
    """Whether ``new`` may follow ``last``; raises ``WitnessAlarm`` with what went wrong.

    ``proof`` is the consistency proof from ``last.tree_size`` to ``new.tree_size``, needed only
    when the tree grew.
    """
    if last is None:
        return Verdict.first
    if new.tree_size < last.tree_size:
        raise WitnessAlarm(
            "rollback",
            f"账本回退：上次见到大小 {last.tree_size} 的树头，现在只有 {new.tree_size}",
        )
    if new.tree_size == last.tree_size:
        if new.root_hash != last.root_hash:
            raise WitnessAlarm(
                "split_view",
                f"同一大小 {new.tree_size} 出现了两个不同的签名树头（根哈希 "
                f"{last.root_hash.hex()[:16]}… 与 {new.root_hash.hex()[:16]}…）："
                "平台分叉或改写了账本",
            )
        return Verdict.same
    try:
        merkle.verify_consistency(
            last.tree_size, new.tree_size, last.root_hash, new.root_hash, proof or []
        )
    except merkle.ProofError as exc:
        raise WitnessAlarm(
            "inconsistent",
            f"大小 {new.tree_size} 的新树头不是大小 {last.tree_size} 的旧树头的追加（{exc}）："
            "平台改写了已签名的历史",
        ) from exc
    return Verdict.extends
