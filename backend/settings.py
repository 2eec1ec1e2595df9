"""Typed settings from environment variables, loaded lazily.

An unset ``DATABASE_URL``, ``REDIS_URL`` or ``MEILI_URL`` selects the embedded part (SQLite
under ``var/``, in-process jobs, the embedded search engine), so ``make demo`` needs no
services. Production refuses to start with the development secrets below: they are public in
this repository and protect nothing.
"""

from __future__ import annotations

import base64
import ipaddress
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from matching.ledger_keys import parse_schedule

# Development-only secrets. Anyone can read them here, which is why production refuses them.
DEV_SESSION_SECRET = "dev-session-secret-not-for-production-0000"
DEV_DATA_ENCRYPTION_KEYS = "dev1:" + base64.b64encode(b"D" * 32).decode()
DEV_BLIND_INDEX_KEY = base64.b64encode(b"B" * 32).decode()
DEV_LEDGER_SIGNING_KEY = base64.b64encode(b"L" * 32).decode()

#: The key id of ``BLIND_INDEX_KEY`` when it is the only blind-index key.
LEGACY_BLIND_INDEX_KID = "b0"

_DEV_SECRETS = {
    "session_secret": DEV_SESSION_SECRET,
    "data_encryption_keys": DEV_DATA_ENCRYPTION_KEYS,
    "blind_index_key": DEV_BLIND_INDEX_KEY,
    "ledger_signing_key": DEV_LEDGER_SIGNING_KEY,
}


def key_pairs(setting: str, *, exact: bool = True) -> list[tuple[str, bytes]]:
    """``kid:base64key,…`` in order; each key 32 bytes (at least 32 unless ``exact``), ids
    unique and without ':'."""
    pairs: list[tuple[str, bytes]] = []
    for item in setting.split(","):
        kid, sep, encoded = item.strip().partition(":")
        if not item.strip():
            continue
        if not sep or not kid:
            raise ValueError("keys are written kid:base64key, comma separated")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ValueError(f"key {kid!r} is not base64") from exc
        if len(key) < 32 or (exact and len(key) != 32):
            raise ValueError(f"key {kid!r} must be {'' if exact else 'at least '}32 bytes")
        if kid in dict(pairs):
            raise ValueError(f"key id {kid!r} appears twice")
        pairs.append((kid, key))
    if not pairs:
        raise ValueError("no key given")
    return pairs


