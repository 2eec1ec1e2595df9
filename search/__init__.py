"""Need search: one SearchIndex interface over an embedded engine and Meilisearch (issue 4).

A library the backend calls; it never imports the backend, and sees needs only as
``NeedDocument`` built from their public projection. The engines live in their own modules so
that importing the interface loads neither tantivy nor the Meilisearch client:

- ``search.embedded.EmbeddedIndex``: tantivy in a directory under ``var/`` (the default);
- ``search.meili.MeiliIndex``: Meilisearch, when ``MEILI_URL`` is set.

What a query means is decided once for both (issue 18): ``search.plan`` turns it into terms,
each with its forms from the thesaurus (``search.expansion`` over ``matching.thesaurus``) and,
when it finds nothing, its typo corrections (``search.typos``: pinyin keys and look-alikes).
"""

from search.documents import NeedDocument
from search.index import (
    FACETS,
    SORTS,
    Highlights,
    InvalidQuery,
    SearchError,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)

__all__ = [
    "FACETS",
    "SORTS",
    "Highlights",
    "InvalidQuery",
    "NeedDocument",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
]
