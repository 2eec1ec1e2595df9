"""The short form of `make fuzz` that CI runs: Schemathesis over every /api/ operation, as staff
and as an organisation member, all phases (examples, coverage, fuzzing, stateful), a few cases
per operation. It must find nothing: no server error, no undocumented status, content type,
header or body, no accepted invalid data, no ignored authentication."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_schemathesis_finds_nothing_as_either_role(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "fuzz.py"),
            "--max-examples",
            "4",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert [f["role"] for f in figures] == ["staff", "organisation member"]
    details = "\n".join(
        (tmp_path / f"{f['role'].replace(' ', '-')}.txt").read_text()[-4000:] for f in figures
    )
    assert result.returncode == 0, result.stdout[-3000:] + details
    for role in figures:
        assert role["exit"] == 0
