"""No excess assistance: government aid and charity help together stay within the need.

When staff refer a need, its target is what remains after the government aid already given.
If the government then grants more aid of the same category (a medical grant after a medical
need was published), charities may only cover what is still uncovered: the target less that
later aid. Temporary assistance is general-purpose and was weighed at referral, so it does
not reduce a category's allowance.
"""

from __future__ import annotations

from matching.vocabulary import GrantKind, NeedCategory

#: The need category each specialised grant covers.
CATEGORY_OF_GRANT: dict[GrantKind, NeedCategory] = {
    GrantKind.medical: NeedCategory.medical,
    GrantKind.education: NeedCategory.education,
    GrantKind.housing: NeedCategory.housing,
    GrantKind.employment: NeedCategory.employment,
}


def grant_kinds_for(category: NeedCategory) -> list[GrantKind]:
    return [kind for kind, covered in CATEGORY_OF_GRANT.items() if covered == category]


def charity_allowance(target_fen: int, later_government_aid_fen: int) -> int:
    """How much charity help the need may still take in total (fen), never below zero."""
    return max(target_fen - later_government_aid_fen, 0)
