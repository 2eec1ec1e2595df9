"""``aidbridge rotate-data-key``: re-seal every personal-data field under the current key.

``DATA_ENCRYPTION_KEYS`` lists ``kid:key`` pairs; the first seals, all open. The drill is: put
a new key first, keep the old one after it, run this command until it reports nothing left
under the old key id, then remove the old key. Each batch is its own transaction and each
value is swapped only if it is still the token that was read (a concurrent edit wins), so the
command is safe beside the running app, idempotent, and resumable after an interruption:
rows already under the current key are simply no longer selected.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import structlog
from piccolo.table import Table

from backend.accounts.tables import RelativeDeclaration
from backend.cases.service import SEALED_COLUMNS as MEMBER_COLUMNS
from backend.cases.tables import HouseholdMember
from backend.crypto import RELATIVE_ID_NUMBER, DecryptionError, cipher, key_id_of
from backend.db import execute_raw, fetch_raw, unit_of_work
from backend.referrals.service import SEALED_COLUMNS as REFERRAL_COLUMNS
from backend.referrals.tables import Referral

log = structlog.get_logger(__name__)

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class SealedColumn:
    table: type[Table]
    column: str
    #: AES-GCM associated data: a token only opens in the column it was sealed for.
    aad: str

    @property
    def name(self) -> str:
        return f"{self.table._meta.tablename}.{self.column}"


#: Every sealed column of the platform (``tests/unit/test_sealed_columns.py`` keeps it whole).
SEALED: list[SealedColumn] = [
    *(SealedColumn(HouseholdMember, c, aad) for c, aad in MEMBER_COLUMNS.items()),
    *(SealedColumn(Referral, c, aad) for c, aad in REFERRAL_COLUMNS.items()),
    SealedColumn(RelativeDeclaration, "id_number_sealed", RELATIVE_ID_NUMBER),
]


@dataclass
class RotationReport:
    #: Values re-sealed, by column and by the key id they were under.
    resealed: dict[str, Counter[str]] = field(default_factory=dict)
    #: Values that could not be opened (unknown key id, tampered): by column, their row ids.
    unreadable: dict[str, list[int]] = field(default_factory=dict)
    #: Values still not under the current key, by column and key id (after the run).
    remaining: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.resealed.values())

    @property
    def clean(self) -> bool:
        return not any(self.remaining.values()) and not any(self.unreadable.values())


def _prefix() -> str:
    return f"v1:{cipher().active_key_id}:"


async def _batch(column: SealedColumn, after: int, size: int) -> list[dict[str, object]]:
    table, col = column.table._meta.tablename, column.column
    return await fetch_raw(
        f"SELECT id, {col} AS token FROM {table} "  # noqa: S608 - names from SEALED only
        f"WHERE {col} IS NOT NULL AND substr({col}, 1, {{}}) <> {{}} AND id > {{}} "
        "ORDER BY id LIMIT {}",
        len(_prefix()),
        _prefix(),
        after,
        size,
    )


async def _reseal(
    column: SealedColumn, rows: list[dict[str, object]], report: RotationReport
) -> None:
    box = cipher()
    table, col = column.table._meta.tablename, column.column
    done = report.resealed.setdefault(column.name, Counter())
    async with unit_of_work():
        for row in rows:
            token = str(row["token"])
            try:
                fresh = box.seal(box.open(token, column=column.aad), column=column.aad)
            except DecryptionError:
                report.unreadable.setdefault(column.name, []).append(int(str(row["id"])))
                continue
            await execute_raw(
                f"UPDATE {table} SET {col} = {{}} WHERE id = {{}} AND {col} = {{}}",  # noqa: S608
                fresh,
                row["id"],
                token,
            )
            done[key_id_of(token)] += 1


async def remaining() -> dict[str, Counter[str]]:
    """Values not under the current key, by column and key id: empty once the old key can go."""
    found: dict[str, Counter[str]] = {}
    for column in SEALED:
        table, col = column.table._meta.tablename, column.column
        rows = await fetch_raw(
            f"SELECT {col} AS token FROM {table} "  # noqa: S608 - names from SEALED only
            f"WHERE {col} IS NOT NULL AND substr({col}, 1, {{}}) <> {{}}",
            len(_prefix()),
            _prefix(),
        )
        found[column.name] = Counter(key_id_of(str(r["token"])) for r in rows)
    return found


async def rotate(batch_size: int = DEFAULT_BATCH) -> RotationReport:
    report = RotationReport()
    for column in SEALED:
        after = 0
        while rows := await _batch(column, after, batch_size):
            await _reseal(column, rows, report)
            after = int(str(rows[-1]["id"]))
            log.info("data_key_rotation_batch", column=column.name, rows=len(rows))
    report.remaining = await remaining()
    return report
