"""Scheduled pledge work."""

from backend.jobs import job
from backend.pledges.service import expire_pledges


@job
async def expire_overdue_pledges() -> None:
    """Release pledges past their expiry (policy parameter pledge_expiry_days); idempotent."""
    await expire_pledges()
