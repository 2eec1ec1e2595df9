"""Checking a downloaded ledger without trusting the server: the files behind ``aidbridge verify``.

Everything here reads files only; the rules are ``matching/ledger_verify.py``'s. The public key
should come from a channel other than the server being checked (the bureau's website, a printed
notice); the downloaded copy is offered for convenience.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from matching.ledger import LedgerVerificationError, TreeHead
from matching.ledger_keys import KeySet, LedgerKey, key_set_from_document
from matching.ledger_verify import (
    EntriesResult,
    InclusionResult,
    check_consistency,
    check_entries,
    check_inclusion,
)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LedgerVerificationError(f"{what} {path} 不存在") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerVerificationError(f"无法读取{what} {path}：{exc}") from exc


def load_json(path: Path, what: str = "文件") -> Any:
    text = _read_text(path, what)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise LedgerVerificationError(f"{what} {path.name} 不是合法的 JSON：{exc}") from exc


def load_keys(path: Path) -> KeySet:
    """A PEM public key (one key, no period), or the JSON of ``/public-key`` (every key)."""
    text = _read_text(path, "公钥文件").strip()
    if text.startswith("-----BEGIN"):
        try:
            key = load_pem_public_key(text.encode())
        except ValueError as exc:
            raise LedgerVerificationError(f"公钥文件 {path.name} 不是合法的 PEM") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise LedgerVerificationError("公钥不是 Ed25519 密钥")
        return KeySet([LedgerKey(key)])
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise LedgerVerificationError(
            f"公钥文件 {path.name} 既不是 PEM，也不是合法的 JSON（应为 /public-key 的下载）"
        ) from exc
    return key_set_from_document(document)


def load_head(path: Path) -> TreeHead:
    return TreeHead.from_json(load_json(path, "树头文件"))


def _lines(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            yield from handle
    except FileNotFoundError as exc:
        raise LedgerVerificationError(f"条目文件 {path} 不存在") from exc
    except OSError as exc:
        raise LedgerVerificationError(f"无法读取条目文件 {path}：{exc}") from exc


def verify_entries(path: Path, head: TreeHead, keys: KeySet) -> EntriesResult:
    return check_entries(lambda: _lines(path), head, keys)


def verify_inclusion(path: Path, keys: KeySet, head: TreeHead | None) -> InclusionResult:
    return check_inclusion(load_json(path, "包含证明"), keys, head)


def verify_consistency(
    path: Path, keys: KeySet, head: TreeHead | None
) -> tuple[TreeHead, TreeHead]:
    return check_consistency(load_json(path, "一致性证明"), keys, head)
