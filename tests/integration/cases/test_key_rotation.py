"""Key rotation drills for personal data on PostgreSQL: the data-encryption key (re-seal every
field, then retire the old key) and the blind-index key (recompute every ID-number index while
de-duplication keeps working)."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backend.accounts.tables import RelativeDeclaration, Role
from backend.cases.tables import Case, HouseholdMember
from backend.crypto import DecryptionError, blind_index, cipher
from backend.db import fetch_raw, unit_of_work
from backend.referrals.review import _relative_in_household
from backend.referrals.tables import Referral
from backend.rotation import blind_index as blind_rotation
from backend.rotation import data_keys
from backend.settings import Settings, set_settings
from tests.cases_factory import create_case
from tests.factories import api_token, make_user
from tests.needs_factory import publish_need
from tests.people import id_number, member

pytestmark = pytest.mark.usefixtures("database")

NEW_KEY = base64.b64encode(b"N" * 32).decode()


@pytest.fixture
def use(settings: Settings) -> Iterator[Any]:
    """Switch this process to other key settings for the rest of the test."""

    def switch(**changes: str | None) -> Settings:
        changed = settings.model_copy(update=changes)
        set_settings(changed)
        return changed

    yield switch
    set_settings(settings)


async def _tokens() -> list[str]:
    found = []
    for column in data_keys.SEALED:
        rows = await fetch_raw(
            f"SELECT {column.column} AS t FROM {column.table._meta.tablename} "
            f"WHERE {column.column} IS NOT NULL"
        )
        found += [r["t"] for r in rows]
    return found


async def _declare(client: httpx.AsyncClient, number: str) -> None:
    reviewer = await make_user(Role.reviewer)
    response = await client.post(
        "/api/v1/me/relatives",
        json={"id_number": number, "relation": "配偶"},
        headers=await api_token(client, reviewer.username),
    )
    assert response.status_code == 201, response.text


async def test_every_sealed_field_is_resealed_and_the_old_key_retired(
    client: httpx.AsyncClient, settings: Settings, use: Any
) -> None:
    published = await publish_need(client)
    staff = await make_user(Role.staff)
    headers = await api_token(client, staff.username)
    case = await create_case(client, headers)
    await _declare(client, case["members"][1]["id_number"])
    before = await _tokens()
    assert before and all(t.startswith("v1:dev1:") for t in before)
    assert await Referral.count() == 1 and published

    use(data_encryption_keys=f"k2:{NEW_KEY},{settings.data_encryption_keys}")
    pending = await data_keys.remaining()
    assert pending["household_member.name_sealed"]["dev1"] == 3  # two households
    assert pending["referral.narrative_sealed"]["dev1"] == 1
    assert pending["relative_declaration.id_number_sealed"]["dev1"] == 1

    report = await data_keys.rotate(batch_size=2)
    assert report.total == len(before) and report.clean
    assert report.resealed["household_member.illness_sealed"] == {"dev1": 1}
    after = await _tokens()
    assert all(t.startswith("v1:k2:") for t in after) and len(after) == len(before)
    assert (await data_keys.rotate(batch_size=2)).total == 0  # idempotent

    # The old key retired: everything still opens, each value only in its own column.
    use(data_encryption_keys=f"k2:{NEW_KEY}")
    read = await client.get(f"/api/v1/cases/{case['ref']}", headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["members"][0]["name"] == case["members"][0]["name"]
    row = await HouseholdMember.select(HouseholdMember.name_sealed).first()
    assert row is not None
    with pytest.raises(DecryptionError):
        cipher().open(row["name_sealed"], column="household_member.phone")


async def test_rotation_resumes_after_an_interruption_and_never_overwrites_an_edit(
    client: httpx.AsyncClient, settings: Settings, use: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = await make_user(Role.staff)
    headers = await api_token(client, staff.username)
    for _ in range(3):
        await create_case(client, headers)
    use(data_encryption_keys=f"k2:{NEW_KEY},{settings.data_encryption_keys}")
    real = data_keys._reseal
    calls = 0

    async def crash_on_second_batch(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("killed")
        await real(*args)

    monkeypatch.setattr(data_keys, "_reseal", crash_on_second_batch)
    with pytest.raises(ConnectionError):
        await data_keys.rotate(batch_size=2)
    monkeypatch.setattr(data_keys, "_reseal", real)
    assert sum((await data_keys.remaining())["household_member.name_sealed"].values()) == 4
    assert (await data_keys.rotate(batch_size=2)).clean

    # A value edited between the read and the write keeps the edit (compare-and-set).
    use(data_encryption_keys=f"k3:{base64.b64encode(b'3' * 32).decode()},k2:{NEW_KEY}")
    column = next(c for c in data_keys.SEALED if c.column == "phone_sealed")
    stale = await data_keys._batch(column, 0, 1)
    edited = cipher().seal("13900000000", column=column.aad)
    async with unit_of_work():
        await HouseholdMember.update({HouseholdMember.phone_sealed: edited}).where(
            HouseholdMember.id == stale[0]["id"]
        )
    report = data_keys.RotationReport()
    await data_keys._reseal(column, stale, report)
    assert report.resealed[column.name].total() == 1  # attempted …
    row = await HouseholdMember.select(HouseholdMember.phone_sealed).where(
        HouseholdMember.id == stale[0]["id"]
    )
    assert row[0]["phone_sealed"] == edited  # … but the newer value stands


def _cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [".venv/bin/aidbridge", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": settings.database_url or "", **env},
        check=False,
    )


async def test_the_data_key_commands_report_and_exit_by_what_is_left(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    staff = await make_user(Role.staff)
    await create_case(client, await api_token(client, staff.username))
    keys = f"k2:{NEW_KEY},{settings.data_encryption_keys}"
    check = _cli(settings, "rotate-data-key", "--check", DATA_ENCRYPTION_KEYS=keys)
    assert check.returncode == 1 and "dev1" in check.stdout
    run = _cli(settings, "rotate-data-key", "--batch-size", "3", DATA_ENCRYPTION_KEYS=keys)
    assert run.returncode == 0, run.stderr
    assert "可以从 DATA_ENCRYPTION_KEYS 中移除：dev1" in run.stdout
    clean = _cli(settings, "rotate-data-key", "--check", DATA_ENCRYPTION_KEYS=f"k2:{NEW_KEY}")
    assert clean.returncode == 0, clean.stdout + clean.stderr


async def test_blind_index_rotation_keeps_de_duplication_working_throughout(
    client: httpx.AsyncClient, settings: Settings, use: Any
) -> None:
    staff = await make_user(Role.staff)
    headers = await api_token(client, staff.username)
    first = await create_case(client, headers)
    second = await create_case(client, headers)
    spouse = first["members"][1]["id_number"]
    await _declare(client, spouse)
    reviewer_id = (await RelativeDeclaration.select(RelativeDeclaration.user).first() or {})["user"]
    # A declaration from before key ids existed: only its hash, of a registered person …
    legacy_number = second["members"][0]["id_number"]
    # … and one of somebody never registered, which nothing can recompute.
    async with unit_of_work():
        await RelativeDeclaration.insert(
            *[
                RelativeDeclaration(
                    user=reviewer_id, id_number_index=blind_index().id_number(n), relation="子女"
                )
                for n in (legacy_number, id_number())
            ]
        )

    use(blind_index_keys=f"b1:{NEW_KEY},b0:{settings.blind_index_key}")
    again = {**member(head=True), "id_number": first["members"][0]["id_number"]}
    refused = await client.post(
        "/api/v1/cases",
        json={"region_code": "120116001016", "programme": "dibao", "members": [again]},
        headers=headers,
    )
    assert refused.json()["code"] == "person_already_registered"  # found under b0

    report = await blind_rotation.rotate(batch_size=1)
    assert report.members == {"b0": 4}
    assert report.declarations == {"b0": 1, blind_rotation.UNLABELLED: 1}
    assert report.orphaned_declarations == 1
    assert report.remaining_members == {}
    assert report.remaining_declarations == {blind_rotation.UNLABELLED: 1}
    rows = await HouseholdMember.select(HouseholdMember.id_number_index_key)
    assert {r["id_number_index_key"] for r in rows} == {"b1"}

    use(blind_index_keys=f"b1:{NEW_KEY}")  # the old key gone
    refused = await client.post(
        "/api/v1/cases",
        json={"region_code": "120116001016", "programme": "dibao", "members": [again]},
        headers=headers,
    )
    assert refused.json()["code"] == "person_already_registered"
    found = await client.get(f"/api/v1/cases?q={spouse}", headers=headers)
    assert [c["ref"] for c in found.json()] == [first["ref"]]
    reviewer = await make_user(Role.staff)  # any user object with the declarant's id
    declarant = reviewer.model_copy(update={"id": reviewer_id})
    case_ids = {r["ref_code"]: r["id"] for r in await Case.select(Case.id, Case.ref_code)}
    assert await _relative_in_household(declarant, case_ids[first["ref"]])
    assert await _relative_in_household(declarant, case_ids[second["ref"]])


async def test_during_a_blind_index_rotation_a_declared_relative_still_bars_the_reviewer(
    client: httpx.AsyncClient, settings: Settings, use: Any
) -> None:
    staff = await make_user(Role.staff)
    headers = await api_token(client, staff.username)
    await _declare(client, spouse := id_number())  # declared under b0
    reviewer_id = (await RelativeDeclaration.select(RelativeDeclaration.user).first() or {})["user"]
    use(blind_index_keys=f"b1:{NEW_KEY},b0:{settings.blind_index_key}")
    case = await create_case(
        client,
        headers,
        members=[member(head=True), {**member(relation="配偶"), "id_number": spouse}],
    )  # registered under b1
    row = await Case.select(Case.id).where(Case.ref_code == case["ref"]).first()
    assert row is not None
    reviewer = (await make_user(Role.staff)).model_copy(update={"id": reviewer_id})
    assert await _relative_in_household(reviewer, row["id"])


def test_every_sealed_column_of_every_table_is_rotated() -> None:
    from backend.piccolo_conf import APP_REGISTRY

    sealed = {
        f"{table._meta.tablename}.{column._meta.db_column_name}"
        for config in APP_REGISTRY.app_configs.values()
        for table in config.table_classes
        for column in table._meta.columns
        if column._meta.db_column_name.endswith("_sealed")
    }
    assert sealed == {column.name for column in data_keys.SEALED}
