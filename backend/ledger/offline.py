"""Checking a downloaded ledger without trusting the server: ``aidbridge verify``.

Everything here reads files only. The public key should come from a channel other than the
server being checked (the bureau's website, a printed notice); the downloaded copy is offered
for convenience.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from matching import merkle
from matching.ledger import (
    LedgerVerificationError,
    TreeHead,
    iter_entry_lines,
    public_key_from_raw,
    verify_entries,
    verify_tree_head,
)


def load_public_key(path: Path) -> Ed25519PublicKey:
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("-----BEGIN"):
        key = load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise LedgerVerificationError("公钥不是 Ed25519 密钥")
        return key
    try:
        document = json.loads(text)
        return public_key_from_raw(base64.b64decode(document["public_key"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise LedgerVerificationError(
            "无法读取公钥文件（应为 PEM 或 /public-key 的 JSON）"
        ) from exc


def load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LedgerVerificationError(f"无法读取 {path.name}：{exc}") from exc
    if not isinstance(data, dict):
        raise LedgerVerificationError(f"{path.name} 不是 JSON 对象")
    return data


def check_entries(entries: Path, head: TreeHead, key: Ed25519PublicKey) -> str:
    with entries.open("rb") as handle:
        count = verify_entries(iter_entry_lines(handle), head, key)
    return f"账本一致：前 {count} 条条目与签名树头（根哈希 {head.root_hash.hex()[:16]}…）相符"


def check_inclusion(proof_path: Path, head: TreeHead, key: Ed25519PublicKey) -> str:
    proof = load_json(proof_path)
    try:
        entry = str(proof["entry"]).encode()
        index = int(proof["leaf_index"])
        size = int(proof["tree_size"])
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
    except (KeyError, ValueError, TypeError) as exc:
        raise LedgerVerificationError(f"包含证明格式不正确：{exc}") from exc
    if size != head.tree_size:
        raise LedgerVerificationError(
            f"包含证明针对大小 {size} 的树，而树头大小为 {head.tree_size}"
        )
    verify_tree_head(head, key)
    try:
        merkle.verify_inclusion(merkle.leaf_hash(entry), index, size, path, head.root_hash)
    except merkle.ProofError as exc:
        raise LedgerVerificationError(f"包含证明不成立：条目被改动或不在账本中（{exc}）") from exc
    return f"条目 {proof.get('entry_id', '')} 位于第 {index} 位，已包含在签名树头中"


def check_consistency(proof_path: Path, key: Ed25519PublicKey) -> str:
    proof = load_json(proof_path)
    first = TreeHead.from_json(proof.get("first_tree_head", {}))
    second = TreeHead.from_json(proof.get("second_tree_head", {}))
    verify_tree_head(first, key)
    verify_tree_head(second, key)
    try:
        merkle.verify_consistency(
            first.tree_size,
            second.tree_size,
            first.root_hash,
            second.root_hash,
            [bytes.fromhex(h) for h in proof.get("proof", [])],
        )
    except (merkle.ProofError, ValueError) as exc:
        raise LedgerVerificationError(f"一致性证明不成立：历史条目被改写（{exc}）") from exc
    return f"大小 {second.tree_size} 的账本只在大小 {first.tree_size} 的账本之后追加，未改写历史"
