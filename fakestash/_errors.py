"""Errors the engine raises: each carries the exact text Redis or Upstash replies with."""

from __future__ import annotations


class CommandError(Exception):
    """A command failed; ``text`` is the reply text, e.g. ``ERR syntax error``.

    ``stash.execute(...)`` raises it; over HTTP the same text reaches the client as
    Upstash's ``{"error": text}`` (the SDK raises ``UpstashError`` with it).
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class UnknownCommand(CommandError):
    """The command is not in the table: Upstash's "not available" text."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"ERR Command is not available: '{name.upper()}'. "
            "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
        )


class RestRestricted(CommandError):
    """A command that only works over TCP or has its own REST path (MULTI, SUBSCRIBE…)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f'ERR Command "{name.upper()}" is not allowed in REST or it has a special context path'
        )


class WrongArity(CommandError):
    def __init__(self, name: str) -> None:
        super().__init__(f"ERR wrong number of arguments for '{name.lower()}' command")


class NoPermission(CommandError):
    """A read-only token ran a command its ACL user may not run."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"NOPERM this user has no permissions to run the '{name.lower()}' command "
            "or its subcommand"
        )


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
NO_SUCH_KEY = "ERR no such key"
OVERFLOW = "ERR increment or decrement would overflow"


class WrongType(CommandError):
    def __init__(self) -> None:
        super().__init__(WRONGTYPE)
