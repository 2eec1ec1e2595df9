"""Checking a downloaded ledger, an inclusion proof or a consistency proof: trust nothing unsigned.

The signed tree head is the only thing a reader can trust, so only what it covers is verified:
exactly ``tree_size`` lines, hashed as RFC 6962 leaves, must give its root. Lines beyond that
size are *unverified*: they are reported line by line, never counted as checked, and a caller
accepts them only when its user asked to ignore them. Every other departure from a genuine
download (a missing final newline, a carriage return, a blank line, a proof whose fields do
not agree with each other) fails with a message that names what failed and where.

Proving the root is cheap (one SHA-256 per line and per node). Explaining a mismatch needs the
lines parsed, so that pass runs only after a mismatch and only to name the culprit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from matching import merkle
from matching.ledger import (
    CURRENCY,
    ENTRY_VERSION,
    EntryKind,
    LedgerVerificationError,
    TreeHead,
    canonical,
    parse_timestamp,
)
from matching.ledger_keys import KeySet, LedgerKey

#: Unverified lines named one by one in a report; beyond this, only counted.
LISTED = 20
#: Problems named after a root mismatch.
DIAGNOSED = 5


@dataclass(frozen=True)
class UnverifiedLine:
    line: int
    entry_id: str | None


@dataclass
class EntriesResult:
    verified: int
    head: TreeHead
    key: LedgerKey
    unverified: list[UnverifiedLine] = field(default_factory=list)
    unverified_count: int = 0

    def describe_unverified(self) -> str:
        """``第 21 行（条目 abc）、第 22 行…``: the lines no signature covers."""
        named = "、".join(
            f"第 {u.line} 行（条目 {u.entry_id}）" if u.entry_id else f"第 {u.line} 行"
            for u in self.unverified
        )
        more = self.unverified_count - len(self.unverified)
        return named + (f" 等共 {self.unverified_count} 行" if more > 0 else "")


def _line_problem(number: int, line: bytes) -> str | None:
    """What makes one raw line (with its newline) unlike a line of a genuine download."""
    if not line.endswith(b"\n"):
        return f"第 {number} 行没有换行符结尾：文件不完整（被截断）或被改动"
    if b"\r" in line:
        return f"第 {number} 行含有回车符（CRLF）：文件被改动或换行符被转换"
    if line == b"\n":
        return f"第 {number} 行是空行：下载的账本中不会有空行"
    return None


def _entry_id(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    value = parsed.get("id") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


def check_entries(
    read: Callable[[], Iterable[bytes]], head: TreeHead, keys: KeySet
) -> EntriesResult:
    """Verify a download against a signed head; ``read`` opens the lines afresh each call.

    Raises ``LedgerVerificationError`` for anything the head contradicts. Lines past the head's
    size are returned as unverified, for the caller to refuse or, if asked, to ignore.
    """
    key = keys.verify(head)
    size = head.tree_size
    result = EntriesResult(verified=0, head=head, key=key)

    def leaves() -> Iterator[bytes]:
        for number, line in enumerate(read(), start=1):
            if number <= size:
                problem = _line_problem(number, line)
                if problem:
                    raise LedgerVerificationError(problem)
                result.verified = number
                yield merkle.leaf_hash(line[:-1])
            else:
                result.unverified_count += 1
                if len(result.unverified) < LISTED:
                    body = line.rstrip(b"\r\n")
                    result.unverified.append(UnverifiedLine(number, _entry_id(body)))

    counted, root = merkle.root_of_leaves(leaves())
    if counted < size:
        raise LedgerVerificationError(
            f"条目不足：签名树头记录 {size} 条，文件中只有 {counted} 条"
            "（有条目被删除，或文件被截断）"
        )
    if root != head.root_hash:
        found = diagnose(read(), size)
        detail = "；".join(found) if found else "无法定位到具体的行：某条目的内容被改动"
        raise LedgerVerificationError(
            f"根哈希与签名树头不符：前 {size} 条中有条目被修改、删除、插入、重复或调换了顺序。"
            f"定位：{detail}"
        )
    return result


def entry_problem(body: bytes) -> str | None:
    """Why ``body`` could not be an entry the platform wrote (None if it could)."""
    try:
        # A repeated key or NaN parses, but then cannot re-serialise to the same bytes.
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "不是合法的 UTF-8 JSON"
    if not isinstance(parsed, dict):
        return "不是 JSON 对象"
    try:
        if canonical(parsed) != body:
            return "不是规范 JSON（键的顺序、空白或转义被改动）"
    except TypeError:
        return "含有小数：金额只能是整数分"
    if parsed.get("v") != ENTRY_VERSION:
        return f"版本 v 应为 {ENTRY_VERSION}"
    if not isinstance(parsed.get("id"), str) or not parsed["id"]:
        return "缺少条目编号 id"
    if parsed.get("kind") not in {k.value for k in EntryKind}:
        return f"未知的条目类型 {parsed.get('kind')!r}"
    for name in ("amount_fen", "hours"):
        value = parsed.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{name} 应为整数"
    if parsed.get("currency") != CURRENCY:
        return f"币种应为 {CURRENCY}"
    at = parsed.get("at")
    try:
        parse_timestamp(at if isinstance(at, str) else "")
    except LedgerVerificationError:
        return "时间 at 格式不正确"
    return None


def diagnose(lines: Iterable[bytes], size: int) -> list[str]:
    """Name the lines that explain a root mismatch: malformed, non-canonical or repeated."""
    found: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if number > size or len(found) >= DIAGNOSED:
            break
        body = line.rstrip(b"\n")
        problem = entry_problem(body)
        if problem:
            found.append(f"第 {number} 行{problem}")
            continue
        entry_id = json.loads(body)["id"]
        if entry_id in seen:
            found.append(f"第 {number} 行与第 {seen[entry_id]} 行是同一条目（{entry_id}）")
        else:
            seen[entry_id] = number
    return found


# --- proofs ------------------------------------------------------------------------------


def _field(document: Mapping[str, Any], name: str, what: str) -> Any:
    if name not in document:
        raise LedgerVerificationError(f"{what}格式不正确：缺少字段 {name}")
    return document[name]


def _int_field(document: Mapping[str, Any], name: str, what: str) -> int:
    value = _field(document, name, what)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise LedgerVerificationError(f"{what}格式不正确：{name} 应为非负整数")
    return value


def _hashes(value: Any, name: str, what: str) -> list[bytes]:
    if not isinstance(value, list) or len(value) > 64:
        raise LedgerVerificationError(f"{what}格式不正确：{name} 应为至多 64 个哈希的数组")
    out = []
    for position, item in enumerate(value):
        if not isinstance(item, str) or len(item) != 64:
            raise LedgerVerificationError(
                f"{what}格式不正确：{name} 第 {position + 1} 项不是 64 位十六进制哈希"
            )
        try:
            out.append(bytes.fromhex(item))
        except ValueError as exc:
            raise LedgerVerificationError(
                f"{what}格式不正确：{name} 第 {position + 1} 项不是十六进制"
            ) from exc
    return out


def _same_head(a: TreeHead, b: TreeHead) -> bool:
    return a.tree_size == b.tree_size and a.root_hash == b.root_hash


@dataclass(frozen=True)
class InclusionResult:
    entry_id: str
    index: int
    head: TreeHead


def check_inclusion(proof: Any, keys: KeySet, held: TreeHead | None = None) -> InclusionResult:
    """An inclusion proof against ``held`` (the head the reader trusts) or the one it carries."""
    what = "包含证明"
    if not isinstance(proof, Mapping):
        raise LedgerVerificationError("包含证明格式不正确：应为 JSON 对象")
    entry = _field(proof, "entry", what)
    if not isinstance(entry, str):
        raise LedgerVerificationError("包含证明格式不正确：entry 应为字符串（条目的原始 JSON）")
    index = _int_field(proof, "leaf_index", what)
    size = _int_field(proof, "tree_size", what)
    path = _hashes(_field(proof, "audit_path", what), "audit_path", what)
    carried = TreeHead.from_json(proof["tree_head"]) if "tree_head" in proof else None
    head = held or carried
    if head is None:
        raise LedgerVerificationError("包含证明没有附带树头：请用 --tree-head 给出签名树头")
    if held is not None and carried is not None and not _same_head(held, carried):
        raise LedgerVerificationError(
            f"包含证明附带的树头（大小 {carried.tree_size}）与 --tree-head 给出的树头"
            f"（大小 {held.tree_size}）不是同一个"
        )
    keys.verify(head)
    body = entry.encode()
    leaf = merkle.leaf_hash(body)
    if "leaf_hash" in proof and proof["leaf_hash"] != leaf.hex():
        raise LedgerVerificationError("包含证明中的叶子哈希与条目内容不符：条目被改动")
    problem = entry_problem(body)
    if problem:
        raise LedgerVerificationError(f"包含证明中的条目{problem}")
    entry_id = json.loads(body)["id"]
    if "entry_id" in proof and proof["entry_id"] != entry_id:
        raise LedgerVerificationError(
            f"包含证明的条目编号 {proof['entry_id']!r} 与条目内容中的编号 {entry_id!r} 不符"
        )
    if size != head.tree_size:
        raise LedgerVerificationError(
            f"包含证明针对大小 {size} 的树，而签名树头的大小为 {head.tree_size}"
        )
    try:
        merkle.verify_inclusion(leaf, index, size, path, head.root_hash)
    except merkle.ProofError as exc:
        raise LedgerVerificationError(
            f"包含证明不成立：条目 {entry_id} 不在签名树头的第 {index} 位（{exc}）"
        ) from exc
    return InclusionResult(entry_id, index, head)


def check_consistency(
    proof: Any, keys: KeySet, held: TreeHead | None = None
) -> tuple[TreeHead, TreeHead]:
    """Both heads signed and in their keys' periods, and the later tree an append of the earlier."""
    what = "一致性证明"
    if not isinstance(proof, Mapping):
        raise LedgerVerificationError("一致性证明格式不正确：应为 JSON 对象")
    first = TreeHead.from_json(_field(proof, "first_tree_head", what))
    second = TreeHead.from_json(_field(proof, "second_tree_head", what))
    hashes = _hashes(_field(proof, "proof", what), "proof", what)
    for name, head in (("first", first), ("second", second)):
        if name in proof and proof[name] != head.tree_size:
            raise LedgerVerificationError(
                f"一致性证明自相矛盾：{name} = {proof[name]!r}，而对应树头的大小为 {head.tree_size}"
            )
    if held is not None and not (_same_head(held, first) or _same_head(held, second)):
        raise LedgerVerificationError(
            f"一致性证明连接的是大小 {first.tree_size} 与 {second.tree_size} 的树头，"
            f"与 --tree-head 给出的树头（大小 {held.tree_size}）无关"
        )
    keys.verify(first)
    keys.verify(second)
    if first.tree_size == 0:
        raise LedgerVerificationError("一致性证明格式不正确：前一个树头为空树，无需证明")
    if first.tree_size > second.tree_size:
        raise LedgerVerificationError(
            f"一致性证明的前一个树头（大小 {first.tree_size}）比后一个（{second.tree_size}）大"
        )
    try:
        merkle.verify_consistency(
            first.tree_size, second.tree_size, first.root_hash, second.root_hash, hashes
        )
    except merkle.ProofError as exc:
        raise LedgerVerificationError(
            f"一致性证明不成立：大小 {second.tree_size} 的树头并非只在大小 {first.tree_size} "
            f"的树头之后追加，历史条目被改写或两个树头来自不同的账本（{exc}）"
        ) from exc
    return first, second
