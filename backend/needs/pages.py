"""The need hall (需求大厅) and the public need page: server pages for everyone, no login.

The hall renders the JSON search (``search_needs``): the same parameters, the same 400 and 503,
so a page and an API call never disagree about what a query means. Only amounts differ: people
type them in 元 and the search takes fen, converted exactly with ``Decimal``.

Without JavaScript the hall is one GET form. With htmx the same form, its facets and its pager
ask the same URL with ``HX-Request`` and get the ``_results.html`` fragment (hits, plus the
count and facets swapped out of band), and the URL is pushed so that the back button and shared
links keep working.

The need page reads the one public projection (``public_need``) and never the search index,
so it keeps working while the engine is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from backend.donations.pages import donation_panel
from backend.errors import DomainError, FieldInvalid
from backend.needs.search_sync import search_needs
from backend.needs.service import PUBLIC_STATUSES, public_need
from backend.needs.tables import NEED_STATUS_LABELS
from backend.pledges.pages import pledge_panel
from backend.regions.service import full_name
from backend.regions.tables import Region
from backend.web.forms import MoneyInvalid, parse_yuan
from backend.web.pages import page
from matching.regions import InvalidRegionCode, level_of
from matching.vocabulary import NEED_CATEGORY_LABELS, NEED_KIND_LABELS, URGENCY_LABELS
from search import SORTS, SearchResult

PER_PAGE = 20
HALL_PATH = "/needs"

_SORT_NAMES = {
    "relevance": "相关度",
    "urgency": "紧急程度",
    "deadline": "截止日期最近",
    "newest": "最新发布",
    "remaining": "剩余最多",
}
#: Every sort the search offers, with what people call it: a new sort without a name here
#: fails at import, not as a blank option.
SORT_LABELS: dict[str, str] = {sort: _SORT_NAMES[sort] for sort in SORTS}

#: Facets shown as checkboxes (several values of one facet widen the search), in page order.
CHECKBOX_FACETS: dict[str, tuple[str, Mapping[Any, str]]] = {
    "category": ("类别", NEED_CATEGORY_LABELS),
    "kind": ("帮扶方式", NEED_KIND_LABELS),
    "urgency": ("紧急程度", URGENCY_LABELS),
    "status": ("状态", NEED_STATUS_LABELS),
}

#: Search parameters that the hall's form calls otherwise (amounts are typed in 元 there), so
#: that an error naming one marks the right input.
_PAGE_FIELDS = {"min_remaining": "min_yuan", "max_remaining": "max_yuan"}


@dataclass(frozen=True)
class Hall:
    """What the hall was asked, as typed: shown again in the form and kept in every link.

    Values stay strings until ``search_params``; a bad one is the search's to refuse, with the
    same message the API gives.
    """

    q: str = ""
    region: str = ""
    category: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    min_yuan: str = ""
    max_yuan: str = ""
    deadline_before: str = ""
    sort: str = "relevance"
    page: str = "1"

    @classmethod
    def from_query(cls, params: Mapping[str, Sequence[str]]) -> Hall:
        """Read the query string; parameters the hall does not know (tracking tags, say) are
        ignored rather than refused, unlike the API, since people paste links around."""

        def last(name: str, default: str = "") -> str:
            values = params.get(name) or []
            return values[-1].strip() if values else default

        def many(name: str) -> tuple[str, ...]:
            seen: dict[str, None] = {}
            for value in params.get(name) or []:
                for part in value.split(","):
                    if part.strip():
                        seen.setdefault(part.strip())
            return tuple(seen)

        return cls(
            q=last("q"),
            region=last("region"),
            category=many("category"),
            kind=many("kind"),
            urgency=many("urgency"),
            status=many("status"),
            min_yuan=last("min_yuan"),
            max_yuan=last("max_yuan"),
            deadline_before=last("deadline_before"),
            sort=last("sort", "relevance") or "relevance",
            page=last("page", "1") or "1",
        )

    def search_params(self) -> dict[str, Any]:
        """The parameters of ``search_needs``; amounts in 元 become fen or a 400."""
        params: dict[str, Any] = {"q": self.q, "sort": self.sort, "page": self.page}
        params.update(per_page=str(PER_PAGE))
        if self.region:
            params["region"] = self.region
        for name in CHECKBOX_FACETS:
            if values := getattr(self, name):
                params[name] = list(values)
        for param, name, label in (
            ("min_remaining", "min_yuan", "最低金额"),
            ("max_remaining", "max_yuan", "最高金额"),
        ):
            typed = getattr(self, name)
            if typed:
                try:
                    params[param] = str(parse_yuan(typed))
                except MoneyInvalid as exc:
                    raise FieldInvalid(f"{label}：{exc}", field=param) from None
        if self.deadline_before:
            params["deadline_before"] = self.deadline_before
        return params

    @property
    def filter_count(self) -> int:
        """How many filters are on, for the summary of the collapsed facet panel."""
        chosen = sum(len(getattr(self, name)) for name in CHECKBOX_FACETS)
        typed = (self.region, self.min_yuan, self.max_yuan, self.deadline_before)
        return chosen + sum(1 for value in typed if value)

    def url(self, **changes: Any) -> str:
        """This hall's URL with some parameters changed; the page goes back to 1 unless given."""
        changes.setdefault("page", "1")
        state = replace(self, **changes)
        pairs: list[tuple[str, str]] = []
        for name in ("q", "region", *CHECKBOX_FACETS, "min_yuan", "max_yuan", "deadline_before"):
            value = getattr(state, name)
            for item in value if isinstance(value, tuple) else (value,):
                if item:
                    pairs.append((name, item))
        if state.sort != "relevance":
            pairs.append(("sort", state.sort))
        if state.page != "1":
            pairs.append(("page", state.page))
        return f"{HALL_PATH}?{urlencode(pairs)}" if pairs else HALL_PATH


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    #: None when the search failed: the choices are still shown, so none is lost on retry.
    count: int | None
    chosen: bool
    #: For link facets (regions): where choosing this option leads.
    url: str = ""


