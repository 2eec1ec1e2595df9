"""The publication gate: the one way a text becomes public.

Every field that an organisation, a volunteer or the public can read passes through ``gate``
with the kind of field it is; the public text is ``GateResult.text``, and the text is refused
(``GateResult.clean`` false) while a span the gate flagged is undecided. ``anonymise`` and
``remaining_identifiers`` are the narrative gate under their older names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from matching.anonymiser.engine import Plan, _apply, _to_input, find_all, merge, plan_of
from matching.anonymiser.model import PLACEHOLDERS, REPLACEMENTS, Anonymised, Finding, Known
from matching.anonymiser.normalise import normalise_value
from matching.anonymiser.places import Locations
from matching.anonymiser.text import word_set


class FieldKind(StrEnum):
    """What a public field holds; short fields are judged without the context prose gives."""

    narrative = "narrative"  # the need's story
    title = "title"  # type: ignore[assignment]  # a need item's title (shadows str.title)
    goods_item = "goods_item"  # a goods line's item name
    unit = "unit"  # a goods line's unit (台, 箱, 次)
    service_type = "service_type"  # a service need's type (上门护理)
    note = "note"  # disbursement notes, organisation updates, any other free text
    reason = "reason"  # reasons shown to others (a rejected disbursement, a returned pledge)


SHORT_FIELDS = frozenset(
    {FieldKind.title, FieldKind.goods_item, FieldKind.unit, FieldKind.service_type}
)

#: Units a goods line is counted in. A unit field holding anything else is flagged whole: a
#: unit has no reason to carry a name or a number.
UNITS = word_set(
    "个 件 台 箱 袋 包 瓶 盒 套 张 辆 次 小时 元 斤 公斤 千克 克 kg g 桶 双 床 条 本 支 罐 份 "
    "副 把 部 只 块 片 粒 升 毫升 ml L 米 卷 册 组 对 打 提 捆 根 枚 顶 台套 人次 课时 天 周 月 "
    "年 户 人 间 座 盏 架 辆次 次/周 次/月 小时/周 小时/月 袋装 箱装 盒装 瓶装"
)


class Decision(StrEnum):
    keep = "keep"
    remove = "remove"


@dataclass(frozen=True)
class GateContext:
    """What the gate knows beyond the text: the household's identifiers and where the need
    is published (see ``places.Locations``)."""

    known: Known = field(default_factory=Known)
    locations: Locations = field(default_factory=Locations)


@dataclass(frozen=True)
class GateResult:
    """``text`` is safe to publish: removed and flagged spans are replaced, except flagged
    spans staff decided to keep. ``findings`` index the input and carry their ``key``."""

    text: str
    findings: tuple[Finding, ...]

    @property
    def undecided(self) -> tuple[Finding, ...]:
        """Flagged spans nobody decided on: submission is refused while there is one."""
        return tuple(f for f in self.findings if f.action == "flagged" and f.decision is None)

    @property
    def kept(self) -> tuple[Finding, ...]:
        """Flagged spans staff decided to keep (to be written to the audit log)."""
        return tuple(f for f in self.findings if f.decision == Decision.keep)

    @property
    def removed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.replaced)

    @property
    def clean(self) -> bool:
        """True when the input may be published as typed (nothing to replace or decide)."""
        return not self.removed and not self.undecided


def span_key(kind: str, surface: str) -> str:
    """The identity of a flagged span for staff decisions: its kind and a digest of its
    characters in canonical spelling (case, width, script, spaces ignored). It does not depend
    on where the span is, so editing elsewhere in the text keeps a decision, and the same
    characters elsewhere in the same field share it; being a digest, a stored decision or a
    logged key does not repeat what it is about."""
    canonical = "".join(normalise_value(surface).lower().split())
    digest = hashlib.blake2b(canonical.encode("utf-8", "replace"), digest_size=8).hexdigest()
    return f"{kind}:{digest}"


_MAX_PASSES = 4


def _decide(
    text: str, findings: tuple[Finding, ...], decisions: Mapping[str, str]
) -> list[Finding]:
    out = []
    for finding in findings:
        if finding.action != "flagged":
            out.append(finding)  # nothing to decide: a confident finding is always replaced
            continue
        key = span_key(finding.kind, text[finding.start : finding.end])
        decision = decisions.get(key)
        if decision not in (Decision.keep, Decision.remove):
            decision = None
        out.append(replace(finding, key=key, decision=decision))
    return out


def _unit_flags(text: str) -> list[Finding]:
    value = text.strip()
    if not value or normalise_value(value) in UNITS or value in PLACEHOLDERS:
        return []
    start = text.index(value)
    return [
        Finding(
            "unit", start, start + len(value), REPLACEMENTS["unit"], "detected",
            "单位栏不是常见计量单位", "flagged",
        )
    ]  # fmt: skip


def _run(text: str, plan: Plan, decisions: Mapping[str, str]) -> GateResult:
    findings = _decide(text, merge(find_all(text, plan)), decisions)
    public, segments = _apply(text, [f for f in findings if f.replaced])
    for _ in range(_MAX_PASSES):
        mapped = [_to_input(f, segments) for f in find_all(public, plan)]
        new = [f for f in mapped if not _already(f, findings)]
        if not new:
            break
        findings = _decide(text, merge([*findings, *new]), decisions)
        public, segments = _apply(text, [f for f in findings if f.replaced])
    return GateResult(public, tuple(findings))


def _already(finding: Finding, findings: list[Finding]) -> bool:
    """True when the finding covers nothing new (a kept span found again on the public text)."""
    return any(f.start <= finding.start and finding.end <= f.end for f in findings)


def gate(
    text: str,
    context: GateContext | None = None,
    field_kind: FieldKind = FieldKind.narrative,
    decisions: Mapping[str, str] | None = None,
) -> GateResult:
    """The public form of ``text`` for a field of ``field_kind``.

    ``decisions`` maps ``span_key``s of flagged spans to ``"keep"`` or ``"remove"``; keys of
    removed (confident) spans are ignored: a known or confidently detected identifier is never
    kept. A text the gate itself produced passes again unchanged (``gate(r.text).clean``).
    """
    context = context or GateContext()
    plan = plan_of(context.known, context.locations, field_kind in SHORT_FIELDS)
    result = _run(text, plan, decisions or {})
    unit_flags = _unit_flags(text) if field_kind is FieldKind.unit else []
    if unit_flags:
        # One span for the whole field, confident if anything inside it was.
        flags = _decide(text, merge([*result.findings, *unit_flags]), decisions or {})
        public, _ = _apply(text, [f for f in flags if f.replaced])
        return GateResult(public, tuple(flags))
    return result


def anonymise(text: str, known: Known | None = None) -> Anonymised:
    """The narrative gate with only the household's identifiers (no decisions)."""
    result = gate(text, GateContext(known=known or Known()))
    return Anonymised(result.text, result.findings)


def remaining_identifiers(text: str, known: Known | None = None) -> tuple[Finding, ...]:
    """What still stands in the way of publishing ``text`` as it is: every span the gate
    would replace or flag (the staff-edited public text must have none)."""
    return gate(text, GateContext(known=known or Known())).findings
