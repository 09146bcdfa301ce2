"""The command families a conformance run checks, in the order it runs them."""

from __future__ import annotations

from fakestash._conformance.families import (
    bitmaps,
    functions,
    geo,
    hash_ttl,
    hashes,
    hyperloglog,
    keys,
    lists,
    pubsub,
    scripting,
    sets,
    strings,
    zsets,
)
from fakestash._conformance.sequence import Family

FAMILIES: dict[str, Family] = {
    module.FAMILY.name: module.FAMILY
    for module in (strings, keys, hashes, hash_ttl, lists, sets, zsets, bitmaps, geo,
                   hyperloglog, scripting, functions, pubsub)
}  # fmt: skip
