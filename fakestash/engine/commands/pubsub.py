"""Pub/sub commands: PUBLISH, SPUBLISH and PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/
SHARDNUMSUB/HELP. Subscribing is not a command over REST: it has its own SSE paths
(``fakestash.rest.sse``) and SUBSCRIBE in a body is refused (``commands/server.py``).
"""

from __future__ import annotations

from fakestash.engine.broker import broker_of
from fakestash.engine.database import Database
from fakestash.engine.replies import Reply, Status
from fakestash.engine.table import FAST, PUBSUB, command, container
from fakestash.errors import CommandError


@command("publish", 3, [PUBSUB, FAST])
def publish(db: Database, args: list[bytes]) -> Reply:
    """Post a message to a channel; reply with the number of receivers."""
    return broker_of(db).publish(args[0], args[1])


@command("spublish", 3, [PUBSUB, FAST], keys=(1, 1, 1))  # Redis: a NOT_KEY key spec
def spublish(db: Database, args: list[bytes]) -> Reply:
    """Post a message to a shard channel (SSUBSCRIBE receivers only)."""
    return broker_of(db).spublish(args[0], args[1])


container("pubsub", group="pubsub")


def _subcommand_syntax(name: str) -> CommandError:
    # Redis echoes the subcommand as typed; handlers do not see it, so it is upper case
    # (what the Python SDK sends).
    return CommandError(
        f"ERR unknown subcommand or wrong number of arguments for '{name}'. Try PUBSUB HELP."
    )


@command("pubsub|channels", -2, [PUBSUB])
def pubsub_channels(db: Database, args: list[bytes]) -> Reply:
    """Active channels (at least one subscriber), optionally matching a glob; sorted."""
    if len(args) > 1:
        raise _subcommand_syntax("CHANNELS")
    return list(broker_of(db).active_channels(args[0] if args else None))


@command("pubsub|numsub", -2, [PUBSUB])
def pubsub_numsub(db: Database, args: list[bytes]) -> Reply:
    """Channel, subscriber count pairs (pattern subscriptions excluded)."""
    broker = broker_of(db)
    reply: list[Reply] = []
    for channel in args:
        reply += [channel, broker.numsub(channel)]
    return reply


@command("pubsub|numpat", 2, [PUBSUB])
def pubsub_numpat(db: Database, args: list[bytes]) -> Reply:
    """Number of distinct patterns subscribed to."""
    return broker_of(db).numpat()


@command("pubsub|shardchannels", -2, [PUBSUB])
def pubsub_shardchannels(db: Database, args: list[bytes]) -> Reply:
    """Active shard channels, optionally matching a glob; sorted."""
    if len(args) > 1:
        raise _subcommand_syntax("SHARDCHANNELS")
    return list(broker_of(db).active_channels(args[0] if args else None, shard=True))


@command("pubsub|shardnumsub", -2, [PUBSUB])
def pubsub_shardnumsub(db: Database, args: list[bytes]) -> Reply:
    """Shard channel, subscriber count pairs."""
    broker = broker_of(db)
    reply: list[Reply] = []
    for channel in args:
        reply += [channel, broker.numsub(channel, shard=True)]
    return reply


_HELP = [
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
]


@command("pubsub|help", 2, [])
def pubsub_help(db: Database, args: list[bytes]) -> Reply:
    """Redis' help text for PUBSUB."""
    return [Status(line) for line in _HELP]
