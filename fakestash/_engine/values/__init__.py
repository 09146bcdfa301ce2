"""Stored values: the one protocol every value type follows, and strings' adapter to it.

A key holds ``bytes`` (a string: also HyperLogLogs and bitmaps) or an instance of a value
type from this package: ``ListValue``, ``RedisSet``, ``SortedSet``, ``HashValue``,
``StreamValue``, ``JsonValue``. A value type says, as class attributes and methods, all that
the keyspace and the generic commands need (TYPE, COPY, MEMORY USAGE, DUMP/RESTORE, member
expiry), so none of them asks ``isinstance``:

- ``type_name``: TYPE's answer (``"hash"``, ``"ReJSON-RL"``…);
- ``copy()``: an independent copy (COPY);
- ``memory_usage(samples)``: MEMORY USAGE's estimate of the value (``memory.py``);
- ``rdb_types``, ``rdb_encode()`` and the classmethod ``rdb_decode(rdb_type, reader)``: its
  RDB form (DUMP writes one, RESTORE reads any of ``rdb_types``: ``fakestash._engine.rdb``);
- ``reap(now_ms)``: drop members whose own TTL has passed, True if any went (hash fields;
  other types answer False). The keyspace calls it once a member TTL exists in a database.

Strings stay plain ``bytes``; the functions below are the one place that knows it. Which
value types a server can RESTORE is the registry's business: each family declares the
types it stores (``Family(values=...)``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Protocol

from fakestash._engine import rdb
from fakestash._engine.values.memory import DICT_ENTRY, sds_size, string_size


class Value(Protocol):
    """What a stored value that is not a string provides (see the module docstring)."""

    type_name: ClassVar[str]
    rdb_types: ClassVar[tuple[int, ...]]

    def __len__(self) -> int: ...

    def copy(self) -> Any: ...

    def memory_usage(self, samples: int) -> int: ...

    def rdb_encode(self) -> tuple[int, bytes]: ...

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: rdb.Reader) -> Any: ...

    def reap(self, now_ms: int) -> bool: ...


STRING = "string"


def type_name(value: Any) -> str:
    """TYPE of a stored value."""
    return STRING if type(value) is bytes else str(value.type_name)


def copy_value(value: Any) -> Any:
    """An independent copy of a stored value (a string is immutable ``bytes``)."""
    return value if type(value) is bytes else value.copy()


def memory_usage(key: bytes, value: Any, samples: int) -> int:
    """MEMORY USAGE of ``key`` holding ``value``: the key's sds and dict entry, and the value
    (``samples``: elements averaged for big collections; 0 means every one)."""
    size = string_size(value) if type(value) is bytes else value.memory_usage(samples)
    return sds_size(len(key)) + DICT_ENTRY + size


def readers(types: Iterable[type[Value]]) -> dict[int, type[Value]]:
    """The value type that reads each RDB object type (for ``rdb.load``)."""
    found: dict[int, type[Value]] = {}
    for kind in types:
        for rdb_type in kind.rdb_types:
            if rdb_type in found:
                raise ValueError(
                    f"RDB type {rdb_type} is read by both {found[rdb_type].__name__} and "
                    f"{kind.__name__}"
                )
            found[rdb_type] = kind
    return found