@dataclass(frozen=True)
class FacetGroup:
    name: str
    legend: str
    options: list[FacetOption]

    @property
    def shown(self) -> list[FacetOption]:
        """Values with needs, and chosen ones even without: a value with nothing to find is
        noise, but a ticked box must stay visible to be unticked."""
        return [o for o in self.options if o.count is None or o.count or o.chosen]


@dataclass
class RegionFacets:
    """District and street links: one region at a time, as the search takes one code."""

    chosen_name: str | None = None
    clear_url: str = ""
    districts: list[FacetOption] = field(default_factory=list)
    streets: list[FacetOption] = field(default_factory=list)


def _region_levels(code: str) -> tuple[str | None, str | None]:
    """(district, street) codes of the chosen region; a community counts as its street."""
    try:
        level = level_of(code)
    except InvalidRegionCode:
        return None, None
    district = code[:6] + "000000" if level >= 3 else None
    street = code[:9] + "000" if level >= 4 else None
    return district, street


async def _region_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await Region.select(Region.code, Region.name).where(Region.code.is_in(sorted(codes)))
    return {row["code"]: row["name"] for row in rows}


async def _counts_without(hall: Hall, params: dict[str, Any], facet: str) -> dict[str, int]:
    """Counts of one facet with its own filter lifted.

    Facet counts come from the filtered set, so once 医疗 is ticked every other category would
    read 0, although ticking it too would add needs (values of one facet are OR-ed). Counting
    each chosen facet once more without its filter gives the numbers a person expects.
    """
    lifted = {k: v for k, v in params.items() if k != facet}
    if facet in ("district_code", "street_code"):
        lifted.pop("region", None)
        if facet == "street_code":
            lifted["region"] = _region_levels(hall.region)[0]
    lifted.update(page="1", per_page="1", facets=[facet])
    result = await search_needs(lifted)
    return result.facets.get(facet, {})


async def facet_groups(
    hall: Hall, params: dict[str, Any], result: SearchResult
) -> tuple[list[FacetGroup], RegionFacets]:
    """The checkbox facets and the region links, with disjunctive counts."""
    district, street = _region_levels(hall.region) if hall.region else (None, None)
    wanted = [name for name in CHECKBOX_FACETS if getattr(hall, name)]
    if district:
        wanted.append("district_code")
    if street:
        wanted.append("street_code")
    counted = await asyncio.gather(*(_counts_without(hall, params, name) for name in wanted))
    lifted = dict(zip(wanted, counted, strict=True))

    groups = checkbox_groups(hall, {**result.facets, **lifted})
    districts = lifted.get("district_code", result.facets.get("district_code", {}))
    streets = lifted.get("street_code", result.facets.get("street_code", {})) if district else {}
    names = await _region_names(set(districts) | set(streets))
    regions = await chosen_region(hall)
    regions.districts = _region_options(hall, districts, names, chosen=district)
    regions.streets = _region_options(hall, streets, names, chosen=street)
    return groups, regions


