"""Narratives written the way caseworkers write them, each with what must go and what must stay.

``corpus.jsonl`` and ``corpora/handwritten.jsonl`` are written by hand; ``corpora/generated.jsonl``
is composed by ``corpora/generate.py`` from invented households and leak forms. Every person,
number and address in them is invented (ID numbers carry a computed check character).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matching.anonymiser import FieldKind, GateContext, Known, gate

HERE = Path(__file__).parent
FILES = [HERE / "corpus.jsonl", *sorted((HERE / "corpora").glob("*.jsonl"))]
CORPUS = [
    json.loads(line)
    for path in FILES
    for line in path.read_text("utf-8").splitlines()
    if line.strip()
]
#: Share of must-keep facts the gate may lose on the whole corpus.
OVER_REDACTION_BUDGET = 0.02


def must_go(entry: dict[str, Any]) -> list[tuple[str, str]]:
    remove = entry["remove"]
    if isinstance(remove, dict):
        return [(kind, value) for kind, values in remove.items() for value in values]
    return [("any", value) for value in remove]


def public_text(entry: dict[str, Any]) -> str:
    context = GateContext(known=Known.from_dict(entry["known"]))
    return gate(entry["text"], context, FieldKind(entry.get("field", "narrative"))).text


def test_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 300
    assert len({entry["id"] for entry in CORPUS}) == len(CORPUS)
    text = "".join(entry["text"] for entry in CORPUS)
    for marker in ("\t", "微信", "语音", "·", "個案", "臺北", "一三", "幺"):
        assert marker in text, marker
    kinds = {kind for entry in CORPUS for kind, _ in must_go(entry)}
    assert {"name", "id_number", "phone", "address", "school", "employer", "birth_date"} <= kinds


@pytest.mark.parametrize("entry", CORPUS, ids=[entry["id"] for entry in CORPUS])
def test_no_leak_and_the_gate_converges(entry: dict[str, Any]) -> None:
    result = public_text(entry)
    leaked = [value for _, value in must_go(entry) if value in result]
    assert leaked == [], result
    again = gate(result, GateContext(known=Known.from_dict(entry["known"])))
    assert again.findings == (), result


def test_over_redaction_within_budget() -> None:
    kept = lost = 0
    for entry in CORPUS:
        result = public_text(entry)
        kept += len(entry["keep"])
        lost += sum(value not in result for value in entry["keep"])
    assert lost / kept <= OVER_REDACTION_BUDGET, (lost, kept)
