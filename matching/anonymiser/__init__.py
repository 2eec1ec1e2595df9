"""Turning a case narrative into the text of a public need.

Civil-affairs staff write the narrative for colleagues; charities read the need. Everything
that identifies the family must go (names in all their familiar forms, ID numbers, phones,
exact addresses, school classes, employers, accounts, plates, birth dates) and everything a
charity needs to decide must stay (illness, amounts, hospital, district and street, policy
document numbers). Pure Python, deterministic, no I/O beyond jieba's bundled dictionary.
"""

from matching.anonymiser.engine import anonymise, remaining_identifiers
from matching.anonymiser.model import REPLACEMENTS, Anonymised, Finding, Known
from matching.anonymiser.segment import warm_up

__all__ = [
    "REPLACEMENTS",
    "Anonymised",
    "Finding",
    "Known",
    "anonymise",
    "remaining_identifiers",
    "warm_up",
]
