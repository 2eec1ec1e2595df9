"""The ledger signing-key drill: a new key takes over at its start, old heads keep verifying
(online through the API, offline with ``aidbridge verify``), and ``aidbridge ledger-keys`` warns
when a key that signed heads is dropped from the settings."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.db import unit_of_work
from backend.ledger import service
from backend.ledger.sealing import seal
from backend.settings import Settings, set_settings
from matching import merkle
from matching.ledger import EntryKind, TreeHead, signing_key
from matching.ledger_keys import key_set_from_document

pytestmark = pytest.mark.usefixtures("database")

NEW = Ed25519PrivateKey.generate()
NEW_SEED = base64.b64encode(NEW.private_bytes_raw()).decode()
ROTATION = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)


def _public(seed: str) -> str:
    return base64.b64encode(signing_key(seed).public_key().public_bytes_raw()).decode()


@pytest.fixture
def rotated(settings: Settings) -> Iterator[str]:
    """The settings after step 1 of the drill: the new key scheduled beside the old one."""
    schedule = f"{settings.ledger_signing_key},{NEW_SEED}@{ROTATION.isoformat()}"
    set_settings(settings.model_copy(update={"ledger_signing_keys": schedule}))
    yield schedule
    set_settings(settings)


async def _append(count: int) -> list[str]:
    async with unit_of_work():
        return [await service.append(EntryKind.pledge, amount_fen=700 + i) for i in range(count)]


async def _seal(now: datetime | None = None) -> TreeHead:
    async with unit_of_work():
        return await seal(now=now)


async def test_the_new_key_signs_from_its_start_and_old_heads_still_verify_online(
    client: httpx.AsyncClient, rotated: str
) -> None:
    ids = await _append(6)
    before = await _seal(ROTATION - timedelta(minutes=30))
    # Nothing new since, but the key in force changed: the next sealing re-signs at once.
    after = await _seal()
    assert after.tree_size == before.tree_size and after.key_id != before.key_id

    document = (await client.get("/api/v1/ledger/public-key")).json()
    assert document["key_id"] == after.key_id  # the old shape names the key in force
    listed = (await client.get("/api/v1/ledger/keys")).json()["keys"]
    assert [k["key_id"] for k in listed] == [before.key_id, after.key_id]
    assert listed[0]["valid_until"] == listed[1]["valid_from"]
    keys = key_set_from_document(document)
    old_head = TreeHead.from_json((await client.get("/api/v1/ledger/tree-heads/6")).json())
    proof = (await client.get(f"/api/v1/ledger/proofs/inclusion/{ids[2]}")).json()
    for head in (before, after, old_head, TreeHead.from_json(proof["tree_head"])):
        keys.verify(head)
    merkle.verify_inclusion(
        merkle.leaf_hash(proof["entry"].encode()),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["audit_path"]],
        after.root_hash,
    )


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [".venv/bin/aidbridge", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING", **env},
        check=False,
    )


async def test_ledger_keys_lists_the_schedule_and_warns_when_a_signer_is_dropped(
    settings: Settings, rotated: str, tmp_path: Path
) -> None:
    await _append(2)
    before = await _seal(ROTATION - timedelta(minutes=5))
    await _seal()
    env = {"DATABASE_URL": settings.database_url or "", "LEDGER_SIGNING_KEYS": rotated}
    listing = _cli(env, "ledger-keys")
    assert listing.returncode == 0, listing.stderr
    assert "retired" in listing.stdout and "current" in listing.stdout
    assert f"public:{_public(settings.ledger_signing_key)}" in listing.stdout

    # Step 3 of the drill: the old seed replaced by its public half; heads still verify.
    retired = f"public:{_public(settings.ledger_signing_key)},{NEW_SEED}@{ROTATION.isoformat()}"
    kept = _cli({**env, "LEDGER_SIGNING_KEYS": retired}, "ledger-keys")
    assert kept.returncode == 0, kept.stderr
    assert "仅公钥" in kept.stdout
    # A mistake: the old key dropped altogether.
    dropped = _cli({**env, "LEDGER_SIGNING_KEYS": NEW_SEED}, "ledger-keys")
    assert dropped.returncode == 1
    assert f"密钥 {before.key_id} 签过 1 个树头" in dropped.stderr

    bad = _cli({**env, "LEDGER_SIGNING_KEYS": "not-a-key"}, "ledger-keys")
    assert bad.returncode != 0 and "LEDGER_SIGNING_KEYS" in bad.stderr + bad.stdout


async def test_the_retired_seed_cannot_sign_once_only_its_public_half_is_kept(
    settings: Settings,
) -> None:
    future = datetime.now(UTC) + timedelta(days=30)
    schedule = f"public:{_public(settings.ledger_signing_key)},{NEW_SEED}@{future.isoformat()}"
    set_settings(settings.model_copy(update={"ledger_signing_keys": schedule}))
    try:
        await _append(1)
        with pytest.raises(ValueError, match="public only"):
            await _seal()
    finally:
        set_settings(settings)
