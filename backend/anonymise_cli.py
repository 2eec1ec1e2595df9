"""The bulk anonymiser behind ``aidbridge anonymise``: JSON Lines in, JSON Lines out.

Used to re-check every published need after a rule change and to anonymise narratives
exported from other systems. Output line N always answers input line N, so a caller can zip
the two files; a bad line answers with an error instead of stopping the batch, and the error
never repeats the line, which may hold exactly the personal data this tool exists to remove.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TextIO

from matching.anonymiser import Known, anonymise

_KNOWN_KEYS = frozenset({"names", "id_numbers", "phones", "addresses", "schools", "employers"})
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _BadLine(Exception):
    pass


def _parse(line: str) -> tuple[str, Known]:
    try:
        data = json.loads(line)
    except ValueError:
        raise _BadLine from None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise _BadLine
    known = data.get("known", {})
    if known is None:
        known = {}
    if not isinstance(known, Mapping) or not all(
        key in _KNOWN_KEYS
        and isinstance(value, list)
        and all(isinstance(item, str) for item in value)
        for key, value in known.items()
    ):
        raise _BadLine
    return data["text"], Known.from_dict(known)


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
            text, known = _parse(line)
        except _BadLine:
            status = 1
            payload: dict[str, Any] = {
                "error": {"code": "invalid_line", "message": f"第{number}行不是有效的 JSON 对象"}
            }
        else:
            result = anonymise(text, known)
            payload = {
                "text": result.text,
                "findings": [
                    {"kind": f.kind, "start": f.start, "end": f.end, "replacement": f.replacement}
                    for f in result.findings
                ],
            }
        stdout.write(_dump(payload) + "\n")
    return status
