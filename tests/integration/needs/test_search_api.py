"""The need search through the JSON API (and the hall pages on top of it), on needs published
the real way: staff record a case and its temporary assistance, refer it, a reviewer approves,
and the in-process index job puts the needs in the embedded index after the commit.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.accounts.tables import Role
from backend.needs import search_sync
from backend.needs.search_sync import close_search_index, drift, reindex, search_index
from backend.needs.tables import Need, NeedStatus
from search import SearchIndex, SearchQuery, SearchUnavailable
from search.embedded import EmbeddedIndex
from search.index import ALLOWED_VALUES, SORTS
from tests.cases_factory import NARRATIVE, add_temporary_grant, create_case
from tests.factories import BINHAI, JIANGBEI, api_token, make_user
from tests.people import member

pytestmark = pytest.mark.usefixtures("database")

TANGGU_COMMUNITY = "120116001016"  # 滨海新区塘沽街道紫云园社区
GUANYINQIAO_COMMUNITY = "500105006001"  # 江北区观音桥街道桃源社区
GUANYINQIAO = "500105006000"

#: A second household, in 江北区: wheelchair, home care, counselling.
NARRATIVE_LI = (
    "李建国，男，身份证号 {id_number}，住重庆市江北区观音桥街道建新北路88号2栋3单元302室，"
    "联系电话 139-8765-4321。脑梗后偏瘫两年，行动不便，长期卧床，需要轮椅和上门照料。"
    "妻子长期照护，情绪低落，需要心理疏导。已获临时救助2000元，仍有困难。"
)
SECRETS_LI = ("李建国", "139-8765-4321", "13987654321", "建新北路", "302室")
SECRETS_WANG = ("王秀英", "王小明", "13812345678", "138-1234-5678", "海洋小区", "第一中学", "501室")


def _deadline(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def wang_items() -> list[dict[str, Any]]:
    return [
        {
            "category": "medical",
            "kind": "money",
            "amount_fen": 2_000_000,
            "urgency": "urgent",
            "deadline": _deadline(30),
            "title": "血液透析费用资助",
        },
        {
            "category": "education",
            "kind": "goods",
            "urgency": "normal",
            "deadline": _deadline(90),
            "title": "初中生学习用品",
            "goods": [{"item": "书包", "quantity": 1, "unit": "个", "unit_value_fen": 12_000}],
        },
    ]


def li_items() -> list[dict[str, Any]]:
    return [
        {
            "category": "care",
            "kind": "goods",
            "urgency": "urgent",
            "deadline": _deadline(20),
            "title": "偏瘫老人需要轮椅",
            "goods": [{"item": "轮椅", "quantity": 1, "unit": "台", "unit_value_fen": 60_000}],
        },
        {
            "category": "psychological",
            "kind": "service",
            "hours": 12,
            "service_type": "心理疏导",
            "urgency": "normal",
            "deadline": _deadline(60),
            "title": "照护家属心理疏导",
        },
    ]


async def publish(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    reviewer: dict[str, str],
    *,
    narrative: str = NARRATIVE,
    items: list[dict[str, Any]] | None = None,
    region_code: str = TANGGU_COMMUNITY,
    members: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Publish a case's needs the way staff and a reviewer do; the case and the need ids."""
    case = await create_case(client, staff, region_code=region_code, members=members)
    await add_temporary_grant(client, staff, str(case["ref"]))
    body = {
        "narrative": narrative.format(id_number=case["members"][0]["id_number"]),
        "items": items if items is not None else wang_items(),
        "consent": {"consent_on": date.today().isoformat(), "method": "written"},
    }
    draft = await client.post(f"/api/v1/cases/{case['ref']}/referrals", json=body, headers=staff)
    assert draft.status_code == 201, draft.text
    ref = draft.json()["ref"]
    submitted = await client.post(f"/api/v1/referrals/{ref}/submit", headers=staff)
    assert submitted.status_code == 201, submitted.text
    decided = await client.post(
        f"/api/v1/referrals/{ref}/decision", json={"approve": True}, headers=reviewer
    )
    assert decided.status_code == 201, decided.text
    return case, list(decided.json()["need_ids"])


