"""Text analysis as Tantivy's default tokenizer plus a Snowball stemmer does it.

Tantivy's ``default`` analyser splits on every character that is not alphanumeric
(``SimpleTokenizer``), drops tokens of 40 bytes or more (``RemoveLongFilter``) and lowercases
(``LowerCaser``); Upstash adds the Snowball stemmer of the index ``LANGUAGE``
(rust-stemmers, the same Snowball algorithms as the pure-Python ``snowballstemmer``).
``NOSTEM`` skips the stemmer; ``NOTOKENIZE`` makes the whole value one (lowercased) term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Callable

import snowballstemmer

LANGUAGES = (
    "arabic",
    "danish",
    "dutch",
    "english",
    "finnish",
    "french",
    "german",
    "greek",
    "hungarian",
    "italian",
    "norwegian",
    "portuguese",
    "romanian",
    "russian",
    "spanish",
    "swedish",
    "tamil",
    "turkish",
)

_WORD = re.compile(r"[^\W_]+")
MAX_TOKEN_BYTES = 40


@dataclass(frozen=True)
class Token:
    """One analysed term with its position and its span in the original text."""

    term: str
    position: int
    start: int
    end: int


@cache
def _stemmer(language: str) -> Callable[[str], str]:
    stemmer = snowballstemmer.stemmer(language)
    cache: dict[str, str] = {}

    def stem(word: str) -> str:
        out = cache.get(word)
        if out is None:
            out = cache[word] = str(stemmer.stemWord(word))
        return out

    return stem


class Analyzer:
    """The analysis of one TEXT field: language, stemming on or off, tokenizing on or off."""

    def __init__(self, language: str, *, stem: bool = True, tokenize: bool = True) -> None:
        self.language = language
        self.stem = _stemmer(language) if stem else None
        self.tokenize = tokenize

    def term(self, word: str) -> str:
        """One already-split word as an indexed term (lowercased, stemmed)."""
        word = word.lower()
        return self.stem(word) if self.stem is not None else word

    def tokens(self, text: str) -> list[Token]:
        """The terms of a text, with positions and character spans."""
        if not self.tokenize:
            return [Token(text.lower(), 0, 0, len(text))] if text else []
        out: list[Token] = []
        for match in _WORD.finditer(text):
            word = match.group()
            if len(word.encode()) >= MAX_TOKEN_BYTES:
                continue
            out.append(Token(self.term(word), len(out), match.start(), match.end()))
        return out

    def terms(self, text: str) -> list[str]:
        return [t.term for t in self.tokens(text)]

    def words(self, text: str) -> list[str]:
        """The lowercased words of a text, unstemmed (for prefix and fuzzy queries)."""
        if not self.tokenize:
            return [text.lower()] if text else []
        return [w.lower() for w in _WORD.findall(text) if len(w.encode()) < MAX_TOKEN_BYTES]
