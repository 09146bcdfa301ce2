"""Pub/sub commands: PUBLISH, SPUBLISH and PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/
SHARDNUMSUB/HELP. Subscribing is not a command over REST: SUBSCRIBE and PSUBSCRIBE have their
own SSE paths (``fakestash._rest.sse``; the read-only token may use them), and in a body every
subscription command is refused "not allowed in REST".
"""

from __future__ import annotations

from fakestash._engine.broker import broker_of
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_at, key_range
from fakestash._engine.replies import Reply, Status
from fakestash._errors import CommandError

FAMILY = Family("pubsub", group="pubsub")

_SUBSCRIPTION = "pubsub noscript loading stale"
_SSE = "SSE: /subscribe, /psubscribe"
FAMILY.declare("subscribe", -2, _SUBSCRIPTION, rest="path", readonly_token=True, note=_SSE)
FAMILY.declare("psubscribe", -2, _SUBSCRIPTION, rest="path", readonly_token=True, note=_SSE)
FAMILY.declare("unsubscribe", -1, _SUBSCRIPTION, rest="tcp")
FAMILY.declare("punsubscribe", -1, _SUBSCRIPTION, rest="tcp")
_SHARD = [key_range(1, "not_key")]
FAMILY.declare("ssubscribe", -2, _SUBSCRIPTION, keys=_SHARD, rest="tcp", upstash=False)
FAMILY.declare("sunsubscribe", -1, _SUBSCRIPTION, keys=_SHARD, rest="tcp", upstash=False)


@FAMILY.command("publish", 3, "pubsub loading stale fast")
def publish(db: Database, args: list[bytes]) -> Reply:
    """Post a message to a channel; reply with the number of receivers."""
    return broker_of(db).publish(args[0], args[1])


@FAMILY.command(
    "spublish", 3, "pubsub loading stale fast",
    keys=[key_at(1, "not_key")],
    upstash=False,
)
def spublish(db: Database, args: list[bytes]) -> Reply:
    """Post a message to a shard channel (SSUBSCRIBE receivers only)."""
    return broker_of(db).spublish(args[0], args[1])


FAMILY.container("pubsub")


def _subcommand_syntax(name: str) -> CommandError:
    # Redis echoes the subcommand as typed; handlers do not see it, so it is upper case
    # (what the Python SDK sends).
    return CommandError(
        f"ERR unknown subcommand or wrong number of arguments for '{name}'. Try PUBSUB HELP."
    )


@FAMILY.command("pubsub|channels", -2, "pubsub loading stale")
def pubsub_channels(db: Database, args: list[bytes]) -> Reply:
    """Active channels (at least one subscriber), optionally matching a glob; sorted."""
    if len(args) > 1:
        raise _subcommand_syntax("CHANNELS")
    return list(broker_of(db).active_channels(args[0] if args else None))


@FAMILY.command("pubsub|numsub", -2, "pubsub loading stale")
def pubsub_numsub(db: Database, args: list[bytes]) -> Reply:
    """Channel, subscriber count pairs (pattern subscriptions excluded)."""
    broker = broker_of(db)
    reply: list[Reply] = []
    for channel in args:
        reply += [channel, broker.numsub(channel)]
    return reply


@FAMILY.command("pubsub|numpat", 2, "pubsub loading stale")
def pubsub_numpat(db: Database, args: list[bytes]) -> Reply:
    """Number of distinct patterns subscribed to."""
    return broker_of(db).numpat()


@FAMILY.command("pubsub|shardchannels", -2, "pubsub loading stale", upstash=False)
def pubsub_shardchannels(db: Database, args: list[bytes]) -> Reply:
    """Active shard channels, optionally matching a glob; sorted."""
    if len(args) > 1:
        raise _subcommand_syntax("SHARDCHANNELS")
    return list(broker_of(db).active_channels(args[0] if args else None, shard=True))


@FAMILY.command("pubsub|shardnumsub", -2, "pubsub loading stale", upstash=False)
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


@FAMILY.command("pubsub|help", 2, "loading stale", upstash=False)
def pubsub_help(db: Database, args: list[bytes]) -> Reply:
    """Redis' help text for PUBSUB."""
    return [Status(line) for line in _HELP]
