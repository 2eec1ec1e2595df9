"""Stripe settings: all three keys or none; production may run on offline donations only."""

from __future__ import annotations

import base64

import pytest

from backend.settings import Settings

_SECRETS = {
    "session_secret": "s" * 40,
    "data_encryption_keys": "k1:" + base64.b64encode(b"x" * 32).decode(),
    "blind_index_key": base64.b64encode(b"y" * 32).decode(),
    "ledger_signing_key": base64.b64encode(b"z" * 32).decode(),
}


def test_production_runs_without_stripe() -> None:
    settings = Settings(environment="production", **_SECRETS)  # type: ignore[arg-type]
    assert not settings.stripe_enabled


def test_production_refuses_a_partial_stripe_configuration() -> None:
    # pydantic reports the InsecureSettingsError raised by the validator as a ValueError.
    with pytest.raises(ValueError, match="STRIPE_WEBHOOK_SECRET"):
        Settings(
            environment="production",
            stripe_secret_key="sk_live_x",
            stripe_publishable_key="pk_live_x",
            **_SECRETS,  # type: ignore[arg-type]
        )


def test_online_donations_need_every_key() -> None:
    keys = {"stripe_secret_key": "sk", "stripe_publishable_key": "pk"}
    assert not Settings(**keys).stripe_enabled  # type: ignore[arg-type]
    assert Settings(**keys, stripe_webhook_secret="whsec").stripe_enabled  # type: ignore[arg-type]
