"""Admission: whether a caller may run a command with these arguments, one check for all paths.

Every command reaches a database through ``admit(caller, cmd, argv)`` first: a REST request
(a command, each pipeline row, each ``/multi-exec`` row), an SSE path (``/subscribe``,
``/psubscribe``, ``/monitor``, checked as SUBSCRIBE, PSUBSCRIBE, MONITOR), a script's
``redis.call`` and ``redis.pcall``, and direct use with a caller given. The ``Caller`` says
who asks; the checks, in Redis' order:

1. inside a script, commands Redis forbids there (``noscript``);
2. the ACL user: the read-only token's user ``default_ro`` runs what the declarations allow
   it (``Command.readonly_token``); a user made with ``ACL SETUSER`` its own commands, keys
   and channels (``fakestash/_engine/acl.py``); ``default`` everything;
3. inside a script, what the script itself allows: no write in a read-only script (EVAL_RO,
   ``no-writes``), only its KEYS under Upstash's ``allow-key-locking``;
4. Upstash's key and record size limits (REST callers).

Each refusal has the text its context gives: ``NOPERM …`` over REST, Redis' script texts
inside a script. A caller with nothing to check (``default``, outside a script, no argument
that could exceed a limit) costs one attribute test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from fakestash._engine.acl import (
    BUILTIN,
    CHANNEL,
    CHANNEL_DENIED,
    COMMAND,
    DEFAULT,
    DEFAULT_RO,
    KEY,
    KEY_DENIED,
    SCRIPT_CHANNEL_DENIED,
    SCRIPT_COMMAND_DENIED,
    SCRIPT_KEY_DENIED,
    AclState,
    denial,
)
from fakestash._engine.family import NOSCRIPT
from fakestash._errors import CommandError, NoPermission

if TYPE_CHECKING:
    from fakestash._engine.family import Command
    from fakestash._limits import Limits

#: Upstash's limit texts (wire spec §6).
RECORD_TOO_LARGE = "ERR max single record size exceeded"
NOT_FROM_SCRIPT = "ERR This Redis command is not allowed from script"
READ_ONLY_SCRIPT = "ERR Write commands are not allowed from read-only scripts."
KEY_LOCKING = (
    "ERR Dynamic keys are not allowed in Lua scripts when 'allow-key-locking' flag is set. "
    "Key was: {key}"
)
_REST_TEXTS = {KEY: KEY_DENIED, CHANNEL: CHANNEL_DENIED}
_SCRIPT_TEXTS = {
    COMMAND: SCRIPT_COMMAND_DENIED,
    KEY: SCRIPT_KEY_DENIED,
    CHANNEL: SCRIPT_CHANNEL_DENIED,
}


def key_too_large(limit: int, actual: int) -> str:
    return f"ERR max key size exceeded. Limit: {limit} bytes, Actual: {actual} bytes"


@dataclass(frozen=True)
class Script:
    """What a running script allows: writes (not in EVAL_RO or a ``no-writes`` script),
    and which keys (only its KEYS under ``allow-key-locking``; None: any)."""

    read_only: bool = False
    locked_keys: frozenset[bytes] | None = None


@dataclass(frozen=True)
class Caller:
    """Who runs a command: the ACL ``user`` (``default``, ``default_ro`` for Upstash's
    read-only token, or a user made with ``ACL SETUSER``, whose rules are in ``users``),
    the size ``limits`` to hold its arguments to (None: none), and the ``script`` it is
    running, if any. Build one with ``Caller.for_request`` or ``Caller.direct``."""

    user: str = DEFAULT
    limits: Limits | None = None
    users: AclState | None = None
    script: Script | None = None
    #: Nothing to check: ``default``, outside a script, no limit in reach (derived).
    unchecked: bool = field(init=False, default=True)

    def __post_init__(self) -> None:
        plain = self.user == DEFAULT and self.script is None and self.limits is None
        object.__setattr__(self, "unchecked", plain)
        if self.user not in BUILTIN and self.users is None:
            raise ValueError(f"the ACL user {self.user!r} needs the users it is one of")

    @property
    def read_only(self) -> bool:
        """Upstash's read-only token (its ACL user ``default_ro``)."""
        return self.user == DEFAULT_RO

    @classmethod
    def for_request(
        cls, user: str, users: AclState | None, limits: Limits, argument_bytes_at_most: int
    ) -> Caller:
        """A REST request's caller (``users``: the database's, for a SETUSER user). The
        limits are checked only if an argument could exceed one: a request of
        ``argument_bytes_at_most`` bytes of arguments below every limit needs no check per
        command."""
        smallest = limits.smallest
        in_reach = smallest is not None and argument_bytes_at_most > smallest
        if not in_reach and user in _PLAIN:  # most requests: no new object
            return _PLAIN[user]
        return cls(user, limits if in_reach else None, users)

    def in_script(self, script: Script) -> Caller:
        """The same user running ``script`` (no size limits inside: Upstash checks them
        on the request)."""
        return Caller(self.user, None, self.users, script)


