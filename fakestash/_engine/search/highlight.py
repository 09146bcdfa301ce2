"""HIGHLIGHT: wrap the terms a query matched in a TEXT field's value with the tags.

A token of the stored text is wrapped when one of the query's positive term-like leaves
on that field (term, phrase word, fuzzy or regex match, ``$smart`` parts) matches its
analysed form. Values are returned whole (no snippet truncation).
"""

from __future__ import annotations

from fakestash._engine.search.analysis import Analyzer
from fakestash._engine.search.filters import Node


def highlight(
    text: str, name: str, analyzer: Analyzer, leaves: list[Node], tags: tuple[str, str]
) -> str:
    out: list[str] = []
    at = 0
    for token in analyzer.tokens(text):
        if any(leaf.highlights(name, token.term) for leaf in leaves):
            out.append(text[at : token.start])
            out.append(tags[0] + text[token.start : token.end] + tags[1])
            at = token.end
    out.append(text[at:])
    return "".join(out)
