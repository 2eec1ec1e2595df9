"""Backup and restore: the drill's short form on both engines (real commands, served
processes, ``verify`` against the head published before the backup, ``search-check``), and the
refusals that keep a restore from making things worse."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
def test_the_restore_drill_passes(engine: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "scripts/restore_drill.py",
            "--engine",
            engine,
            "--entries",
            "300",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    [figures] = json.loads(result.stdout)
    assert figures["tree_size"] >= 300
    assert figures["evidence_files"] > 0
    assert f"账本一致：前 {figures['tree_size']} 条" in figures["verify"]
    assert figures["search_check"] == "索引缺少 0 条，索引多出 0 条"


def _cli(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=ROOT,
        env={**env, "VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_damaged_incomplete_or_misdirected_restores_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "source"
    assert _cli(source, "migrate").returncode == 0
    evidence = b"%PDF-1.4 receipt"
    digest = hashlib.sha256(evidence).hexdigest()
    (source / "evidence" / digest[:2]).mkdir(parents=True)
    (source / "evidence" / digest[:2] / digest).write_bytes(evidence)
    backup = tmp_path / "backup"
    made = _cli(source, "backup", "--out", str(backup))
    assert made.returncode == 0, made.stderr
    assert _cli(source, "backup", "--out", str(backup)).returncode == 1  # not an empty folder

    occupied = _cli(source, "restore", "--from", str(backup))
    assert occupied.returncode == 1 and "已有" in occupied.stderr and "--replace" in occupied.stderr

    fresh = tmp_path / "fresh"
    (backup / "evidence" / digest[:2] / digest).write_bytes(b"altered")
    damaged = _cli(fresh, "restore", "--from", str(backup))
    assert damaged.returncode == 1 and "已损坏" in damaged.stderr
    (backup / "evidence" / digest[:2] / digest).write_bytes(evidence)
    restored = _cli(fresh, "restore", "--from", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert (fresh / "evidence" / digest[:2] / digest).read_bytes() == evidence

    (backup / "manifest.json").unlink()
    incomplete = _cli(tmp_path / "other", "restore", "--from", str(backup))
    assert incomplete.returncode == 1 and "不是完整的备份" in incomplete.stderr

    (source / "evidence" / digest[:2] / digest).write_bytes(b"rotted on disk")
    rotted = _cli(source, "backup", "--out", str(tmp_path / "again"))
    assert rotted.returncode == 1 and "内容与其 SHA-256 文件名不符" in rotted.stderr
