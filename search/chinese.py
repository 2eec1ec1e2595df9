"""Chinese text analysis shared by both engines, so that they find the same needs.

Documents and queries go through the same steps:

1. every character that is not a letter or digit becomes a space: quotes, operators (AND, -,
   +, *, :), brackets and emoji never reach an engine's query syntax;
2. NFKC, so full-width Latin and digits (ＭＲＩ, ３０００) read as ASCII;
3. Traditional → Simplified with OpenCC (醫療 → 医疗), phrase-aware, so either form finds both;
4. lower case for Latin;
5. jieba word segmentation without its HMM. Documents use search mode, which adds the
   dictionary words inside longer words (中华人民共和国 → 中华, 人民, 共和国 …); queries use the
   precise mode, one token per word. Every precise-mode word of a text is among its search-mode
   tokens, so a query word is found wherever the same word is written. The HMM is off on both
   sides because it guesses new words from context, and a guess made differently in a query
   and in a story would make them miss each other.

OpenCC is the official binding (PyPI ``opencc``, compiled wheels, ~5 µs a story) rather than
the pure-Python ``opencc-python-reimplemented`` (~230 µs, last released 2023); both install a
module named ``opencc``, so only one may be installed.

Segmentation runs on rjieba (the jieba-rs binding: the same dictionary and the same cuts as
jieba, about twenty times faster, which the 5,000 needs/s indexing budget needs) and falls back
to a private ``jieba.Tokenizer`` when rjieba is not installed; a test checks that both cut alike.
Both are private instances that also know the built-in thesaurus's words (护理床, 助行器, 适老化
…), which jieba's general dictionary lacks and would cut into single characters. Only the
built-in words: they change how documents are indexed, so they move with the code (and a
reindex), while the words admins add take effect at query time alone.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import opencc

from matching.thesaurus import builtin_entries

#: Words too common to help find a need; dropped from documents and queries alike.
# fmt: off
STOPWORDS = frozenset({
    "的", "了", "和", "与", "及", "或", "是", "在", "有", "为", "也", "等", "把", "被",
    "给", "就", "都", "而", "之", "其", "这", "那", "个", "吗", "呢", "吧", "啊", "并",
    "对", "从", "以", "于", "向", "但", "又", "还", "着", "过", "我", "你", "他", "她",
    "它", "们", "我们", "他们", "她们", "一个", "一些", "这个", "那个", "以及", "并且", "或者",
})
# fmt: on
#: Tokens longer than this are dropped: no word is this long, and engines cap term length.
MAX_TOKEN_CHARS = 64

_NON_WORD = re.compile(r"[\W_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified, leaving everything that is not Chinese as it is."""
    return str(_converter().convert(text))


def clean(text: str) -> str:
    """Step 1: anything that is not a letter or a digit becomes a space."""
    return _NON_WORD.sub(" ", text)


def fold_for_tokens(text: str) -> str:
    """Steps 1–4, cleaning first: full-width punctuation (，。) would otherwise send almost
    every Chinese text through NFKC (~0.25 µs a character), which only matters here for
    letters and digits; the is-normalised check costs ~100× less."""
    text = clean(text)
    if not unicodedata.is_normalized("NFKC", text):
        text = clean(unicodedata.normalize("NFKC", text))
    return to_simplified(text).lower()


#: Frequency given to the thesaurus words jieba lacks: enough to keep a word whole against
#: a split into shorter words, too little to pull characters from a neighbouring word.
DOMAIN_WORD_FREQ = 100


def domain_words() -> list[str]:
    """The built-in thesaurus's Chinese words of two characters or more, in file order."""
    seen: dict[str, None] = {}
    for entry in builtin_entries():
        for term in (entry.head, *entry.terms):
            if term and len(term) >= 2 and all(_HAN.match(c) for c in term):
                seen.setdefault(term, None)
    return list(seen)


@lru_cache(maxsize=1)
def _segmenters() -> tuple[Callable[[str], list[str]], Callable[[str], list[str]]]:
    """(precise cut, search-mode cut), loaded once: jieba's dictionary takes a while."""
    try:
        import rjieba  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _jieba_segmenters()

    jieba_rs = rjieba.Jieba()
    for word in domain_words():
        if not jieba_rs.has_word(word):
            jieba_rs.add_word(word, DOMAIN_WORD_FREQ, None)

    def cut(text: str) -> list[str]:
        return list(jieba_rs.cut(text, False))

    def cut_for_search(text: str) -> list[str]:
        return list(jieba_rs.cut_for_search(text, False))

    return cut, cut_for_search


