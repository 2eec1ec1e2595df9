"""Piccolo's configuration: the engine chosen by the settings and the registry of apps."""

from piccolo.conf.apps import AppRegistry

from backend.db import build_engine
from backend.settings import get_settings

DB = build_engine(get_settings())

APP_REGISTRY = AppRegistry(
    apps=[
        "backend.regions.piccolo_app",
        "backend.organisations.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.jobs.piccolo_app",
        "backend.figures.piccolo_app",
        "backend.policy.piccolo_app",
        "backend.cases.piccolo_app",
        "backend.referrals.piccolo_app",
        "backend.needs.piccolo_app",
        "backend.audit.piccolo_app",
        "backend.imports.piccolo_app",
        "backend.pledges.piccolo_app",
        "backend.disbursements.piccolo_app",
        "backend.notifications.piccolo_app",
        "backend.events.piccolo_app",
        "backend.ledger.piccolo_app",
        "backend.donations.piccolo_app",
        "backend.thesaurus.piccolo_app",
    ]
)
