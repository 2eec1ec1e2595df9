"""Putting the detectors together: merge what they found, replace it, check the result.

The check is the point. A need is refused publication while a second look at its public text
still finds something, so ``anonymise`` itself takes that second look and folds whatever it
finds back into its findings (in input offsets) until the public text is clean.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from matching.anonymiser.detectors import find_shaped
from matching.anonymiser.forms import Skeleton, find_known
from matching.anonymiser.known import KnownPlan, find_known_digits, plan_for
from matching.anonymiser.latin import find_latin
from matching.anonymiser.model import PLACEHOLDERS, Finding, Known
from matching.anonymiser.names import find_names, other_forms_of
from matching.anonymiser.nicknames import extend_transcribed, find_nicknames
from matching.anonymiser.normalise import Normalised, normalise
from matching.anonymiser.numbers import find_digit_runs
from matching.anonymiser.places import (
    Locations,
    allowed_spans,
    find_addresses,
    find_finer_places,
    protected_spans,
)
from matching.anonymiser.segment import MASK, Words
from matching.anonymiser.workplaces import (
    find_employers,
    find_schools,
    find_workplaces_by_verb,
)

#: More specific kinds win when two findings cover exactly the same characters.
_KIND_ORDER = (
    "id_number", "certificate", "phone", "landline", "bank_card", "email", "url", "wechat",
    "qq", "plate", "birth_date", "address", "place", "school", "employer", "name", "number",
    "latin",
)  # fmt: skip
_PRIORITY = {kind: index for index, kind in enumerate(_KIND_ORDER)}
#: What the anonymiser writes, in any run: 某某某 is two placeholders side by side, and a known
#: "name" 某某 (a record typed half-anonymised) must not find itself across them forever.
_PLACEHOLDER = re.compile(
    "|".join(re.escape(p) for p in sorted(PLACEHOLDERS, key=len, reverse=True) if "某" not in p)
    + r"|[小老阿]?某+(?:先生|女士|阿姨|大爷|大妈|大娘|奶奶|爷爷|师傅|叔叔|仔|妈|爸)?"
)
#: Each extra pass removes at least one more character, so this bound is never the reason a
#: text stays dirty in practice; it only guards against a detector that contradicts itself.
_MAX_PASSES = 4


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything one gate call looks for, fixed before the first pass."""

    known: KnownPlan
    locations: Locations
    #: Fields of a few words (titles, goods, units, service types): a four-digit run is
    #: flagged too, since amounts have their own fields there.
    short: bool = False


def plan_of(known: Known | None, locations: Locations | None = None, short: bool = False) -> Plan:
    return Plan(plan_for(known or Known()), locations or Locations(), short)


def _scan(normalised: Normalised, plan: Plan) -> list[Finding]:
    """Findings on the normalised text (its offsets)."""
    folded = normalised.text
    skeleton = Skeleton(folded)
    original = normalised.original

    def written(start: int, end: int) -> str:
        return original.__getitem__(slice(*normalised.to_original(start, end)))

    found = find_known(skeleton, list(plan.known.forms), "known", written)
    found += find_known_digits(skeleton, plan.known.numbers)
    # What the record already names needs no guessing: hiding it from the detectors saves the
    # costly part-of-speech pass over names jieba has never seen, and keeps a known name from
    # being reported a second time with a weaker reason.
    scan = _mask(folded, found)
    words = Words(scan)
    protected = protected_spans(scan, words)
    # Shapes are looked for in the unmasked text: an account (tyx_2004) may start with a
    # known name's initials, a masked number show a known number's digits.
    found += find_shaped(folded, plan.known.births)
    allowed = allowed_spans(scan, plan.locations)
    found += find_addresses(scan, words, protected)
    found += find_finer_places(scan, words, plan.locations, allowed)
    found += find_schools(scan, words, protected)
    found += find_employers(scan, words, protected)
    found += [f for f in find_workplaces_by_verb(scan, words) if not _overlaps_any(f, protected)]
    names = extend_transcribed(
        scan, [*find_names(scan, words, protected), *find_nicknames(scan, words)]
    )
    found += names
    found += find_known(skeleton, other_forms_of(scan, names), "detected")
    flags = [*find_latin(scan), *find_digit_runs(folded, 4 if plan.short else 5)]
    found += [f for f in flags if not _overlaps_any(f, protected)]
    if allowed:
        found = [f for f in found if f.source == "known" or not _inside_any(f, allowed)]
    placeholders = [m.span() for m in _PLACEHOLDER.finditer(folded)]
    if placeholders:
        found = [f for f in found if not _inside_any(f, placeholders)]
    return found


def find_all(text: str, plan: Plan) -> list[Finding]:
    """Every finding in ``text``, in offsets of ``text`` itself."""
    normalised = normalise(text)
    found = _scan(normalised, plan)
    if normalised.origin is None:
        return found
    return [
        replace(f, start=s, end=e)
        for f in found
        for s, e in [normalised.to_original(f.start, f.end)]
    ]


def _mask(folded: str, findings: Sequence[Finding]) -> str:
    if not findings:
        return folded
    chars = list(folded)
    for finding in findings:
        chars[finding.start : finding.end] = MASK * (finding.end - finding.start)
    return "".join(chars)


def _inside_any(finding: Finding, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= finding.start and finding.end <= end for start, end in spans)


def _overlaps_any(finding: Finding, spans: Sequence[tuple[int, int]]) -> bool:
    return any(finding.start < end and start < finding.end for start, end in spans)


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
        confident = [f for f in group if f.action == "removed"]
        # A confident finding decides the span: it is never left to staff to keep.
        lead = max(confident or group, key=_rank)
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
