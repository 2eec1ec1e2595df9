"""The search thesaurus edited by admins, through the API and the page, on needs published the
real way: an addition makes a word find needs at once, a removal stops it, undoing restores."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.accounts.tables import Role
from backend.needs import search_sync
from backend.needs.search_sync import close_search_index
from backend.thesaurus import service
from backend.thesaurus.tables import ThesaurusEdit
from search.embedded import THESAURUS_FILE, EmbeddedIndex
from tests.factories import api_token, csrf_token, make_user, web_login
from tests.needs_factory import publish_need

pytestmark = pytest.mark.usefixtures("database")

API = "/api/v1/search/thesaurus"
PAGE = "/manage/thesaurus"


@pytest.fixture(autouse=True)
async def fresh_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Path]:
    """An embedded index of this test's own (see tests/integration/needs/test_search_api)."""
    await close_search_index()
    monkeypatch.setattr(search_sync, "_index", EmbeddedIndex(tmp_path / "search"))
    yield tmp_path / "search"
    await close_search_index()


async def admin(client: httpx.AsyncClient) -> dict[str, str]:
    return await api_token(client, (await make_user(Role.admin)).username)


async def found(client: httpx.AsyncClient, q: str) -> list[str]:
    response = await client.get("/api/v1/needs", params={"q": q})
    assert response.status_code == 200, response.text
    return [hit["document"]["id"] for hit in response.json()["hits"]]


async def test_an_addition_finds_needs_at_once_and_undoing_it_stops(
    client: httpx.AsyncClient,
) -> None:
    # A goods need: its title says nothing; its goods line says 轮椅.
    need = (await publish_need(client, kind="goods"))["need"]
    assert need["title"] == "帮扶需求" and need["goods"][0]["item"] == "轮椅"
    assert await found(client, "轮椅") == [need["id"]]  # the goods line is searched
    assert await found(client, "助残车") == []
    headers = await admin(client)

    added = await client.post(
        f"{API}/edits",
        json={
            "action": "add",
            "relation": "synonym",
            "terms": ["轮椅", "助殘車"],
            "note": "地方说法",
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["terms"] == ["轮椅", "助残车"]  # folded to Simplified
    assert body["text"] == "轮椅 助残车" and body["created_by"]
    assert await found(client, "助残车") == [need["id"]]
    hit = (await client.get("/api/v1/needs", params={"q": "助残车"})).json()["hits"][0]
    assert hit["document"]["goods_items"] == ["轮椅"]

    lookup = await client.get(f"{API}/lookup", params={"word": "助残车"}, headers=headers)
    expansions = lookup.json()["expansions"]
    assert expansions[0] == {"term": "轮椅", "relation": "synonym", "relation_label": "同义词"}
    # A synonym stands for 轮椅 in other entries too: its related words come along.
    assert {e["term"] for e in expansions[1:]} == {"代步车", "助行器"}
    overview = (await client.get(API, headers=headers)).json()
    assert [e["id"] for e in overview["edits"]] == [body["id"]]
    assert overview["builtin_entries"] > 250 and overview["pairs"] > 3000

    undone = await client.delete(f"{API}/edits/{body['id']}", headers=headers)
    assert undone.status_code == 204
    assert await found(client, "助残车") == []
    missing = await client.delete(f"{API}/edits/{body['id']}", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "thesaurus_edit_not_found"


async def test_a_removal_takes_out_a_built_in_relation(client: httpx.AsyncClient) -> None:
    need = (await publish_need(client))["need"]  # the story says 血液透析, never 洗肾
    assert need["id"] in await found(client, "洗肾")
    headers = await admin(client)
    removed = await client.post(
        f"{API}/edits",
        json={"action": "remove", "head": "洗肾", "terms": [], "note": "口语，不用"},
        headers=headers,
    )
    assert removed.status_code == 201, removed.text
    assert removed.json()["text"] == "“洗肾”不再与任何词互相扩展"
    assert await found(client, "洗肾") == []
    assert need["id"] in await found(client, "血透")  # other relations stand
    await client.delete(f"{API}/edits/{removed.json()['id']}", headers=headers)
    assert need["id"] in await found(client, "洗肾")


async def test_the_thesaurus_reaches_every_process_through_the_index_directory(
    client: httpx.AsyncClient, fresh_index: Path
) -> None:
    headers = await admin(client)
    await client.post(
        f"{API}/edits",
        json={"action": "add", "relation": "narrower", "head": "辅具", "terms": ["拐杖"]},
        headers=headers,
    )
    assert (fresh_index / THESAURUS_FILE).exists()
    other = EmbeddedIndex(fresh_index)  # e.g. the second app process
    assert "拐杖" in other._expander().thesaurus.expand("辅具")
    await other.close()
    # A process starting on an index directory that lost it gets it back from the database.
    (fresh_index / THESAURUS_FILE).unlink()
    await service.restore_at_start()
    assert (fresh_index / THESAURUS_FILE).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "add", "relation": "synonym", "terms": ["轮椅"]}, "terms"),
        ({"action": "add", "relation": "synonym", "terms": ["轮 椅", "代步车"]}, "terms"),
        ({"action": "add", "relation": "synonym", "terms": ["<b>", "代步车"]}, "terms"),
        ({"action": "add", "relation": "narrower", "terms": ["电暖器"]}, "head"),
        ({"action": "add", "terms": ["轮椅", "代步车"]}, "relation"),
        ({"action": "add", "relation": "synonym", "head": "取暖", "terms": ["a", "b"]}, "head"),
        ({"action": "remove", "terms": ["透析"]}, "head"),
        ({"action": "add", "relation": "synonym", "terms": ["字" * 21, "代步车"]}, "terms"),
        ({"action": "rename", "terms": ["轮椅", "代步车"]}, "action"),
    ],
)
async def test_bad_edits_name_the_field_and_write_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post(f"{API}/edits", json=body, headers=await admin(client))
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["field"] == field, error
    assert re.search(r"[\u4e00-\u9fff]", error["message"])
    assert await ThesaurusEdit.count() == 0


