"""`make fuzz`: Schemathesis against the API on PostgreSQL, as staff and as an organisation member.

A fresh database (migrated, demo data), a real server (``aidbridge serve``), one bearer token per
role, then ``st run`` over every ``/api/`` operation of ``/schema/openapi.json`` with the checks
the API promises to pass: no server error, status codes / content types / headers / bodies as
documented, negative data rejected, auth not ignored, and the stateful phase (links inferred
from the responses). Prints the operations and cases per role; exits 1 on any failure.

    python scripts/fuzz.py                     # the full run (make fuzz)
    python scripts/fuzz.py --max-examples 5 --max-time 60   # the short form CI runs
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import serve, stop  # noqa: E402

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
]
#: Revoking the token under test would leave the rest of the run anonymous.
EXCLUDED_OPERATIONS = ["ApiV1AuthTokenRevokeToken"]
ROLES = {"staff": "staff", "organisation member": "org_member"}


async def _database(admin_dsn: str, name: str, *, create: bool) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _run(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _token(url: str, role: str) -> str:
    from backend.demo import DEMO_ACCOUNTS

    account = next(a for a in DEMO_ACCOUNTS if a.role.value == role)
    response = httpx.post(
        url + "/api/v1/auth/token",
        json={"username": account.username, "password": account.password},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["token"])


def _schemathesis(
    url: str, token: str, label: str, args: argparse.Namespace, out: Path
) -> dict[str, object]:
    report = out / f"{label.replace(' ', '-')}.json"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        url + "/schema/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--include-path-regex",
        "^/api/",
        *[arg for op in EXCLUDED_OPERATIONS for arg in ("--exclude-operation-id", op)],
        "--header",
        f"Authorization: Bearer {token}",
        "--phases",
        args.phases,
        "--max-examples",
        str(args.max_examples),
        "--workers",
        str(args.workers),
        "--seed",
        str(args.seed),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    (out / f"{label.replace(' ', '-')}.txt").write_text(result.stdout + result.stderr)
    figures: dict[str, object] = {
        "role": label,
        "exit": result.returncode,
        "seconds": round(elapsed),
    }
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        data = {}
    figures.update(_figures(data, result.stdout))
    return figures


def _figures(data: dict[str, Any], stdout: str) -> dict[str, object]:
    """Operations tested, cases generated and failures, from Schemathesis' JSON report."""
    operations = data.get("operations", {})
    cases = data.get("test_cases", {})
    tail = "\n".join(line for line in stdout.splitlines()[-40:] if line.strip())
    return {
        "operations_tested": operations.get("tested"),
        "operations_selected": operations.get("selected"),
        "cases_generated": cases.get("generated"),
        "cases_with_failures": cases.get("with_failures"),
        "unique_failures": cases.get("unique_failures"),
        "errored": cases.get("errored"),
        "summary": tail,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--max-time", type=int, default=0, help="seconds per role (0: no limit)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    # One worker: Hypothesis's caches are not thread-safe (a flaky generation error otherwise).
    parser.add_argument("--workers", default="1")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--out", default=str(ROOT / "var" / "fuzz"))
    args = parser.parse_args()

    import asyncio

    admin_dsn = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"aidbridge_fuzz_{os.getpid()}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="aidbridge-fuzz-var-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "MEILI_URL")}
    env.update(
        DATABASE_URL=admin_dsn.rsplit("/", 1)[0] + "/" + name,
        VAR_DIR=str(var_dir),
        ENVIRONMENT="test",
        EMBEDDED_SCHEDULER="false",
        PICCOLO_CONF="backend.piccolo_conf",
    )
    asyncio.run(_database(admin_dsn, name, create=True))
    server: subprocess.Popen[bytes] | None = None
    results = []
    try:
        _run(env, "migrate")
        _run(env, "seed-demo")
        server, url = serve(env, output=(out / "server.log").open("wb"), cwd=ROOT)
        for label, role in ROLES.items():
            results.append(_schemathesis(url, _token(url, role), label, args, out))
    finally:
        if server is not None:
            stop(server)
        asyncio.run(_database(admin_dsn, name, create=False))
    failed = False
    for figures in results:
        summary = figures.pop("summary")
        print(
            f"== Schemathesis as {figures['role']}: {figures['operations_tested']} operations, "
            f"{figures['cases_generated']} cases, {figures['unique_failures']} failures, "
            f"{figures['seconds']} s (exit {figures['exit']})"
        )
        print(summary)
        failed = failed or figures["exit"] != 0
    (out / "figures.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
