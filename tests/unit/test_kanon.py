"""k-anonymity: the published combination hides among at least k households."""

from matching.kanon import LADDER, Household, age_band, public_profile, size_band


def _h(
    community: str = "120116001001",
    age: int = 43,
    sex: str = "female",
    size: int = 3,
    categories: frozenset[str] = frozenset({"medical"}),
) -> Household:
    return Household(community, age, sex, size, categories)


def test_a_crowd_keeps_the_most_specific_profile() -> None:
    subject = _h()
    registry = [subject] + [_h(community="120116001002", age=47) for _ in range(4)]
    profile = public_profile(subject, "medical", registry, k=5)
    assert profile.rung == 0
    assert profile.region_code == "120116001000"  # community → street, always
    assert (profile.age_band, profile.sex, profile.household_size_band) == (
        "40-49岁",
        "female",
        "3-4人",
    )
    assert profile.satisfied and profile.notes == ()


def test_too_few_on_the_street_widens_to_the_district_and_says_so() -> None:
    subject = _h()
    registry = [subject, _h(community="120116001003")] + [
        _h(community="120116002001") for _ in range(3)
    ]
    profile = public_profile(subject, "medical", registry, k=5)
    assert profile.region_code == "120116000000"
    assert profile.rung == 1
    assert profile.notes == (LADDER[1].explanation,)


def test_sex_is_dropped_when_it_is_what_singles_the_household_out() -> None:
    subject = _h(sex="female")
    registry = [subject] + [_h(community="120116003001", age=52, sex="male") for _ in range(4)]
    profile = public_profile(subject, "medical", registry, k=5)
    assert profile.sex is None
    assert profile.age_band == "40-59岁"


def test_other_categories_do_not_count() -> None:
    subject = _h()
    registry = [subject] + [_h(categories=frozenset({"education"})) for _ in range(10)]
    profile = public_profile(subject, "medical", registry, k=5)
    assert not profile.satisfied
    assert "少于 5 户" in profile.notes[-1]
    assert profile.region_code == "120100000000"


def test_bands() -> None:
    assert age_band(43, 10) == "40-49岁"
    assert age_band(43, None) is None
    assert size_band(1, (1, 2, 3, 5)) == "1人"
    assert size_band(6, (1, 2, 3, 5)) == "5人及以上"
    assert size_band(2, (1, 3)) == "1-2人"
