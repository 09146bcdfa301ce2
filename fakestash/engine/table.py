"""The one command table: every command's name, arity, flags and key positions.

The REST face, the read-only token check, MULTI validation, MONITOR, Lua's ``redis.call``
and the generated coverage page all read this table; nothing else decides what a command is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from fakestash.errors import CommandError, RestRestricted, UnknownCommand, WrongArity

if TYPE_CHECKING:
    from fakestash.engine.database import Database
    from fakestash.engine.replies import Reply

Handler = Callable[["Database", list[bytes]], "Reply"]
KeyFinder = Callable[[Sequence[bytes]], list[bytes]]

# Flags (a subset of Redis' command flags, plus our REST-level ones).
WRITE = "write"  # modifies the keyspace; moves the sync token; refused to read-only tokens
READONLY = "readonly"  # in Redis' @read category: a read-only token may run it
NOSCRIPT = "noscript"  # refused inside Lua
ADMIN = "admin"
PUBSUB = "pubsub"
FAST = "fast"
REST_RESTRICTED = "rest-restricted"  # only over TCP, or through its own REST path (SSE)


@dataclass(frozen=True)
class Command:
    """One entry of the table. ``name`` is lower case; subcommands are ``parent|sub``."""

    name: str
    arity: int
    flags: frozenset[str]
    handler: Handler | None
    first_key: int = 0
    last_key: int = 0
    key_step: int = 0
    key_finder: KeyFinder | None = None
    subcommands: dict[str, Command] = field(default_factory=dict)
    group: str = ""
    summary: str = ""

    def __post_init__(self) -> None:
        # Precomputed for the hot path: where the handler's arguments start, write-ness.
        object.__setattr__(self, "arg_start", 2 if "|" in self.name else 1)
        object.__setattr__(self, "is_write", WRITE in self.flags)

    arg_start: int = field(init=False, default=1)
    is_write: bool = field(init=False, default=False)

    def keys(self, argv: Sequence[bytes]) -> list[bytes]:
        """The key arguments of a full argv (command name included)."""
        if self.key_finder is not None:
            return self.key_finder(argv)
        if self.first_key <= 0:
            return []
        last = self.last_key if self.last_key >= 0 else len(argv) + self.last_key
        return list(argv[self.first_key : last + 1 : self.key_step or 1])

    def check_arity(self, argc: int) -> None:
        if (self.arity > 0 and argc != self.arity) or (self.arity < 0 and argc < -self.arity):
            raise WrongArity(self.name)


class CommandTable:
    """Commands by lower-case name. Filled at import by the ``command`` decorator."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._by_spelling: dict[bytes, Command] = {}  # b"SET", b"set"… as clients send them

    def add(self, cmd: Command) -> None:
        parent, _, sub = cmd.name.partition("|")
        if not sub:
            if cmd.name in self._commands:
                raise ValueError(f"command {cmd.name!r} registered twice")
            self._commands[cmd.name] = cmd
            return
        container = self._commands.get(parent)
        if container is None:
            raise ValueError(f"register the container {parent!r} before {cmd.name!r}")
        if sub in container.subcommands:
            raise ValueError(f"command {cmd.name!r} registered twice")
        container.subcommands[sub] = cmd

    def get(self, name: str) -> Command | None:
        return self._commands.get(name)

    def __iter__(self) -> Iterator[Command]:
        return iter(sorted(self._commands.values(), key=lambda c: c.name))

    def __contains__(self, name: object) -> bool:
        return name in self._commands

    def __len__(self) -> int:
        return len(self._commands)

    def lookup(self, argv: Sequence[bytes]) -> Command:
        """The command an argv names, arity checked; raises the texts Redis/Upstash give."""
        if not argv:
            raise CommandError("ERR empty command")
        raw = argv[0]
        cmd = self._by_spelling.get(raw)
        if cmd is not None and not cmd.subcommands:
            cmd.check_arity(len(argv))
            return cmd
        name = raw.decode("utf-8", "replace").lower()
        cmd = self._commands.get(name)
        if cmd is not None and cmd.handler is not None and len(self._by_spelling) < 4096:
            self._by_spelling[raw] = cmd
        if cmd is None:
            raise UnknownCommand(raw.decode("utf-8", "replace"))
        if REST_RESTRICTED in cmd.flags and cmd.handler is None:
            raise RestRestricted(raw.decode("utf-8", "replace"))
        if cmd.subcommands:
            return self._lookup_sub(cmd, argv)
        cmd.check_arity(len(argv))
        return cmd

    def _lookup_sub(self, container: Command, argv: Sequence[bytes]) -> Command:
        if len(argv) < 2:
            raise WrongArity(container.name)
        sub_name = argv[1].decode("utf-8", "replace")
        sub = container.subcommands.get(sub_name.lower())
        if sub is None:
            raise CommandError(
                f"ERR unknown subcommand '{sub_name}'. Try {container.name.upper()} HELP."
            )
        sub.check_arity(len(argv))
        return sub


TABLE = CommandTable()


def command(
    name: str,
    arity: int,
    flags: Iterable[str] = (),
    *,
    keys: tuple[int, int, int] = (0, 0, 0),
    key_finder: KeyFinder | None = None,
    group: str = "",
) -> Callable[[Handler], Handler]:
    """Register a handler. ``arity`` counts the name (and subcommand), as Redis does:
    positive means exactly, negative means at least. ``keys`` is (first, last, step) in
    the full argv; ``last=-1`` means the last argument.

    The handler receives the database and the arguments *after* the command name (and
    after the subcommand name, for ``parent|sub`` entries).
    """

    def register(handler: Handler) -> Handler:
        first, last, step = keys
        TABLE.add(
            Command(
                name=name.lower(),
                arity=arity,
                flags=frozenset(flags),
                handler=handler,
                first_key=first,
                last_key=last,
                key_step=step,
                key_finder=key_finder,
                group=group or _group_of(handler),
                summary=(handler.__doc__ or "").strip().split("\n")[0],
            )
        )
        return handler

    return register


def container(name: str, flags: Iterable[str] = (), *, group: str = "") -> None:
    """Register a command that only dispatches to ``name|sub`` entries (SCRIPT, CONFIG…)."""
    TABLE.add(
        Command(name=name.lower(), arity=-2, flags=frozenset(flags), handler=None, group=group)
    )


def restricted(*names: str) -> None:
    """Commands Upstash refuses over REST with its "not allowed in REST" text."""
    for name in names:
        TABLE.add(
            Command(
                name=name.lower(),
                arity=-1,
                flags=frozenset({REST_RESTRICTED}),
                handler=None,
                group="connection",
            )
        )


def _group_of(handler: Handler) -> str:
    return handler.__module__.rsplit(".", 1)[-1]
