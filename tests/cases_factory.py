"""Building cases, grants and referrals through the API, as staff would."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.people import member

COMMUNITY = "120116001016"  # 滨海新区塘沽街道紫云园社区


async def create_case(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    region_code: str | None = None,
    members: list[dict[str, Any]] | None = None,
    programme: str = "dibao",
) -> dict[str, Any]:
    body = {
        "region_code": region_code or await first_community(client),
        "programme": programme,
        "income_stable": False,
        "members": members
        or [
            member(
                head=True,
                full_name="王秀英",
                phone="13812345678",
                address="天津市滨海新区塘沽街道海洋小区3号楼2单元501室",
                female=True,
                illness="尿毒症，每周血液透析三次",
            ),
            member(
                relation="子女",
                full_name="王小明",
                born=date(2010, 5, 1),
                school="滨海新区第一中学初二(3)班",
            ),
        ],
    }
    response = await client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def first_community(client: httpx.AsyncClient) -> str:
    return COMMUNITY


async def add_temporary_grant(
    client: httpx.AsyncClient, headers: dict[str, str], ref: str, amount_fen: int = 300_000
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/cases/{ref}/grants",
        json={
            "kind": "temporary_emergency",
            "amount_fen": amount_fen,
            "granted_on": (date.today() - timedelta(days=10)).isoformat(),
            "office": "滨海新区塘沽街道办事处",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


NARRATIVE = (
    "王秀英，女，身份证号 {id_number}，住天津市滨海新区塘沽街道海洋小区3号楼2单元501室，"
    "联系电话 138-1234-5678。患尿毒症三年，每周在天津医科大学总医院血液透析三次，"
    "每月自付医疗费用约4200元。儿子王小明在滨海新区第一中学初二(3)班就读。"
    "已获临时救助3000元，仍有困难，需要透析费用资助和学习用品。"
)


def referral_body(narrative: str, *, consent: bool = True) -> dict[str, Any]:
    deadline = (date.today() + timedelta(days=60)).isoformat()
    body: dict[str, Any] = {
        "narrative": narrative,
        "items": [
            {
                "category": "medical",
                "kind": "money",
                "amount_fen": 2_000_000,
                "urgency": "urgent",
                "deadline": deadline,
                "title": "透析费用资助",
            },
            {
                "category": "education",
                "kind": "goods",
                "urgency": "normal",
                "deadline": deadline,
                "goods": [{"item": "书包", "quantity": 1, "unit": "个", "unit_value_fen": 12000}],
            },
        ],
    }
    if consent:
        body["consent"] = {"consent_on": date.today().isoformat(), "method": "written"}
    return body
