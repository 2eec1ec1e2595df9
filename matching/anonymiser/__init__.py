"""The publication gate: nothing that identifies a household reaches a public field.

Civil-affairs staff write for colleagues; charities and the public read the need. Everything
that identifies the family must go (names in all their written forms, ID and certificate
numbers, phones, bank cards, exact addresses and anything finer than the published region,
schools and classes, employers, accounts, plates, birth dates) and everything a charity needs
to decide must stay (illness, amounts, large hospitals, district and street, policy document
numbers, dates of diagnosis and grants). Pure Python, deterministic, offline: jieba's, OpenCC's
and pypinyin's bundled dictionaries only.

The API the backend calls
-------------------------
``gate(text, context, field_kind, decisions) -> GateResult`` for every public text field:

- ``context = GateContext(known=Known(...), locations=Locations(allowed, finer, streets))``:
  the household's identifiers (``Known``: names, id_numbers, phones, addresses, schools,
  employers, bank_cards, certificates, birth_dates, nicknames, plates, accounts), the names of
  the published region and its ancestors (``allowed``, they stay), names of divisions below it
  (``finer``, removed) and whether street/town names may stay (``streets``).
- ``field_kind``: ``FieldKind.narrative`` (the story), ``title``, ``goods_item``, ``unit``,
  ``service_type``, ``note`` (disbursement notes, updates), ``reason`` (reasons shown to
  others). Short fields (title, goods_item, unit, service_type) flag four-digit runs too; a
  unit that is not a unit of measure is flagged whole.
- ``GateResult.text`` is the public text; ``findings`` are in offsets of the input, each with
  ``kind``, ``start``/``end``, ``replacement``, ``source`` (known/detected), ``reason``
  (Chinese, for staff), ``action`` and ``key``.

What is removed and what is flagged
-----------------------------------
``action="removed"``: a known identifier in any written form (traditional script, pinyin,
nicknames, any four digits of a known number, Chinese numerals, any date format) or a
confident detection (a valid ID, certificate, phone, card, e-mail, URL, plate, account, a
name with a cue, a named school, workplace, community, village, estate or house number).
Never keepable. ``action="flagged"``: what the gate cannot classify (deny by default): a
Latin word that is not a known abbreviation (a name in pinyin or Cantonese romanisation, an
account), a digit run that is not an amount, date, quantity or policy number, a proper noun
between 在 and a verb of work (a brand or a shop), a unit field that is no unit. Flagged spans
are replaced in ``text`` too. jieba's own proper-noun tags are not flagged as such: it tags
康复 and 上门 as names and places, so flagging them would rewrite every need; a proper noun
is flagged or removed where the text says what it is (a role word, a verb of dwelling or
work, a suffix such as 小区, 村, 厂, 小学).

Decisions: staff keep or remove a flagged span by its ``key`` (``span_key(kind, surface)``:
kind plus the span's characters in canonical spelling, so it survives edits elsewhere);
``gate(..., decisions={key: "keep"})`` leaves it in the text and lists it in
``GateResult.kept`` (for the audit log). ``GateResult.undecided`` lists flagged spans without
a decision: the backend refuses submission while it is not empty (``identifier_in_public_
field``); ``GateResult.clean`` says the text can be published exactly as typed. The re-check
converges: ``gate(gate(t).text).findings`` is empty for any ``t``.

``anonymise(text, known)`` and ``remaining_identifiers(text, known)`` are the narrative gate
under the names the referral service has used.
"""

from matching.anonymiser.gate import (
    SHORT_FIELDS,
    UNITS,
    Decision,
    FieldKind,
    GateContext,
    GateResult,
    anonymise,
    gate,
    remaining_identifiers,
    span_key,
)
from matching.anonymiser.model import REPLACEMENTS, Anonymised, Finding, Known
from matching.anonymiser.places import Locations
from matching.anonymiser.segment import warm_up

__all__ = [
    "REPLACEMENTS",
    "SHORT_FIELDS",
    "UNITS",
    "Anonymised",
    "Decision",
    "FieldKind",
    "Finding",
    "GateContext",
    "GateResult",
    "Known",
    "Locations",
    "anonymise",
    "gate",
    "remaining_identifiers",
    "span_key",
    "warm_up",
]
