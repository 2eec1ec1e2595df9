"""Open data (开放数据): needs, organisations and ledger entries as CSV and JSON files.

Same figures as the pages (built from one ``PlatformDisclosure``), for anyone to re-add. CSV is
UTF-8 with a byte-order mark so that Excel opens Chinese text correctly; every amount is an
integer of fen (``*_fen``) with an exact yuan column beside it (``*_yuan``, text "1234.56").
Only public ids appear; dates are ISO 8601 (times in UTC with a Z).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from backend.disclosure.platform import PlatformDisclosure
from backend.disclosure.service import EntryView, NeedLine, OrganisationFacts, utc_iso
from backend.public_url import public_base_url
from backend.safe_text import spreadsheet_cell
from matching.disclosure import Totals

DATASETS = ("needs", "organisations", "entries")
FORMATS = ("csv", "json")


def yuan_text(fen: int | None) -> str:
    """Exact yuan for machines: 123456 → "1234.56", -5 → "-0.05", None → ""."""
    if fen is None:
        return ""
    return f"{Decimal(fen).scaleb(-2):.2f}"


def _money(row: dict[str, Any], name: str, fen: int | None) -> None:
    row[f"{name}_fen"] = fen
    row[f"{name}_yuan"] = yuan_text(fen)


def _totals(row: dict[str, Any], totals: Totals, *, general_funds: bool = False) -> None:
    _money(row, "pledged", totals.pledged_fen)
    row["pledged_hours"] = totals.pledged_hours
    _money(row, "raised", totals.raised_fen)
    if general_funds:
        _money(row, "general_funds", totals.general_funds_fen)
    _money(row, "disbursed", totals.disbursed_fen)
    _money(row, "verified_disbursed", totals.verified_fen)


def need_row(line: NeedLine, base_url: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "need_id": line.id,
        "title": line.title,
        "category": line.category,
        "category_label": line.category_label,
        "kind": line.kind,
        "region_code": line.region_code,
        "region_name": line.region_name,
        "district": line.district_name,
        "status": line.status,
        "status_label": line.status_label,
        "published_at": utc_iso(line.published_at),
        "deadline": line.deadline.isoformat(),
    }
    _money(row, "target", line.target_fen)
    row["target_hours"] = line.target_hours
    _money(row, "government_aid", line.government_aid_fen)
    _totals(row, line.totals)
    _money(row, "remaining", line.remaining_fen)
    row["remaining_hours"] = line.remaining_hours
    row["next_disclosure"] = line.due.label
    row["next_disclosure_due"] = line.due.due_on.isoformat()
    row["disclosure_url"] = f"{base_url}/disclosure/needs/{line.id}"
    return row


def organisation_row(org: OrganisationFacts, totals: Totals, base_url: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "organisation_id": org.id,
        "name": org.name,
        "kind": org.kind,
        "kind_label": org.kind_label,
        "uscc": org.uscc,
        "verified": org.verified,
        "public_fundraising": org.public_fundraising,
        "fundraising_certificate": org.fundraising_certificate,
    }
    _totals(row, totals, general_funds=True)
    row["disclosure_url"] = f"{base_url}/disclosure/organisations/{org.id}"
    return row


def entry_row(entry: EntryView) -> dict[str, Any]:
    row: dict[str, Any] = {
        "entry_id": entry.id,
        "seq": entry.seq,
        "kind": entry.kind,
        "kind_label": entry.kind_label,
        "recorded_at": utc_iso(entry.recorded_at),
        "need_id": entry.need_id,
        "organisation_id": entry.organisation_id,
        "organisation_name": entry.organisation_name if entry.organisation_id else "",
        "pledge_id": entry.pledge_id,
    }
    _money(row, "amount", entry.amount_fen)
    row["hours"] = entry.hours
    row["details"] = entry.details
    return row


def rows_of(dataset: str, data: PlatformDisclosure) -> list[dict[str, Any]]:
    base = public_base_url()
    if dataset == "needs":
        return [need_row(line, base) for line in data.needs]
    if dataset == "organisations":
        return [organisation_row(org, totals, base) for org, totals in data.organisations]
    if dataset == "entries":
        return [entry_row(entry) for entry in data.entries]
    raise ValueError(f"unknown dataset {dataset!r}")


def _pairs(*names: str) -> list[str]:
    return [f"{name}_{unit}" for name in names for unit in ("fen", "yuan")]


_TOTALS = [
    *_pairs("pledged"),
    "pledged_hours",
    *_pairs("raised"),
    *_pairs("disbursed", "verified_disbursed"),
]
#: Column order of each CSV file (and its header line, even when there are no rows).
COLUMNS: dict[str, list[str]] = {
    "needs": [
        "need_id", "title", "category", "category_label", "kind", "region_code",
        "region_name", "district", "status", "status_label", "published_at", "deadline",
        *_pairs("target"), "target_hours", *_pairs("government_aid"), *_TOTALS,
        *_pairs("remaining"), "remaining_hours", "next_disclosure", "next_disclosure_due",
        "disclosure_url",
    ],
    "organisations": [
        "organisation_id", "name", "kind", "kind_label", "uscc", "verified",
        "public_fundraising", "fundraising_certificate", *_TOTALS[:5],
        *_pairs("general_funds"), *_TOTALS[5:], "disclosure_url",
    ],
    "entries": [
        "entry_id", "seq", "kind", "kind_label", "recorded_at", "need_id", "organisation_id",
        "organisation_name", "pledge_id", *_pairs("amount"), "hours", "details",
    ],
}  # fmt: skip


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return spreadsheet_cell(value)


def to_csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return out.getvalue().encode("utf-8-sig")


def to_json(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()


def render(dataset: str, fmt: str, data: PlatformDisclosure) -> bytes:
    rows = rows_of(dataset, data)
    if fmt == "csv":
        return to_csv(rows, COLUMNS[dataset])
    return to_json(rows)
