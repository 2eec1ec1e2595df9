"""Putting the detectors together: merge what they found, replace it, check the result.

The check is the point. A need is refused publication while a second look at its public text
still finds something, so ``anonymise`` itself takes that second look and folds whatever it
finds back into its findings (in input offsets) until the public text is clean.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from matching.anonymiser.detectors import find_shaped
from matching.anonymiser.known import Form, Skeleton, find_known, forms_of, known_birth_dates
from matching.anonymiser.model import PLACEHOLDERS, Anonymised, Finding, Known
from matching.anonymiser.names import find_names, other_forms_of
from matching.anonymiser.places import (
    find_addresses,
    find_employers,
    find_schools,
    protected_spans,
)
from matching.anonymiser.segment import MASK, Words
from matching.anonymiser.text import fold

#: More specific kinds win when two findings cover exactly the same characters.
_KIND_ORDER = (
    "id_number", "phone", "landline", "bank_card", "email", "wechat", "qq", "plate",
    "birth_date", "address", "school", "employer", "name",
)  # fmt: skip
_PRIORITY = {kind: index for index, kind in enumerate(_KIND_ORDER)}
#: What the anonymiser writes, in any run: 某某某 is two placeholders side by side, and a known
#: "name" 某某 (a record typed half-anonymised) must not find itself across them forever.
_PLACEHOLDER = re.compile(
    "|".join(re.escape(p) for p in sorted(PLACEHOLDERS, key=len, reverse=True) if "某" not in p)
    + r"|[小老阿]?某+(?:先生|女士|阿姨|大爷|大妈|大娘|奶奶|爷爷|师傅|叔叔)?"
)
#: Each extra pass removes at least one more character, so this bound is never the reason a
#: text stays dirty in practice; it only guards against a detector that contradicts itself.
_MAX_PASSES = 4


@dataclass(frozen=True, slots=True)
class _Plan:
    forms: list[Form]
    births: list[dt.date]


def _plan(known: Known | None) -> _Plan:
    known = known or Known()
    return _Plan(forms_of(known), list(known_birth_dates(known)))


def find_all(text: str, plan: _Plan) -> list[Finding]:
    folded = fold(text)
    skeleton = Skeleton(folded)
    found = find_known(text, skeleton, plan.forms)
    # What the record already names needs no guessing: hiding it from the detectors saves the
    # costly part-of-speech pass over names jieba has never seen, and keeps a known name from
    # being reported a second time with a weaker reason.
    scan = _mask(folded, found)
    words = Words(scan)
    protected = protected_spans(scan, words)
    found += find_shaped(scan, plan.births)
    found += find_addresses(scan, words, protected)
    found += find_schools(scan, words, protected)
    found += find_employers(scan, words, protected)
    names = find_names(scan, words, protected)
    found += names
    found += find_known(text, skeleton, other_forms_of(scan, names), "detected")
    placeholders = [m.span() for m in _PLACEHOLDER.finditer(text)]
    if placeholders:
        found = [f for f in found if not _inside_any(f, placeholders)]
    return found


def _mask(folded: str, findings: Sequence[Finding]) -> str:
    if not findings:
        return folded
    chars = list(folded)
    for finding in findings:
        chars[finding.start : finding.end] = MASK * (finding.end - finding.start)
    return "".join(chars)


def _inside_any(finding: Finding, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= finding.start and finding.end <= end for start, end in spans)


def _rank(finding: Finding) -> tuple[int, int, int, str, str]:
    return (
        finding.end - finding.start,
        finding.source == "known",
        -_PRIORITY.get(finding.kind, len(_PRIORITY)),
        finding.replacement,
        finding.reason,
    )


def merge(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Overlapping findings become one span, described by the longest (then known, then the
    more specific kind), so one identifier gets one placeholder."""
    ordered = sorted(findings, key=lambda f: (f.start, -f.end, _rank(f)))
    groups: list[list[Finding]] = []
    group_end = -1
    for finding in ordered:
        if groups and finding.start < group_end:
            groups[-1].append(finding)
            group_end = max(group_end, finding.end)
        else:
            groups.append([finding])
            group_end = finding.end
    merged = []
    for group in groups:
        lead = max(group, key=_rank)
        merged.append(replace(lead, start=group[0].start, end=max(f.end for f in group)))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class _Segment:
    out_start: int
    out_end: int
    in_start: int
    in_end: int
    replaced: bool


def _apply(text: str, findings: Sequence[Finding]) -> tuple[str, list[_Segment]]:
    pieces: list[str] = []
    segments: list[_Segment] = []
    position = written = 0
    for finding in findings:
        if finding.start > position:
            kept = text[position : finding.start]
            pieces.append(kept)
            segments.append(_Segment(written, written + len(kept), position, finding.start, False))
            written += len(kept)
        pieces.append(finding.replacement)
        segments.append(
            _Segment(written, written + len(finding.replacement), finding.start, finding.end, True)
        )
        written += len(finding.replacement)
        position = finding.end
    if position < len(text):
        segments.append(
            _Segment(written, written + len(text) - position, position, len(text), False)
        )
        pieces.append(text[position:])
    return "".join(pieces), segments


def _to_input(finding: Finding, segments: list[_Segment]) -> Finding:
    """Translate a finding on the public text back to offsets of the original input."""
    starts = [s.out_start for s in segments]
    first = segments[max(0, bisect.bisect_right(starts, finding.start) - 1)]
    last = segments[max(0, bisect.bisect_left(starts, finding.end) - 1)]
    start = first.in_start if first.replaced else first.in_start + finding.start - first.out_start
    end = last.in_end if last.replaced else last.in_start + finding.end - last.out_start
    return replace(finding, start=start, end=max(end, start + 1))


def anonymise(text: str, known: Known | None = None) -> Anonymised:
    plan = _plan(known)
    findings = merge(find_all(text, plan))
    public, segments = _apply(text, findings)
    for _ in range(_MAX_PASSES):
        extra = find_all(public, plan)
        if not extra:
            break
        findings = merge([*findings, *(_to_input(f, segments) for f in extra)])
        public, segments = _apply(text, findings)
    return Anonymised(public, findings)


def remaining_identifiers(text: str, known: Known | None = None) -> tuple[Finding, ...]:
    return merge(find_all(text, _plan(known)))
