"""What a read-only token may run: Upstash's ``default_ro`` ACL user, in one place.

Read-only tokens run commands in Redis' @read category (the table's READONLY flag), plus
connection basics; they are refused writes and, as Upstash documents, KEYS and SCAN. Which
other commands Upstash lets through is not documented (spec open question 5): this list is
our choice and docs/rest-api.md says so.
"""

from __future__ import annotations

from fakestash.engine.table import READONLY, Command

#: @read commands Upstash still refuses to read-only tokens.
DENIED_TO_READONLY = frozenset({"keys", "scan"})

#: Not in @read, but harmless and needed by read-only clients.
ALLOWED_TO_READONLY = frozenset(
    {"ping", "echo", "time", "info", "command", "select", "eval_ro", "evalsha_ro", "fcall_ro"}
    | {"acl|whoami"}
)


def readonly_may_run(cmd: Command) -> bool:
    name = cmd.name
    if name in DENIED_TO_READONLY:
        return False
    return name in ALLOWED_TO_READONLY or (READONLY in cmd.flags and not cmd.is_write)
