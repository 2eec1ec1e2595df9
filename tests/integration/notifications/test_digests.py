"""Publication → hourly digest → inbox (and e-mail), on real PostgreSQL with in-process jobs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq.cron import CronJob

from backend.accounts.tables import Role
from backend.db import unit_of_work
from backend.jobs.registry import registered_jobs
from backend.jobs.tables import DeadJob
from backend.jobs.worker import cron_jobs
from backend.needs.tables import Need
from backend.notifications.jobs import send_digests
from backend.notifications.service import DigestSettings, set_digest_settings
from backend.notifications.tables import DigestEntry, Notification, OrganisationDigest
from backend.organisations.tables import Organisation
from backend.settings import Settings, set_settings
from tests.factories import api_token, csrf_token, make_organisation, make_user, web_login
from tests.integration.notifications.smtp_sink import SmtpSink
from tests.integration.recommendations.need_rows import personal_data, publish_via_referral

pytestmark = pytest.mark.usefixtures("database")

BINHAI = "120116000000"
TANGGU = "120116001000"
JIANGBEI = "500105000000"


async def org_with(
    *,
    regions: list[str],
    categories: list[str],
    verified: bool = True,
    suspended: bool = False,
) -> str:
    org = await make_organisation(verified=verified)
    await Organisation.update(
        {
            Organisation.service_regions: json.dumps(regions),
            Organisation.focus_categories: json.dumps(categories),
            Organisation.suspended: suspended,
        }
    ).where(Organisation.public_id == org.id)
    return org.id


async def notifications_of(org_public_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Notification.select()
        .where(Notification.organisation.public_id == org_public_id)
        .order_by(Notification.id)
    )
    return rows


async def an_hour_passes() -> None:
    await OrganisationDigest.update(
        {OrganisationDigest.last_sent_at: OrganisationDigest.last_sent_at - timedelta(minutes=61)}
    ).where(OrganisationDigest.last_sent_at.is_not_null())


async def test_publication_sends_one_digest_an_hour_to_matching_organisations_only(
    client: httpx.AsyncClient,
) -> None:
    district = await org_with(regions=[BINHAI], categories=["medical", "education"])
    street = await org_with(regions=[TANGGU], categories=["medical"])
    province = await org_with(regions=["120000000000"], categories=["education"])
    elsewhere = await org_with(regions=[JIANGBEI], categories=["medical", "education"])
    other_focus = await org_with(regions=[BINHAI], categories=["housing"])
    unverified = await org_with(regions=[BINHAI], categories=["medical"], verified=False)
    suspended = await org_with(regions=[BINHAI], categories=["medical"], suspended=True)

    case, first = await publish_via_referral(client)

    # One digest each, carrying both needs the approval published (for those that want both).
    for org in (district, street, province):
        assert len(await notifications_of(org)) == 1, org
    (digest,) = await notifications_of(district)
    titles = {
        row["title"] for row in await Need.select(Need.title).where(Need.public_id.is_in(first))
    }
    assert digest["title"] == "2条新发布的需求符合本组织的服务地区和关注领域"
    assert all(title in digest["body"] for title in titles)
    assert digest["link"] == f"/organisations/{district}/recommendations"
    (single,) = await notifications_of(street)  # medical only: one need, linked directly
    assert single["title"].startswith("1条") and single["link"].startswith("/needs/")
    for org in (elsewhere, other_focus, unverified, suspended):
        assert await notifications_of(org) == [], org
    queued_for = {row["organisation"] for row in await DigestEntry.select(DigestEntry.organisation)}
    assert len(queued_for) == 3

    # Within the hour a second publication waits; the next run after the hour sends it.
    _, second = await publish_via_referral(client)
    assert len(await notifications_of(district)) == 1
    async with unit_of_work():
        assert await send_digests() == 0
    assert len(await notifications_of(district)) == 1
    await an_hour_passes()
    async with unit_of_work():
        assert await send_digests() == 3
    later = (await notifications_of(district))[1]
    second_titles = await Need.select(Need.title).where(Need.public_id.is_in(second))
    assert all(row["title"] in later["body"] for row in second_titles)
    assert later["body"].count("\n") == 1  # only the two new needs, not the first two again
    async with unit_of_work():
        assert await send_digests() == 0  # nothing pending, and the hour starts again

    # Notification text is public need text only.
    for org in (district, street, province):
        for row in await notifications_of(org):
            text = f"{row['title']}\n{row['body']}\n{row['link']}"
            for secret in personal_data(case):
                assert secret not in text, secret


async def test_repeated_jobs_and_concurrent_runs_send_one_digest(client: httpx.AsyncClient) -> None:
    org = await org_with(regions=[BINHAI], categories=["medical"])
    _, need_ids = await publish_via_referral(client)
    assert len(await notifications_of(org)) == 1
    from backend.notifications.jobs import notify_need_published

    async with unit_of_work():  # arq may run a job twice: the need is not queued again
        await notify_need_published(need_ids[0])
    assert await DigestEntry.count().where(DigestEntry.notification.is_null()) == 0
    await an_hour_passes()
    async with unit_of_work():
        assert await send_digests() == 0
    assert len(await notifications_of(org)) == 1

    # Two runs at once (the cron on two workers, or the cron and a publication) send one.
    await publish_via_referral(client)  # the hour had passed: sent at once
    await publish_via_referral(client)  # within the new hour: pending
    assert len(await notifications_of(org)) == 2
    await an_hour_passes()

    async def run() -> int:
        async with unit_of_work():
            return int(await send_digests())

    assert sorted(await asyncio.gather(run(), run())) == [0, 1]
    assert len(await notifications_of(org)) == 3


async def test_closed_needs_drop_out_of_a_pending_digest(client: httpx.AsyncClient) -> None:
    org = await org_with(regions=[BINHAI], categories=["medical", "education"])
    await publish_via_referral(client)
    _, waiting = await publish_via_referral(client)
    await Need.update({Need.status: "closed"}).where(Need.public_id.is_in(waiting))
    await an_hour_passes()
    async with unit_of_work():
        assert await send_digests() == 0
    assert len(await notifications_of(org)) == 1
    assert await DigestEntry.count().where(DigestEntry.notification.is_null()) == 0
    # Nothing was said, so the organisation keeps its hour for the next need.
    last = await OrganisationDigest.select(OrganisationDigest.last_sent_at).first()
    assert last is not None and last["last_sent_at"] < datetime.now(UTC) - timedelta(minutes=60)


async def test_inbox_lists_reads_and_badges(client: httpx.AsyncClient) -> None:
    org = await org_with(regions=[BINHAI], categories=["medical"])
    member = await make_user(Role.org_member, organisation_id=org)
    outsider = await make_user(Role.org_member)
    headers = await api_token(client, member.username)
    outsider_headers = await api_token(client, outsider.username)
    case, _ = await publish_via_referral(client)

    inbox = (await client.get("/api/v1/inbox", headers=headers)).json()
    assert inbox["unread"] == 1
    (item,) = inbox["items"]
    assert item["read_at"] is None and item["kind"] == "need_digest"
    assert item["organisation_name"]
    assert (await client.get("/api/v1/inbox", headers=outsider_headers)).json() == {
        "items": [],
        "unread": 0,
    }
    refused = await client.post(f"/api/v1/inbox/{item['id']}/read", headers=outsider_headers)
    assert refused.status_code == 404 and refused.json()["code"] == "notification_not_found"
    assert (await client.get("/api/v1/inbox")).status_code == 401

    await web_login(client, member.username)
    page = await client.get("/needs")
    assert '<span class="badge">1<span class="sr-only"> 条未读</span></span>' in page.text
    inbox_page = await client.get("/inbox")
    assert inbox_page.status_code == 200 and item["title"] in inbox_page.text
    for text in (inbox_page.text, json.dumps(inbox, ensure_ascii=False)):
        for secret in personal_data(case):
            assert secret not in text, secret

    # Opening it from the page marks it read and goes where it points.
    token = await csrf_token(client, "/inbox")
    opened = await client.post(
        f"/inbox/{item['id']}/open", data={"_csrf_token": token}, follow_redirects=False
    )
    assert opened.status_code == 303 and opened.headers["location"] == item["link"]
    assert (await client.get("/api/v1/inbox", headers=headers)).json()["unread"] == 0
    assert "条未读" not in (await client.get("/needs")).text
    read = await client.post(f"/api/v1/inbox/{item['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None

    # The digest address form on the same page.
    token = await csrf_token(client, "/inbox")
    wrong = await client.post(
        f"/inbox/organisations/{org}/email", data={"_csrf_token": token, "email": "nope"}
    )
    assert wrong.status_code == 400 and "电子邮箱格式不正确" in wrong.text
    saved = await client.post(
        f"/inbox/organisations/{org}/email",
        data={"_csrf_token": token, "email": "help@charity.example"},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "摘要邮件地址已保存" in saved.text
    assert 'value="help@charity.example"' in saved.text
    marked = await client.post("/api/v1/inbox/read-all", headers=headers)
    assert marked.json() == {"marked": 0}


@pytest.fixture
async def smtp(settings: Settings) -> AsyncIterator[SmtpSink]:
    """A local SMTP server, and the app's settings pointing at it for this test only."""
    async with SmtpSink() as sink:
        set_settings(
            settings.model_copy(
                update={
                    "smtp_host": sink.host,
                    "smtp_port": sink.port,
                    "smtp_user": "digest-bot",
                    "smtp_password": "sink-password",
                    "smtp_from": "救助衔接平台 <noreply@aidbridge.test>",
                }
            )
        )
        try:
            yield sink
        finally:
            set_settings(settings)