def _jieba_segmenters() -> tuple[Callable[[str], list[str]], Callable[[str], list[str]]]:
    """Pure-Python jieba on a private tokenizer, quiet, so nothing else can change its words."""
    import jieba  # type: ignore[import-untyped,unused-ignore]

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in domain_words():
        if not tokenizer.FREQ.get(word):
            tokenizer.add_word(word, freq=DOMAIN_WORD_FREQ)

    def cut(text: str) -> list[str]:
        return [str(w) for w in tokenizer.cut(text, HMM=False)]

    def cut_for_search(text: str) -> list[str]:
        return [str(w) for w in tokenizer.cut_for_search(text, HMM=False)]

    return cut, cut_for_search


@lru_cache(maxsize=1)
def _general_cut() -> Callable[[str], list[str]]:
    """jieba's precise cut with its own dictionary only, without the thesaurus's words."""
    try:
        import rjieba  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        import jieba  # type: ignore[import-untyped,unused-ignore]

        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        return lambda text: [str(w) for w in tokenizer.cut(text, HMM=False)]
    plain = rjieba.Jieba()
    return lambda text: list(plain.cut(text, False))


def general_words(word: str) -> list[str]:
    """The words jieba's own dictionary cuts a folded word into: 透析费用 → 透析, 费用."""
    return [t for t in _general_cut()(word) if t.strip()]


def warm_up() -> None:
    """Load the dictionaries now, at start-up, rather than in the first request."""
    _segmenters()
    _converter()


#: Tokens never indexed nor searched: the stopwords, and the spaces jieba hands back.
_DROP = STOPWORDS | {" "}


def index_tokens(text: str) -> list[str]:
    """The tokens a document's text is indexed under (search mode, repeats kept)."""
    _, cut_for_search = _segmenters()
    return [
        t
        for t in cut_for_search(fold_for_tokens(text))
        if t not in _DROP and len(t) <= MAX_TOKEN_CHARS
    ]


def query_chunks(q: str) -> list[list[str]]:
    """The words of a query (precise mode), grouped by the spaces, punctuation and stopwords
    that separated them as typed: 独居老人 取暖 → [[独居, 老人], [取暖]].

    A word too long to be indexed is kept, cut to the indexed length, so that it matches
    nothing rather than vanishing and turning the query into "everything".
    """
    cut, _ = _segmenters()
    chunks: list[list[str]] = []
    for part in fold_for_tokens(q).split():
        chunk: list[str] = []
        for token in cut(part):
            if token in STOPWORDS:  # 轮椅和床: two things, not one word 轮椅床
                if chunk:
                    chunks.append(chunk)
                chunk = []
            elif token.strip():
                chunk.append(token[:MAX_TOKEN_CHARS])
        if chunk:
            chunks.append(chunk)
    return chunks


def query_words(q: str) -> list[str]:
    """The distinct words of a query (precise mode), in the order typed."""
    seen: dict[str, None] = {}
    for chunk in query_chunks(q):
        for word in chunk:
            seen.setdefault(word, None)
    return list(seen)


def analyse(text: str) -> tuple[list[str], list[str]]:
    """A document's text as (search-mode tokens, precise-mode tokens), folded once: the first
    to be found by, the second, one word after another, for phrases and proximity."""
    cut, cut_for_search = _segmenters()
    folded = fold_for_tokens(text)
    if not folded.strip():
        return [], []
    return _kept(cut_for_search(folded)), _kept(cut(folded))


def _kept(tokens: list[str], drop: frozenset[str] = _DROP) -> list[str]:
    """Tokens without stopwords and spaces, none longer than engines index."""
    return [t for t in tokens if t not in drop and len(t) <= MAX_TOKEN_CHARS]


def is_han(word: str) -> bool:
    """True when the word holds a Chinese character."""
    return bool(_HAN.search(word))


def is_latin_or_digits(word: str) -> bool:
    return word.isascii() and word.isalnum()
