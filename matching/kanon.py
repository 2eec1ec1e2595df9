"""k-anonymity of what a published need says about its household.

A need shows a few quasi-identifiers: where (region), the head's age band, sex, household size
band, and the category. Together they could point to one family in a small community, so the
published combination must match at least k cases of the registry. We climb a fixed ladder of
generalisations, one step at a time, until it does, and report each step so staff see why the
page says less than they wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from matching.regions import LEVEL_DIGITS, level_of


@dataclass(frozen=True)
class Household:
    """The quasi-identifiers of one case, as the registry holds them."""

    community_code: str
    head_age: int | None
    head_sex: str | None
    size: int
    categories: frozenset[str]


@dataclass(frozen=True)
class Rung:
    """How much one step of the ladder reveals."""

    region_level: int  # 4 street, 3 district, 2 city
    age_width: int | None  # years per band; None: age withheld
    keep_sex: bool
    size_bands: tuple[int, ...] | None  # lower bounds of the bands; None: size withheld
    explanation: str


#: From most to least specific. The first rung is what a need shows by default.
LADDER: tuple[Rung, ...] = (
    Rung(4, 10, True, (1, 2, 3, 5), "地区到街道，年龄按10岁分段，户规模分段"),
    Rung(3, 10, True, (1, 2, 3, 5), "地区由街道放宽到区县"),
    Rung(3, 20, True, (1, 3, 5), "年龄放宽为20岁分段，户规模合并分段"),
    Rung(3, 20, False, (1, 3, 5), "不再公开性别"),
    Rung(3, None, False, (1, 3), "不再公开年龄"),
    Rung(2, None, False, None, "地区放宽到市，不再公开户规模"),
)


@dataclass(frozen=True)
class PublicProfile:
    region_code: str
    age_band: str | None
    sex: str | None
    household_size_band: str | None
    category: str
    rung: int
    matches: int
    k: int
    #: Chinese sentences: each generalisation applied beyond the first rung, and whether k was
    #: reached at all.
    notes: tuple[str, ...]

    @property
    def satisfied(self) -> bool:
        return self.matches >= self.k


def _region_at(code: str, level: int) -> str:
    own = level_of(code)
    if own <= level:
        return code
    digits = LEVEL_DIGITS[level]
    return code[:digits].ljust(12, "0")


def age_band(age: int | None, width: int | None) -> str | None:
    if age is None or width is None:
        return None
    low = (age // width) * width
    return f"{low}-{low + width - 1}岁"


def size_band(size: int, bands: tuple[int, ...] | None) -> str | None:
    if bands is None:
        return None
    lower = max(b for b in bands if b <= max(size, 1))
    following = [b for b in bands if b > lower]
    if not following:
        return f"{lower}人及以上"
    upper = following[0] - 1
    return f"{lower}人" if upper == lower else f"{lower}-{upper}人"


def _view(h: Household, category: str, rung: Rung) -> tuple[object, ...] | None:
    if category not in h.categories:
        return None
    return (
        _region_at(h.community_code, rung.region_level),
        age_band(h.head_age, rung.age_width),
        h.head_sex if rung.keep_sex else None,
        size_band(h.size, rung.size_bands),
    )


def public_profile(
    subject: Household, category: str, registry: Iterable[Household], k: int
) -> PublicProfile:
    """The most specific rung whose combination matches at least ``k`` registry households.

    The registry includes the subject itself. When even the last rung is short of ``k``, the
    last rung is used and a note says so: publication then shows almost nothing but category
    and city, and staff decide whether to go ahead.
    """
    population = [h for h in registry if category in h.categories]
    notes: list[str] = []
    matches = 0
    chosen = len(LADDER) - 1
    for index, rung in enumerate(LADDER):
        if index > 0:
            notes.append(rung.explanation)
        wanted = _view(subject, category, rung)
        matches = sum(1 for h in population if _view(h, category, rung) == wanted)
        if matches >= k:
            chosen = index
            break
    else:
        notes.append(f"即使最大程度泛化，同类救助对象仍少于 {k} 户")
    rung = LADDER[chosen]
    return PublicProfile(
        region_code=_region_at(subject.community_code, rung.region_level),
        age_band=age_band(subject.head_age, rung.age_width),
        sex=subject.head_sex if rung.keep_sex else None,
        household_size_band=size_band(subject.size, rung.size_bands),
        category=category,
        rung=chosen,
        matches=matches,
        k=k,
        notes=tuple(notes),
    )