class InsecureSettingsError(ValueError):
    """Raised when production settings keep a development secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    #: The address people reach the site at, for absolute links and QR codes
    #: (``backend/public_url.py``). Unset: the address each request was sent to.
    public_base_url: str | None = None
    var_dir: Path = Path("var")

    database_url: str | None = Field(default=None, description="postgresql://… ; unset: SQLite")
    database_pool_max: int = 20
    redis_url: str | None = Field(default=None, description="redis://… ; unset: in-process jobs")
    meili_url: str | None = Field(default=None, description="http://… ; unset: embedded search")
    meili_api_key: str | None = None
    job_queue_name: str = "aidbridge:queue"
    job_max_tries: int = 5
    #: Without Redis, run the scheduled jobs in the app process (``backend/jobs/scheduler.py``).
    #: Unset: on, except under ``ENVIRONMENT=test``. Ignored when ``REDIS_URL`` is set.
    embedded_scheduler: bool | None = None

    session_secret: str = DEV_SESSION_SECRET
    session_max_age_seconds: int = 8 * 3600
    #: ``kid:base64key`` pairs, comma separated; the first is used to encrypt, all to decrypt
    #: (``aidbridge rotate-data-key`` re-seals everything under the first).
    data_encryption_keys: str = DEV_DATA_ENCRYPTION_KEYS
    #: base64 of the blind-index key; its key id is ``b0`` (see ``blind_index_keys``).
    blind_index_key: str = DEV_BLIND_INDEX_KEY
    #: ``kid:base64key`` pairs: the first computes new blind indexes, all are looked up, so a
    #: new key can sit beside the old one while ``aidbridge rotate-blind-index`` recomputes.
    #: Unset: ``b0:`` and ``blind_index_key``.
    blind_index_keys: str | None = None
    #: base64 of the 32-byte Ed25519 seed that signs ledger tree heads (one key, forever).
    ledger_signing_key: str = DEV_LEDGER_SIGNING_KEY
    #: The signing-key schedule, which replaces ``ledger_signing_key`` when set:
    #: ``seed[@start],seed@start,public:pubkey@start`` (``matching/ledger_keys.py``).
    ledger_signing_keys: str | None = None

    #: Digest e-mails (notifications). Unset ``smtp_host``: in-app inbox only. Port 465 means
    #: implicit TLS; otherwise STARTTLS is used whenever the server offers it.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = Field(default=None, description="e.g. 救助衔接平台 <noreply@…>")

    #: Online donations (Stripe PaymentIntents, CNY). All three keys unset: offline donations
    #: only (recorded by the charity). ``stripe_api_base`` unset means Stripe itself; tests
    #: point it at localstripe. ``stripe_wallets`` adds Alipay and WeChat Pay to the card.
    stripe_secret_key: str | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    stripe_js_url: str = "https://js.stripe.com/v3/"
    stripe_wallets: bool = False

    #: Largest disbursement evidence file accepted (bytes); at most 50 MiB, the request ceiling
    #: of the upload routes (backend/disbursements/evidence.py).
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=50 * 1024 * 1024)

    #: Login throttling (backend/accounts/throttle.py). Failures are counted per account and
    #: client over the window; from ``login_max_failures`` on, that client waits a back-off
    #: that starts at ``login_backoff_seconds`` and doubles with each further failure, capped
    #: at the window. Attempts while waiting are refused without being counted, and a browser
    #: holding the signed device cookie of an earlier login to the account is never held back
    #: by failures made elsewhere.
    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window_seconds: int = Field(default=60 * 60, ge=60)
    login_backoff_seconds: int = Field(default=60, ge=1)
    #: Failures from one client across all accounts (password spraying) before it waits too.
    login_max_failures_per_client: int = Field(default=20, ge=1)
    #: Failures against one account from all clients together (a distributed guess) before
    #: clients without that account's device cookie wait too.
    login_max_failures_per_account: int = Field(default=50, ge=1)
    #: Addresses or networks (comma separated, e.g. ``10.0.0.5,172.18.0.0/16``) of the reverse
    #: proxies in front of the app. Only a request arriving from one of them has its
    #: ``X-Forwarded-For`` read; unset, the header is ignored and the peer address counts.
    trusted_proxies: str = ""
    #: ``Strict-Transport-Security`` max-age sent in production (HTTPS is assumed there).
    hsts_max_age_seconds: int = Field(default=365 * 24 * 3600, ge=0)
    log_json: bool = False
    log_level: str = "INFO"

    @field_validator("var_dir")
    @classmethod
    def _absolute_var_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("public_base_url", mode="before")
    @classmethod
    def _base_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().rstrip("/")
            if not value:
                return None
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    "PUBLIC_BASE_URL must be an http(s) address, e.g. https://平台地址"
                )
            if parts.query or parts.fragment:
                raise ValueError("PUBLIC_BASE_URL takes no query or fragment")
        return value

    @field_validator("ledger_signing_keys", "blind_index_keys", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """``LEDGER_SIGNING_KEYS=`` (as compose passes an unset variable) means not set."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ledger_signing_keys")
    @classmethod
    def _key_schedule_parses(cls, value: str | None) -> str | None:
        if value is not None:
            parse_schedule(value)
        return value

    @field_validator("data_encryption_keys")
    @classmethod
    def _data_keys_parse(cls, value: str) -> str:
        key_pairs(value)
        return value

    @field_validator("blind_index_keys")
    @classmethod
    def _blind_keys_parse(cls, value: str | None) -> str | None:
        if value is not None:
            key_pairs(value, exact=False)
        return value

    @property
    def blind_index_key_pairs(self) -> str:
        """The blind-index keys as ``kid:key`` pairs, the single legacy key as ``b0``."""
        return self.blind_index_keys or f"{LEGACY_BLIND_INDEX_KID}:{self.blind_index_key}"

    def _dev_secrets_kept(self) -> list[str]:
        kept = [name for name, dev in _DEV_SECRETS.items() if getattr(self, name) in ("", dev)]
        # A schedule replaces the single key: judge the keys in use, not an unused default.
        if self.ledger_signing_keys is not None:
            kept = [n for n in kept if n != "ledger_signing_key"]
            if DEV_LEDGER_SIGNING_KEY in self.ledger_signing_keys:
                kept.append("ledger_signing_keys")
        if self.blind_index_keys is not None:
            kept = [n for n in kept if n != "blind_index_key"]
            if DEV_BLIND_INDEX_KEY in self.blind_index_keys:
                kept.append("blind_index_keys")
        if "data_encryption_keys" not in kept and DEV_DATA_ENCRYPTION_KEYS.split(":")[1] in (
            self.data_encryption_keys
        ):
            kept.append("data_encryption_keys")
        return kept

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        kept = self._dev_secrets_kept()
        if kept:
            names = ", ".join(name.upper() for name in kept)
            raise InsecureSettingsError(
                f"production refuses the development defaults of: {names}. "
                "Set each to a fresh secret (see README, 'Settings')."
            )
        if len(self.session_secret) < 32:
            raise InsecureSettingsError("SESSION_SECRET must be at least 32 characters")
        stripe_keys = (
            self.stripe_secret_key,
            self.stripe_publishable_key,
            self.stripe_webhook_secret,
        )
        if self.smtp_host and not self.public_base_url:
            # A mail is sent by a job, outside any request: only the setting knows the address.
            raise InsecureSettingsError("set PUBLIC_BASE_URL for the links in notification e-mails")
        if any(stripe_keys) and not all(stripe_keys):
            # Half a configuration takes money without recording it (no webhook secret).
            raise InsecureSettingsError(
                "set all of STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET, "
                "or none of them (offline donations only)"
            )
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            ipaddress.ip_network(part, strict=False)  # ValueError names the bad entry
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        parts = filter(None, (p.strip() for p in self.trusted_proxies.split(",")))
        return tuple(ipaddress.ip_network(part, strict=False) for part in parts)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def stripe_enabled(self) -> bool:
        """Online donations are offered only when every Stripe key is set."""
        return bool(
            self.stripe_secret_key and self.stripe_publishable_key and self.stripe_webhook_secret
        )

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url)

    @property
    def sqlite_path(self) -> Path:
        return self.var_dir / "aidbridge.sqlite3"

    @property
    def search_dir(self) -> Path:
        return self.var_dir / "search"


_current: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    global _current
    if _current is None:
        _current = Settings()
    return _current


def set_settings(settings: Settings | None) -> None:
    """Make ``settings`` the process-wide settings (``None``: read the environment again).

    The app factory calls this with the settings it was given, so that jobs, health checks and
    the app agree on one configuration.
    """
    global _current
    _current = settings
