"""Narratives written the way caseworkers write them, each with what must go and what must stay.

Every person, number and address in corpus.jsonl is invented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matching.anonymiser import Known, anonymise, remaining_identifiers

CORPUS = [
    json.loads(line)
    for line in (Path(__file__).parent / "corpus.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


def test_corpus_is_large_and_covers_the_three_cities() -> None:
    assert len(CORPUS) >= 40
    assert len({entry["id"] for entry in CORPUS}) == len(CORPUS)
    text = "".join(entry["text"] for entry in CORPUS)
    assert all(district in text for district in ("滨海新区", "江北区", "泰山区"))


@pytest.mark.parametrize("entry", CORPUS, ids=[entry["id"] for entry in CORPUS])
def test_entry(entry: dict[str, Any]) -> None:
    known = Known.from_dict(entry["known"])
    result = anonymise(entry["text"], known)

    leaked = [s for s in entry["remove"] if s in result.text]
    lost = [s for s in entry["keep"] if s not in result.text]
    assert leaked == [], result.text
    assert lost == [], result.text
    assert remaining_identifiers(result.text, known) == ()