async def lookalikes(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    *,
    region_code: str,
    members: Callable[[], list[dict[str, Any]]],
    categories: tuple[str, ...],
    count: int = 4,
) -> None:
    """Households like the one to publish (same community, head's age band and sex, size,
    categories), each with a draft referral, so that k-anonymity (k = 5) lets its needs show
    their street instead of only their city."""
    for _ in range(count):
        case = await create_case(
            client,
            staff,
            region_code=region_code,
            members=members(),
        )
        await add_temporary_grant(client, staff, str(case["ref"]))
        items = [
            {
                "category": category,
                "kind": "money",
                "amount_fen": 100_000,
                "urgency": "normal",
                "deadline": _deadline(30),
            }
            for category in categories
        ]
        body = {"narrative": "同类困难家庭，已获临时救助，仍需社会帮扶。", "items": items}
        draft = await client.post(
            f"/api/v1/cases/{case['ref']}/referrals", json=body, headers=staff
        )
        assert draft.status_code == 201, draft.text


def li_members() -> list[dict[str, Any]]:
    return [
        member(
            head=True,
            full_name="李建国",
            born=date(1958, 4, 2),
            phone="13987654321",
            address="重庆市江北区观音桥街道建新北路88号2栋3单元302室",
        ),
        member(relation="配偶", full_name="张桂兰", born=date(1960, 9, 9), female=True),
    ]


@pytest.fixture(autouse=True)
async def fresh_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Each test starts on an empty embedded index of its own.

    The tables are truncated between tests but an index directory is not, so a test would find
    the needs of the previous ones. And the shared directory under the test VAR_DIR is no safe
    place to clear: tantivy allows one writer per index across processes, and the browser tests'
    live server takes that writer as soon as it publishes a need.
    """
    await close_search_index()
    monkeypatch.setattr(search_sync, "_index", EmbeddedIndex(tmp_path / "search"))
    yield
    await close_search_index()


@pytest.fixture
async def people(client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """Bearer headers of staff and reviewers in 滨海新区 and in 江北区."""
    staff = await make_user(Role.staff)
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    staff_jb = await make_user(Role.staff, region_code=JIANGBEI)
    reviewer_jb = await make_user(Role.reviewer, region_code=JIANGBEI)
    return {
        "staff": await api_token(client, staff.username),
        "reviewer": await api_token(client, reviewer.username),
        "staff_jb": await api_token(client, staff_jb.username),
        "reviewer_jb": await api_token(client, reviewer_jb.username),
    }


@pytest.fixture
async def published(client: httpx.AsyncClient, people: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Four needs of two households in two streets: 透析 (money, urgent), 书包 (goods),
    轮椅 (goods, urgent) and 心理疏导 (service hours)."""
    await lookalikes(
        client,
        people["staff"],
        region_code=TANGGU_COMMUNITY,
        members=lambda: [
            member(head=True, female=True),
            member(relation="子女", born=date(2010, 5, 1)),
        ],
        categories=("medical", "education"),
    )
    await lookalikes(
        client,
        people["staff_jb"],
        region_code=GUANYINQIAO_COMMUNITY,
        members=lambda: [
            member(head=True, born=date(1958, 4, 2)),
            member(relation="配偶", born=date(1960, 9, 9), female=True),
        ],
        categories=("care", "psychological"),
    )
    wang, wang_ids = await publish(client, people["staff"], people["reviewer"])
    li, li_ids = await publish(
        client,
        people["staff_jb"],
        people["reviewer_jb"],
        narrative=NARRATIVE_LI,
        items=li_items(),
        region_code=GUANYINQIAO_COMMUNITY,
        members=li_members(),
    )
    assert len(wang_ids) == 2 and len(li_ids) == 2
    return {
        "dialysis": wang_ids[0],
        "schoolbag": wang_ids[1],
        "wheelchair": li_ids[0],
        "counselling": li_ids[1],
        "secrets": [
            *SECRETS_WANG,
            *SECRETS_LI,
            *(m["id_number"] for m in wang["members"]),
            *(m["id_number"] for m in li["members"]),
            wang["ref"],
            li["ref"],
        ],
    }


