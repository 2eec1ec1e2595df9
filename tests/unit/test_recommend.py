"""Recommendation ranking: the rules, and reasons that are exactly the score's components."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.recommend import (
    CAPACITY_POINTS,
    CATEGORY_POINTS,
    REGION_TIERS,
    URGENT_POINTS,
    NeedSummary,
    OrgProfile,
    explain,
    is_open,
    plan_for,
    rank,
    should_notify,
    sort_key,
)

TODAY = date(2026, 11, 25)
TANGGU = "120116001000"  # 滨海新区塘沽街道
XINHE = "120116006000"  # 滨海新区新河街道
BINHAI = "120116000000"  # 滨海新区
HEPING = "120101001000"  # 天津市和平区某街道
TIANJIN = "120100000000"
JIANGBEI = "500105001000"  # 重庆江北区华新街街道

PROFILE = OrgProfile(
    service_regions=(TANGGU,),
    focus_categories=frozenset({"medical"}),
    monthly_capacity_fen=500_000,
    monthly_capacity_hours=40,
)


def need(
    public_id: str = "n1",
    *,
    region: str = JIANGBEI,
    category: str = "other",
    kind: str = "money",
    urgency: str = "normal",
    days: int = 90,
    fen: int = 10_000_000,
    hours: int = 0,
) -> NeedSummary:
    return NeedSummary(
        public_id=public_id,
        region_code=region,
        category=category,
        kind=kind,
        urgency=urgency,
        deadline=TODAY + timedelta(days=days),
        remaining_fen=fen if kind != "service" else 0,
        remaining_hours=hours if kind == "service" else 0,
        published_on=TODAY - timedelta(days=1),
    )


def reasons_of(n: NeedSummary, profile: OrgProfile = PROFILE) -> list[str]:
    return explain(plan_for(profile, TODAY), n).reasons


def order(needs: list[NeedSummary], profile: OrgProfile = PROFILE) -> list[str]:
    return [r.need.public_id for r in rank(profile, needs, TODAY, limit=len(needs))]


# --- region -----------------------------------------------------------------------------


def test_same_street_beats_same_district_beats_same_city_beats_elsewhere() -> None:
    needs = [
        need("elsewhere", region=JIANGBEI),
        need("city", region=HEPING),
        need("district", region=XINHE),
        need("street", region=TANGGU),
    ]
    assert order(needs) == ["street", "district", "city", "elsewhere"]
    assert reasons_of(needs[3]) == ["同一街道"]
    assert reasons_of(needs[2]) == ["同区"]
    assert reasons_of(needs[1]) == ["同市"]
    assert reasons_of(needs[0]) == []


def test_a_need_lifted_to_its_district_is_at_best_same_district() -> None:
    assert reasons_of(need(region=BINHAI)) == ["同区"]


def test_an_org_serving_a_whole_district_sees_its_streets_as_same_district() -> None:
    profile = OrgProfile(service_regions=(BINHAI,))
    assert reasons_of(need(region=TANGGU), profile) == ["同区"]
    assert reasons_of(need(region=HEPING), profile) == ["同市"]


def test_the_best_of_several_service_regions_counts_once() -> None:
    profile = OrgProfile(service_regions=(TIANJIN, XINHE, TANGGU))
    ranked = explain(plan_for(profile, TODAY), need(region=TANGGU))
    assert ranked.reasons == ["同一街道"]
    assert ranked.score == REGION_TIERS[0][2]


def test_malformed_service_regions_are_ignored() -> None:
    profile = OrgProfile(service_regions=("not-a-code", "000000000000", TANGGU))
    assert reasons_of(need(region=TANGGU), profile) == ["同一街道"]


# --- category, urgency, deadline, capacity ---------------------------------------------------


def test_focus_category_scores_with_its_label() -> None:
    assert reasons_of(need(category="medical")) == ["关注领域：医疗"]
    assert order([need("a", category="education"), need("b", category="medical")]) == ["b", "a"]


def test_urgent_needs_come_first_all_else_equal() -> None:
    assert order([need("a"), need("b", urgency="urgent")]) == ["b", "a"]
    assert reasons_of(need(urgency="urgent")) == ["急难"]


def test_sooner_deadlines_score_higher_and_say_when() -> None:
    needs = [need("d40", days=40), need("d20", days=20), need("d10", days=10)]
    needs += [need("d5", days=5), need("d3", days=3), need("d0", days=0)]
    assert order(needs) == ["d0", "d3", "d5", "d10", "d20", "d40"]
    assert reasons_of(needs[5]) == ["今天截止"]
    assert reasons_of(needs[4]) == ["3天后截止"]
    assert reasons_of(needs[0]) == []


def test_past_deadlines_and_nothing_left_are_excluded() -> None:
    needs = [need("past", days=-1), need("done", fen=0), need("open")]
    assert order(needs) == ["open"]
    plan = plan_for(PROFILE, TODAY)
    assert not is_open(plan, needs[0]) and not is_open(plan, needs[1])


def test_what_fits_the_monthly_capacity_scores_and_says_how_much() -> None:
    fits, too_big = need("fits", fen=200_000), need("big", fen=600_000)
    assert order([too_big, fits]) == ["fits", "big"]
    assert reasons_of(fits) == ["剩余¥2,000.00，在您每月可承担范围内"]
    assert reasons_of(too_big) == []
    goods = need(kind="goods", fen=12_000)
    assert reasons_of(goods) == ["剩余物资估值¥120.00，在您每月可承担范围内"]


def test_services_compare_hours_not_money() -> None:
    profile = OrgProfile(monthly_capacity_fen=10**9, monthly_capacity_hours=10)
    assert reasons_of(need(kind="service", hours=8), profile) == ["剩余8小时，在您每月可承担范围内"]
    assert reasons_of(need(kind="service", hours=12), profile) == []


def test_no_stated_capacity_gives_no_capacity_points() -> None:
    assert reasons_of(need(fen=1), OrgProfile()) == []


def test_every_component_at_once_in_table_order() -> None:
    best = need(
        region=TANGGU, category="medical", urgency="urgent", days=2, fen=100_000, kind="money"
    )
    ranked = explain(plan_for(PROFILE, TODAY), best)
    assert ranked.reasons == [
        "同一街道",
        "关注领域：医疗",
        "急难",
        "2天后截止",
        "剩余¥1,000.00，在您每月可承担范围内",
    ]
    assert ranked.score == 40 + CATEGORY_POINTS + URGENT_POINTS + 15 + CAPACITY_POINTS


# --- ties and limits ----------------------------------------------------------------------


def test_ties_go_to_the_sooner_deadline_then_the_public_id() -> None:
    needs = [need("c", days=50), need("b", days=40), need("a", days=50)]
    assert order(needs) == ["b", "a", "c"]
    assert order(list(reversed(needs))) == ["b", "a", "c"]


def test_limit_keeps_the_best() -> None:
    needs = [need(f"n{i:02d}", days=i) for i in range(40)]
    ranked = rank(PROFILE, needs, TODAY, limit=5)
    assert [r.need.public_id for r in ranked] == ["n00", "n01", "n02", "n03", "n04"]
    assert rank(PROFILE, needs, TODAY, limit=0) == []
    assert len(rank(PROFILE, needs[:3], TODAY, limit=20)) == 3


# --- recommendation reasons match the ranking -------------------------------------------------

REGIONS = [TANGGU, XINHE, BINHAI, HEPING, TIANJIN, JIANGBEI, "370902001000"]
CATEGORIES = ["medical", "education", "housing", "living", "care", "other"]

summaries = st.builds(
    NeedSummary,
    public_id=st.text("abcdefXYZ-_0123", min_size=1, max_size=4),
    region_code=st.sampled_from(REGIONS),
    category=st.sampled_from(CATEGORIES),
    kind=st.sampled_from(["money", "goods", "service"]),
    urgency=st.sampled_from(["urgent", "normal"]),
    deadline=st.integers(-3, 60).map(lambda d: TODAY + timedelta(days=d)),
    remaining_fen=st.integers(0, 1_000_000),
    remaining_hours=st.integers(0, 80),
    published_on=st.just(TODAY),
)
profiles = st.builds(
    OrgProfile,
    service_regions=st.lists(st.sampled_from([*REGIONS, "bad"]), max_size=3).map(tuple),
    focus_categories=st.frozensets(st.sampled_from(CATEGORIES), max_size=3),
    monthly_capacity_fen=st.integers(0, 1_000_000),
    monthly_capacity_hours=st.integers(0, 80),
)


@settings(max_examples=300, deadline=None)
@given(profile=profiles, needs=st.lists(summaries, max_size=60), limit=st.integers(1, 25))
def test_recommendation_reasons_match_the_ranking(
    profile: OrgProfile, needs: list[NeedSummary], limit: int
) -> None:
    plan = plan_for(profile, TODAY)
    ranked = rank(profile, needs, TODAY, limit)
    for item in ranked:
        # The reasons listed are exactly the components that added points, and they add up.
        assert all(c.points > 0 for c in item.components)
        assert item.reasons == [c.reason for c in item.components]
        assert item.score == sum(c.points for c in item.components)
        assert len({c.name for c in item.components}) == len(item.components)
        assert is_open(plan, item.need)
    # The fast loop of rank() agrees with explain(), need by need and in order.
    expected = sorted((explain(plan, n) for n in needs if is_open(plan, n)), key=sort_key)
    assert [(r.need, r.score) for r in ranked] == [(r.need, r.score) for r in expected[:limit]]
    assert ranked == sorted(ranked, key=sort_key)


# --- who hears of a new need -----------------------------------------------------------------


def test_notice_needs_the_category_and_the_city() -> None:
    assert should_notify(PROFILE, TANGGU, "medical")
    assert should_notify(PROFILE, HEPING, "medical")  # same city (天津)
    assert should_notify(PROFILE, BINHAI, "medical")  # lifted to the district
    assert not should_notify(PROFILE, JIANGBEI, "medical")  # another city
    assert not should_notify(PROFILE, TANGGU, "education")  # not a focus


def test_notice_for_a_province_wide_org_and_for_bad_codes() -> None:
    province = OrgProfile(service_regions=("120000000000",), focus_categories=frozenset({"care"}))
    assert should_notify(province, TANGGU, "care")
    assert not should_notify(province, JIANGBEI, "care")
    assert not should_notify(province, "garbage", "care")
    assert not should_notify(OrgProfile(focus_categories=frozenset({"care"})), TANGGU, "care")