def checkbox_groups(hall: Hall, counts: Mapping[str, Mapping[str, int]] | None) -> list[FacetGroup]:
    """Every value of each checkbox facet, ticked as asked; without counts (None) when the
    search failed."""
    groups = []
    for name, (legend, labels) in CHECKBOX_FACETS.items():
        # Only public statuses reach the index; offering the others would find nothing.
        values = PUBLIC_STATUSES if name == "status" else tuple(labels)
        options = [
            FacetOption(
                value=str(value),
                label=labels[value],
                count=None if counts is None else counts.get(name, {}).get(str(value), 0),
                chosen=str(value) in getattr(hall, name),
            )
            for value in values
        ]
        groups.append(FacetGroup(name=name, legend=legend, options=options))
    return groups


async def chosen_region(hall: Hall) -> RegionFacets:
    """The chosen region's name and the link that drops it (no counts needed)."""
    regions = RegionFacets(clear_url=hall.url(region=""))
    if hall.region:
        try:
            regions.chosen_name = await full_name(hall.region)
        except InvalidRegionCode:
            regions.chosen_name = hall.region
    return regions


def _region_options(
    hall: Hall, counts: dict[str, int], names: dict[str, str], *, chosen: str | None
) -> list[FacetOption]:
    options = [
        FacetOption(
            value=code,
            label=names.get(code, code),
            count=count,
            chosen=code == chosen,
            url=hall.url(region=code),
        )
        for code, count in counts.items()
    ]
    return sorted(options, key=lambda o: (-(o.count or 0), o.value))


def wants_fragment(request: Request[Any, Any, Any]) -> bool:
    """An htmx swap gets the fragment; htmx restoring history after a cache miss wants the
    whole page, as does everyone else."""
    headers = request.headers
    restoring = headers.get("hx-history-restore-request") == "true"
    return headers.get("hx-request") == "true" and not restoring


async def hall_context(hall: Hall) -> tuple[dict[str, Any], int, dict[str, str]]:
    """What the hall shows, its status and headers: the results with their facets, or the
    reason there are none (400: a bad parameter; 503 with Retry-After: the engine is down)."""
    context: dict[str, Any] = {"hall": hall, "result": None, "pages": 1, "error": None}
    context["error_field"] = None
    try:
        params = hall.search_params()
        result = await search_needs(params)
        context["groups"], context["regions"] = await facet_groups(hall, params, result)
    except DomainError as exc:
        if exc.status_code not in (400, 503):
            raise
        # The filters stay on screen as chosen, so fixing one mistake loses none of the others.
        context["groups"] = checkbox_groups(hall, None)
        context["regions"] = await chosen_region(hall)
        context["error"] = exc.message
        context["error_field"] = _PAGE_FIELDS.get(exc.field or "", exc.field)
        return context, exc.status_code, exc.headers
    context["result"] = result
    context["pages"] = max(1, -(-result.total // PER_PAGE))
    return context, 200, {}


class NeedPagesController(Controller):
    path = HALL_PATH
    include_in_schema = False

    @get("/", name="need_hall")
    async def hall(self, request: Request[Any, Any, Any]) -> Template:
        context, status, headers = await hall_context(Hall.from_query(request.query_params.dict()))
        fragment = wants_fragment(request)
        template = "needs/_results.html" if fragment else "needs/hall.html"
        response = page(
            request,
            template,
            status_code=status,
            active="needs",
            fragment=fragment,
            sorts=SORT_LABELS,
            **context,
        )
        for name, value in headers.items():
            response.set_header(name, value)
        # One URL, two bodies: caches must tell the fragment from the page.
        response.set_header("Vary", "HX-Request")
        return response

    @get("/{need_id:str}", name="need")
    async def detail(self, request: Request[Any, Any, Any], need_id: FromPath[str]) -> Template:
        need = await public_need(need_id)  # NeedNotFound → the 404 page
        pledge = await pledge_panel(request, need)
        donate = await donation_panel(need)
        return page(
            request, "needs/detail.html", active="needs", need=need, pledge=pledge, donate=donate
        )
