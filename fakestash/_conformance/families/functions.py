"""Redis functions: FUNCTION LOAD / DELETE / FLUSH, FCALL, FCALL_RO.

Library and function names are global in a database, so each sequence names its own
(``fc<run>_<sequence>_lib1``, ``…_setget``); FUNCTION FLUSH is sent only on a database of the
run's own.
"""

from __future__ import annotations

from fakestash._conformance.draw import lists, sampled
from fakestash._conformance.sequence import VALUES, Family, Seq

#: Library texts; ``{name}`` is replaced by the sequence's own name for it.
LIBRARIES = {
    "lib1": "#!lua name={lib1}\n"
    "redis.register_function('{setget}', function(keys, args)\n"
    "  redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)\n"
    "redis.register_function{{function_name='{peek}', callback=function(keys, args)\n"
    "  return redis.call('get', keys[1]) end, flags={{'no-writes'}}}}",
    "lib2": "#!lua name={lib2}\n"
    "redis.register_function('{count}', function(keys, args) return #keys + #args end)\n"
    "redis.register_function('{fail}', function(keys, args) return redis.call('incr', keys[1]) "
    "end)",
    "bad-name": "#!lua name={lib1}\nredis.register_function('{other}', function() return 1 end)",
    "no-shebang": "redis.register_function('{x}', function() return 1 end)",
    "syntax": "#!lua name={lib3}\nredis.register_function('{x}', function() return 1 +)",
    "no-functions": "#!lua name={lib4}\nlocal x = 1",
}
FUNCTIONS = sampled(["setget", "peek", "count", "fail", "other", "nope"])
#: Functions that never write: FCALL_RO only on these (deviation fcall-ro-without-no-writes
#: sends Redis FCALL for it, which answers the same only for those).
READING = ("peek", "count", "nope")


def library_text(s: Seq, lib: str) -> str:
    names = {name: s.library(name) for name in ("lib1", "lib2", "lib3", "lib4")}
    functions = ("setget", "peek", "count", "fail", "other", "x")
    names.update({name: s.function(name) for name in functions})
    return LIBRARIES[lib].format(**names)


def load(s: Seq) -> None:
    lib, replace = sampled(sorted(LIBRARIES))(s.d), s.d.boolean()
    s.c("FUNCTION", "LOAD", *(["REPLACE"] if replace else []), library_text(s, lib))


def delete_library(s: Seq) -> None:
    name = s.d.choice(["lib1", "lib2", "nope"])
    s.c("FUNCTION", "DELETE", s.library(name))


def flush(s: Seq) -> None:
    s.c("FUNCTION", "FLUSH", *s.d.choice([[], ["SYNC"], ["ASYNC"]]))


def fcall(s: Seq) -> None:
    fn, keys, args = FUNCTIONS(s.d), s.keys(1, 2), lists(VALUES, 1, 2)(s.d)
    ro = s.d.boolean() and fn in READING
    s.c("FCALL_RO" if ro else "FCALL", s.function(fn), len(keys), *keys, *args)


def fcall_bad_numkeys(s: Seq) -> None:
    s.c("FCALL", s.function("count"), s.d.choice(["-1", "x", "5"]), s.named("k1"))


FAMILY = Family(
    "functions",
    "Redis functions: FUNCTION LOAD/DELETE/FLUSH, FCALL, FCALL_RO",
    (load, delete_library, flush, fcall, fcall_bad_numkeys),
)
