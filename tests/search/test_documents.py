"""The need document is built from the public projection's allow-list and nothing else."""

from __future__ import annotations

import ast
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from search.documents import PUBLIC_KEYS, NeedDocument, region_levels
from search.embedded import EmbeddedIndex, to_tantivy
from search.index import SearchQuery
from search.meili import to_meili

ROOT = Path(__file__).resolve().parents[2]

PUBLIC: dict[str, Any] = {
    "id": "Xy7_pQ2mZ9aB3cD4",
    "title": "尿毒症患者血液透析费用缺口",
    "story": "户主五十多岁，每周需做三次血液透析。",
    "category": "medical",
    "category_label": "医疗",
    "kind": "money",
    "kind_label": "资金",
    "urgency": "urgent",
    "urgency_label": "急难",
    "status": "published",
    "status_label": "募集中",
    "region_code": "120116001000",
    "region_name": "滨海新区塘沽街道",
    "goods": [],
    "service_type": "",
    "deadline": date(2026, 3, 10),
    "published_at": datetime(2025, 12, 1, 9, 30, tzinfo=UTC),
}
#: What a careless caller could hand over with the projection: a case's personal data.
PERSONAL: dict[str, Any] = {
    "name": "王建国",
    "id_number": "120107196504123418",
    "phone": "13812345678",
    "address": "塘沽街道紫云园小区5号楼3单元201",
    "narrative": "王建国，身份证120107196504123418，住紫云园小区5号楼",
    "case": {"id": 42, "head_name": "王建国"},
    "case_id": 42,
    "referral": {"id": 7, "narrative": "联系人电话13812345678"},
    "referral_id": 7,
    "members": [{"name": "王小明", "school": "滨海新区第一中学", "phone": "13900001111"}],
    "age_band": "50-59岁",
    "sex_label": "男",
    "household_size_band": "3人",
    "government_aid_fen": 200_000,
    "review_due_on": date(2026, 6, 1),
    "internal_note": "复核人：李芳",
}
SECRETS = [
    "王建国",
    "120107196504123418",
    "13812345678",
    "紫云园",
    "5号楼",
    "王小明",
    "第一中学",
    "13900001111",
    "李芳",
    "50-59岁",
]


def build(public: Any) -> NeedDocument:
    return NeedDocument.from_public(
        public,
        remaining_fen=300_000,
        remaining_hours=0,
        district_name="滨海新区",
        street_name="塘沽街道",
    )


def test_personal_fields_never_reach_the_document() -> None:
    doc = build({**PUBLIC, **PERSONAL})
    serialised = doc.model_dump_json()
    for secret in SECRETS:
        assert secret not in serialised
    assert set(doc.model_dump()) == set(NeedDocument.model_fields)
    assert not set(PERSONAL) & set(NeedDocument.model_fields)


