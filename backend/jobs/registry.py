"""The registry of job functions.

Jobs are enqueued by passing the function itself, never its name, so a misspelt job fails when
the module is imported rather than in the worker at run time. Jobs take ids, not objects.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

P = ParamSpec("P")
JobFunction = Callable[..., Awaitable[Any]]

_JOBS: dict[str, JobFunction] = {}

#: Modules holding job functions; importing them fills the registry (worker start-up).
JOB_MODULES = (
    "backend.figures.jobs",
    "backend.needs.search_sync",
    "backend.pledges.jobs",
    "backend.needs.lifecycle",
    "backend.notifications.jobs",
    "backend.ledger.jobs",
    "backend.donations.jobs",
    "backend.jobs.jobs",
    "backend.thesaurus.jobs",
)


def job(func: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Any]]:
    """Register ``func`` as a job under its module-qualified name."""
    name = job_name(func)
    if name in _JOBS and _JOBS[name] is not func:
        raise ValueError(f"two jobs are named {name}")
    _JOBS[name] = func
    return func


def job_name(func: Callable[..., Awaitable[Any]]) -> str:
    return f"{func.__module__.rsplit('.', 2)[-2]}.{func.__name__}"


def registered_jobs() -> dict[str, JobFunction]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return dict(_JOBS)


def lookup(name: str) -> JobFunction:
    try:
        return _JOBS[name]
    except KeyError:
        registered_jobs()
        return _JOBS[name]
