"""The Litestar application factory."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig

from admin import admin_mount
from backend.accounts.controllers import (
    AuthApiController,
    LoginController,
    RelativesApiController,
    UsersApiController,
)
from backend.accounts.pages import RelativesPagesController
from backend.audit.controllers import AuditApiController
from backend.audit.pages import AuditPagesController
from backend.cases.controllers import CasesApiController
from backend.cases.pages import CasePagesController
from backend.db import start_engine, stop_engine
from backend.disbursements.controllers import DisbursementsApiController
from backend.disbursements.pages import DisbursementPagesController
from backend.disclosure.controllers import DisclosureApiController
from backend.disclosure.pages import DisclosurePagesController
from backend.donations.controllers import DonationsApiController, StripeWebhookController
from backend.donations.pages import DonationPagesController, OfflineDonationPagesController
from backend.health import HealthController
from backend.imports.controllers import CaseImportsApiController
from backend.imports.pages import ImportPagesController
from backend.jobs.controllers import ScheduledJobsApiController
from backend.jobs.pages import ScheduledJobsPagesController
from backend.jobs.queue import close_redis_pool
from backend.jobs.scheduler import EmbeddedScheduler
from backend.ledger.controllers import LedgerApiController
from backend.logging import configure_logging
from backend.needs.controllers import NeedsApiController
from backend.needs.pages import NeedPagesController
from backend.needs.search_sync import close_search_index
from backend.notifications.controllers import DigestSettingsApiController, InboxApiController
from backend.notifications.pages import InboxPagesController
from backend.organisations.controllers import InvitationsApiController, OrganisationsApiController
from backend.organisations.pages import InvitationPagesController, OrganisationPagesController
from backend.pledges.controllers import PledgesApiController
from backend.pledges.pages import LinkagePagesController, PledgePagesController
from backend.policy.controllers import PolicyApiController
from backend.policy.pages import PolicyPagesController
from backend.recommendations.controllers import RecommendationsApiController
from backend.recommendations.pages import RecommendationPagesController
from backend.referrals.controllers import ReferralsApiController
from backend.referrals.pages import ReferralPagesController, ReviewPagesController
from backend.regions.controllers import RegionsApiController
from backend.reports.controllers import ReportsApiController
from backend.reports.pages import ReportPagesController
from backend.settings import Settings, get_settings, set_settings
from backend.thesaurus.controllers import ThesaurusApiController
from backend.thesaurus.pages import ThesaurusPagesController
from backend.thesaurus.service import restore_at_start as restore_thesaurus
from backend.web.assets import ASSET_PATHS, favicon
from backend.web.auth import AuthenticationMiddleware
from backend.web.controllers import HomeController
from backend.web.errors import EXCEPTION_HANDLERS
from backend.web.input import (
    StrictInputMiddleware,
    StrictPydanticPlugin,
    StrictRequest,
    strip_unsafe,
)
from backend.web.middleware import (
    PublicAddressMiddleware,
    RequestLogMiddleware,
    TransactionMiddleware,
)
from backend.web.openapi import render_plugins
from backend.web.pages import TEMPLATE_GLOBALS, load_inbox_badge
from backend.web.security import ClientAddressMiddleware, security_headers
from backend.web.sessions import CsrfCookieWhenUsed, SessionConfig

WEB = Path(__file__).parent / "web"
UNAUTHENTICATED_PATHS = ["^/static/", "^/health/", "^/schema", *ASSET_PATHS]


def _session_store(settings: Settings) -> Store:
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="aidbridge-sessions")
    return FileStore(path=settings.var_dir / "sessions")


def _templates() -> TemplateConfig[JinjaTemplateEngine]:
    def register(engine: JinjaTemplateEngine) -> None:
        engine.engine.globals.update(TEMPLATE_GLOBALS)
        # No control or bidi character reaches a page, whatever was stored.
        engine.engine.finalize = strip_unsafe

    return TemplateConfig(
        directory=WEB / "templates", engine=JinjaTemplateEngine, engine_callback=register
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    set_settings(settings)
    configure_logging(settings)
    sessions = SessionConfig(
        max_age=settings.session_max_age_seconds,
        secure=settings.is_production,
        samesite="lax",
        exclude=["^/api/", *UNAUTHENTICATED_PATHS],
    )
    csrf = CSRFConfig(
        secret=settings.session_secret,
        cookie_secure=settings.is_production,
        exclude=["^/api/", "^/health/", *ASSET_PATHS],
    )

    # Without Redis, the scheduled jobs run in this process (off in tests unless enabled).
    scheduler = EmbeddedScheduler.for_settings(settings)

    async def on_shutdown() -> None:
        await scheduler.stop()
        await close_search_index()
        await close_redis_pool()
        await stop_engine()

    return Litestar(
        route_handlers=[
            HomeController,
            LoginController,
            ImportPagesController,
            CasePagesController,
            ReferralPagesController,
            ReviewPagesController,
            AuditPagesController,
            RelativesPagesController,
            NeedPagesController,
            OrganisationPagesController,
            InvitationPagesController,
            AuthApiController,
            UsersApiController,
            OrganisationsApiController,
            InvitationsApiController,
            RegionsApiController,
            RelativesApiController,
            CaseImportsApiController,
            CasesApiController,
            ReferralsApiController,
            AuditApiController,
            NeedsApiController,
            PledgesApiController,
            PledgePagesController,
            LinkagePagesController,
            DisbursementsApiController,
            DisbursementPagesController,
            RecommendationPagesController,
            RecommendationsApiController,
            InboxPagesController,
            ScheduledJobsPagesController,
            ScheduledJobsApiController,
            InboxApiController,
            DigestSettingsApiController,
            PolicyApiController,
            PolicyPagesController,
            ThesaurusApiController,
            ThesaurusPagesController,
            LedgerApiController,
            DisclosurePagesController,
            DisclosureApiController,
            DonationsApiController,
            StripeWebhookController,
            DonationPagesController,
            OfflineDonationPagesController,
            ReportPagesController,
            ReportsApiController,
            HealthController,
            admin_mount(settings),
            favicon,
            create_static_files_router(path="/static", directories=[WEB / "static"]),
        ],
        middleware=[
            ClientAddressMiddleware,
            RequestLogMiddleware,
            PublicAddressMiddleware,
            sessions.middleware,
            CsrfCookieWhenUsed,
            DefineMiddleware(AuthenticationMiddleware, exclude=UNAUTHENTICATED_PATHS),
            StrictInputMiddleware,
            TransactionMiddleware,
        ],
        before_send=[security_headers],
        csrf_config=csrf,
        plugins=[StrictPydanticPlugin()],
        request_class=StrictRequest,
        stores={"sessions": _session_store(settings)},
        template_config=_templates(),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="救助衔接平台 AidBridge API",
            version="1",
            path="/schema",
            render_plugins=render_plugins(),
        ),
        before_request=load_inbox_badge,
        on_startup=[start_engine, scheduler.start, restore_thesaurus],
        on_shutdown=[on_shutdown],
        state=State({"settings": settings}),
        logging_config=None,
        debug=False,
    )
