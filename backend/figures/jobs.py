"""Jobs of the figures domain."""

from backend.figures.service import refresh_platform_figures
from backend.jobs import enqueue, job


@job
async def refresh_headline_figures() -> None:
    """Recount the home page's figures; idempotent, so duplicates and retries are harmless."""
    await refresh_platform_figures()


def figures_changed() -> None:
    """Call inside a unit of work that changed something the figures count."""
    enqueue(refresh_headline_figures, dedupe_key="figures:refresh")
