"""``aidbridge rotate-blind-index``: recompute every ID-number index under the current key.

``BLIND_INDEX_KEYS`` lists ``kid:key`` pairs; the first computes new indexes, every key is
searched (``BlindIndex.candidates``), so a person is found whichever key indexed them and
de-duplication holds before, during and after the recomputation. An index is recomputed from
the decrypted ID number, in batches of one transaction each, swapped only if unchanged since it
was read: safe beside the running app, idempotent, resumable.

Relative declarations (近亲属备案) are recomputed first: since key ids exist they keep their
number sealed; an older one kept only its hash, and is recomputed through the household member
with that same hash (so before the members move to the new key). One matching no member is
reported: its declarant must declare again before the old key is removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import structlog

from backend.cases.service import MEMBER_ID_NUMBER
from backend.crypto import RELATIVE_ID_NUMBER, DecryptionError, blind_index, cipher
from backend.db import UNIQUE_VIOLATIONS, execute_raw, fetch_raw, unit_of_work

log = structlog.get_logger(__name__)

DEFAULT_BATCH = 500
#: How an index written before key ids existed is counted.
UNLABELLED = "（未标记）"


@dataclass
class BlindIndexReport:
    members: Counter[str] = field(default_factory=Counter)
    declarations: Counter[str] = field(default_factory=Counter)
    #: Member row ids whose new index is already another member's (the same person twice).
    conflicts: list[int] = field(default_factory=list)
    #: Member row ids whose ID number could not be opened.
    unreadable: list[int] = field(default_factory=list)
    #: Old declarations with no sealed number and no registered member to recompute from.
    orphaned_declarations: int = 0
    remaining_members: Counter[str] = field(default_factory=Counter)
    remaining_declarations: Counter[str] = field(default_factory=Counter)

    @property
    def clean(self) -> bool:
        return not (self.remaining_members or self.remaining_declarations)


def _stale(table: str) -> str:
    return (
        f"FROM {table} WHERE (id_number_index_key IS NULL OR id_number_index_key <> {{}}) "
        "AND id > {} ORDER BY id LIMIT {}"
    )


async def _members_batch(after: int, size: int) -> list[dict[str, Any]]:
    return await fetch_raw(
        "SELECT id, id_number_sealed, id_number_index, id_number_index_key "
        + _stale("household_member"),
        blind_index().current_key_id,
        after,
        size,
    )


async def _move_member(row: dict[str, Any], fresh: str) -> None:
    await execute_raw(
        "UPDATE household_member SET id_number_index = {}, id_number_index_key = {} "
        "WHERE id = {} AND id_number_index = {}",
        fresh,
        blind_index().current_key_id,
        row["id"],
        row["id_number_index"],
    )


async def _holders(indexes: list[str]) -> dict[str, int]:
    """Which member row already holds each of ``indexes``."""
    if not indexes:
        return {}
    placeholders = ",".join("{}" for _ in indexes)
    rows = await fetch_raw(
        "SELECT id, id_number_index FROM household_member "  # noqa: S608 - placeholders only
        f"WHERE id_number_index IN ({placeholders})",
        *indexes,
    )
    return {r["id_number_index"]: int(r["id"]) for r in rows}


async def _members(report: BlindIndexReport, size: int) -> None:
    index, box, after = blind_index(), cipher(), 0
    while rows := await _members_batch(after, size):
        after = int(rows[-1]["id"])
        planned: list[tuple[dict[str, Any], str]] = []
        for row in rows:
            try:
                number = box.open(row["id_number_sealed"], column=MEMBER_ID_NUMBER)
            except DecryptionError:
                report.unreadable.append(int(row["id"]))
                continue
            planned.append((row, index.id_number(number)))
        taken = await _holders([fresh for _, fresh in planned])
        moves = []
        for row, fresh in planned:
            if taken.get(fresh, row["id"]) != row["id"]:
                report.conflicts.append(int(row["id"]))
            else:
                moves.append((row, fresh))
        try:
            async with unit_of_work():
                for row, fresh in moves:
                    await _move_member(row, fresh)
        except UNIQUE_VIOLATIONS:
            # Someone registered one of these people meanwhile: one row at a time, then.
            for row, fresh in list(moves):
                try:
                    async with unit_of_work():
                        await _move_member(row, fresh)
                except UNIQUE_VIOLATIONS:
                    report.conflicts.append(int(row["id"]))
                    moves.remove((row, fresh))
        for row, _ in moves:
            report.members[row["id_number_index_key"] or UNLABELLED] += 1
        log.info("blind_index_rotation_batch", table="household_member", rows=len(rows))


async def _declaration_number(row: dict[str, Any]) -> str | None:
    box = cipher()
    if row["id_number_sealed"]:
        return box.open(row["id_number_sealed"], column=RELATIVE_ID_NUMBER)
    members = await fetch_raw(
        "SELECT id_number_sealed FROM household_member WHERE id_number_index = {}",
        row["id_number_index"],
    )
    return box.open(members[0]["id_number_sealed"], column=MEMBER_ID_NUMBER) if members else None


async def _declarations(report: BlindIndexReport, size: int) -> None:
    index, box, after = blind_index(), cipher(), 0
    while rows := await fetch_raw(
        "SELECT id, id_number_sealed, id_number_index, id_number_index_key "
        + _stale("relative_declaration"),
        index.current_key_id,
        after,
        size,
    ):
        after = int(rows[-1]["id"])
        async with unit_of_work():
            for row in rows:
                number = await _declaration_number(row)
                if number is None:
                    report.orphaned_declarations += 1
                    continue
                await execute_raw(
                    "UPDATE relative_declaration SET id_number_index = {}, "
                    "id_number_index_key = {}, id_number_sealed = {} "
                    "WHERE id = {} AND id_number_index = {}",
                    index.id_number(number),
                    index.current_key_id,
                    box.seal(number, column=RELATIVE_ID_NUMBER),
                    row["id"],
                    row["id_number_index"],
                )
                report.declarations[row["id_number_index_key"] or UNLABELLED] += 1


async def remaining(table: str) -> Counter[str]:
    rows = await fetch_raw(
        f"SELECT id_number_index_key AS kid, COUNT(*) AS n FROM {table} "  # noqa: S608
        "WHERE id_number_index_key IS NULL OR id_number_index_key <> {} "
        "GROUP BY id_number_index_key",
        blind_index().current_key_id,
    )
    return Counter({(r["kid"] or UNLABELLED): int(r["n"]) for r in rows})


async def rotate(batch_size: int = DEFAULT_BATCH) -> BlindIndexReport:
    report = BlindIndexReport()
    # Declarations first: an old one is recomputed through the member's still-old index.
    await _declarations(report, batch_size)
    await _members(report, batch_size)
    report.remaining_members = await remaining("household_member")
    report.remaining_declarations = await remaining("relative_declaration")
    return report
