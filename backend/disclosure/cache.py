"""An in-process cache of rendered disclosure content, correct by construction.

Each entry is stored under a *name* (``need:<id>``, ``platform``, ``open-data:needs.csv``)
together with the *version* it was built for: the snapshot key of
``backend/disclosure/service.py``, which moves with every ledger entry, every sealing, and
every change of a need or organisation the page shows. A reader always asks the database for
the current version first (a few indexed queries), so a cached body is served only while it is
still exactly what a fresh render would give; nothing has to remember to invalidate it.

Per process, not shared: every app replica checks the version itself, so replicas never serve
each other's stale copies. One version per name is kept (a new version replaces the old) and
the least recently used names are dropped past ``MAX_ITEMS``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_ITEMS = 512


@dataclass(frozen=True)
class Cached:
    version: str
    body: bytes
    #: A strong validator of the body: the first 32 hex digits of its SHA-256.
    etag: str


class VersionedCache:
    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, Cached] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, name: str, version: str) -> Cached | None:
        found = self._items.get(name)
        if found is None or found.version != version:
            return None
        self._items.move_to_end(name)
        return found

    def put(self, name: str, version: str, body: bytes) -> Cached:
        item = Cached(version, body, hashlib.sha256(body).hexdigest()[:32])
        self._items[name] = item
        self._items.move_to_end(name)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
        return item

    async def fetch(self, name: str, version: str, build: Callable[[], Awaitable[bytes]]) -> Cached:
        """The cached body for ``version``, building (and keeping) it when missing or older."""
        found = self.get(name, version)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        return self.put(name, version, await build())

    def clear(self) -> None:
        self._items.clear()


#: The process's cache of disclosure pages and open-data files.
disclosure_cache = VersionedCache()
