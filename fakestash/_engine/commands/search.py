"""Upstash Redis Search: SEARCH.CREATE … SEARCH.LISTINDEXES (Tantivy-style full-text search
over hashes, JSON documents, JSON strings and the entries of a stream).

The declarations are here; the implementation (``fakestash/_engine/search/commands.py``) and
the index model (``fakestash._engine.search``) load when a database first runs a SEARCH
command. An index is a key of type ``search``; aliases are per-database state. Reply shapes
follow Upstash's (see docs/commands/search.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_at

if TYPE_CHECKING:
    from fakestash._engine.database import Database
    from fakestash._engine.replies import Reply

FAMILY = Family("search", group="search")


@FAMILY.command("search.create", -2, "write", keys=[key_at(1, "RW access update")])
def search_create(db: Database, args: list[bytes]) -> Reply:
    """Create a search index over the HASH, JSON or STRING keys under some prefixes, or over
    the entries of one stream (ON STREAM key)."""
    from fakestash._engine.search import commands

    return commands.search_create(db, args)


@FAMILY.command("search.query", -3, "readonly", keys=[key_at(1, "RO access")])
def search_query(db: Database, args: list[bytes]) -> Reply:
    """Search an index with a JSON filter; hits with scores and (selected) content."""
    from fakestash._engine.search import commands

    return commands.search_query(db, args)


@FAMILY.command("search.count", 3, "readonly", keys=[key_at(1, "RO access")])
def search_count(db: Database, args: list[bytes]) -> Reply:
    """The number of documents a JSON filter matches (-1 if there is no such index)."""
    from fakestash._engine.search import commands

    return commands.search_count(db, args)


@FAMILY.command("search.aggregate", 4, "readonly", keys=[key_at(1, "RO access")])
def search_aggregate(db: Database, args: list[bytes]) -> Reply:
    """Aggregate (metrics and buckets) over the documents a JSON filter matches."""
    from fakestash._engine.search import commands

    return commands.search_aggregate(db, args)


@FAMILY.command("search.describe", 2, "readonly", keys=[key_at(1, "RO access")])
def search_describe(db: Database, args: list[bytes]) -> Reply:
    """The definition of an index (or of an alias' target); null if there is none."""
    from fakestash._engine.search import commands

    return commands.search_describe(db, args)


@FAMILY.command("search.waitindexing", 2, "readonly", keys=[key_at(1, "RO access")])
def search_waitindexing(db: Database, args: list[bytes]) -> Reply:
    """Wait until queued updates are visible (always at once here); 0 if no index."""
    from fakestash._engine.search import commands

    return commands.search_waitindexing(db, args)


@FAMILY.command("search.reindex", 2, "write", keys=[key_at(1, "RW access update")], upstash=False)
def search_reindex(db: Database, args: list[bytes]) -> Reply:
    """Rebuild an index from the current keys (SKIPINITIALSCAN keys included)."""
    from fakestash._engine.search import commands

    return commands.search_reindex(db, args)


@FAMILY.command("search.drop", 2, "write", keys=[key_at(1, "RW access update")])
def search_drop(db: Database, args: list[bytes]) -> Reply:
    """Drop an index by its own name (documents and aliases stay)."""
    from fakestash._engine.search import commands

    return commands.search_drop(db, args)


@FAMILY.command("search.listindexes", -1, "readonly", upstash=False)
def search_listindexes(db: Database, args: list[bytes]) -> Reply:
    """The indexes, sorted by name: [MATCH glob] [LIMIT n (0 = all)] [OFFSET n]."""
    from fakestash._engine.search import commands

    return commands.search_listindexes(db, args)


@FAMILY.command("search.aliasadd", 3, "write")
def search_aliasadd(db: Database, args: list[bytes]) -> Reply:
    """Point an alias at an index (which need not exist): 1 if new, 2 if updated."""
    from fakestash._engine.search import commands

    return commands.search_aliasadd(db, args)


@FAMILY.command("search.aliasdel", 2, "write")
def search_aliasdel(db: Database, args: list[bytes]) -> Reply:
    """Remove an alias: 1 if it existed, else 0."""
    from fakestash._engine.search import commands

    return commands.search_aliasdel(db, args)


@FAMILY.command("search.listaliases", 1, "readonly")
def search_listaliases(db: Database, args: list[bytes]) -> Reply:
    """Every alias and its target, sorted by alias (dangling ones included)."""
    from fakestash._engine.search import commands

    return commands.search_listaliases(db, args)
