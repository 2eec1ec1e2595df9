"""Genuine ledger downloads from a real server, and the tampered copies ``aidbridge verify`` must
refuse: edited, removed, inserted, reordered, duplicated and appended entries; truncated files;
forged, foreign and rotated-out signatures; malformed files; inclusion and consistency proofs
that do not hold. Each case writes its files and names the message the refusal must carry.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from matching.ledger import TreeHead, sign_tree_head


@dataclass
class Genuine:
    """Files downloaded from the server, and what the test holds to forge with."""

    folder: Path
    keys: dict[str, Any]
    head: dict[str, Any]  # the latest head (size 20), signed by the new key
    old_head: dict[str, Any]  # size 12, signed by the retired key before the rotation
    entries: bytes
    inclusion: dict[str, Any]  # an entry of the latest head
    old_inclusion: dict[str, Any]  # an entry of the old head, against it
    consistency: dict[str, Any]  # 12 → 20, across the rotation
    old_key: Ed25519PrivateKey  # retired at ``rotation``
    new_key: Ed25519PrivateKey
    rotation: datetime

    def lines(self) -> list[bytes]:
        return self.entries.splitlines(keepends=True)


#: Writes a case's files into a folder and returns the ``verify`` arguments.
Build = Callable[[Genuine, Path], list[str]]
#: Makes one input (a document or bytes) from the genuine downloads.
Make = Callable[[Genuine], Any]


@dataclass
class Case:
    name: str
    build: Build
    #: A phrase the message must contain.
    expect: str


def _write(folder: Path, name: str, data: Any) -> str:
    path = folder / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _entries_case(
    lines: Make,
    head: Make | None = None,
    keys: Make | None = None,
    *extra: str,
) -> Build:
    def build(g: Genuine, folder: Path) -> list[str]:
        return [
            "--public-key",
            _write(folder, "key.json", keys(g) if keys else g.keys),
            "--tree-head",
            _write(folder, "head.json", head(g) if head else g.head),
            "--entries",
            _write(folder, "entries.jsonl", lines(g)),
            *extra,
        ]

    return build


def _head_case(head: Make, keys: Make | None = None) -> Build:
    """The genuine entries against a changed head or key file."""
    return _entries_case(lambda g: g.entries, head, keys)


def _lines_case(lines: Callable[[list[bytes]], list[bytes]]) -> Build:
    return _entries_case(lambda g: b"".join(lines(g.lines())))


def _inclusion_case(proof: Make, head: Make | None = None) -> Build:
    def build(g: Genuine, folder: Path) -> list[str]:
        return [
            "--public-key",
            _write(folder, "key.json", g.keys),
            "--tree-head",
            _write(folder, "head.json", head(g) if head else g.head),
            "--inclusion",
            _write(folder, "proof.json", proof(g)),
        ]

    return build


def _consistency_case(proof: Make, held: Make | None = None) -> Build:
    def build(g: Genuine, folder: Path) -> list[str]:
        args = ["--public-key", _write(folder, "key.json", g.keys)]
        if held is not None:
            args += ["--tree-head", _write(folder, "head.json", held(g))]
        return [*args, "--consistency", _write(folder, "consistency.json", proof(g))]

    return build


def _with(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**document, **changes}


def _sign(key: Ed25519PrivateKey, size: int, root: str, at: datetime) -> dict[str, Any]:
    return sign_tree_head(key, size, bytes.fromhex(root), at).to_json()


def _edit_amount(line: bytes) -> bytes:
    entry = json.loads(line)
    entry["amount_fen"] += 100_000
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _swap(lines: list[bytes], a: int, b: int) -> list[bytes]:
    lines[a], lines[b] = lines[b], lines[a]
    return lines


def _forged_entry(g: Genuine) -> bytes:
    entry = json.loads(g.lines()[-1])
    entry.update(id="forged-entry-01", amount_fen=9_999_900, kind="disbursement")
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _other_signature(g: Genuine) -> str:
    """A valid Ed25519 signature, by a stranger, over the genuine head's bytes."""
    head = TreeHead.from_json(g.head)
    return base64.b64encode(Ed25519PrivateKey.generate().sign(head.signed_bytes())).decode()


def _path_edit(g: Genuine) -> dict[str, Any]:
    path = list(g.inclusion["audit_path"])
    path[1] = "00" * 32
    return _with(g.inclusion, audit_path=path)


def _edited_proof_entry(g: Genuine, keep_leaf: bool) -> dict[str, Any]:
    proof = _with(g.inclusion, entry=_edit_amount(g.inclusion["entry"].encode()).decode())
    if not keep_leaf:
        proof.pop("leaf_hash")
    return proof


def _consistency_hash_edit(g: Genuine) -> dict[str, Any]:
    proof = list(g.consistency["proof"])
    proof[0] = "11" * 32
    return _with(g.consistency, proof=proof)


