"""Keys and expiry: DEL/UNLINK, EXISTS, RENAME, COPY, TTLs long and short (keys that expire
mid-sequence), KEYS, SCAN, DBSIZE, RANDOMKEY (the last three on a database of the run's own)."""

from __future__ import annotations

from fakestash._conformance.draw import options, sampled
from fakestash._conformance.sequence import LONG_TTL_S, VALUES, Family, Seq

EXPIRE_FLAGS = options(["NX"], ["XX"], ["GT"], ["LT"], ["FOO"])
PATTERNS = sampled(["*", "k*", "k[12]", "k?", "x*", "*3", "k\\1", "[^k]*"])
COPY_OPTIONS = options(["REPLACE"], ["DB", "0"], ["DB", "1"], ["X"])
SCAN_OPTIONS = options(
    ["MATCH", "k*"], ["COUNT", "1"], ["COUNT", "100"], ["TYPE", "string"], ["TYPE", "hash"],
    ["MATCH", "*2"],
)  # fmt: skip


def put_a_collection(s: Seq) -> None:
    key, kind, member = s.key(), s.d.choice(["hash", "list", "set", "zset"]), VALUES(s.d)
    command = {"hash": ("HSET", key, "f", member), "list": ("RPUSH", key, member),
               "set": ("SADD", key, member), "zset": ("ZADD", key, "1", member)}[kind]  # fmt: skip
    s.c(*command)


def delete_many(s: Seq) -> None:
    keys = s.keys(0, 4)
    s.c("UNLINK" if s.d.boolean() else "DEL", *keys)


def exists(s: Seq) -> None:
    keys = s.keys(1, 4)
    s.c("TOUCH" if s.d.boolean() else "EXISTS", *keys)


def rename(s: Seq) -> None:
    src, dst = s.key(), s.key()
    s.c("RENAMENX" if s.d.boolean() else "RENAME", src, dst)


def copy(s: Seq) -> None:
    s.c("COPY", s.key(), s.key(), *COPY_OPTIONS(s.d))


def expire(s: Seq) -> None:
    key = s.key()
    ttl = LONG_TTL_S(s.d) if s.d.boolean() else s.d.choice([0, -1])
    flags, millis = EXPIRE_FLAGS(s.d), s.d.boolean()
    if millis:
        s.c("PEXPIRE", key, ttl * 1000, *flags)
    else:
        s.c("EXPIRE", key, ttl, *flags)


def expireat(s: Seq) -> None:
    key = s.key()
    offset = LONG_TTL_S(s.d) if s.d.boolean() else s.d.choice([-10, -100_000])
    flags, millis = EXPIRE_FLAGS(s.d), s.d.boolean()
    when = int(s.now()) + offset
    if millis:
        s.c("PEXPIREAT", key, when * 1000, *flags)
    else:
        s.c("EXPIREAT", key, when, *flags)


def expire_soon(s: Seq) -> None:
    """A TTL of 100-160 ms: the key expires during the sequence (see the expiry guard)."""
    key, ms = s.key(), s.d.integer(100, 160)
    how = s.d.choice(["pexpire", "set-px", "psetex"])
    s.diff.expire_soon(ms)
    if how == "pexpire":
        s.c("PEXPIRE", key, ms)
    elif how == "set-px":
        s.c("SET", key, "short-lived", "PX", ms)
    else:
        s.c("PSETEX", key, ms, "short-lived")


def let_short_ttls_pass(s: Seq) -> None:
    s.diff.wait_for_expiry()


def read_ttl(s: Seq) -> None:
    s.c(s.d.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]), s.key())


def persist(s: Seq) -> None:
    s.c("PERSIST", s.key())


def keys(s: Seq) -> None:
    s.c("KEYS", s.pattern(PATTERNS(s.d)))


def scan(s: Seq) -> None:
    words = SCAN_OPTIONS(s.d)
    s.scan("SCAN", *[s.pattern(w) if i and words[i - 1] == "MATCH" else w
                     for i, w in enumerate(words)])  # fmt: skip


def dbsize(s: Seq) -> None:
    s.c("DBSIZE")


def randomkey(s: Seq) -> None:
    s.c("RANDOMKEY")


FAMILY = Family(
    "keys",
    "generic key commands and TTLs, long ones and short ones that expire mid-sequence",
    (put_a_collection, delete_many, exists, rename, copy, expire, expireat, expire_soon,
     let_short_ttls_pass, read_ttl, persist, keys, scan, dbsize, randomkey),
)  # fmt: skip
