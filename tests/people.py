"""Synthetic people for tests: invented names, valid-looking ID numbers, phones, addresses.

Nothing here is a real person; ID numbers get a correct check character so they pass
validation, with birth dates and county codes chosen by the test.
"""

from __future__ import annotations

import itertools
import random
from datetime import date

from matching.identity import check_character

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂"
_serial = itertools.count(100)


def id_number(
    county: str = "120116", born: date = date(1978, 3, 5), *, female: bool = False
) -> str:
    # The 17th digit is odd for men, even for women; 500 distinct numbers per county and day.
    seq = (next(_serial) % 500) * 2 + (0 if female else 1)
    body = f"{county}{born:%Y%m%d}{seq:03d}"
    return body + check_character(body)


def name(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(2))


def mobile(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def member(
    *,
    head: bool = False,
    relation: str = "户主",
    born: date = date(1978, 3, 5),
    female: bool = False,
    full_name: str | None = None,
    **extra: object,
) -> dict[str, object]:
    return {
        "is_head": head,
        "relation": relation if not head else "户主",
        "name": full_name or name(),
        "id_number": id_number(born=born, female=female),
        **extra,
    }