async def test_digest_is_emailed_to_the_organisation_address(
    client: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    org = await org_with(regions=[BINHAI], categories=["medical", "education"])
    quiet = await org_with(regions=[BINHAI], categories=["medical"])  # no address: inbox only
    member = await make_user(Role.org_member, organisation_id=org)
    headers = await api_token(client, member.username)
    path = f"/api/v1/organisations/{org}/digest-settings"
    bad = await client.put(path, json={"email": "not an address"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["field"] == "email"
    saved = await client.put(path, json={"email": "help@charity.example"}, headers=headers)
    assert saved.status_code == 200, saved.text
    assert (await client.get(path, headers=headers)).json() == {"email": "help@charity.example"}
    outsider = await api_token(client, (await make_user(Role.org_member)).username)
    assert (await client.get(path, headers=outsider)).status_code == 404

    case, _ = await publish_via_referral(client)

    assert len(smtp.messages) == 1
    (mail,) = smtp.messages
    assert mail.recipients == ["help@charity.example"]
    assert smtp.logins == [("digest-bot", "sink-password")]
    message = mail.message
    (digest,) = await notifications_of(org)
    assert message["Subject"] == f"【救助衔接平台】{digest['title']}"
    text = message.get_content().replace("\r\n", "\n")
    assert digest["body"] in text
    # Sent in-process after the approving request: the link is on that request's address.
    assert f"http://testserver.local/organisations/{org}/recommendations" in text
    for secret in personal_data(case):
        assert secret not in text and secret not in str(message["Subject"]), secret
    assert digest["emailed_at"] is not None
    assert (await notifications_of(quiet))[0]["emailed_at"] is None

    # A retried e-mail job sends nothing twice.
    from backend.notifications.jobs import email_notification

    async with unit_of_work():
        await email_notification(digest["public_id"])
    assert len(smtp.messages) == 1


async def test_an_smtp_outage_leaves_the_inbox_entry_and_a_dead_letter(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    async with SmtpSink() as sink:
        closed_port = sink.port  # nothing listens there once the sink has stopped
    set_settings(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": closed_port}))
    try:
        org = await org_with(regions=[BINHAI], categories=["medical"])
        async with unit_of_work():
            await set_digest_settings(org, DigestSettings(email="help@charity.example"))
        await publish_via_referral(client)
    finally:
        set_settings(settings)
    (digest,) = await notifications_of(org)
    assert digest["emailed_at"] is None
    dead = await DeadJob.select().where(DeadJob.name == "notifications.email_notification")
    assert len(dead) == 1 and "help@charity.example" not in dead[0]["error_message"]


def digest_cron(settings: Settings) -> CronJob:
    (cron,) = [
        c
        for c in cron_jobs(settings, registered_jobs())
        if c.name == "cron:notifications.send_digests"
    ]
    return cron


def test_jobs_are_registered_and_digests_are_on_the_worker_cron(settings: Settings) -> None:
    jobs = registered_jobs()
    for name in ("notify_need_published", "send_digests", "email_notification"):
        assert f"notifications.{name}" in jobs
    cron = digest_cron(settings)
    assert cron.minute == {0, 10, 20, 30, 40, 50}
    assert cron.unique
    assert cron.max_tries == settings.job_max_tries + 1


async def test_the_cron_entry_runs_send_digests_in_a_unit_of_work(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    org = await org_with(regions=[BINHAI], categories=["medical"])
    await publish_via_referral(client)
    await publish_via_referral(client)
    await an_hour_passes()
    assert await digest_cron(settings).coroutine({"job_try": 1}) == 1
    assert len(await notifications_of(org)) == 2