def _split_view(g: Genuine) -> dict[str, Any]:
    """The earlier head of the same size, validly signed, but over another history."""
    old = TreeHead.from_json(g.old_head)
    at = datetime.strptime(old.timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    forged = _sign(g.old_key, old.tree_size, "ab" * 32, at)
    return _with(g.consistency, first_tree_head=forged)


def _edit_line(lines: list[bytes], index: int, edit: Callable[[bytes], bytes]) -> list[bytes]:
    return [*lines[:index], edit(lines[index]), *lines[index + 1 :]]


def _insert(lines: list[bytes], index: int, line: bytes) -> list[bytes]:
    return [*lines[:index], line, *lines[index:]]


def _after_rotation(g: Genuine, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The latest head's size and root re-signed by ``key``, dated now."""
    return _sign(key, g.head["tree_size"], g.head["root_hash"], NOW)


def _only_old_key(g: Genuine) -> dict[str, Any]:
    old = g.keys["keys"][0]
    return _with(g.keys, keys=[old], key_id=old["key_id"], public_key=old["public_key"])


def _stretched(g: Genuine) -> dict[str, Any]:
    """The retired key's period reopened by whoever edited the key file."""
    old, new = g.keys["keys"]
    return _with(g.keys, keys=[_with(old, valid_until=None), new])


def _swapped(g: Genuine) -> dict[str, Any]:
    c = g.consistency
    return _with(
        c,
        first_tree_head=c["second_tree_head"],
        second_tree_head=c["first_tree_head"],
        first=c["second"],
        second=c["first"],
    )


NOW = datetime.now(UTC)

CASES = [
    # --- entries -------------------------------------------------------------------------
    Case(
        "edited amount",
        _lines_case(lambda ls: _edit_line(ls, 4, lambda x: _edit_amount(x) + b"\n")),
        "根哈希与签名树头不符",
    ),
    Case(
        "edited, not canonical",
        _lines_case(lambda ls: _edit_line(ls, 2, lambda x: x.replace(b'":', b'": ', 1))),
        "第 3 行不是规范 JSON",
    ),
    Case("removed entry", _lines_case(lambda ls: ls[:6] + ls[7:]), "条目不足"),
    Case(
        "inserted entry",
        _entries_case(lambda g: b"".join(_insert(g.lines(), 3, _forged_entry(g) + b"\n"))),
        "根哈希与签名树头不符",
    ),
    Case("reordered entries", _lines_case(lambda ls: _swap(ls, 4, 5)), "调换了顺序"),
    Case(
        "duplicated entry",
        _lines_case(lambda ls: _insert(ls, 6, ls[5])),
        "第 7 行与第 6 行是同一条目",
    ),
    Case(
        "appended forged entry",
        _entries_case(lambda g: g.entries + _forged_entry(g) + b"\n"),
        "第 21 行（条目 forged-entry-01）",
    ),
    Case("appended duplicate", _lines_case(lambda ls: [*ls, ls[-1]]), "未经验证"),
    Case(
        "truncated mid-line",
        _entries_case(lambda g: g.entries[: len(g.entries) - 40]),
        "第 20 行没有换行符结尾",
    ),
    Case("truncated to ten lines", _lines_case(lambda ls: ls[:10]), "文件中只有 10 条"),
    Case("final newline dropped", _entries_case(lambda g: g.entries[:-1]), "没有换行符结尾"),
    Case(
        "CRLF line endings",
        _entries_case(lambda g: g.entries.replace(b"\n", b"\r\n")),
        "回车符",
    ),
    Case("blank line inserted", _lines_case(lambda ls: _insert(ls, 8, b"\n")), "第 9 行是空行"),
    Case("empty file", _entries_case(lambda g: b""), "文件中只有 0 条"),
    Case(
        "entries beyond the older head",
        _entries_case(lambda g: g.entries, lambda g: g.old_head),
        "文件比签名树头多 8 行",
    ),
    # --- tree heads and keys -------------------------------------------------------------
    Case(
        "forged signature bytes",
        _head_case(lambda g: _with(g.head, signature=base64.b64encode(b"\x07" * 64).decode())),
        "树头签名无效",
    ),
    Case(
        "a stranger's signature",
        _head_case(lambda g: _with(g.head, signature=_other_signature(g))),
        "树头签名无效",
    ),
    Case(
        "head signed by an unknown key",
        _head_case(lambda g: _after_rotation(g, Ed25519PrivateKey.generate())),
        "未知密钥",
    ),
    Case("head size changed", _head_case(lambda g: _with(g.head, tree_size=19)), "树头签名无效"),
    Case(
        "head root changed",
        _head_case(lambda g: _with(g.head, root_hash="cd" * 32)),
        "树头签名无效",
    ),
    Case(
        "head size as a string",
        _head_case(lambda g: _with(g.head, tree_size="20")),
        "tree_size 应为非负整数",
    ),
    Case(
        "head without its signature",
        _head_case(lambda g: {k: v for k, v in g.head.items() if k != "signature"}),
        "缺少字段 signature",
    ),
    Case("head is not JSON", _head_case(lambda g: '{"tree_size": 20, '), "不是合法的 JSON"),
    Case(
        "rotated-out key signing after its retirement",
        _head_case(lambda g: _after_rotation(g, g.old_key)),
        "已轮换退役",
    ),
    Case(
        "new key signing before its start",
        _head_case(
            lambda g: _sign(
                g.new_key, g.head["tree_size"], g.head["root_hash"], g.rotation - timedelta(days=2)
            )
        ),
        "尚未启用",
    ),
    Case("key file without the new key", _head_case(lambda g: g.head, _only_old_key), "未知密钥"),
    Case("key file is not JSON", _head_case(lambda g: g.head, lambda g: "not a key"), "既不是 PEM"),
    Case(
        "key id that does not match its key",
        _head_case(
            lambda g: g.head,
            lambda g: _with(g.keys, keys=[_with(k, key_id="0" * 16) for k in g.keys["keys"]]),
        ),
        "与公钥本身",
    ),
    Case(
        "retired key's period reopened by hand",
        _head_case(lambda g: _after_rotation(g, g.old_key), _stretched),
        "有效期重叠",
    ),
    # --- inclusion proofs ----------------------------------------------------------------
    Case("inclusion: wrong path", _inclusion_case(_path_edit), "包含证明不成立"),
    Case(
        "inclusion: wrong index",
        _inclusion_case(lambda g: _with(g.inclusion, leaf_index=g.inclusion["leaf_index"] + 1)),
        "包含证明不成立",
    ),
    Case(
        "inclusion: wrong tree size",
        _inclusion_case(lambda g: _with(g.inclusion, tree_size=19)),
        "针对大小 19 的树",
    ),
    Case(
        "inclusion: leaf does not match the entry",
        _inclusion_case(lambda g: _edited_proof_entry(g, keep_leaf=True)),
        "叶子哈希与条目内容不符",
    ),
    Case(
        "inclusion: entry edited, leaf dropped",
        _inclusion_case(lambda g: _edited_proof_entry(g, keep_leaf=False)),
        "包含证明不成立",
    ),
    Case(
        "inclusion: entry id swapped",
        _inclusion_case(lambda g: _with(g.inclusion, entry_id="someone-else")),
        "条目编号",
    ),
    Case(
        "inclusion: path cut short",
        _inclusion_case(lambda g: _with(g.inclusion, audit_path=g.inclusion["audit_path"][:-1])),
        "包含路径过短",
    ),
    Case(
        "inclusion: against another head",
        _inclusion_case(lambda g: g.inclusion, lambda g: g.old_head),
        "不是同一个",
    ),
    Case(
        "inclusion: path not a list",
        _inclusion_case(lambda g: _with(g.inclusion, audit_path="00")),
        "audit_path",
    ),
    # --- consistency proofs --------------------------------------------------------------
    Case("consistency: hash edited", _consistency_case(_consistency_hash_edit), "一致性证明不成立"),
    Case("consistency: split view", _consistency_case(_split_view), "一致性证明不成立"),
    Case("consistency: heads swapped", _consistency_case(_swapped), "比后一个"),
    Case(
        "consistency: size fields disagree",
        _consistency_case(lambda g: _with(g.consistency, first=11)),
        "自相矛盾",
    ),
    Case(
        "consistency: proof cut short",
        _consistency_case(lambda g: _with(g.consistency, proof=g.consistency["proof"][:-1])),
        "一致性证明不成立",
    ),
    Case(
        "consistency: unrelated to the held head",
        _consistency_case(
            lambda g: g.consistency, held=lambda g: _sign(g.new_key, 20, "ef" * 32, NOW)
        ),
        "无关",
    ),
]

GENUINE = [
    Case("entries of the latest head", _entries_case(lambda g: g.entries), "账本一致：前 20 条"),
    Case(
        "entries of the old head, retired key",
        _entries_case(lambda g: b"".join(g.lines()[:12]), lambda g: g.old_head),
        "账本一致：前 12 条",
    ),
    Case(
        "entries past the old head, ignored on request",
        _entries_case(lambda g: g.entries, lambda g: g.old_head, None, "--ignore-unverified"),
        "第 13 行",
    ),
    Case("inclusion proof", _inclusion_case(lambda g: g.inclusion), "已包含在大小 20"),
    Case(
        "inclusion under the old head",
        _inclusion_case(lambda g: g.old_inclusion, lambda g: g.old_head),
        "已包含在大小 12",
    ),
    Case(
        "consistency across the rotation", _consistency_case(lambda g: g.consistency), "未改写历史"
    ),
    Case(
        "consistency held to the old head",
        _consistency_case(lambda g: g.consistency, held=lambda g: g.old_head),
        "未改写历史",
    ),
]
