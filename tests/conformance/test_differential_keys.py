"""Differential: generic key commands and TTLs (long ones, and short ones that expire)."""

from __future__ import annotations

import time

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import (
    KEYS,
    LONG_TTL_S,
    VALUES,
    DifferentialMachine,
    options,
    registered,
    require,
    run_machine,
)

EXPIRE_FLAGS = options(["NX"], ["XX"], ["GT"], ["LT"], ["FOO"])
PATTERNS = st.sampled_from(["*", "k*", "k[12]", "k?", "x*", "*3", "k\\1", "[^k]*"])
#: Short TTLs in ms: longer than the harness' guard, which keeps commands away from them.
SHORT_TTL_MS = st.integers(min_value=100, max_value=160)


class KeysMachine(DifferentialMachine):
    @rule(key=KEYS, kind=st.sampled_from(["hash", "list", "set", "zset"]), member=VALUES)
    def put_a_collection(self, key: str, kind: str, member: str) -> None:
        command = {"hash": ("HSET", key, "f", member), "list": ("RPUSH", key, member),
                   "set": ("SADD", key, member), "zset": ("ZADD", key, "1", member)}[kind]  # fmt: skip
        if registered(command[0].lower()):
            self.c(*command)

    @rule(keys=st.lists(KEYS, max_size=4), unlink=st.booleans())
    def delete_many(self, keys: list[str], unlink: bool) -> None:
        self.c("UNLINK" if unlink else "DEL", *keys)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=4), touch=st.booleans())
    def exists(self, keys: list[str], touch: bool) -> None:
        self.c("TOUCH" if touch else "EXISTS", *keys)

    @rule(src=KEYS, dst=KEYS, nx=st.booleans())
    def rename(self, src: str, dst: str, nx: bool) -> None:
        self.c("RENAMENX" if nx else "RENAME", src, dst)

    @rule(src=KEYS, dst=KEYS, opts=options(["REPLACE"], ["DB", "0"], ["DB", "1"], ["X"]))
    def copy(self, src: str, dst: str, opts: list[str]) -> None:
        self.c("COPY", src, dst, *opts)

    @rule(key=KEYS, ttl=st.one_of(LONG_TTL_S, st.sampled_from([0, -1])), flags=EXPIRE_FLAGS,
          millis=st.booleans())  # fmt: skip
    def expire(self, key: str, ttl: int, flags: list[str], millis: bool) -> None:
        if millis:
            self.c("PEXPIRE", key, ttl * 1000, *flags)
        else:
            self.c("EXPIRE", key, ttl, *flags)

    @rule(key=KEYS, offset=st.one_of(LONG_TTL_S, st.sampled_from([-10, -100_000])),
          flags=EXPIRE_FLAGS, millis=st.booleans())  # fmt: skip
    def expireat(self, key: str, offset: int, flags: list[str], millis: bool) -> None:
        when = int(time.time()) + offset
        if millis:
            self.c("PEXPIREAT", key, when * 1000, *flags)
        else:
            self.c("EXPIREAT", key, when, *flags)

    @rule(key=KEYS, ms=SHORT_TTL_MS, how=st.sampled_from(["pexpire", "set-px", "psetex"]))
    def expire_soon(self, key: str, ms: int, how: str) -> None:
        self.d.expire_soon(ms)
        if how == "pexpire":
            self.c("PEXPIRE", key, ms)
        elif how == "set-px":
            self.c("SET", key, "short-lived", "PX", ms)
        else:
            self.c("PSETEX", key, ms, "short-lived")

    @rule()
    def let_short_ttls_pass(self) -> None:
        self.d.wait_for_expiry()

    @rule(key=KEYS, which=st.sampled_from(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]))
    def read_ttl(self, key: str, which: str) -> None:
        self.c(which, key)

    @rule(key=KEYS)
    def persist(self, key: str) -> None:
        self.c("PERSIST", key)

    @rule(pattern=PATTERNS)
    def keys(self, pattern: str) -> None:
        self.c("KEYS", pattern)

    @rule(opts=options(["MATCH", "k*"], ["COUNT", "1"], ["COUNT", "100"], ["TYPE", "string"],
                       ["TYPE", "hash"], ["MATCH", "*2"]))  # fmt: skip
    def scan(self, opts: list[str]) -> None:
        self.d.check_scan("SCAN", *opts)

    @rule()
    def dbsize(self) -> None:
        self.c("DBSIZE")

    @rule()
    def randomkey(self) -> None:
        self.c("RANDOMKEY")


@require("del", "exists", "expire", "ttl", "rename", "copy", "scan", "keys")
def test_keys_and_ttls_match_redis(differential: Differential) -> None:
    run_machine(KeysMachine, differential)
