"""Helpers of the disbursement tests: a money pledge ready to be paid out, evidence files."""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from backend.accounts.tables import Role
from tests.factories import api_token, make_organisation, make_user
from tests.needs_factory import publish_need


def png(seed: int = 0) -> bytes:
    """A real 1×1 PNG whose pixel depends on ``seed`` (so each seed is a different file)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixel = bytes([0, seed % 256, (seed // 256) % 256, 200])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(pixel))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@dataclass
class Funded:
    """A published money need, fully pledged by one organisation's single money pledge."""

    need_id: str
    case_ref: str
    org_id: str
    pledge_id: str
    member: dict[str, str]
    staff: dict[str, str]
    published: dict[str, Any]


async def funded(
    client: httpx.AsyncClient, *, amount_fen: int = 100_000, pledged_fen: int | None = None
) -> Funded:
    published = await publish_need(client, amount_fen=amount_fen)
    org = await make_organisation()
    user = await make_user(Role.org_member, organisation_id=org.id)
    member = await api_token(client, user.username)
    pledge = await client.post(
        "/api/v1/pledges",
        json={
            "need_id": published["need"]["id"],
            "organisation_id": org.id,
            "kind": "money",
            "amount_fen": pledged_fen or amount_fen,
        },
        headers={**member, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert pledge.status_code == 201, pledge.text
    return Funded(
        need_id=published["need"]["id"],
        case_ref=published["case"]["ref"],
        org_id=org.id,
        pledge_id=pledge.json()["id"],
        member=member,
        staff=published["staff_headers"],
        published=published,
    )


async def disburse(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    pledge_id: str,
    amount_fen: int,
    content: bytes | None = None,
    *,
    filename: str = "收据.png",
    content_type: str = "image/png",
    payee_kind: str = "hospital",
    evidence_kind: str = "receipt",
) -> httpx.Response:
    return await client.post(
        f"/api/v1/pledges/{pledge_id}/disbursements",
        data={
            "amount_fen": str(amount_fen),
            "payee_kind": payee_kind,
            "paid_on": date.today().isoformat(),
            "evidence_kind": evidence_kind,
        },
        files={"evidence": (filename, png() if content is None else content, content_type)},
        headers=headers,
    )