def test_personal_fields_never_reach_either_engine() -> None:
    doc = build({**PUBLIC, **PERSONAL})
    stored = to_tantivy(doc).to_dict()
    assert set(stored) == {
        "id", "title_t", "item_t", "story_t", "label_t", "place_t", "text_p", "lex",
        "category", "kind", "urgency", "status", "province_code", "city_code", "district_code",
        "street_code", "remaining_fen", "deadline_day", "sort_urgency", "sort_deadline",
        "sort_newest", "sort_remaining", "doc",
    }  # fmt: skip
    flat = json.dumps(
        {k: [v.decode() if isinstance(v, bytes) else v for v in vs] for k, vs in stored.items()},
        ensure_ascii=False,
    )
    meili = json.dumps(to_meili(doc), ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in flat and secret not in meili


async def test_personal_values_cannot_be_found_in_the_index(tmp_path: Path) -> None:
    index = EmbeddedIndex(tmp_path / "needs")
    await index.upsert([build({**PUBLIC, **PERSONAL})])
    assert (await index.search(SearchQuery(q="透析"))).total == 1
    for secret in SECRETS:
        assert (await index.search(SearchQuery(q=secret))).total == 0, secret
    await index.close()


async def test_goods_service_and_every_region_level_are_searched(tmp_path: Path) -> None:
    """What a charity types may be in any public field: a goods line, the service type, the
    province, city, district or street (a municipality's 市辖区 is no place and is left out)."""
    public = {
        **PUBLIC,
        "title": "困难家庭生活物资",
        "story": "家中老人长期服药，营养不良。",
        "goods": [{"item": "复合维生素", "quantity": 2, "unit": "瓶", "unit_value_fen": 9_000}],
        "service_type": "上门理发",
    }
    doc = NeedDocument.from_public(
        public,
        remaining_fen=18_000,
        remaining_hours=0,
        province_name="天津市",
        city_name="市辖区",
        district_name="滨海新区",
        street_name="塘沽街道",
    )
    assert doc.goods_items == ("复合维生素",) and doc.service_type == "上门理发"
    assert "市辖区" not in doc.search_texts()["places"]
    index = EmbeddedIndex(tmp_path / "needs")
    await index.upsert([doc])
    for q in ("复合维生素", "维生素", "上门理发", "天津", "天津市", "滨海新区", "塘沽"):
        assert (await index.search(SearchQuery(q=q))).total == 1, q
    assert (await index.search(SearchQuery(q="市辖区"))).total == 0
    await index.close()


def test_a_pydantic_projection_is_read_through_the_same_allow_list() -> None:
    class WiderProjection(BaseModel):
        model_config = {"extra": "allow"}

    public = WiderProjection(**PUBLIC, **PERSONAL)
    doc = build(public)
    assert doc == build(PUBLIC)


def test_the_model_refuses_fields_it_does_not_declare() -> None:
    valid = build(PUBLIC).model_dump()
    for name, value in PERSONAL.items():
        with pytest.raises(ValidationError):
            NeedDocument(**valid, **{name: value})
    with pytest.raises(ValidationError):
        NeedDocument.model_validate_json(
            json.dumps({**build(PUBLIC).model_dump(mode="json"), "phone": "1"})
        )


def test_a_missing_public_key_is_an_error_not_a_gap() -> None:
    for key in PUBLIC_KEYS:
        incomplete = {k: v for k, v in PUBLIC.items() if k != key}
        with pytest.raises(KeyError):
            build(incomplete)


@pytest.mark.parametrize(
    ("code", "levels"),
    [
        ("120116001000", ("120000000000", "120100000000", "120116000000", "120116001000")),
        ("120116000000", ("120000000000", "120100000000", "120116000000", None)),
        ("370902100000", ("370000000000", "370900000000", "370902000000", "370902100000")),
        ("500105006012", ("500000000000", "500100000000", "500105000000", "500105006000")),
        ("370900000000", ("370000000000", "370900000000", None, None)),
    ],
)
def test_region_levels(code: str, levels: tuple[str | None, ...]) -> None:
    got = region_levels(code)
    assert (
        got["province_code"],
        got["city_code"],
        got["district_code"],
        got["street_code"],
    ) == levels
    doc = build({**PUBLIC, "region_code": code})
    assert doc.street_code == levels[3] and doc.district_code == levels[2]


@pytest.mark.parametrize("code", ["12011600100", "x20116001000", "001234000000", ""])
def test_bad_region_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError):
        build({**PUBLIC, "region_code": code})


def test_derived_codes_must_agree_with_the_region() -> None:
    valid = build(PUBLIC).model_dump()
    with pytest.raises(ValidationError):
        NeedDocument(**{**valid, "street_code": "120116005000"})


@pytest.mark.parametrize("field", ["remaining_fen", "remaining_hours"])
def test_remaining_amounts_are_not_negative(field: str) -> None:
    with pytest.raises(ValidationError):
        NeedDocument(**{**build(PUBLIC).model_dump(), field: -1})


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_search_is_a_library_that_imports_no_application_layer() -> None:
    banned = ("backend", "litestar", "piccolo", "piccolo_admin", "arq", "redis", "asyncpg")
    offences = [
        f"{path.name} imports {name}"
        for path in sorted((ROOT / "search").rglob("*.py"))
        for name in _imports(path)
        if any(name == b or name.startswith(b + ".") for b in banned)
    ]
    assert offences == []
