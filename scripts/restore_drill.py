"""The backup and restore drill (``make restore-drill``; a short form runs in the test suite).

For each engine (PostgreSQL, the SQLite embedded default), through the real commands only:

1. a source platform: migrate, demo data, optionally N more ledger entries, sealed;
2. the last tree head published before the backup, downloaded from the served source;
3. ``aidbridge backup``; then more activity on the source (what a restore loses: the RPO);
4. ``aidbridge restore`` into a fresh database and an empty VAR_DIR;
5. the restored platform served: the ledger downloaded at the pre-backup head's size and
   checked by ``aidbridge verify`` against the head saved in step 2; ``aidbridge search-check``.

Prints the figures (``--json`` for machines); exits 1 if any step fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "backend.cli"]
PG_ADMIN = os.environ.get("DRILL_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


class DrillFailed(Exception):
    pass


def _env(database_url: str | None, var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "MEILI_URL", "MEILI_API_KEY", "VAR_DIR"}
    }
    env.update(
        VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
        ENVIRONMENT="development",
        EMBEDDED_SCHEDULER="false",
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _run(env: dict[str, str], *args: str) -> tuple[str, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [*CLI, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise DrillFailed(
            f"aidbridge {' '.join(args)} 退出码 {result.returncode}：\n"
            f"{result.stderr}{result.stdout}"
        )
    return result.stdout, took


@contextmanager
def _served(env: dict[str, str]) -> Iterator[tuple[str, float]]:
    import httpx

    sys.path.insert(0, str(ROOT))
    from tests.served import free_port

    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(url + "/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise DrillFailed("服务未能启动")
            time.sleep(0.1)
        yield url, time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=15)


async def _pg(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _fill(count: int) -> None:
    """Append ``count`` ledger entries in large transactions and seal (run as a subprocess)."""

    async def go() -> None:
        from backend.db import start_engine, stop_engine, unit_of_work
        from backend.ledger import service
        from backend.ledger.sealing import seal
        from matching.ledger import EntryKind

        await start_engine()
        kinds = [EntryKind.pledge, EntryKind.donation, EntryKind.disbursement]
        for start in range(0, count, 5000):
            async with unit_of_work():
                for i in range(start, min(count, start + 5000)):
                    await service.append(
                        kinds[i % 3],
                        amount_fen=100 * (i % 5000 + 1),
                        need=f"drill-{i % 997}",
                        organisation=f"org-{i % 31}",
                    )
        async with unit_of_work():
            await seal()
        await stop_engine()

    asyncio.run(go())


def _fill_in(env: dict[str, str], count: int) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, __file__, "--fill", str(count)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DrillFailed(f"写入演练数据失败：{result.stderr}")
    return time.perf_counter() - started


def drill(engine: str, entries: int, workspace: Path) -> dict[str, Any]:
    """One drill; returns its figures."""
    figures: dict[str, Any] = {"engine": engine, "extra_entries": entries}
    tag = f"{os.getpid()}_{int(time.time())}"
    source_url = target_url = None
    if engine == "postgres":
        base = PG_ADMIN.rsplit("/", 1)[0]
        source_url, target_url = f"{base}/drill_src_{tag}", f"{base}/drill_dst_{tag}"
        asyncio.run(_pg(f'CREATE DATABASE "drill_src_{tag}"'))
    source = _env(source_url, workspace / "source-var")
    target = _env(target_url, workspace / "restored-var")
    try:
        _run(source, "migrate")
        _run(source, "seed-demo")
        if entries:
            figures["fill_s"] = round(_fill_in(source, entries), 2)
        _run(source, "ledger-seal")
        before = workspace / "before"
        with _served(source) as (url, _):
            _run(source, "ledger-download", "--url", url, "--out", str(before))
        head = json.loads((before / "tree-head.json").read_text())
        figures["tree_size"] = head["tree_size"]

        backup = workspace / "backup"
        _, figures["backup_s"] = _run(source, "backup", "--out", str(backup))
        manifest = json.loads((backup / "manifest.json").read_text())
        figures["dump_mb"] = round(manifest["dump_bytes"] / 1e6, 2)
        figures["evidence_files"] = len(manifest["evidence"])
        # Activity after the backup: what a restore from it cannot bring back.
        _fill_in(source, 50)

        restored, figures["restore_s"] = _run(target, "restore", "--from", str(backup))
        figures["restore_output"] = restored.strip().splitlines()
        after = workspace / "after"
        with _served(target) as (url, figures["serve_ready_s"]):
            _run(target, "ledger-download", "--url", url, "--out", str(after))
            latest = json.loads((after / "tree-head.json").read_text())
            exact = workspace / "exact"
            _run(
                target,
                "ledger-download",
                "--url",
                url,
                "--out",
                str(exact),
                "--tree-size",
                str(head["tree_size"]),
            )
        if latest["tree_size"] != head["tree_size"]:
            raise DrillFailed(
                f"恢复后的最新树头 {latest['tree_size']} 条，备份前 {head['tree_size']} 条"
            )
        verified, _ = _run(
            target,
            "verify",
            "--public-key",
            str(before / "public-key.json"),
            "--tree-head",
            str(before / "tree-head.json"),
            "--entries",
            str(exact / "entries.jsonl"),
        )
        figures["verify"] = verified.strip()
        checked, _ = _run(target, "search-check")
        figures["search_check"] = checked.strip().splitlines()[0]
        figures["lost_after_backup_entries"] = 50
        figures["rto_s"] = round(figures["restore_s"] + figures["serve_ready_s"], 2)
        return figures
    finally:
        if engine == "postgres":
            for name in (f"drill_src_{tag}", f"drill_dst_{tag}"):
                asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--entries", type=int, default=100_000, help="extra ledger entries")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--fill", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill is not None:
        _fill(args.fill)
        return 0
    engines = ["postgres", "sqlite"] if args.engine == "both" else [args.engine]
    results = []
    for engine in engines:
        workspace = Path(tempfile.mkdtemp(prefix=f"aidbridge-drill-{engine}-"))
        try:
            results.append(drill(engine, args.entries, workspace))
        except DrillFailed as exc:
            print(f"演练失败（{engine}）：{exc}", file=sys.stderr)
            return 1
        finally:
            shutil.rmtree(workspace, ignore_errors=True)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    for r in results:
        print(
            f"== {r['engine']}: ledger {r['tree_size']:,} entries, dump {r['dump_mb']} MB, "
            f"{r['evidence_files']} evidence files"
        )
        print(
            f"   backup {r['backup_s']:.2f} s; restore {r['restore_s']:.2f} s "
            f"(+ serve ready {r['serve_ready_s']:.2f} s) = RTO {r['rto_s']:.2f} s"
        )
        for line in r["restore_output"]:
            print(f"   {line}")
        print(f"   {r['verify']}")
        print(f"   search-check: {r['search_check']}")
        print(
            "   lost by design (written after the backup): "
            f"{r['lost_after_backup_entries']} entries"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
