"""Open-data files (formats, figures, caching) and the privacy of every disclosure output."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

from backend.db import unit_of_work
from backend.ledger.sealing import seal
from tests.factories import make_organisation
from tests.integration.disclosure.ledger_helpers import (
    EVIDENCE,
    PERSON,
    publish_money_need,
    qualified_charity,
    record_story,
)

pytestmark = pytest.mark.usefixtures("database")


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.content.startswith(b"\xef\xbb\xbf"), "CSV must start with a BOM for Excel"
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_open_data_files(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    charity = await qualified_charity("滨海仁爱慈善基金会")
    team = await make_organisation(name="塘沽志愿服务队")
    ids = await record_story(need["need_id"], charity.id, team.id)

    needs = read_csv(await client.get("/api/v1/disclosure/needs.csv"))
    assert len(needs) == 1
    row = needs[0]
    assert row["need_id"] == need["need_id"]
    assert (row["pledged_fen"], row["pledged_yuan"]) == ("430000", "4300.00")
    assert (row["raised_fen"], row["raised_yuan"]) == ("230000", "2300.00")
    assert (row["government_aid_fen"], row["target_yuan"]) == ("300000", "20000.00")
    assert row["pledged_hours"] == "6" and row["disbursed_fen"] == "120000"
    assert row["disclosure_url"].endswith(f"/disclosure/needs/{need['need_id']}")

    orgs = {
        r["name"]: r for r in read_csv(await client.get("/api/v1/disclosure/organisations.csv"))
    }
    assert orgs["滨海仁爱慈善基金会"]["general_funds_yuan"] == "500.00"
    assert orgs["滨海仁爱慈善基金会"]["public_fundraising"] == "是"
    assert len(orgs["滨海仁爱慈善基金会"]["uscc"]) == 18  # public for charities

    async with unit_of_work():
        await seal()
    entries = read_csv(await client.get("/api/v1/disclosure/entries.csv"))
    assert len(entries) == 10
    refund = next(e for e in entries if e["kind"] == "refund")
    assert (refund["amount_fen"], refund["amount_yuan"]) == ("-20000", "-200.00")
    disbursement = next(e for e in entries if e["entry_id"] == ids["disbursement"])
    assert json.loads(disbursement["details"])["evidence_sha256"] == EVIDENCE
    assert sorted(int(e["seq"]) for e in entries) == list(range(10))
    assert list(entries[0]) == [
        "entry_id", "seq", "kind", "kind_label", "recorded_at", "need_id", "organisation_id",
        "organisation_name", "pledge_id", "amount_fen", "amount_yuan", "hours", "details",
    ]  # fmt: skip

    as_json = (await client.get("/api/v1/disclosure/entries.json")).json()
    assert {e["entry_id"] for e in as_json} == {e["entry_id"] for e in entries}
    donation = next(e for e in as_json if e["entry_id"] == ids["donation"])
    assert donation["details"]["general_funds_fen"] == 50_000
    assert donation["amount_fen"] == 250_000 and donation["amount_yuan"] == "2500.00"
    needs_json = (await client.get("/api/v1/disclosure/needs.json")).json()
    assert needs_json[0]["pledged_fen"] == 430_000
    orgs_json = (await client.get("/api/v1/disclosure/organisations.json")).json()
    assert {o["organisation_id"] for o in orgs_json} >= {charity.id, team.id}


async def test_csv_header_matches_rows_even_when_empty(client: httpx.AsyncClient) -> None:
    for dataset in ("needs", "organisations", "entries"):
        response = await client.get(f"/api/v1/disclosure/{dataset}.csv")
        assert response.status_code == 200
        assert read_csv(response) == []
        assert response.content.decode("utf-8-sig").count("\r\n") == 1  # the header alone
    need = await publish_money_need(client)
    charity = await qualified_charity("滨海仁爱慈善基金会")
    await record_story(need["need_id"], charity.id, charity.id)
    for dataset in ("needs", "organisations", "entries"):
        rows = (await client.get(f"/api/v1/disclosure/{dataset}.json")).json()
        header = read_csv(await client.get(f"/api/v1/disclosure/{dataset}.csv"))[0].keys()
        assert list(header) == list(rows[0]), dataset


async def test_open_data_caching_headers(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    first = await client.get("/api/v1/disclosure/needs.json")
    assert first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    assert (
        await client.get("/api/v1/disclosure/needs.json", headers={"If-None-Match": etag})
    ).status_code == 304
    charity = await qualified_charity("滨海仁爱慈善基金会")
    await record_story(need["need_id"], charity.id, charity.id)
    fresh = await client.get("/api/v1/disclosure/needs.json", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.json()[0]["raised_fen"] == 230_000


async def test_open_data_page_lists_downloads(client: httpx.AsyncClient) -> None:
    html = (await client.get("/disclosure/open-data")).text
    for dataset in ("needs", "organisations", "entries"):
        for fmt in ("csv", "json"):
            assert f'href="/api/v1/disclosure/{dataset}.{fmt}"' in html
    assert 'href="/api/v1/ledger/entries"' in html
    assert "aidbridge verify" in html and "BEGIN PUBLIC KEY" in html


async def test_no_personal_data_in_any_disclosure_output(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    charity = await qualified_charity("滨海仁爱慈善基金会")
    team = await make_organisation(name="塘沽志愿服务队")
    ids = await record_story(need["need_id"], charity.id, team.id)
    async with unit_of_work():
        await seal()
    case = need["case"]
    secrets = [
        PERSON["name"],
        PERSON["phone"],
        "138-1234-5678",
        PERSON["address"],
        "翠柳巷",
        PERSON["school"],
        need["id_number"],
        need["case_ref"],
        *[m["name"] for m in case["members"]],
        *[m["id_number"] for m in case["members"]],
    ]
    paths = [
        "/disclosure",
        f"/disclosure/needs/{need['need_id']}",
        f"/disclosure/organisations/{charity.id}",
        f"/disclosure/organisations/{team.id}",
        "/disclosure/open-data",
        f"/disclosure/verify?entry={ids['donation']}",
        *[
            f"/api/v1/disclosure/{d}.{f}"
            for d in ("needs", "organisations", "entries")
            for f in ("csv", "json")
        ],
        "/api/v1/ledger/entries",
        f"/api/v1/ledger/proofs/inclusion/{ids['donation']}",
        f"/api/v1/ledger/entries/{ids['donation']}",
    ]
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode("utf-8-sig")
        for secret in secrets:
            assert secret not in body, f"{secret!r} leaked on {path}"
