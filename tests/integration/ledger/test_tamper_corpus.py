"""``aidbridge verify`` trusts nothing unsigned: every tampered download or proof of the corpus
fails with a Chinese message naming what failed and exit 1; the genuine ones pass.

The genuine files come from the served API on PostgreSQL, over a ledger whose signing key was
rotated between its two heads (``tamper_corpus.py`` lists the cases).
"""

from __future__ import annotations

import base64
import subprocess
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar

from backend.db import unit_of_work
from backend.ledger import service
from backend.ledger.sealing import seal
from backend.settings import Settings, set_settings
from matching.ledger import EntryKind, signing_key
from tests.integration.ledger.tamper_corpus import CASES, GENUINE, Case, Genuine

pytestmark = pytest.mark.usefixtures("database")

KINDS = [EntryKind.pledge, EntryKind.donation, EntryKind.disbursement, EntryKind.verification]


async def _append(count: int, start: int) -> None:
    async with unit_of_work():
        for i in range(start, start + count):
            await service.append(
                KINDS[i % 4], amount_fen=10_000 + i, need=f"need-{i % 3}", organisation="org-1"
            )


def _seed(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes_raw()).decode()


@pytest.fixture(scope="module")
async def genuine(
    settings: Settings, app: Litestar, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Genuine]:
    old_key = signing_key(settings.ledger_signing_key)
    new_key = Ed25519PrivateKey.generate()
    rotation = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    schedule = f"{_seed(old_key)},{_seed(new_key)}@{rotation.isoformat()}"
    set_settings(settings.model_copy(update={"ledger_signing_keys": schedule}))
    try:
        await _append(12, 0)
        async with unit_of_work():
            await seal(now=rotation - timedelta(hours=1))
        await _append(8, 12)
        async with unit_of_work():
            await seal()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://corpus.local") as api:
            base = "/api/v1/ledger"
            entries = (await api.get(f"{base}/entries")).content
            ids = [line.split(b'"id":"')[1].split(b'"')[0].decode() for line in entries.split()]
            yield Genuine(
                folder=tmp_path_factory.mktemp("corpus"),
                keys=(await api.get(f"{base}/public-key")).json(),
                head=(await api.get(f"{base}/tree-head")).json(),
                old_head=(await api.get(f"{base}/tree-heads/12")).json(),
                entries=entries,
                inclusion=(await api.get(f"{base}/proofs/inclusion/{ids[14]}")).json(),
                old_inclusion=(
                    await api.get(f"{base}/proofs/inclusion/{ids[3]}?tree_size=12")
                ).json(),
                consistency=(await api.get(f"{base}/proofs/consistency?first=12&second=20")).json(),
                old_key=old_key,
                new_key=new_key,
                rotation=rotation,
            )
    finally:
        set_settings(settings)


def _verify(genuine: Genuine, case: Case) -> subprocess.CompletedProcess[str]:
    folder = Path(tempfile.mkdtemp(dir=genuine.folder))
    return subprocess.run(
        [".venv/bin/aidbridge", "verify", *case.build(genuine, folder)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"},
        check=False,
    )


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 29
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_tampered_input_fails_naming_what_failed(genuine: Genuine, case: Case) -> None:
    result = _verify(genuine, case)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("验证失败："), result.stderr
    assert case.expect in result.stderr, result.stderr
    assert "✓ 账本一致" not in result.stdout


@pytest.mark.parametrize("case", GENUINE, ids=[case.name for case in GENUINE])
def test_a_genuine_input_passes(genuine: Genuine, case: Case) -> None:
    result = _verify(genuine, case)
    assert result.returncode == 0, result.stderr
    assert case.expect in result.stdout, result.stdout


def test_ignored_lines_are_still_reported_as_unverified(genuine: Genuine) -> None:
    (ignored,) = [c for c in GENUINE if "ignored on request" in c.name]
    result = _verify(genuine, ignored)
    assert "⚠ 未验证" in result.stdout
    assert "第 13 行" in result.stdout and "共 8 行" not in result.stdout
    assert "账本一致：前 12 条" in result.stdout


def test_the_served_key_document_lists_both_keys_with_periods(genuine: Genuine) -> None:
    old, new = genuine.keys["keys"]
    assert old["valid_until"] == new["valid_from"]
    assert (old["status"], new["status"]) == ("retired", "current")
    assert genuine.keys["key_id"] == new["key_id"] == genuine.head["key_id"]
    assert genuine.old_head["key_id"] == old["key_id"]
