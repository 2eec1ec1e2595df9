"""Background work of donations: applying verified Stripe events."""

from backend.donations import stripe_events
from backend.jobs import job


@job
async def process_stripe_event(event_id: str) -> None:
    """Apply one stored Stripe event (idempotent: a processed event is left alone)."""
    await stripe_events.process(event_id)