async def _search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/needs", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _ids(body: dict[str, Any]) -> list[str]:
    return [hit["document"]["id"] for hit in body["hits"]]


# --------------------------------------------------------------------------------------------
# Finding needs
# --------------------------------------------------------------------------------------------


async def test_published_needs_are_found_by_chinese_words(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    body = await _search(client, q="透析")
    assert set(body) == {"hits", "total", "facets", "page", "per_page", "suggestion"}
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 20)
    # The dialysis need leads: its title says 透析; the schoolbag shares the household's story.
    assert _ids(body) == [published["dialysis"], published["schoolbag"]]
    top = body["hits"][0]
    assert re.search("<mark>[^<]*透析[^<]*</mark>", top["highlights"]["title"])
    assert re.search("<mark>[^<]*透析[^<]*</mark>", top["highlights"]["story"])
    assert body["suggestion"] is None
    assert top["document"]["urgency"] == "urgent"
    assert top["document"]["remaining_fen"] == 2_000_000

    # A household's story is shared by its needs: the one whose title matches comes first.
    assert _ids(await _search(client, q="轮椅")) == [
        published["wheelchair"],
        published["counselling"],
    ]
    assert _ids(await _search(client, q="心理疏导"))[0] == published["counselling"]
    assert set(_ids(await _search(client, q="观音桥"))) == {
        published["wheelchair"],
        published["counselling"],
    }
    # Traditional characters find the Simplified text (OpenCC).
    assert _ids(await _search(client, q="透析費用"))[0] == published["dialysis"]


