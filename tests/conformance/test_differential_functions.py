"""Differential: Redis functions (FUNCTION LOAD / DELETE / FLUSH, FCALL, FCALL_RO)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import KEYS, VALUES, DifferentialMachine, require, run_machine

LIBRARIES = {
    "lib1": "#!lua name=lib1\n"
    "redis.register_function('setget', function(keys, args)\n"
    "  redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)\n"
    "redis.register_function{function_name='peek', callback=function(keys, args)\n"
    "  return redis.call('get', keys[1]) end, flags={'no-writes'}}",
    "lib2": "#!lua name=lib2\n"
    "redis.register_function('count', function(keys, args) return #keys + #args end)\n"
    "redis.register_function('fail', function(keys, args) return redis.call('incr', keys[1]) end)",
    "bad-name": "#!lua name=lib1\nredis.register_function('other', function() return 1 end)",
    "no-shebang": "redis.register_function('x', function() return 1 end)",
    "syntax": "#!lua name=lib3\nredis.register_function('x', function() return 1 +)",
    "no-functions": "#!lua name=lib4\nlocal x = 1",
}
FUNCTIONS = st.sampled_from(["setget", "peek", "count", "fail", "other", "nope"])


class FunctionsMachine(DifferentialMachine):
    @rule(lib=st.sampled_from(sorted(LIBRARIES)), replace=st.booleans())
    def load(self, lib: str, replace: bool) -> None:
        self.c("FUNCTION", "LOAD", *(["REPLACE"] if replace else []), LIBRARIES[lib])

    @rule(name=st.sampled_from(["lib1", "lib2", "nope"]))
    def delete_library(self, name: str) -> None:
        self.c("FUNCTION", "DELETE", name)

    @rule(mode=st.sampled_from([[], ["SYNC"], ["ASYNC"]]))
    def flush(self, mode: list[str]) -> None:
        self.c("FUNCTION", "FLUSH", *mode)

    @rule(fn=FUNCTIONS, keys=st.lists(KEYS, min_size=1, max_size=2),
          args=st.lists(VALUES, min_size=1, max_size=2), ro=st.booleans())  # fmt: skip
    def fcall(self, fn: str, keys: list[str], args: list[str], ro: bool) -> None:
        # FCALL_RO only on functions that never write: deviation fcall-ro-without-no-writes
        # sends Redis FCALL for it, which answers the same only for those.
        ro = ro and fn in ("peek", "count", "nope")
        self.c("FCALL_RO" if ro else "FCALL", fn, len(keys), *keys, *args)

    @rule(numkeys=st.sampled_from(["-1", "x", "5"]))
    def fcall_bad_numkeys(self, numkeys: str) -> None:
        self.c("FCALL", "count", numkeys, "k1")


@require("fcall", "fcall_ro", "function")
def test_functions_match_redis(differential: Differential) -> None:
    run_machine(FunctionsMachine, differential)
