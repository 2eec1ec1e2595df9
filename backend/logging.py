"""Structured logs that never carry a household's personal data.

Two defences: log calls pass ids and codes, never personal fields; and a processor redacts any
value under a personal-data key and any string that looks like an ID number or a phone number,
in case a message slips through (an exception text, a third-party library).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from backend.settings import Settings

PERSONAL_KEYS = frozenset(
    {
        "password",
        "name",
        "full_name",
        "id_number",
        "phone",
        "address",
        "birth_date",
        "narrative",
        "household",
        "members",
        "token",
        "authorization",
        "cookie",
    }
)
REDACTED = "[已隐去]"

# 18-character ID numbers (last may be X), 15-digit old ones, mainland mobiles (+86 optional),
# also written with spaces or dashes between groups.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}[\s-]?\d{8}[\s-]?\d{3}[\dXx](?![0-9A-Za-z])")
_OLD_ID_NUMBER = re.compile(r"(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")


def scrub_text(text: str) -> str:
    text = _ID_NUMBER.sub(REDACTED, text)
    text = _OLD_ID_NUMBER.sub(REDACTED, text)
    return _MOBILE.sub(REDACTED, text)


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: REDACTED if k in PERSONAL_KEYS else _scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    return value


def scrub_personal_data(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event):
        event[key] = REDACTED if key in PERSONAL_KEYS else _scrub_value(event[key])
    return event


def configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_json or settings.is_production
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        scrub_personal_data,
    ]
    # structlog hands its events to the standard library, so one handler (and the test
    # suite's caplog) sees ours and third-party records alike, rendered and scrubbed the same.
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Uvicorn's access log prints query strings, which may hold a searched name: we log
    # requests ourselves (backend.web.middleware) without them.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
