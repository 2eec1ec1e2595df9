"""Who schedules, and how a worker tells a manual run from an enqueued one."""

from __future__ import annotations

from pathlib import Path

from backend.jobs.queue import trigger_of
from backend.jobs.scheduler import _LockFile, scheduler_enabled
from backend.jobs.tables import Trigger
from backend.settings import Settings


def test_embedded_scheduler_runs_only_without_redis_and_not_in_tests_unless_asked() -> None:
    assert scheduler_enabled(Settings(environment="development", redis_url=None))
    assert scheduler_enabled(Settings(environment="production", redis_url=None, **_secrets()))
    assert not scheduler_enabled(Settings(environment="test", redis_url=None))
    assert scheduler_enabled(Settings(environment="test", redis_url=None, embedded_scheduler=True))
    assert not scheduler_enabled(Settings(environment="development", embedded_scheduler=False))
    # With Redis the arq worker's cron schedules, whatever the setting says.
    with_redis = Settings(redis_url="redis://127.0.0.1:6379/0", embedded_scheduler=True)
    assert not scheduler_enabled(with_redis)


def test_one_process_per_var_directory_holds_the_scheduler_lock(tmp_path: Path) -> None:
    first, second = _LockFile(tmp_path / "scheduler.lock"), _LockFile(tmp_path / "scheduler.lock")
    assert first.acquire()
    assert first.acquire()  # held already
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_manual_runs_are_told_by_their_job_id() -> None:
    assert trigger_of("manual:needs.sweep_needs") == Trigger.manual
    assert trigger_of("notifications:send_digests") == Trigger.enqueued
    assert trigger_of("8f2c0d") == Trigger.enqueued
    assert trigger_of(None) == Trigger.enqueued


def _secrets() -> dict[str, str]:
    import base64

    key = base64.b64encode(b"k" * 32).decode()
    return {
        "session_secret": "s" * 40,
        "data_encryption_keys": f"k1:{key}",
        "blind_index_key": key,
        "ledger_signing_key": base64.b64encode(b"x" * 32).decode(),
    }
