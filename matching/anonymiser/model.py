"""The values the anonymiser takes and gives back.

They are frozen so a result can be cached, compared in tests and handed between threads
without anyone editing a finding after staff have seen it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The stable codes of what was found, and what stands in its place in the public text.
REPLACEMENTS: dict[str, str] = {
    "name": "某某",
    "id_number": "[身份证号]",
    "phone": "[电话]",
    "landline": "[电话]",
    "address": "[地址]",
    "school": "[学校]",
    "employer": "[工作单位]",
    "bank_card": "[银行卡号]",
    "plate": "[车牌号]",
    "email": "[邮箱]",
    "wechat": "[微信号]",
    "qq": "[QQ号]",
    "birth_date": "[出生日期]",
    "certificate": "[证件号]",
    "url": "[网址]",
    "place": "[地名]",
    # what is flagged, not confidently classified (see ``gate``)
    "latin": "[外文]",
    "number": "[数字]",
    "unit": "[单位]",
}

#: Every string the anonymiser may write. A second pass must never report one of these as an
#: identifier, or publication would be refused forever.
PLACEHOLDERS: frozenset[str] = frozenset(
    {*REPLACEMENTS.values(), "[班级]", "小某", "老某", "阿某", "某仔", "某妈"}
)

#: Keys of ``Known``, as the case service and the CLI's JSON give them.
KNOWN_FIELDS = (
    "names", "id_numbers", "phones", "addresses", "schools", "employers", "bank_cards",
    "certificates", "birth_dates", "nicknames", "plates", "accounts",
)  # fmt: skip


def _strings(value: Any) -> tuple[str, ...]:
    """Accept a list of strings or one bare string; drop blanks and anything not a string.

    The CLI and the case service feed this from JSON a person typed, so a stray ``null`` or a
    single string instead of a list must not throw away the rest of the record.
    """
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        return ()
    return tuple(item.strip() for item in value if isinstance(item, str) and item.strip())


@dataclass(frozen=True)
class Known:
    """Identifiers the case record already holds: removed in every written form.

    ``bank_cards`` and ``certificates`` (disability, low-income, hukou … numbers) are matched
    like ID numbers, down to any four of their digits; ``birth_dates`` in any date format;
    ``nicknames`` (小名, 乳名) like names; ``plates`` and ``accounts`` (WeChat, QQ, e-mail, any
    handle) as written, ignoring case, spaces and separators.
    """

    names: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    employers: tuple[str, ...] = ()
    bank_cards: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()
    nicknames: tuple[str, ...] = ()
    plates: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Known:
        """Unknown keys are ignored, so a newer caller can send fields an older gate lacks."""
        return cls(**{field: _strings(data.get(field, ())) for field in KNOWN_FIELDS})


@dataclass(frozen=True)
class Finding:
    """One span of the input that must not be published.

    ``start`` and ``end`` index the text that was passed in, so staff can highlight exactly what
    the anonymiser saw, even when the public text has shifted because of earlier replacements.
    """

    kind: str
    start: int
    end: int
    replacement: str
    source: str
    reason: str
    #: ``removed``: a confident identifier, always replaced. ``flagged``: something the gate
    #: could not classify (deny by default): replaced unless staff decided to keep it.
    action: str = "removed"
    #: A flagged span's identity for staff decisions (see ``gate.span_key``); set by the gate.
    key: str = ""
    #: ``keep`` or ``remove`` when staff decided on a flagged span, else ``None``.
    decision: str | None = None

    @property
    def replaced(self) -> bool:
        return self.action == "removed" or self.decision != "keep"


@dataclass(frozen=True)
class Anonymised:
    text: str
    findings: tuple[Finding, ...]
