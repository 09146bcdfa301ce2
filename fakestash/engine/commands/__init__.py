"""Every command family; importing this package fills the command table."""

from fakestash.engine.commands import (  # noqa: F401
    admin,
    bitmaps,
    functions,
    geo,
    hashes,
    hyperloglog,
    json,
    keys,
    lists,
    pubsub,
    scripting,
    search,
    server,
    sets,
    streams,
    strings,
    zsets,
)
