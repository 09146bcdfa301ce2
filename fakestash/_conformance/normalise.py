"""How a conformance run compares replies: every normalisation, written down once.

A reply from the fake and one from the other endpoint (Redis, Upstash) must be equal after
these rules, and only these:

1. **Unordered replies are sorted** (``UNORDERED``): Redis returns sets, hash fields and
   KEYS in an order that depends on its encoding (listpack = insertion order, hashtable =
   hash order); Upstash promises no order either. HGETALL-style flat pairs are sorted as
   pairs (``UNORDERED_PAIRS``). SCAN-family cursors are never compared: the tests iterate
   to the end on each side and compare the sorted union.
2. **Expired keys are gone on both sides**: Redis' DBSIZE still counts a key whose TTL has
   passed until Redis reclaims it; the engine never does (DESIGN.md). Once a short TTL the
   machines set has passed, the harness makes Redis reclaim it with a full SCAN (on Redis
   only, outside the comparison: no logical state changes).
   **Time-derived integers are compared with a tolerance** (``TIME_TOLERANCE``): the two
   backends run the same command a fraction of a millisecond apart, so PTTL may differ by a
   few ms and TTL's rounding by one second; over a network the slowest round trip seen so
   far is added (``slack_ms``). -1 and -2 must match exactly.
3. **Redis 7.0 → 8.x formatting** (``redis70_to_current``): the Debian server is Redis 7.0,
   Upstash follows 8.2. Only the Redis side is rewritten, and only where 7.0 is known to
   differ: doubles (ZSCORE and friends) are printed with ``%.17g`` by 7.0 (``1.1`` is
   ``"1.1000000000000001"``) and with the shortest round-trip form by 7.2+ (``"1.1"``). A bulk
   string in a double-replying command is re-rendered with the engine's ``format_double``
   only if it is exactly what ``%.17g`` makes of its value, so members that merely look
   numeric stay as they are.
   Coordinates (GEOPOS, and WITHCOORD replies of the GEO searches): 7.x printed them as
   "human" long doubles (``%.17Lf`` trimmed: ``13.36138933897018433``), 8.2 as doubles
   (``13.361389338970184``; ``geo-coordinates`` in ``fakestash.deviations``). The long-double
   text of a small coordinate has fewer significant digits than a double needs, so it cannot
   be turned back into 8.2's text: instead both sides' coordinates are compared in the
   long-double text (``canonical_coordinates``, applied by rule 1's ``normalise``).
4. **Command-table entries Redis changed after 7.0** (``TABLE_CHANGED_SINCE_70``): the
   table test does not compare these fields with 7.0's ``COMMAND INFO``.
5. **Random picks are compared by shape** (``SHAPE_ONLY``): the two servers' random
   generators differ, so SRANDMEMBER/HRANDFIELD/ZRANDMEMBER/RANDOMKEY/SPOP are compared by
   reply type and length; each machine also checks the picks are members.

Upstash's own deviations from Redis are not here: they live in ``fakestash/deviations.py``,
which the harness consults before anything is sent to Redis.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

from fakestash._engine.longdouble import format_long_double
from fakestash._engine.replies import ErrorReply, Reply, format_double

#: Command-table fields that changed after Redis 7.0 (name → field → why).
TABLE_CHANGED_SINCE_70 = {
    "zrank": {"arity": "-3 since Redis 7.2 (WITHSCORE)"},
    "zrevrank": {"arity": "-3 since Redis 7.2 (WITHSCORE)"},
}
#: Replies that are sets: compare the sorted items.
UNORDERED = frozenset(
    {"smembers", "sinter", "sunion", "sdiff", "keys", "hkeys", "hvals", "sdiffcard"}
)
#: Replies that are flat field/value lists of a hash: compare sorted pairs.
UNORDERED_PAIRS = frozenset({"hgetall"})
#: Integer replies derived from the clock: allowed difference (units of the reply).
TIME_TOLERANCE = {"ttl": 1, "pttl": 50, "expiretime": 1, "pexpiretime": 50,
                  "httl": 1, "hpttl": 50, "hexpiretime": 1, "hpexpiretime": 50}  # fmt: skip
#: Replies built from random picks: compare type and length only.
SHAPE_ONLY = frozenset({"srandmember", "hrandfield", "zrandmember", "randomkey", "spop"})
#: Commands whose bulk replies include doubles that Redis 7.0 prints with %.17g.
DOUBLE_REPLIES = frozenset(
    {
        "zscore", "zmscore", "zincrby", "zadd", "zrange", "zrangebyscore", "zrangebylex",
        "zrevrange", "zrevrangebyscore", "zrevrangebylex", "zpopmin", "zpopmax", "zmpop",
        "zrandmember", "zunion", "zinter", "zdiff", "zscan", "zrank", "zrevrank",
        "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro",
    }
)  # fmt: skip


def command_name(argv: Sequence[bytes]) -> str:
    return argv[0].decode("utf-8", "replace").lower() if argv else ""


def normalise(argv: Sequence[bytes], reply: Reply) -> Reply:
    """Rule 1 (order) and rule 3's coordinates, applied to both sides."""
    name = command_name(argv)
    reply = canonical_coordinates(argv, reply)
    if not isinstance(reply, list):
        return reply
    if name in UNORDERED:
        return sorted(reply, key=_sort_key)
    if name in UNORDERED_PAIRS:
        pairs = [reply[i : i + 2] for i in range(0, len(reply), 2)]
        return [item for pair in sorted(pairs, key=_sort_key) for item in pair]
    return reply


