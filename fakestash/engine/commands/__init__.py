"""Every command family; importing this package fills the command table."""

from fakestash.engine.commands import (  # noqa: F401
    functions,
    hashes,
    keys,
    lists,
    pubsub,
    scripting,
    server,
    sets,
    strings,
    zsets,
)