async def test_only_admins_edit_or_read_the_thesaurus(client: httpx.AsyncClient) -> None:
    body = {"action": "add", "relation": "synonym", "terms": ["轮椅", "代步车"]}
    assert (await client.get(API)).status_code == 401
    for role in (Role.staff, Role.auditor, Role.org_member):
        headers = await api_token(client, (await make_user(role)).username)
        assert (await client.get(API, headers=headers)).status_code == 403
        assert (await client.post(f"{API}/edits", json=body, headers=headers)).status_code == 403
    assert await ThesaurusEdit.count() == 0


async def test_the_page_looks_up_adds_and_undoes(client: httpx.AsyncClient) -> None:
    user = await make_user(Role.admin)
    assert (await web_login(client, user.username)).status_code == 303
    page = await client.get(PAGE, params={"word": "血透"})
    assert page.status_code == 200
    assert 'href="/manage/thesaurus" aria-current="page"' in page.text
    assert "血液透析" in page.text and "同义词" in page.text

    token = await csrf_token(client, PAGE)
    form = {"action": "add", "relation": "related", "head": "", "terms": "轮椅、推车", "note": ""}
    saved = await client.post(PAGE, data={**form, "_csrf_token": token})
    assert saved.status_code == 303
    listed = await client.get(PAGE)
    assert "~ 轮椅 推车" in listed.text
    edit = await ThesaurusEdit.select(ThesaurusEdit.id).first()
    assert edit is not None

    bad = await client.post(PAGE, data={**form, "terms": "轮椅", "_csrf_token": token})
    assert bad.status_code == 400
    assert "至少需要两个不同的词" in bad.text and 'value="轮椅"' in bad.text

    undo = await client.post(
        f"{PAGE}/edits/{edit['id']}/delete", data={"_csrf_token": await csrf_token(client, PAGE)}
    )
    assert undo.status_code == 303
    assert await ThesaurusEdit.count() == 0


async def test_the_page_is_for_admins_only(client: httpx.AsyncClient) -> None:
    user = await make_user(Role.auditor)
    assert (await web_login(client, user.username)).status_code == 303
    assert (await client.get(PAGE)).status_code == 403
