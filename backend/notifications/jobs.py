"""Jobs of the notifications domain. Each is idempotent: arq may run a job more than once.

``send_digests`` runs on the arq worker's cron every ten minutes; it is also enqueued right
after a publication has been queued, so an organisation that has had no digest for an hour
hears of a new need at once, and in embedded mode (no worker, no cron) digests still go out.
Called directly, it needs a unit of work around it, like every job.
"""

from __future__ import annotations

import asyncio

import structlog

from backend.jobs import enqueue, job
from backend.notifications import service
from backend.settings import get_settings

log = structlog.get_logger(__name__)


@job
async def notify_need_published(public_id: str) -> None:
    """Queue a newly published need for the digests of the organisations it concerns."""
    if await service.queue_for_digests(public_id):
        enqueue(send_digests, dedupe_key="notifications:send_digests")


@job
async def send_digests() -> int:
    """Send the digests that are due; e-mail copies follow as jobs of their own."""
    sent = await service.send_digests()
    if service.mail_configured():
        for public_id in sent:
            enqueue(email_notification, public_id, dedupe_key=f"notifications:email:{public_id}")
    return len(sent)


@job
async def email_notification(public_id: str) -> None:
    """E-mail one notification to its organisation's digest address, once.

    At-least-once: should the worker die between the SMTP server accepting the message and
    the commit of ``emailed_at``, the retry sends it again; an SMTP failure raises, so arq
    retries with back-off and the dead-letter log keeps the last failure.
    """
    prepared = await service.email_for(public_id)
    if prepared is None:
        return
    notification_id, message = prepared
    await asyncio.to_thread(service.deliver, get_settings(), message)
    await service.mark_emailed(notification_id)
    log.info("digest_emailed", notification=public_id)


def need_published(public_id: str) -> None:
    """Call inside the unit of work that published the need."""
    enqueue(notify_need_published, public_id, dedupe_key=f"notifications:need:{public_id}")