#: GEO searches whose WITHCOORD items end with a [lon, lat] pair.
GEO_SEARCHES = frozenset(
    {"georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro", "geosearch"}
)


def redis70_to_current(argv: Sequence[bytes], reply: Reply) -> Reply:
    """Rule 3, applied to Redis' reply only: 7.0's %.17g doubles → 7.2+ rendering."""
    if command_name(argv) not in DOUBLE_REPLIES:
        return reply
    return _reformat_doubles(reply)


def canonical_coordinates(argv: Sequence[bytes], reply: Reply) -> Reply:
    """Rule 3's coordinates, applied to both sides: each coordinate in Redis 7.x's
    long-double text (what either rendering of the same position becomes)."""
    name = command_name(argv)
    if not isinstance(reply, list):
        return reply
    if name == "geopos":
        return [_coordinates(pair) for pair in reply]
    if name in GEO_SEARCHES and b"WITHCOORD" in {a.upper() for a in argv}:
        return [_with_coordinates(item) for item in reply]
    return reply


def _coordinates(pair: Reply) -> Reply:
    if isinstance(pair, list) and len(pair) == 2 and all(isinstance(c, bytes) for c in pair):
        return [format_long_double(Fraction(float(c))) for c in pair if isinstance(c, bytes)]
    return pair


def _with_coordinates(item: Reply) -> Reply:
    if isinstance(item, list) and item:
        return [*item[:-1], _coordinates(item[-1])]
    return item


def _reformat_doubles(reply: Reply) -> Reply:
    if isinstance(reply, list):
        return [_reformat_doubles(item) for item in reply]
    if isinstance(reply, bytes):
        try:
            value = float(reply)
        except ValueError:
            return reply
        if reply == b"%.17g" % value:
            return format_double(value)
    return reply


def equivalent(argv: Sequence[bytes], fake: Reply, real: Reply, slack_ms: float = 0) -> bool:
    """Rules 2 and 5 on top of plain equality (rules 1 and 3 are applied beforehand).

    ``slack_ms``: how far apart in time the two sides may have run the command (a network
    round trip), added to the time tolerance.
    """
    name = command_name(argv)
    if name in SHAPE_ONLY:
        return _shape(fake) == _shape(real)
    tolerance = TIME_TOLERANCE.get(name)
    if tolerance is not None:
        unit_ms = 1 if name.startswith(("p", "hp")) else 1000
        return _close(fake, real, tolerance + math.ceil(slack_ms / unit_ms))
    return _same(fake, real)


def _close(fake: Reply, real: Reply, tolerance: int) -> bool:
    """Times within ``tolerance`` (one by one in an array: HTTL); negatives exactly."""
    if isinstance(fake, list) and isinstance(real, list) and len(fake) == len(real):
        return all(_close(a, b, tolerance) for a, b in zip(fake, real))
    if isinstance(fake, int) and isinstance(real, int):
        if fake < 0 or real < 0:
            return fake == real
        return abs(fake - real) <= tolerance
    return _same(fake, real)


def _same(a: Reply, b: Reply) -> bool:
    """Equality that tells a bulk string from a status and an int from a bool."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _shape(reply: Reply) -> object:
    if isinstance(reply, list):
        return ("list", len(reply), tuple(_shape(item) for item in reply))
    if isinstance(reply, ErrorReply):
        return ("error", reply.text)
    return type(reply).__name__


def _sort_key(item: object) -> tuple[int, object]:
    if isinstance(item, list):
        return (2, tuple(_sort_key(x) for x in item))
    if isinstance(item, bytes):
        return (1, item)
    if item is None:
        return (0, 0)
    return (0, repr(item))
