"""The ledger on PostgreSQL: written with the change it records, append-only, sealed into a
signed Merkle tree, served with proofs, and checked offline by ``aidbridge verify``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from backend.accounts.tables import Role
from backend.db import Rollback, unit_of_work
from backend.ledger import service
from backend.ledger.sealing import seal
from backend.ledger.tables import LedgerEntry
from backend.settings import Settings
from matching import merkle
from matching.ledger import EntryKind, TreeHead
from tests.factories import api_token, make_organisation, make_user
from tests.ledger_rows import entries_of_need
from tests.needs_factory import publish_need
from tests.served import served

pytestmark = pytest.mark.usefixtures("database")


async def _append(count: int, need: str = "need-public-id") -> list[str]:
    async with unit_of_work():
        return [
            await service.append(EntryKind.donation, amount_fen=100 + i, need=need)
            for i in range(count)
        ]


async def _seal() -> TreeHead:
    async with unit_of_work():
        return await seal()


async def test_an_entry_rolls_back_with_its_change() -> None:
    async with unit_of_work():
        await service.append(EntryKind.pledge, amount_fen=500, need="n1")
        raise Rollback()
    assert await LedgerEntry.count() == 0


async def test_pledge_and_cancellation_write_entries_in_their_transaction(
    client: httpx.AsyncClient,
) -> None:
    published = await publish_need(client, amount_fen=300_000)
    need_id = published["need"]["id"]
    aid_entries = await entries_of_need(need_id)
    assert [e["kind"] for e in aid_entries] == ["government_aid"]
    org = await make_organisation()
    user = await make_user(Role.org_member, organisation_id=org.id)
    headers = {**await api_token(client, user.username), "Idempotency-Key": uuid.uuid4().hex}
    body = {"need_id": need_id, "organisation_id": org.id, "kind": "money", "amount_fen": 120_000}
    first = await client.post("/api/v1/pledges", json=body, headers=headers)
    again = await client.post("/api/v1/pledges", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert again.json()["id"] == first.json()["id"]
    pledge_id = first.json()["id"]
    cancel = await client.post(
        f"/api/v1/pledges/{pledge_id}/cancel", json={"reason": "改由他方资助"}, headers=headers
    )
    assert cancel.status_code in (200, 201), cancel.text
    entries = await entries_of_need(need_id)
    kinds = [(e["kind"], e["amount_fen"], e["pledge_public_id"]) for e in entries]
    assert kinds[1:] == [("pledge", 120_000, pledge_id), ("pledge_cancelled", -120_000, pledge_id)]
    for entry in entries:
        body_json = json.loads(entry["body"])
        assert "改由他方资助" not in entry["body"]
        assert body_json["currency"] == "CNY"
        assert merkle.leaf_hash(entry["body"].encode()).hex() == entry["leaf_hash"]


async def test_a_refused_pledge_writes_no_entry(client: httpx.AsyncClient) -> None:
    published = await publish_need(client, amount_fen=10_000)
    org = await make_organisation()
    user = await make_user(Role.org_member, organisation_id=org.id)
    headers = {**await api_token(client, user.username), "Idempotency-Key": uuid.uuid4().hex}
    response = await client.post(
        "/api/v1/pledges",
        json={
            "need_id": published["need"]["id"],
            "organisation_id": org.id,
            "kind": "money",
            "amount_fen": 20_000,
        },
        headers=headers,
    )
    assert response.status_code == 409
    kinds = [e["kind"] for e in await entries_of_need(published["need"]["id"])]
    assert kinds == ["government_aid"]


async def test_entries_cannot_be_edited_or_deleted() -> None:
    await _append(1)
    await _seal()
    with pytest.raises(Exception, match="append-only"):
        async with unit_of_work():
            await LedgerEntry.raw("UPDATE ledger_entry SET amount_fen = 1")
    with pytest.raises(Exception, match="append-only"):
        async with unit_of_work():
            await LedgerEntry.raw("UPDATE ledger_entry SET seq = 7")
    with pytest.raises(Exception, match="append-only"):
        async with unit_of_work():
            await LedgerEntry.raw("DELETE FROM ledger_entry")
    with pytest.raises(Exception, match="append-only"):
        async with unit_of_work():
            await LedgerEntry.raw("DELETE FROM ledger_tree_head")


async def test_sealing_positions_entries_and_signs_heads_consistently(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/api/v1/ledger/tree-head")).status_code == 404
    ids = await _append(5)
    first = await _seal()
    assert first.tree_size == 5
    again = await _seal()
    assert again == first  # nothing new: no new head within the heartbeat
    ids += await _append(8)
    second = await _seal()
    assert second.tree_size == 13

    key = (await client.get("/api/v1/ledger/public-key")).json()
    assert key["algorithm"] == "Ed25519"
    head = (await client.get("/api/v1/ledger/tree-head")).json()
    assert head["tree_size"] == 13

    whole = await client.get("/api/v1/ledger/entries")
    lines = whole.content.splitlines()
    assert len(lines) == 13
    assert whole.headers["X-Ledger-End"] == "13"
    page = await client.get("/api/v1/ledger/entries?start=5&end=9")
    assert page.content.splitlines() == lines[5:9]
    assert (await client.get("/api/v1/ledger/entries?start=-1")).status_code == 400
    beyond = await client.get("/api/v1/ledger/entries?start=10&end=100000")
    assert beyond.content.splitlines() == lines[10:]  # clipped to the sealed size
    assert merkle.root_of_leaves(merkle.leaf_hash(x) for x in lines)[1].hex() == head["root_hash"]

    proof = (await client.get(f"/api/v1/ledger/proofs/inclusion/{ids[6]}")).json()
    merkle.verify_inclusion(
        merkle.leaf_hash(proof["entry"].encode()),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )
    old = (await client.get(f"/api/v1/ledger/proofs/inclusion/{ids[2]}?tree_size=5")).json()
    assert old["tree_size"] == 5
    consistency = (await client.get("/api/v1/ledger/proofs/consistency?first=5&second=13")).json()
    merkle.verify_consistency(
        5,
        13,
        first.root_hash,
        second.root_hash,
        [bytes.fromhex(h) for h in consistency["proof"]],
    )
    bad = await client.get("/api/v1/ledger/proofs/consistency?first=6&second=13")
    assert bad.status_code == 400
    assert (await client.get("/api/v1/ledger/proofs/inclusion/nope")).status_code == 404


async def test_an_unsealed_entry_has_no_proof_yet(client: httpx.AsyncClient) -> None:
    await _append(2)
    await _seal()
    (late,) = await _append(1)
    response = await client.get(f"/api/v1/ledger/proofs/inclusion/{late}")
    assert response.status_code == 409
    assert response.json()["code"] == "ledger_entry_not_sealed"


async def test_concurrent_writers_and_sealers_keep_positions_gapless() -> None:
    async def writer(n: int) -> None:
        for _ in range(n):
            await _append(3)

    async def sealer() -> None:
        for _ in range(5):
            await _seal()

    await asyncio.gather(writer(10), writer(10), sealer(), sealer())
    head = await _seal()
    rows = await LedgerEntry.select(LedgerEntry.seq).order_by(LedgerEntry.seq)
    assert [r["seq"] for r in rows] == list(range(60))
    assert head.tree_size == 60


async def test_only_staff_auditors_and_admins_issue_heads_on_demand(
    client: httpx.AsyncClient,
) -> None:
    await _append(2)
    anonymous = await client.post("/api/v1/ledger/tree-heads")
    assert anonymous.status_code == 401
    member = await make_user(Role.org_member)
    refused = await client.post(
        "/api/v1/ledger/tree-heads", headers=await api_token(client, member.username)
    )
    assert refused.status_code == 403
    auditor = await make_user(Role.auditor)
    issued = await client.post(
        "/api/v1/ledger/tree-heads", headers=await api_token(client, auditor.username)
    )
    assert issued.status_code == 201
    assert issued.json()["tree_size"] == 2


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [".venv/bin/aidbridge", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": settings.database_url or ""},
        check=False,
    )


async def _download(client: httpx.AsyncClient, folder: Path) -> None:
    (folder / "key.json").write_text((await client.get("/api/v1/ledger/public-key")).text)
    (folder / "head.json").write_text((await client.get("/api/v1/ledger/tree-head")).text)
    (folder / "entries.jsonl").write_bytes((await client.get("/api/v1/ledger/entries")).content)


async def test_verify_accepts_the_ledger_and_catches_an_edited_row(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    ids = await _append(20)
    await _seal()
    await _download(client, tmp_path)
    proof = (await client.get(f"/api/v1/ledger/proofs/inclusion/{ids[11]}")).json()
    (tmp_path / "proof.json").write_text(json.dumps(proof, ensure_ascii=False))
    args = ["verify", "--public-key", str(tmp_path / "key.json")]
    args += ["--tree-head", str(tmp_path / "head.json")]
    ok = _cli(settings, *args, "--entries", str(tmp_path / "entries.jsonl"))
    assert ok.returncode == 0, ok.stderr
    assert "20" in ok.stdout
    included = _cli(settings, *args, "--inclusion", str(tmp_path / "proof.json"))
    assert included.returncode == 0, included.stderr

    # Someone with database access edits an amount behind the trigger's back.
    async with unit_of_work():
        await LedgerEntry.raw("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only")
        await LedgerEntry.raw(
            "UPDATE ledger_entry SET body = replace(body, '\"amount_fen\":107', "
            "'\"amount_fen\":10700') WHERE seq = 7"
        )
        await LedgerEntry.raw("ALTER TABLE ledger_entry ENABLE TRIGGER ledger_entry_append_only")
    edited = tmp_path / "edited"
    edited.mkdir()
    await _download(client, edited)
    (edited / "head.json").write_text((tmp_path / "head.json").read_text())
    caught = _cli(
        settings,
        "verify",
        "--public-key",
        str(tmp_path / "key.json"),
        "--tree-head",
        str(edited / "head.json"),
        "--entries",
        str(edited / "entries.jsonl"),
    )
    assert caught.returncode == 1
    assert "根哈希与签名树头不符" in caught.stderr


def test_a_pem_key_verifies_a_head_and_names_a_stranger(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from backend.ledger import offline
    from matching.ledger import LedgerVerificationError, sign_tree_head

    key = Ed25519PrivateKey.generate()
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    keys = offline.load_keys(pem)
    keys.verify(sign_tree_head(key, 9, b"\x01" * 32, datetime.now(UTC)))
    stranger = sign_tree_head(Ed25519PrivateKey.generate(), 9, b"\x01" * 32, datetime.now(UTC))
    with pytest.raises(LedgerVerificationError, match="未知密钥"):
        keys.verify(stranger)


async def test_an_entry_outside_a_unit_of_work_is_refused() -> None:
    with pytest.raises(RuntimeError, match="transaction of their change"):
        await service.append(EntryKind.donation, amount_fen=1, need="n1")
    assert await LedgerEntry.count() == 0


async def test_nodes_and_heads_cannot_be_edited() -> None:
    await _append(4)
    await _seal()
    for statement in (
        "UPDATE ledger_node SET hash = 'x'",
        "DELETE FROM ledger_node",
        "UPDATE ledger_tree_head SET root_hash = 'x'",
    ):
        with pytest.raises(Exception, match="append-only"):
            async with unit_of_work():
                await LedgerEntry.raw(statement)


async def test_the_scheduler_signs_tree_heads_every_minute() -> None:
    from backend.jobs.worker import SCHEDULE
    from backend.ledger.jobs import sign_tree_head

    assert ("ledger.sign_tree_head", frozenset(range(60))) in SCHEDULE
    await _append(3)
    async with unit_of_work():
        await sign_tree_head()
    head = await service.latest_tree_head()
    assert head is not None and head.tree_size == 3


async def test_verify_checks_a_consistency_proof(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    await _append(5)
    await _seal()
    await _append(6)
    await _seal()
    (tmp_path / "key.json").write_text((await client.get("/api/v1/ledger/public-key")).text)
    proof = (await client.get("/api/v1/ledger/proofs/consistency?first=5&second=11")).json()
    (tmp_path / "good.json").write_text(json.dumps(proof))
    key = str(tmp_path / "key.json")
    ok = _cli(settings, "verify", "--public-key", key, "--consistency", str(tmp_path / "good.json"))
    assert ok.returncode == 0, ok.stderr
    proof["proof"][0] = "00" * 32
    (tmp_path / "bad.json").write_text(json.dumps(proof))
    bad = _cli(settings, "verify", "--public-key", key, "--consistency", str(tmp_path / "bad.json"))
    assert bad.returncode == 1
    assert "一致性证明不成立" in bad.stderr


async def test_download_then_verify_against_a_running_server(
    settings: Settings, tmp_path: Path
) -> None:
    await _append(7)
    await _seal()
    out = tmp_path / "ledger"
    with served({"DATABASE_URL": settings.database_url or ""}) as url:
        downloaded = await asyncio.to_thread(
            _cli, settings, "ledger-download", "--url", url, "--out", str(out)
        )
        assert downloaded.returncode == 0, downloaded.stderr
    checked = _cli(
        settings,
        "verify",
        "--public-key",
        str(out / "public-key.json"),
        "--tree-head",
        str(out / "tree-head.json"),
        "--entries",
        str(out / "entries.jsonl"),
    )
    assert checked.returncode == 0, checked.stderr
    assert "前 7 条" in checked.stdout