#: Direct engine use (``stash.execute``): ``default``, no limits, nothing checked.
DIRECT = Caller()
#: The builtin users' callers when no limit is in reach (immutable, so shared).
_PLAIN = {DEFAULT: DIRECT, DEFAULT_RO: Caller(DEFAULT_RO)}


def admit(caller: Caller, cmd: Command, argv: Sequence[bytes]) -> None:
    """Raise the error that refuses ``argv`` (``cmd``, looked up and arity-checked) to
    ``caller``, or return."""
    if caller.unchecked:
        return
    script = caller.script
    if script is not None and NOSCRIPT in cmd.flags:
        raise CommandError(NOT_FROM_SCRIPT)
    why = _user_denial(caller, cmd, argv)
    if why is not None:
        if script is not None:
            raise CommandError(_SCRIPT_TEXTS[why])
        if why == COMMAND:
            raise NoPermission(cmd.name.split("|")[0])
        raise CommandError(_REST_TEXTS[why])
    if script is not None:
        _script_allows(script, cmd, argv)
    if caller.limits is not None:
        _within_limits(caller.limits, cmd, argv)


def permitted(caller: Caller, cmd: Command, argv: Sequence[bytes]) -> bool:
    """``redis.acl_check_cmd``: whether the caller's ACL user may run it (rules of the
    user only, not of the script)."""
    return _user_denial(caller, cmd, argv) is None


def _user_denial(caller: Caller, cmd: Command, argv: Sequence[bytes]) -> str | None:
    user = caller.user
    if user == DEFAULT:
        return None
    if user == DEFAULT_RO:
        return None if cmd.readonly_token else COMMAND
    assert caller.users is not None
    return denial(caller.users.users.get(user), cmd, argv)


def _script_allows(script: Script, cmd: Command, argv: Sequence[bytes]) -> None:
    if script.read_only and cmd.is_write:
        raise CommandError(READ_ONLY_SCRIPT)
    locked = script.locked_keys
    if locked is not None:
        for key in cmd.keys(argv):
            if key not in locked:
                raise CommandError(KEY_LOCKING.format(key=key.decode("utf-8", "replace")))


def _within_limits(limits: Limits, cmd: Command, argv: Sequence[bytes]) -> None:
    """Upstash's limits: a key above ``max_key_size``, or a write with an argument above
    ``max_record_size`` (checked only when some argument is above the smallest limit)."""
    smallest = limits.smallest
    longest = max(map(len, argv))
    if smallest is None or longest <= smallest:
        return
    if limits.max_key_size is not None:
        for key in cmd.keys(argv):
            if len(key) > limits.max_key_size:
                raise CommandError(key_too_large(limits.max_key_size, len(key)))
    if limits.max_record_size is not None and cmd.is_write and longest > limits.max_record_size:
        raise CommandError(RECORD_TOO_LARGE)
