"""Helpers of the donation tests: localstripe, a Stripe-enabled live server, signed events,
and a need with a qualified charity's open money pledge."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from backend.accounts.tables import Role
from backend.donations.tables import Donation
from backend.organisations.tables import Organisation
from tests.factories import api_token, make_organisation, make_user
from tests.needs_factory import publish_need

LOCALSTRIPE = Path(sys.executable).parent / "localstripe"
SECRET_KEY = "sk_test_aidbridge_localstripe"
PUBLISHABLE_KEY = "pk_test_aidbridge_localstripe"
WEBHOOK_SECRET = "whsec_aidbridge_test_secret"
WEBHOOK_PATH = "/api/v1/payments/stripe/webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{what} did not start")


@contextmanager
def localstripe() -> Iterator[str]:
    """localstripe on a free loopback port, from scratch; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(LOCALSTRIPE), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/js.stripe.com/v3/", process, "localstripe")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def stripe_env(stripe_base: str) -> dict[str, str]:
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_base,
        "STRIPE_JS_URL": stripe_base + "/js.stripe.com/v3/",
    }


@contextmanager
def stripe_live_server(stripe_base: str) -> Iterator[str]:
    """AidBridge served by uvicorn (``aidbridge serve``) on the test database, Stripe keys
    pointing at localstripe; jobs run in-process after each commit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, **stripe_env(stripe_base), "PUBLIC_BASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(url + "/health/live", process, "the AidBridge server")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header per Stripe's scheme: HMAC-SHA256 of "t.payload"."""
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event(kind: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(body).encode()


async def post_event(
    client: httpx.AsyncClient, payload: bytes, signature: str | None = None
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    headers["Stripe-Signature"] = sign(payload) if signature is None else signature
    return await client.post(WEBHOOK_PATH, content=payload, headers=headers)


async def qualified_charity(*, name: str | None = None) -> str:
    org = await make_organisation(name=name)
    await Organisation.update(
        {Organisation.public_fundraising: True, Organisation.fundraising_certificate: "津民募001"}
    ).where(Organisation.public_id == org.id)
    return org.id


async def pledge_money(
    client: httpx.AsyncClient, need_id: str, org_id: str, amount_fen: int
) -> dict[str, Any]:
    member = await make_user(Role.org_member, organisation_id=org_id)
    headers = {**await api_token(client, member.username), "Idempotency-Key": uuid.uuid4().hex}
    response = await client.post(
        "/api/v1/pledges",
        json={
            "need_id": need_id,
            "organisation_id": org_id,
            "kind": "money",
            "amount_fen": amount_fen,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return {"pledge": response.json(), "member": member, "headers": headers}


async def fundraising_need(
    client: httpx.AsyncClient, *, target_fen: int = 200_000, pledge_fen: int = 50_000
) -> dict[str, Any]:
    """A published money need and a qualified charity holding an open pledge on it."""
    published = await publish_need(client, amount_fen=target_fen)
    org_id = await qualified_charity()
    pledged = await pledge_money(client, published["need"]["id"], org_id, pledge_fen)
    return {**published, **pledged, "org_id": org_id, "need_id": published["need"]["id"]}


async def offline_donation(
    client: httpx.AsyncClient, need: dict[str, Any], amount_fen: int, reference: str
) -> dict[str, Any]:
    """A bank transfer recorded through the API by the member of ``fundraising_need``."""
    response = await client.post(
        "/api/v1/donations/offline",
        json={
            "need_id": need["need_id"],
            "organisation_id": need["org_id"],
            "amount_fen": amount_fen,
            "bank_reference": reference,
            "received_on": date.today().isoformat(),
        },
        headers={"Authorization": need["headers"]["Authorization"]},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def donate(
    client: httpx.AsyncClient,
    need_id: str,
    org_id: str,
    amount_fen: int,
    *,
    key: str | None = None,
    donor_name: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"need_id": need_id, "organisation_id": org_id, "amount_fen": amount_fen}
    if donor_name is not None:
        body["donor_name"] = donor_name
    return await client.post(
        "/api/v1/donations", json=body, headers={"Idempotency-Key": key or uuid.uuid4().hex}
    )


def succeeded_intent(donation: dict[str, Any], amount_fen: int | None = None) -> dict[str, Any]:
    """The PaymentIntent object of a ``payment_intent.succeeded`` event for a donation row."""
    return {
        "id": donation["stripe_payment_intent"],
        "object": "payment_intent",
        "amount": amount_fen or donation["amount_fen"],
        "amount_received": amount_fen or donation["amount_fen"],
        "currency": "cny",
        "status": "succeeded",
    }


async def started_donation(
    client: httpx.AsyncClient, need: dict[str, Any], amount_fen: int
) -> dict[str, Any]:
    """A pending online donation on ``need`` (from ``fundraising_need``), as its table row."""
    response = await donate(client, need["need_id"], need["org_id"], amount_fen)
    assert response.status_code == 201, response.text
    donation_id = response.json()["donation"]["id"]
    row = await Donation.select().where(Donation.public_id == donation_id).first()
    assert row is not None
    return row