async def test_a_charity_finds_needs_in_its_own_words(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    """Issue 18: synonyms, one wrong character, a goods line, a region at any level, several
    words of which only some match, and "did you mean" when nothing does."""
    assert _ids(await _search(client, q="血透"))[0] == published["dialysis"]  # a synonym
    assert _ids(await _search(client, q="透折"))[0] == published["dialysis"]  # a look-alike
    assert _ids(await _search(client, q="论椅"))[0] == published["wheelchair"]  # same sound
    assert _ids(await _search(client, q="书包"))[0] == published["schoolbag"]  # a goods line
    assert _ids(await _search(client, q="心里疏导"))[0] == published["counselling"]
    assert _ids(await _search(client, q="助学"))[0] == published["schoolbag"]  # the category
    both = _ids(await _search(client, q="轮椅 透析"))  # neither need has both words
    assert {published["wheelchair"], published["dialysis"]} <= set(both)
    for q in ("天津", "重庆"):  # the province of each household
        assert len(_ids(await _search(client, q=q))) == 2, q
    hit = (await _search(client, q="论椅"))["hits"][0]
    assert "<mark>轮椅</mark>" in hit["highlights"]["title"]  # the correction is marked
    nothing = await _search(client, q="lunyi")
    assert nothing["total"] == 0 and nothing["suggestion"] == "轮椅"
    hall = await client.get("/needs", params={"q": "lunyi"})
    assert "您是不是要找" in hall.text and 'href="/needs?q=%E8%BD%AE%E6%A4%85"' in hall.text


async def test_facets_count_every_match_and_filters_narrow(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    body = await _search(client)
    assert body["total"] == 4
    facets = body["facets"]
    assert set(facets) == {"district_code", "street_code", "category", "kind", "urgency", "status"}
    assert facets["category"] == {"medical": 1, "education": 1, "care": 1, "psychological": 1}
    assert facets["kind"] == {"money": 1, "goods": 2, "service": 1}
    assert facets["urgency"] == {"urgent": 2, "normal": 2}
    assert facets["status"] == {"published": 4}
    assert facets["district_code"] == {"120116000000": 2, "500105000000": 2}
    assert facets["street_code"] == {"120116001000": 2, GUANYINQIAO: 2}

    goods = await _search(client, kind="goods")
    assert goods["total"] == 2 and goods["facets"]["kind"] == {"goods": 2}
    both = await client.get("/api/v1/needs", params=[("kind", "goods"), ("kind", "service")])
    assert both.json()["total"] == 3
    assert (await _search(client, category="medical", urgency="urgent"))["total"] == 1
    assert set(_ids(await _search(client, region="500105000000"))) == {
        published["wheelchair"],
        published["counselling"],
    }
    # Amounts in fen: the 20,000 元 dialysis need only; services (0 fen) fall below any minimum.
    assert _ids(await _search(client, min_remaining=100_000)) == [published["dialysis"]]
    assert published["counselling"] in _ids(await _search(client, max_remaining=50_000))
    soon = await _search(client, deadline_before=_deadline(25))
    assert _ids(soon) == [published["wheelchair"]]

    by_remaining = _ids(await _search(client, sort="remaining"))
    assert by_remaining[:3] == [
        published["dialysis"],
        published["wheelchair"],
        published["schoolbag"],
    ]
    by_deadline = _ids(await _search(client, sort="deadline"))
    assert by_deadline == [
        published["wheelchair"],
        published["dialysis"],
        published["counselling"],
        published["schoolbag"],
    ]
    assert _ids(await _search(client, sort="urgency"))[:2] == [
        published["wheelchair"],
        published["dialysis"],
    ]


async def test_a_page_beyond_the_end_is_empty_with_the_true_total(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    body = await _search(client, per_page=3, page=2)
    assert (len(body["hits"]), body["total"]) == (1, 4)
    beyond = await _search(client, per_page=3, page=50)
    assert beyond["hits"] == [] and beyond["total"] == 4 and beyond["page"] == 50
    assert beyond["facets"]["kind"] == {"money": 1, "goods": 2, "service": 1}


async def test_no_personal_field_of_a_case_reaches_a_search_response(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    secrets: list[str] = published["secrets"]
    responses = [await client.get("/api/v1/needs", params={"per_page": 100})]
    for q in (
        "透析",
        "轮椅",
        "心理疏导",
        "王秀英",
        "李建国",
        "13812345678",
        "海洋小区",
        "第一中学",
    ):
        responses.append(await client.get("/api/v1/needs", params={"q": q}))
    for response in responses:
        assert response.status_code == 200
        for secret in secrets:
            assert secret not in response.text, secret
    for q in ("王秀英", "李建国", "13812345678", "海洋小区", "第一中学"):
        assert (await _search(client, q=q))["total"] == 0, q
    # Nor any internal id or link to the case.
    document = (await _search(client))["hits"][0]["document"]
    assert not {"case", "case_id", "referral", "need_item", "name", "id_number"} & set(document)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


def _assert_error_shape(body: dict[str, Any], field: str | None) -> None:
    assert set(body) == {"code", "message", "field", "errors"}
    assert body["field"] == field
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), body["message"]


async def test_an_unknown_sort_names_the_parameter_and_its_values(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/needs", params={"sort": "cheapest"})
    assert response.status_code == 400
    body = response.json()
    _assert_error_shape(body, "sort")
    assert body["code"] == "invalid_parameter"
    for value in SORTS:
        assert value in body["message"]

    bad_category = (await client.get("/api/v1/needs", params={"category": "food"})).json()
    _assert_error_shape(bad_category, "category")
    assert all(value in bad_category["message"] for value in ALLOWED_VALUES["category"])


async def test_an_unknown_filter_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/needs", params={"colour": "red"})
    assert response.status_code == 400
    _assert_error_shape(response.json(), "colour")
    for params, field in (
        ({"region": "12011600"}, "region"),
        ({"page": "0"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"min_remaining": "-1"}, "min_remaining"),
        ({"min_remaining": "5000", "max_remaining": "100"}, "max_remaining"),
        ({"deadline_before": "next week"}, "deadline_before"),
    ):
        response = await client.get("/api/v1/needs", params=params)
        assert response.status_code == 400, params
        _assert_error_shape(response.json(), field)


async def test_any_query_string_gets_an_answer_never_a_500(client: httpx.AsyncClient) -> None:
    for q in (
        '"透析',
        '"血液透析"',
        "透析 AND 化疗",
        "透析 OR NOT 化疗",
        "title:透析",
        "-透析 +化疗",
        "透析*",
        "(透析",
        "透析~2",
        "[1 TO 5]",
        "\\",
        "😀🙏",
        "💉透析💊",
        "<script>alert(1)</script>",
        "'; DROP TABLE need; --",
        "\u200b\u0000",
        "透" * 5000,
        "a " * 2500,
    ):
        response = await client.get("/api/v1/needs", params={"q": q})
        assert response.status_code in (200, 400), (q[:20], response.status_code)
        if response.status_code == 400:
            _assert_error_shape(response.json(), "q")
        else:
            body = response.json()
            assert set(body) == {"hits", "total", "facets", "page", "per_page", "suggestion"}


class _DownIndex:
    """An index whose engine cannot be reached."""

    async def search(self, query: SearchQuery) -> None:
        raise SearchUnavailable(retry_after=7)


async def _down() -> _DownIndex:
    return _DownIndex()


async def test_an_unavailable_index_answers_503_and_need_pages_still_work(
    client: httpx.AsyncClient, published: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_sync, "search_index", _down)
    response = await client.get("/api/v1/needs", params={"q": "透析"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    body = response.json()
    _assert_error_shape(body, None)
    assert body["code"] == "search_unavailable"
    assert "稍后重试" in body["message"]

    detail = await client.get(f"/api/v1/needs/{published['dialysis']}")
    assert detail.status_code == 200
    assert detail.json()["title"] == "血液透析费用资助"

    hall = await client.get("/needs", params={"q": "透析"})
    assert hall.status_code == 503
    assert hall.headers["retry-after"] == "7"
    assert "搜索服务暂时不可用，请稍后重试" in hall.text
    assert 'id="q"' in hall.text and 'value="透析"' in hall.text  # the search box is kept
    page = await client.get(f"/needs/{published['dialysis']}")
    assert page.status_code == 200 and "血液透析费用资助" in page.text


# --------------------------------------------------------------------------------------------
# Keeping the index in step: reindex and drift
# --------------------------------------------------------------------------------------------


async def test_reindex_rebuilds_and_search_check_reports_drift(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    assert (await drift()).clean
    assert await reindex() == 4
    assert (await drift()).clean
    assert (await _search(client, q="透析"))["total"] == 2  # still searchable after the swap

    index: SearchIndex = await search_index()
    await index.delete([published["wheelchair"]])
    found = await drift()
    assert not found.clean
    assert found.missing == {published["wheelchair"]} and found.stale == set()

    # A need no longer public but still indexed (its index job lost) is stale.
    await Need.update({Need.status: NeedStatus.lapsed}).where(
        Need.public_id == published["counselling"]
    )
    assert (await drift()).stale == {published["counselling"]}
    await Need.update({Need.status: NeedStatus.published}).where(
        Need.public_id == published["counselling"]
    )

    await index.clear()
    assert (await drift()).missing == {
        published[k] for k in ("dialysis", "schoolbag", "wheelchair", "counselling")
    }
    assert await reindex() == 4
    assert (await drift()).clean
    assert _ids(await _search(client, q="轮椅"))[0] == published["wheelchair"]


# --------------------------------------------------------------------------------------------
# The hall pages: the same search, rendered (the browser test drives them with htmx)
# --------------------------------------------------------------------------------------------


async def test_the_hall_renders_hits_facets_and_a_fragment_for_htmx(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    hall = await client.get("/needs", params={"q": "透析"})
    assert hall.status_code == 200
    text = hall.text
    assert "共 2 条" in text and 'aria-live="polite"' in text
    assert re.search("<mark>[^<]*透析[^<]*</mark>", text)
    assert f'href="/needs/{published["dialysis"]}"' in text
    assert 'name="category" value="medical"' in text and "¥20,000.00" in text
    assert "<html" in text and hall.headers["vary"] == "HX-Request"
    for secret in published["secrets"]:
        assert secret not in text, secret

    fragment = await client.get("/needs", params={"q": "透析"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert re.search("<mark>[^<]*透析[^<]*</mark>", fragment.text)
    assert 'id="result-count" hx-swap-oob="innerHTML"' in fragment.text
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in (await client.get("/needs", headers=restore)).text

    # Amounts typed in 元, filters and a second facet value of the same facet widen.
    narrowed = await client.get("/needs", params={"min_yuan": "1,000", "kind": "money"})
    assert "共 1 条" in narrowed.text
    widened = await client.get("/needs", params=[("kind", "money"), ("kind", "service")])
    assert "共 2 条" in widened.text
    street = await client.get("/needs", params={"region": "120116001000"})
    assert "共 2 条" in street.text
    assert "已选：<strong>滨海新区塘沽街道</strong>" in street.text
    assert re.search(r'href="/needs\?region=120116001000"[^>]*>塘沽街道</a>', street.text)
    # The other district keeps its count (counted without the region filter).
    district = r'href="/needs\?region=500105000000"[^>]*>江北区</a>\s*<span class="facet-count">2'
    assert re.search(district, street.text)
    beyond = await client.get("/needs", params={"page": "9"})
    assert beyond.status_code == 200 and "第 9 页没有结果（共 4 条）" in beyond.text

    # The other kinds still show their counts while one is ticked (counted without its filter).
    assert re.search(
        r'value="goods"[^>]*>\s*<label[^>]*>物资 <span class="facet-count">2', widened.text
    )


async def test_the_hall_shows_a_bad_parameter_with_400_and_keeps_the_search_box(
    client: httpx.AsyncClient,
) -> None:
    for params, message in (
        ({"q": "透析", "sort": "cheapest"}, "可选值"),
        ({"q": "透析", "min_yuan": "12.345"}, "最低金额"),
        ({"q": "透析", "min_yuan": "500", "max_yuan": "100"}, "最高金额不能低于最低金额"),
        ({"q": "透析", "deadline_before": "2026-13-40"}, "YYYY-MM-DD"),
    ):
        response = await client.get("/needs", params=params)
        assert response.status_code == 400, params
        assert message in response.text, params
        assert 'role="alert"' in response.text and 'value="透析"' in response.text
    # The filters already chosen stay chosen, so fixing the mistake loses none of them.
    kept = await client.get(
        "/needs", params={"kind": "service", "region": "120116001000", "min_yuan": "abc"}
    )
    assert kept.status_code == 400
    assert re.search(r'name="kind" value="service" checked', kept.text)
    assert '<input type="hidden" name="region" value="120116001000">' in kept.text
    assert 'value="abc"' in kept.text and 'aria-invalid="true"' in kept.text

    fragment = await client.get(
        "/needs", params={"sort": "cheapest"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 400 and "可选值" in fragment.text
    assert "<html" not in fragment.text


async def test_the_need_page_shows_the_public_projection_and_404s_otherwise(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    dialysis = await client.get(f"/needs/{published['dialysis']}")
    assert dialysis.status_code == 200
    for shown in (
        "血液透析费用资助",
        "医疗",
        "资金",
        "急难",
        "¥20,000.00",
        "募集中",
        "政府已救助 ¥3,000.00",
    ):
        assert shown in dialysis.text, shown
    schoolbag = (await client.get(f"/needs/{published['schoolbag']}")).text
    assert "书包" in schoolbag and "1 个" in schoolbag and "¥120.00" in schoolbag
    counselling = (await client.get(f"/needs/{published['counselling']}")).text
    assert "心理疏导" in counselling and "12 小时" in counselling
    for response_text in (dialysis.text, schoolbag, counselling):
        for secret in published["secrets"]:
            assert secret not in response_text, secret

    missing = await client.get("/needs/not-a-real-need-id")
    assert missing.status_code == 404 and "未找到该需求" in missing.text
