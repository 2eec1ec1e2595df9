"""The test configuration: real PostgreSQL and Redis on loopback, a throwaway var/ directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_DB = os.environ.get("TEST_DB_NAME", f"aidbridge_test_{os.getpid()}")
TEST_DATABASE_URL = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + TEST_DB
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
VAR_DIR = Path(tempfile.mkdtemp(prefix="aidbridge-test-var-"))


def configure_environment() -> None:
    """Point the settings at the test services before any backend module reads them."""
    os.environ["ENVIRONMENT"] = "test"
    os.environ["DATABASE_URL"] = TEST_DATABASE_URL
    os.environ["VAR_DIR"] = str(VAR_DIR)
    os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
    # Jobs run in-process unless a test opts into arq with its own settings.
    os.environ.pop("REDIS_URL", None)
    # The app under test uses the embedded search engine; the search contract suite also runs
    # against Meilisearch when MEILI_URL was given, through this copy.
    for name in ("MEILI_URL", "MEILI_API_KEY"):
        if os.environ.get(name):
            os.environ.setdefault(f"TEST_{name}", os.environ[name])
        os.environ.pop(name, None)
