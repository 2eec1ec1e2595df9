from matching.assistance import charity_allowance, grant_kinds_for
from matching.vocabulary import GrantKind, NeedCategory


def test_allowance_is_target_less_later_aid_and_never_negative() -> None:
    assert charity_allowance(2_000_000, 1_500_000) == 500_000
    assert charity_allowance(2_000_000, 0) == 2_000_000
    assert charity_allowance(100, 500) == 0


def test_only_specialised_grants_count_for_their_category() -> None:
    assert grant_kinds_for(NeedCategory.medical) == [GrantKind.medical]
    assert grant_kinds_for(NeedCategory.living) == []
    assert GrantKind.temporary_emergency not in grant_kinds_for(NeedCategory.medical)
