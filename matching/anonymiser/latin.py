"""Latin letters in a Chinese narrative: deny by default.

A name in pinyin (Wang Xiuying, Zhang X.Y.), Cantonese romanisation (Wong Chi Shing), a
Uyghur name in Latin script (Aygul) or an account name cannot be told from an ordinary word
by shape. So every Latin word the gate cannot explain is flagged; what explains one is this
list of the abbreviations and units a need is written with (CT, MRI, ICU, PICC, kg, ml …),
and the shapes other detectors already classify (e-mail, plates, accounts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from matching.anonymiser.model import REPLACEMENTS, Finding
from matching.anonymiser.text import word_set

#: Stored in upper and lower case as written here; matched against the word, its upper case
#: and its lower case.
ALLOWED_LATIN = word_set(
    # medicine
    "CT MRI DR PET ECT ICU NICU PICU CCU EICU ECMO PICC CRRT HIV AIDS HPV HBV HCV COVID CA "
    "ALS SMA DMD SLE COPD IgA IgG IgM IgE HbA1c HER2 EGFR ALK BRCA PD-1 PD-L1 CAR-T CART B "
    "X ECG EKG EEG EMG BMI IQ ADHD ASD RH Rh O A AB HLA WBC RBC PLT HGB CRP ALT AST TSH "
    "MDS AML ALL CML CLL NHL HL CKD ESRD IVF NIPT DNA RNA PCR CTA DSA MR Bi-PAP BiPAP CPAP "
    "VAC TACE TKA THA CABG PCI IABP OCT DBS VSD ASD PDA TOF mmHg mmol umol "
    "μmol mol mg ml mL g kg cm mm km m L dL IU U h min bpm kcal "
    # daily life, documents and devices
    "QQ ID No NO APP App app PDF Excel excel Word word PPT OK ok WiFi wifi WIFI GPS TV KTV "
    "USB VIP PM AM pm am SIM WeChat wechat Wechat weixin vx VX wx WX CEO DIY LED LCD SUV "
    "MPV ATM POS PS ps CBD A4 OTC IT AI 5G 4G 3G NFC SOS BB GDP CPI PPP APP版 "
    "LINE Line WhatsApp Facebook FB IG Instagram Twitter TikTok Tel TEL tel Email email "
    "E-mail e-mail EMAIL Fax FAX fax http https www com cn net org "
    "Name NAME name Age Sex Male Female male female Address Phone Mobile "
    "RMB CNY rmb and or of the to in on for with by at is a an"
)
_ALLOWED_FOLDED = frozenset(word.lower() for word in ALLOWED_LATIN)

#: A Latin word, with inner apostrophes, dots and hyphens (O'Neil, J.G., Wang-Li).
_WORD = re.compile(r"(?<![A-Za-z0-9_@])[A-Za-z](?:[A-Za-z'.\-]*[A-Za-z])?\.?(?![A-Za-z0-9_@])")
_JOINER = re.compile(r"^[\s.·,]*$")


def is_allowed(word: str) -> bool:
    return word.lower().strip(".") in _ALLOWED_FOLDED


def find_latin(folded: str) -> Iterator[Finding]:
    """Runs of Latin words not explained by the list, one flag per run (Wong Chi Shing)."""
    run: tuple[int, int] | None = None
    for match in _WORD.finditer(folded):
        word = match.group()
        letters = sum(c.isalpha() for c in word)
        if letters < 2 or is_allowed(word):
            if run is not None:
                yield _flag(*run)
                run = None
            continue
        if run is not None and _JOINER.match(folded[run[1] : match.start()]):
            run = (run[0], match.end())
            continue
        if run is not None:
            yield _flag(*run)
        run = match.span()
    if run is not None:
        yield _flag(*run)


def _flag(start: int, end: int) -> Finding:
    return Finding(
        "latin", start, end, REPLACEMENTS["latin"], "detected",
        "无法判断的外文或拼音（可能是拼音姓名或账号）", "flagged",
    )  # fmt: skip
