"""The ledger timeline of a disclosure page, one table row per entry, memoised per entry.

Ledger entries never change once written, except that sealing gives each its position once;
so the HTML of a row is a pure function of (entry id, position, organisation name) and is kept
in a bounded memo. After a new entry, rebuilding a need's page renders one new row and reuses
the rest, which keeps a 1,000-entry page inside its 30 ms budget. Every text that comes from
data passes through ``escape``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from markupsafe import Markup, escape

from backend.disclosure.service import EntryView
from backend.web.pages import local_time, yuan

#: Rows kept (about 1 KB each).
MAX_ROWS = 50_000

_rows: OrderedDict[tuple[str, int | None, str], str] = OrderedDict()


def amount_text(fen: int, hours: int) -> str:
    if hours and not fen:
        return f"{hours} 小时"
    if hours:
        return f"{yuan(fen)} / {hours} 小时"
    return yuan(fen)


def _row(e: EntryView) -> str:
    party = escape(e.organisation_name)
    if e.organisation_id:
        party = Markup('<a href="/disclosure/organisations/{}">{}</a>').format(
            e.organisation_id, e.organisation_name
        )
    if e.evidence_sha256:
        evidence = Markup(
            '<details class="hash"><summary><code>{}…</code></summary>'
            '<code class="hash-full">{}</code></details>'
        ).format(e.evidence_sha256[:12], e.evidence_sha256)
    else:
        evidence = Markup("—")
    position = "待签入" if e.seq is None else f"#{e.seq}"
    return Markup(
        '<tr class="entry entry-{kind}"><td class="nowrap">{time}</td>'
        '<td class="nowrap">{label}</td><td>{party}</td>'
        '<td class="nowrap amount">{amount}</td><td>{note}</td><td>{payee}</td>'
        '<td>{evidence}</td><td><code>{id}</code></td><td class="nowrap">{position}</td>'
        '<td class="nowrap"><a href="/disclosure/verify?entry={id}" '
        'aria-label="验证条目 {id}">验证</a></td></tr>\n'
    ).format(
        kind=e.kind,
        time=local_time(e.recorded_at),
        label=e.kind_label,
        party=party,
        amount=amount_text(e.amount_fen, e.hours),
        note=e.note,
        payee=e.payee_label or "—",
        evidence=evidence,
        id=e.id,
        position=position,
    )


def timeline_rows(entries: Iterable[EntryView]) -> Markup:
    """The ``<tr>`` rows of the timeline table, oldest first."""
    parts = []
    for e in entries:
        key = (e.id, e.seq, e.organisation_name)
        html = _rows.get(key)
        if html is None:
            html = _rows[key] = _row(e)
            if len(_rows) > MAX_ROWS:
                _rows.popitem(last=False)
        parts.append(html)
    return Markup("".join(parts))  # noqa: S704 - every row above was built with escape()
