"""Witnesses: ``aidbridge witness`` against a real served process on PostgreSQL.

A witness generates its key, is registered by an admin, cosigns heads it has proven consistent,
and the platform publishes the cosignatures; a split view, a rewritten history or a rollback
makes it exit 3 with the two signed heads written to its folder.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.accounts.tables import Role
from backend.db import unit_of_work
from backend.ledger import service
from backend.ledger.sealing import seal
from backend.ledger.tables import TreeHead as TreeHeadRow
from backend.settings import Settings
from matching.cosign import cosign
from matching.ledger import EntryKind, TreeHead, sign_tree_head, signing_key
from tests.factories import api_token, make_user
from tests.served import served

pytestmark = pytest.mark.usefixtures("database")


async def _grow(count: int) -> TreeHead:
    async with unit_of_work():
        for i in range(count):
            await service.append(EntryKind.donation, amount_fen=500 + i, need="need-w")
    async with unit_of_work():
        return await seal()


async def _forge_head(settings: Settings, size: int, root: bytes) -> None:
    """What a misbehaving platform would do: sign and publish a head over another history."""
    head = sign_tree_head(signing_key(settings.ledger_signing_key), size, root, datetime.now(UTC))
    await TreeHeadRow.insert(
        TreeHeadRow(
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            signed_at=head.timestamp,
            issued_at=datetime.now(UTC),
            key_id=head.key_id,
            signature=head.to_json()["signature"],
        )
    )


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    with served({"DATABASE_URL": settings.database_url or ""}) as url:
        yield url


async def _witness(url: str, state: Path) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [".venv/bin/aidbridge", "witness", "--url", url, "--state", str(state)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"},
        check=False,
    )


async def _register(client: httpx.AsyncClient, state: Path, name: str) -> httpx.Response:
    admin = await make_user(Role.admin)
    public = json.loads((state / "witness-public-key.json").read_text())["public_key"]
    return await client.post(
        "/api/v1/ledger/witnesses",
        json={"name": name, "public_key": public},
        headers=await api_token(client, admin.username),
    )


async def test_a_witness_registers_cosigns_and_follows_the_ledger(
    client: httpx.AsyncClient, server: str, tmp_path: Path
) -> None:
    await _grow(5)
    state = tmp_path / "witness"
    unregistered = await _witness(server, state)
    assert unregistered.returncode == 1
    assert "尚未登记本见证方" in unregistered.stderr
    assert (state / "witness.key").stat().st_mode & 0o777 == 0o600
    assert json.loads((state / "last-head.json").read_text())["tree_size"] == 5

    member = await make_user(Role.org_member)
    refused = await client.post(
        "/api/v1/ledger/witnesses",
        json={"name": "x", "public_key": base64.b64encode(b"k" * 32).decode()},
        headers=await api_token(client, member.username),
    )
    assert refused.status_code == 403
    registered = await _register(client, state, "滨海大学公共管理学院")
    assert registered.status_code == 201, registered.text
    again = await _register(client, state, "重复登记")
    assert again.json()["code"] == "witness_already_registered"

    first = await _witness(server, state)
    assert first.returncode == 0, first.stderr
    assert "已联署大小 5 的树头" in first.stdout
    await _grow(3)
    grown = await _witness(server, state)
    assert grown.returncode == 0, grown.stderr
    assert "一致性证明成立" in grown.stdout

    published = (await client.get("/api/v1/ledger/cosignatures")).json()
    assert published["tree_size"] == 8
    [signed] = published["cosignatures"]
    assert signed["witness"] == "滨海大学公共管理学院"
    assert len((state / "cosignatures.jsonl").read_text().splitlines()) == 2
    old = (await client.get("/api/v1/ledger/cosignatures?tree_size=5")).json()
    assert len(old["cosignatures"]) == 1
    page = await client.get("/disclosure/")
    assert "已有 1 个独立见证方联署" in page.text
    listed = (await client.get("/api/v1/ledger/witnesses")).json()["witnesses"]
    assert [w["name"] for w in listed] == ["滨海大学公共管理学院"]


async def test_the_platform_refuses_unknown_witnesses_bad_signatures_and_foreign_heads(
    client: httpx.AsyncClient,
) -> None:
    head = await _grow(4)
    admin = await make_user(Role.admin)
    key = Ed25519PrivateKey.generate()
    public = base64.b64encode(key.public_key().public_bytes_raw()).decode()
    good = cosign(key, head, int(time.time())).to_json()
    unknown = await client.post("/api/v1/ledger/cosignatures", json=good)
    assert (unknown.status_code, unknown.json()["code"]) == (403, "witness_unknown")
    await client.post(
        "/api/v1/ledger/witnesses",
        json={"name": "某报社", "public_key": public},
        headers=await api_token(client, admin.username),
    )
    forged = {**good, "signature": base64.b64encode(b"\x01" * 64).decode()}
    bad = await client.post("/api/v1/ledger/cosignatures", json=forged)
    assert (bad.status_code, bad.json()["code"]) == (422, "cosignature_invalid")
    other_root = cosign(key, TreeHead(4, b"\x09" * 32, head.timestamp, head.key_id), 1).to_json()
    foreign = await client.post("/api/v1/ledger/cosignatures", json=other_root)
    assert (foreign.status_code, foreign.json()["code"]) == (404, "cosignature_head_unknown")
    future = cosign(key, head, int(time.time()) + 3600).to_json()
    assert (await client.post("/api/v1/ledger/cosignatures", json=future)).status_code == 422
    for _ in range(2):  # a retry stores nothing new
        assert (await client.post("/api/v1/ledger/cosignatures", json=good)).status_code == 201
    published = (await client.get("/api/v1/ledger/cosignatures")).json()
    assert len(published["cosignatures"]) == 1
    invalid_key = await client.post(
        "/api/v1/ledger/witnesses",
        json={"name": "坏公钥", "public_key": "not-base64!"},
        headers=await api_token(client, admin.username),
    )
    assert invalid_key.json()["field"] == "public_key"


def _evidence(state: Path) -> dict[str, object]:
    [found] = sorted(state.glob("evidence-*.json"))
    evidence: dict[str, object] = json.loads(found.read_text())
    return evidence


async def test_two_heads_of_one_size_stop_the_witness_with_evidence(
    settings: Settings, server: str, tmp_path: Path
) -> None:
    head = await _grow(6)
    state = tmp_path / "split"
    await _witness(server, state)
    await _forge_head(settings, head.tree_size, b"\x0f" * 32)
    alarm = await _witness(server, state)
    assert alarm.returncode == 3, alarm.stderr
    assert "同一大小 6 出现了两个不同的签名树头" in alarm.stderr
    evidence = _evidence(state)
    assert evidence["kind"] == "split_view"
    assert evidence["last_head"]["root_hash"] == head.root_hash.hex()  # type: ignore[index]
    assert evidence["new_head"]["root_hash"] == "0f" * 32  # type: ignore[index]
    # The witness keeps the head it proved, not the forged one.
    assert json.loads((state / "last-head.json").read_text())["root_hash"] == head.root_hash.hex()


async def test_a_rewritten_history_and_a_rollback_stop_the_witness(
    settings: Settings, server: str, tmp_path: Path
) -> None:
    await _grow(8)
    state = tmp_path / "rewrite"
    await _witness(server, state)
    grown = await _grow(3)
    await _forge_head(settings, grown.tree_size, b"\x0e" * 32)
    alarm = await _witness(server, state)
    assert alarm.returncode == 3, alarm.stderr
    assert "不是大小 8 的旧树头的追加" in alarm.stderr
    evidence = _evidence(state)
    assert evidence["kind"] == "inconsistent"
    assert evidence["consistency_proof"]["proof"]  # type: ignore[index]

    rolled = tmp_path / "rollback"
    await _forge_head(settings, grown.tree_size, grown.root_hash)  # back to the truth …
    await _witness(server, rolled)
    await _forge_head(settings, 5, b"\x0d" * 32)  # … then a smaller tree
    alarm = await _witness(server, rolled)
    assert alarm.returncode == 3
    assert _evidence(rolled)["kind"] == "rollback"


def test_two_rounds_on_one_state_folder_do_not_overlap(tmp_path: Path) -> None:
    import fcntl

    from backend.ledger.witness_client import WitnessError, run

    tmp_path.mkdir(exist_ok=True)
    with (tmp_path / ".lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(WitnessError, match="另一个见证进程"):
            run("http://127.0.0.1:9", tmp_path)
