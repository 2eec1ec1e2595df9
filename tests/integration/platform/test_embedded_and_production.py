"""The two ways to run: embedded SQLite demo, and production settings on PostgreSQL and Redis."""

from __future__ import annotations

import base64
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from backend.settings import DEV_SESSION_SECRET, Settings
from tests.settings import TEST_DATABASE_URL, TEST_REDIS_URL

CLI = [sys.executable, "-m", "backend.cli"]


def _embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "MEILI_URL"}
    }
    env.update({"VAR_DIR": str(var_dir), "ENVIRONMENT": "development"})
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"server exited early:\n{out}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {timeout} s")


@pytest.fixture
def served() -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_migrations_and_demo_on_sqlite(
    tmp_path: Path, served: list[subprocess.Popen[bytes]]
) -> None:
    env = _embedded_env(tmp_path)
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    first = subprocess.run(
        [*CLI, "seed-demo"], env=env, check=True, capture_output=True, timeout=120
    )
    second = subprocess.run(
        [*CLI, "seed-demo"], env=env, check=True, capture_output=True, timeout=120
    )
    output = first.stdout.decode()
    for username in ("staff", "reviewer", "charity", "volunteer", "auditor", "admin"):
        assert f"用户名 {username}" in output
    assert "密码 demo-" in output
    assert second.stdout.decode() == output  # the same accounts, printed again

    database = sqlite3.connect(tmp_path / "aidbridge.sqlite3")
    try:
        (users,) = database.execute("SELECT count(*) FROM app_user").fetchone()
        (orgs,) = database.execute("SELECT count(*) FROM organisation").fetchone()
        (regions,) = database.execute("SELECT count(*) FROM region").fetchone()
    finally:
        database.close()
    assert (users, orgs) == (6, 3)  # idempotent: a second run added nothing
    assert regions > 500

    port = _free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    served.append(process)
    ready = _wait_ready(f"http://127.0.0.1:{port}/health/ready", process)
    assert ready.status_code == 200
    home = httpx.get(f"http://127.0.0.1:{port}/")
    assert "已认证帮扶组织" in home.text


def _production_secrets() -> dict[str, str]:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    return {
        "SESSION_SECRET": secrets.token_urlsafe(48),
        "DATA_ENCRYPTION_KEYS": f"k1:{key}",
        "BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "LEDGER_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


@pytest.mark.parametrize(
    "kept", ["SESSION_SECRET", "DATA_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "LEDGER_SIGNING_KEY"]
)
def test_production_refuses_each_default_secret(kept: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _production_secrets().items():
        if name != kept:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match=f"production refuses .*{kept}"):
        Settings()


def test_production_judges_key_schedules_by_the_keys_in_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A schedule replaces the single key: its unused default is no objection, a development
    key inside the schedule is."""
    from backend.settings import DEV_BLIND_INDEX_KEY, DEV_LEDGER_SIGNING_KEY

    for name, value in _production_secrets().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ENVIRONMENT", "production")
    for single in ("LEDGER_SIGNING_KEY", "BLIND_INDEX_KEY"):
        monkeypatch.delenv(single)
    fresh = base64.b64encode(secrets.token_bytes(32)).decode()
    monkeypatch.setenv("LEDGER_SIGNING_KEYS", f"{fresh}")
    monkeypatch.setenv("BLIND_INDEX_KEYS", f"b1:{fresh}")
    assert Settings().ledger_signing_keys == fresh
    monkeypatch.setenv("LEDGER_SIGNING_KEYS", f"{DEV_LEDGER_SIGNING_KEY},{fresh}@2027-01-01")
    with pytest.raises(ValidationError, match="LEDGER_SIGNING_KEYS"):
        Settings()
    monkeypatch.setenv("LEDGER_SIGNING_KEYS", fresh)
    monkeypatch.setenv("BLIND_INDEX_KEYS", f"b1:{fresh},b0:{DEV_BLIND_INDEX_KEY}")
    with pytest.raises(ValidationError, match="BLIND_INDEX_KEYS"):
        Settings()
    monkeypatch.setenv("BLIND_INDEX_KEYS", "b1:c2hvcnQ=")
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings()


def test_production_refuses_a_short_session_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _production_secrets().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SESSION_SECRET", "short")
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="at least 32"):
        Settings()


def test_development_accepts_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.delenv("SESSION_SECRET", raising=False)
    assert Settings().session_secret == DEV_SESSION_SECRET


def test_cli_refuses_to_start_production_with_default_secrets(tmp_path: Path) -> None:
    env = {**_embedded_env(tmp_path), "ENVIRONMENT": "production"}
    result = subprocess.run([*CLI, "serve"], env=env, capture_output=True, timeout=60)
    assert result.returncode != 0
    assert b"SESSION_SECRET" in result.stderr


@pytest.mark.usefixtures("database")
def test_app_starts_with_production_settings_on_postgres_and_redis(
    tmp_path: Path, served: list[subprocess.Popen[bytes]]
) -> None:
    port = _free_port()
    env = {
        **_embedded_env(tmp_path),
        **_production_secrets(),
        "ENVIRONMENT": "production",
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": TEST_REDIS_URL,
    }
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    served.append(process)
    ready = _wait_ready(f"http://127.0.0.1:{port}/health/ready", process)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "search": "ok", "redis": "ok"}
    login = httpx.get(f"http://127.0.0.1:{port}/login")
    assert "Secure" in login.headers.get("set-cookie", "")  # cookies only over HTTPS
    process.terminate()
    process.wait(timeout=10)
    log = process.stdout.read().decode() if process.stdout else ""
    assert '"event": "request"' in log  # JSON logs in production
