"""Differential: the command table itself against Redis' ``COMMAND INFO``.

For every command (and subcommand) both know: the same arity, the same legacy key
positions (first, last, step) unless Redis finds keys by parsing (movablekeys), WRITE exactly
when Redis says ``write``, and READONLY exactly when Redis puts it in ``@read`` or flags it
``readonly``. Fields Redis changed after 7.0 are listed in ``normalise.py``. Deviations
Upstash documents (e.g. UNLINK with no keys) are taken from ``fakestash.deviations``.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakestash.conformance.normalise import TABLE_CHANGED_SINCE_70
from fakestash.deviations import find
from fakestash.engine.table import READONLY, TABLE, WRITE, Command
from tests.conformance.conftest import RedisEndpoint


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _info(endpoint: RedisEndpoint, name: str) -> Any:
    reply = endpoint.database.send([b"COMMAND", b"INFO", name.encode()])
    assert isinstance(reply, list)
    return reply[0]


def _pairs(endpoint: RedisEndpoint) -> list[tuple[Command, list[Any]]]:
    pairs = []
    for cmd in TABLE:
        if cmd.handler is None and not cmd.subcommands:
            continue  # refused over REST: nothing to compare
        info = _info(endpoint, cmd.name)
        if info is None:
            continue  # newer than this Redis: pinned by unit tests instead
        if cmd.subcommands:
            subs = {_text(entry[0]): entry for entry in info[9]}
            pairs += [(sub, subs[sub.name]) for sub in cmd.subcommands.values() if sub.name in subs]
        else:
            pairs.append((cmd, info))
    return pairs


def _problems(cmd: Command, info: list[Any]) -> list[str]:
    _, arity, flags, first, last, step, categories = info[:7]
    flags = {_text(f) for f in flags}
    categories = {_text(c) for c in categories}
    problems = []
    changed = TABLE_CHANGED_SINCE_70.get(cmd.name, {})
    if cmd.arity != arity and find([cmd.name.encode()]) is None and "arity" not in changed:
        problems.append(f"arity {cmd.arity}, Redis {arity}")
    ours = (cmd.first_key, cmd.last_key, cmd.key_step)
    if "movablekeys" not in flags and cmd.key_finder is None and ours != (first, last, step):
        problems.append(f"keys {ours}, Redis {(first, last, step)}")
    if (WRITE in cmd.flags) != ("write" in flags):
        problems.append(f"WRITE flag {WRITE in cmd.flags}, Redis flags {sorted(flags)}")
    # READONLY means "a read-only token may run it": Redis' @read, or its readonly flag
    # (EVAL_RO and friends are @scripting but flagged readonly).
    redis_read = "@read" in categories or "readonly" in flags
    if (READONLY in cmd.flags) != redis_read:
        problems.append(f"READONLY flag {READONLY in cmd.flags}, Redis @read/readonly {redis_read}")
    return problems


@pytest.fixture
def table_pairs(redis_endpoint: RedisEndpoint) -> list[tuple[Command, list[Any]]]:
    return _pairs(redis_endpoint)


def test_command_table_matches_redis_command_info(
    table_pairs: list[tuple[Command, list[Any]]],
) -> None:
    report = {cmd.name: _problems(cmd, info) for cmd, info in table_pairs}
    wrong = {name: problems for name, problems in report.items() if problems}
    assert table_pairs, "no command in common with Redis?"
    assert not wrong, "\n".join(f"{name}: {'; '.join(p)}" for name, p in sorted(wrong.items()))
