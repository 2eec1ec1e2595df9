"""Fixtures of the donation tests: localstripe for the session, Stripe-enabled settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from backend.settings import Settings, set_settings
from tests.integration.donations.support import (
    PUBLISHABLE_KEY,
    SECRET_KEY,
    WEBHOOK_SECRET,
    localstripe,
)


@pytest.fixture(scope="session")
def stripe_base() -> Iterator[str]:
    with localstripe() as base:
        yield base


@pytest.fixture
async def stripe_on(settings: Settings, stripe_base: str) -> AsyncIterator[Settings]:
    """The app's settings with Stripe keys pointing at localstripe, for this test only."""
    enabled = settings.model_copy(
        update={
            "stripe_secret_key": SECRET_KEY,
            "stripe_publishable_key": PUBLISHABLE_KEY,
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_base": stripe_base,
        }
    )
    set_settings(enabled)
    yield enabled
    set_settings(settings)
