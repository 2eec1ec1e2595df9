"""The publication gate behind ``aidbridge anonymise``: JSON Lines in, JSON Lines out.

Used to re-check every published need after a rule change, to anonymise narratives exported
from other systems and to measure the gate offline on a labelled corpus. Each input line is
``{"text": ..., "known": {...}}`` with, optionally, ``"field"`` (a ``FieldKind``: narrative,
title, goods_item, unit, service_type, note, reason), ``"region"`` (``{"allowed": [...],
"finer": [...], "streets": bool}``) and ``"decisions"`` (span key → keep/remove). ``known``
takes the keys of ``Known`` (names, id_numbers, phones, addresses, schools, employers,
bank_cards, certificates, birth_dates, nicknames, plates, accounts); keys it does not know are
ignored, so a newer exporter does not break an older gate.

Output line N always answers input line N, so a caller can zip the two files: ``text`` is the
safe public text (removed and flagged spans replaced), ``findings`` say what was replaced or
flagged, where and why. A bad line answers with an error instead of stopping the batch, and
the error never repeats the line, which may hold exactly the personal data this tool exists
to remove.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from matching.anonymiser import FieldKind, Finding, GateContext, Known, Locations, gate
from matching.anonymiser.model import KNOWN_FIELDS

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _BadLine(Exception):
    pass


@dataclass(frozen=True)
class _Line:
    text: str
    context: GateContext
    field: FieldKind
    decisions: dict[str, str]


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _parse(line: str) -> _Line:
    try:
        data = json.loads(line)
    except ValueError:
        raise _BadLine from None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise _BadLine
    known = data.get("known") or {}
    region = data.get("region") or {}
    decisions = data.get("decisions") or {}
    if not isinstance(known, Mapping) or not all(
        _string_list(value) for key, value in known.items() if key in KNOWN_FIELDS
    ):
        raise _BadLine
    if not isinstance(region, Mapping) or not all(
        _string_list(region.get(key, [])) for key in ("allowed", "finer")
    ):
        raise _BadLine
    if not isinstance(decisions, Mapping):
        raise _BadLine
    try:
        field = FieldKind(data.get("field") or FieldKind.narrative)
    except ValueError:
        raise _BadLine from None
    locations = Locations(
        allowed=tuple(region.get("allowed", ())),
        finer=tuple(region.get("finer", ())),
        streets=region.get("streets", True) is not False,
    )
    return _Line(
        data["text"],
        GateContext(known=Known.from_dict(known), locations=locations),
        field,
        {str(k): str(v) for k, v in decisions.items()},
    )


def _finding(finding: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": finding.kind,
        "start": finding.start,
        "end": finding.end,
        "replacement": finding.replacement,
        "action": finding.action,
        "reason": finding.reason,
    }
    if finding.action == "flagged":
        out["key"] = finding.key
        out["decision"] = finding.decision
    return out


def _dump(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False)
    # A lone surrogate (from a \ud800 escape in the input) cannot be written as UTF-8; escape
    # it so the line is still valid JSON instead of crashing the whole batch.
    return json.dumps(payload) if _LONE_SURROGATE.search(text) else text


def run(stdin: TextIO, stdout: TextIO) -> int:
    """Anonymise each JSON line of ``stdin`` onto ``stdout``; 1 if any line was bad, else 0."""
    status = 0
    for number, line in enumerate(stdin, start=1):
        try:
            parsed = _parse(line)
        except _BadLine:
            status = 1
            payload: dict[str, Any] = {
                "error": {"code": "invalid_line", "message": f"第{number}行不是有效的 JSON 对象"}
            }
        else:
            result = gate(parsed.text, parsed.context, parsed.field, parsed.decisions)
            payload = {
                "text": result.text,
                "findings": [_finding(f) for f in result.findings],
                "undecided": len(result.undecided),
            }
        stdout.write(_dump(payload) + "\n")
    return status
