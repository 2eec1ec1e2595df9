"""Disclosure totals from ledger entries and the Charity Law's disclosure rhythm."""

from __future__ import annotations

from datetime import date

from matching.disclosure import DueKind, details_of, next_disclosure_due, tally


def test_tally_nets_cancellations_expiries_and_refunds() -> None:
    totals = tally(
        [
            ("pledge", 500_00, 0, {"pledge_kind": "money"}),
            ("pledge_cancelled", -100_00, 0, {"pledge_kind": "money"}),
            ("pledge", 300_00, 0, {"pledge_kind": "goods"}),
            ("pledge_expired", -50_00, 0, {"pledge_kind": "goods"}),
            ("pledge", 0, 10, {"pledge_kind": "service"}),
            ("pledge_expired", 0, -4, {"pledge_kind": "service"}),
            ("donation", 250_00, 0, {"general_funds_fen": 50_00}),
            ("refund", -20_00, 0, {"general_funds_fen": -5_00}),
            ("disbursement", 120_00, 0, {"payee_kind": "hospital"}),
            ("verification", 120_00, 0, {"of": "disbursement"}),
            ("verification", 0, 0, {"of": "pledge"}),
            ("delivery", 0, 3, {"pledge_kind": "service"}),
            ("government_aid", 3000_00, 0, {}),
        ]
    )
    assert (totals.pledged_money_fen, totals.pledged_goods_fen) == (400_00, 250_00)
    assert totals.pledged_fen == 650_00 and totals.pledged_hours == 6
    assert totals.raised_fen == 230_00 and totals.general_funds_fen == 45_00
    assert totals.disbursed_fen == 120_00 and totals.verified_fen == 120_00
    assert totals.delivered_hours == 3 and totals.government_aid_fen == 3000_00
    assert totals.entries == 13


def test_general_funds_ignores_non_integers() -> None:
    assert tally([("donation", 1, 0, {"general_funds_fen": "9"})]).general_funds_fen == 0
    assert tally([("donation", 1, 0, {"general_funds_fen": True})]).general_funds_fen == 0


def test_details_are_what_is_not_the_entry_itself() -> None:
    body = {"v": 1, "id": "x", "kind": "refund", "at": "t", "amount_fen": -1, "hours": 0,
            "currency": "CNY", "need": "n", "organisation": "o", "pledge": "p",
            "donation": "d", "channel": "offline"}  # fmt: skip
    assert details_of(body) == {"donation": "d", "channel": "offline"}


def test_running_project_discloses_at_the_next_quarter_boundary() -> None:
    due = next_disclosure_due(
        started_on=date(2025, 1, 31), ended_on=None, planned_end_on=date(2025, 3, 1),
        today=date(2025, 2, 10),
    )  # fmt: skip
    assert due.kind == DueKind.periodic and due.due_on == date(2025, 4, 30)
    assert not due.required  # a short project: the rhythm is not yet a duty
    later = next_disclosure_due(
        started_on=date(2025, 1, 31), ended_on=None, planned_end_on=date(2025, 3, 1),
        today=date(2025, 8, 1),
    )  # fmt: skip
    assert later.due_on == date(2025, 10, 31) and later.required  # ran past six months
    boundary = next_disclosure_due(
        started_on=date(2025, 1, 15), ended_on=None, planned_end_on=None, today=date(2025, 4, 15)
    )
    assert boundary.due_on == date(2025, 4, 15)


def test_long_planned_project_is_required_from_the_start() -> None:
    due = next_disclosure_due(
        started_on=date(2025, 1, 1), ended_on=None, planned_end_on=date(2025, 12, 31),
        today=date(2025, 1, 2),
    )  # fmt: skip
    assert due.required and due.due_on == date(2025, 4, 1)


def test_ended_project_owes_final_disclosure_within_three_months() -> None:
    due = next_disclosure_due(
        started_on=date(2025, 1, 1), ended_on=date(2025, 5, 31), planned_end_on=None,
        today=date(2025, 6, 1),
    )  # fmt: skip
    assert due.kind == DueKind.final and due.due_on == date(2025, 8, 31)
    assert due.required and not due.passed and due.label == "结项公开"
    over = next_disclosure_due(
        started_on=date(2025, 1, 1), ended_on=date(2025, 5, 31), planned_end_on=None,
        today=date(2025, 9, 1),
    )  # fmt: skip
    assert over.passed
