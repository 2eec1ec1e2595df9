"""``aidbridge backup`` and ``aidbridge restore``: the database, the evidence files, and a
manifest that lets the restore prove it got the ledger back.

A backup folder holds the database (PostgreSQL: a ``pg_dump`` custom-format dump, consistent
as of one snapshot; SQLite: a copy made by SQLite's online backup API, safe while the app
writes), a copy of ``VAR_DIR/evidence`` (files named by their SHA-256, checked on the way out
and back in), and ``manifest.json``, written last so that a half-made backup has none. The
manifest records the latest signed tree head and the ledger's public keys *before* the dump
began: the restore recomputes the Merkle root from the restored entries and must meet that head.

Restoring goes into a fresh database (created if missing; an existing one with tables is
refused unless ``--replace``), in one transaction on PostgreSQL, then applies any newer
migrations, rebuilds the search index from the restored needs, checks the ledger, and compares
the index with the database.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from backend.settings import Settings, get_settings

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
EVIDENCE = "evidence"
#: Ledger entries read per query when the restored ledger is re-hashed.
PAGE = 50_000


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 3)

    @property
    def total(self) -> float:
        return round(sum(self.seconds.values()), 3)


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    timings: Timings
    ledger: str
    search_missing: int
    search_stale: int

    @property
    def clean(self) -> bool:
        return self.search_missing == 0 and self.search_stale == 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pg_environment(url: str) -> tuple[dict[str, str], str]:
    """libpq variables for ``url`` (so no password appears on a command line) and the name."""
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    env = {
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "PGDATABASE": database,
    }
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return env, database


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - pg_dump/pg_restore with our arguments, no shell
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{what}失败（{command[0]} 退出码 {result.returncode}）：{result.stderr[-2000:]}"
        )


def _evidence_dir(settings: Settings) -> Path:
    return settings.var_dir / EVIDENCE


def _copy_evidence(source: Path, target: Path) -> list[dict[str, Any]]:
    """Copy content-addressed files, refusing any whose content no longer matches its name."""
    copied = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        digest = _sha256(path)
        if digest != path.name:
            raise BackupError(
                f"凭证文件 {path.name[:16]}… 的内容与其 SHA-256 文件名不符：文件已损坏"
            )
        relative = path.relative_to(source)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not (destination.exists() and _sha256(destination) == digest):
            shutil.copy2(path, destination)
        copied.append({"path": str(relative), "sha256": digest, "bytes": path.stat().st_size})
    return copied


def _fresh_folder(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录 {out} 不为空：请换一个新目录")
    out.mkdir(parents=True, exist_ok=True)


async def _ledger_state() -> tuple[dict[str, Any] | None, dict[str, Any]]:
    from backend.db import unit_of_work
    from backend.ledger.keys import public_key_document
    from backend.ledger.service import latest_tree_head

    async with unit_of_work(write=False):
        head = await latest_tree_head()
    return (head.to_json() if head else None), public_key_document()


async def backup(out: Path) -> dict[str, Any]:
    """Write a backup into ``out`` (new or empty); returns the manifest."""
    settings = get_settings()
    _fresh_folder(out)
    timings = Timings()
    # Before the dump: the dump holds this head and everything it covers, or more.
    head, keys = await _ledger_state()
    with timings.step("database"):
        if settings.database_url:
            env, _ = pg_environment(settings.database_url)
            command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
            _run([*command, "--file", str(out / PG_DUMP)], env, "数据库导出")
            dump = PG_DUMP
        else:
            source = sqlite3.connect(settings.sqlite_path)
            target = sqlite3.connect(out / SQLITE_COPY)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            dump = SQLITE_COPY
    with timings.step("evidence"):
        evidence_dir = _evidence_dir(settings)
        evidence = _copy_evidence(evidence_dir, out / EVIDENCE) if evidence_dir.exists() else []
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "database": "postgresql" if settings.database_url else "sqlite",
        "dump": dump,
        "dump_sha256": _sha256(out / dump),
        "dump_bytes": (out / dump).stat().st_size,
        "evidence": evidence,
        "tree_head": head,
        "ledger_keys": keys,
        "seconds": timings.seconds,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.exists():
        raise BackupError(f"{source} 中没有 {MANIFEST}：不是完整的备份（备份可能中途失败）")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    dump = source / manifest["dump"]
    if not dump.exists() or _sha256(dump) != manifest["dump_sha256"]:
        raise BackupError(f"数据库备份文件 {dump.name} 缺失或已损坏（SHA-256 不符）")
    for item in manifest["evidence"]:
        copy = source / EVIDENCE / item["path"]
        if not copy.exists() or _sha256(copy) != item["sha256"]:
            raise BackupError(f"备份中的凭证文件 {item['path']} 缺失或已损坏")
    return manifest


async def _prepare_postgres(url: str, *, replace: bool) -> None:
    """A fresh, empty target database: created if missing, refused if in use (or replaced)."""
    import asyncpg

    _, name = pg_environment(url)
    admin = url.rsplit("/", 1)[0] + "/postgres"
    connection = await asyncpg.connect(admin)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            target = await asyncpg.connect(url)
            try:
                tables = await target.fetchval(
                    "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"
                )
            finally:
                await target.close()
            if tables and not replace:
                raise BackupError(
                    f"目标数据库 {name} 已有 {tables} 张表：恢复只写入新的空数据库"
                    "（确认要覆盖请加 --replace）"
                )
            if tables:
                await connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def _prepare_sqlite(path: Path, *, replace: bool) -> None:
    if path.exists() and path.stat().st_size:
        connection = sqlite3.connect(path)
        try:
            tables = connection.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            connection.close()
        if tables and not replace:
            raise BackupError(
                f"目标数据库 {path} 已有 {tables} 张表：恢复只写入新的空数据库"
                "（确认要覆盖请加 --replace）"
            )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


async def verify_restored_ledger(head_json: dict[str, Any], keys_json: dict[str, Any]) -> str:
    """Recompute the Merkle root of the restored entries and meet the head of the manifest."""
    from backend.db import unit_of_work
    from backend.ledger.service import entries_page, tree_head_of_size
    from matching import merkle
    from matching.ledger import LedgerVerificationError, TreeHead
    from matching.ledger_keys import key_set_from_document

    head = TreeHead.from_json(head_json)
    key = key_set_from_document(keys_json).verify(head)
    size, frontier = 0, list[bytes]()
    async with unit_of_work(write=False):
        stored = await tree_head_of_size(head.tree_size)
        for start in range(0, head.tree_size, PAGE):
            bodies = await entries_page(start, min(start + PAGE, head.tree_size))
            leaves = (merkle.leaf_hash(body.encode()) for body in bodies)
            size, frontier, _ = merkle.extend(size, frontier, leaves, keep_nodes=False)
    if size != head.tree_size:
        raise LedgerVerificationError(
            f"恢复后的账本只有 {size} 条，备份前的树头记录 {head.tree_size} 条"
        )
    if merkle.root_of_frontier(frontier) != head.root_hash or stored.root_hash != head.root_hash:
        raise LedgerVerificationError("恢复后的账本与备份前的签名树头不符：根哈希不同")
    return (
        f"恢复后的前 {size} 条账本条目与备份前最后签发的树头（{head.timestamp}，"
        f"密钥 {key.key_id}）一致"
    )


async def restore(source: Path, *, replace: bool = False) -> RestoreReport:
    from backend.db import start_engine, stop_engine
    from backend.migrations import migrate
    from backend.needs.search_sync import close_search_index, drift, reindex

    settings = get_settings()
    timings = Timings()
    with timings.step("check"):
        manifest = read_manifest(source)
    kind = "postgresql" if settings.database_url else "sqlite"
    if manifest["database"] != kind:
        raise BackupError(
            f"备份来自 {manifest['database']}，而当前设置的数据库是 {kind}（见 DATABASE_URL）"
        )
    with timings.step("database"):
        if settings.database_url:
            await _prepare_postgres(settings.database_url, replace=replace)
            env, _ = pg_environment(settings.database_url)
            command = ["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner"]
            command += ["--no-privileges", "--dbname", env["PGDATABASE"], str(source / PG_DUMP)]
            _run(command, env, "数据库恢复")
        else:
            _prepare_sqlite(settings.sqlite_path, replace=replace)
            backup_copy = sqlite3.connect(source / SQLITE_COPY)
            target = sqlite3.connect(settings.sqlite_path)
            try:
                backup_copy.backup(target)
            finally:
                target.close()
                backup_copy.close()
    with timings.step("evidence"):
        if (source / EVIDENCE).exists():
            _copy_evidence(source / EVIDENCE, _evidence_dir(settings))
    await start_engine()
    try:
        with timings.step("migrate"), redirect_stdout(io.StringIO()):
            await migrate()  # a backup older than the code: its missing migrations
        with timings.step("search_rebuild"):
            await reindex()
        with timings.step("ledger_verify"):
            head = manifest["tree_head"]
            ledger = (
                await verify_restored_ledger(head, manifest["ledger_keys"])
                if head
                else "备份时账本尚无签名树头：无可核对的条目"
            )
        with timings.step("search_check"):
            found = await drift()
    finally:
        await close_search_index()
        await stop_engine()
    return RestoreReport(manifest, timings, ledger, len(found.missing), len(found.stale))
