"""Command declarations: every fact about a command, beside its handler, in its family.

Each module of ``fakestash._engine.commands`` defines one ``FAMILY`` and declares its
commands on it, with what Redis' ``src/commands/<name>.json`` says and what Upstash adds::

    FAMILY = Family("strings", group="string", category="string")

    @FAMILY.command("getdel", 2, "write fast", keys=[key_at(1, "RW access delete")])
    def getdel(db: Database, args: list[bytes]) -> Reply:
        \"\"\"Get the value of a key and delete it.\"\"\"

- ``arity`` counts the name (and subcommand) as Redis does: positive means exactly,
  negative at least;
- ``flags``: Redis' command flags (``FLAGS``), space-separated as COMMAND INFO lists them;
- ``keys``: Redis' key specs (``fakestash._engine.keyspec``);
- ``categories``: Redis' *explicit* ACL categories (the JSON's ``acl_categories``),
  default the family's ``category``; the implicit ones follow from the flags as Redis'
  ``setImplicitACLCategories`` derives them (``implicit_categories``);
- ``tips``: Redis' command tips (COMMAND INFO shows them);
- Upstash's part: ``rest`` (how a REST client reaches it: ``"yes"``, ``"path"`` for its own
  REST path, ``"tcp"`` for TCP only), ``readonly_token`` (may the read-only token run it:
  by default exactly the ``readonly`` commands that do not write; an exception is declared
  here, on the command), ``upstash`` (False for a Redis command Upstash does not list) and
  ``note`` (for the coverage page). Upstash's deviations from Redis name their commands in
  ``fakestash/deviations.py``.

Commands Upstash serves only over TCP or on their own REST path (blocking pops, AUTH,
SUBSCRIBE, MULTI…) are declared too, without a handler (``Family.declare``), so COMMAND INFO,
ACL CAT, the coverage page and the REST refusal all come from the declarations. A container
(``Family.container``: ACL, SCRIPT…) only dispatches to its ``parent|sub`` commands.
A ``Registry`` (``fakestash/_engine/registry.py``) is built from the families.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from fakestash._engine.keyspec import KeySpec, find_keys, legacy_range
from fakestash._engine.replies import Reply
from fakestash._errors import WrongArity

#: A command's implementation: the database and the arguments after the command name (and
#: after the subcommand name, for ``parent|sub`` commands).
Handler = Callable[[Any, list[bytes]], Reply]
H = TypeVar("H", bound=Callable[..., Any])

#: Redis' command flags, in the order COMMAND INFO lists them (``movablekeys`` is derived
#: from the key specs, ``module`` is for module commands).
FLAGS = (
    "write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking",
    "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
    "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys", "allow_busy",
)  # fmt: skip
WRITE, READONLY, DENYOOM, ADMIN = "write", "readonly", "denyoom", "admin"
PUBSUB, NOSCRIPT, BLOCKING, FAST = "pubsub", "noscript", "blocking", "fast"

#: Redis' ACL categories, in ACL CAT's order.
CATEGORIES = (
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
    "dangerous", "connection", "transaction", "scripting",
)  # fmt: skip

#: How a REST client reaches a command (Upstash).
REST_REACH = ("yes", "path", "tcp")


def implicit_categories(flags: Iterable[str], explicit: Iterable[str]) -> set[str]:
    """Redis' ``setImplicitACLCategories``: write → @write; readonly → @read (not for
    @scripting commands); admin → @admin @dangerous; pubsub → @pubsub; blocking →
    @blocking; fast → @fast, else @slow."""
    flags, explicit = set(flags), set(explicit)
    cats = {"fast" if FAST in flags else "slow"}
    if WRITE in flags:
        cats.add("write")
    if READONLY in flags and "scripting" not in explicit:
        cats.add("read")
    if ADMIN in flags:
        cats |= {"admin", "dangerous"}
    if PUBSUB in flags:
        cats.add("pubsub")
    if BLOCKING in flags:
        cats.add("blocking")
    return cats


def readonly_token_may_run(flags: Iterable[str]) -> bool:
    """The read-only token's rule (Upstash's ``default_ro`` user): commands Redis flags
    ``readonly`` that do not write. Exceptions are declared on the command."""
    flags = set(flags)
    return READONLY in flags and WRITE not in flags


@dataclass(frozen=True, eq=False)
class Command:
    """One declared command. ``name`` is lower case; subcommands are ``parent|sub``."""

    name: str
    arity: int
    flags: frozenset[str]
    handler: Handler | None = None
    key_specs: tuple[KeySpec, ...] = ()
    categories: frozenset[str] = frozenset()  # explicit ones
    tips: tuple[str, ...] = ()
    container: bool = False
    subcommands: Mapping[str, Command] = field(default_factory=dict)
    family: str = ""
    group: str = ""
    summary: str = ""
    rest: str = "yes"
    readonly_token: bool = False
    upstash: bool = True
    note: str = ""

    # Derived once (the hot path reads the first two).
    arg_start: int = field(init=False, default=1)
    is_write: bool = field(init=False, default=False)
    acl_categories: frozenset[str] = field(init=False, default=frozenset())
    legacy_keys: tuple[int, int, int] = field(init=False, default=(0, 0, 0))
    movablekeys: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        first, last, step, movable = legacy_range(self.key_specs)
        derived = {
            "arg_start": 2 if "|" in self.name else 1,
            "is_write": WRITE in self.flags,
            "acl_categories": frozenset(
                self.categories | implicit_categories(self.flags, self.categories)
            ),
            "legacy_keys": (first, last, step),
            "movablekeys": movable,
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @property
    def served(self) -> bool:
        """Whether fakestash runs it (a handler, or a container of subcommands)."""
        return self.handler is not None or bool(self.subcommands)

    def keys(self, argv: Sequence[bytes]) -> list[bytes]:
        """The key arguments of a full argv (command name included)."""
        return find_keys(self.key_specs, argv) if self.key_specs else []

    def check_arity(self, argc: int) -> None:
        if (self.arity > 0 and argc != self.arity) or (self.arity < 0 and argc < -self.arity):
            raise WrongArity(self.name)

    def info_flags(self) -> list[str]:
        """The flags COMMAND INFO shows, in Redis' order (``movablekeys`` included)."""
        shown = self.flags | ({"movablekeys"} if self.movablekeys else set())
        return [flag for flag in FLAGS if flag in shown]

    def info_categories(self) -> list[str]:
        return ["@" + cat for cat in CATEGORIES if cat in self.acl_categories]


class Family:
    """The commands of one module, with what they share: the docs ``group`` (coverage page,
    Upstash's command groups), the default explicit ACL ``category``, and the value types
    they store (``values``: RESTORE reads these)."""

    def __init__(
        self,
        name: str,
        *,
        group: str,
        category: str | None = None,
        values: Sequence[type] = (),
    ) -> None:
        self.name = name
        self.group = group
        self.category = category
        self.values = tuple(values)
        self.commands: list[Command] = []

    def __repr__(self) -> str:
        return f"Family({self.name!r}, {len(self.commands)} commands)"

    def command(
        self,
        name: str,
        arity: int,
        flags: str = "",
        *,
        keys: Sequence[KeySpec] = (),
        categories: str | None = None,
        tips: str = "",
        container: bool = False,
        group: str | None = None,
        rest: str = "yes",
        readonly_token: bool | None = None,
        upstash: bool = True,
        note: str = "",
    ) -> Callable[[H], H]:
        """Declare a command served by the decorated handler (its docstring's first line is
        the command's summary)."""

        def register(handler: H) -> H:
            self.declare(
                name, arity, flags, keys=keys, categories=categories, tips=tips,
                container=container, group=group, rest=rest, readonly_token=readonly_token,
                upstash=upstash, note=note, handler=handler,
                summary=(handler.__doc__ or "").strip().split("\n")[0],
            )  # fmt: skip
            return handler

        return register

    def container(
        self, name: str, *, categories: str | None = None, group: str | None = None
    ) -> None:
        """Declare a command that only dispatches to its ``name|sub`` commands (arity -2,
        no flags and no explicit ACL category, as Redis declares them)."""
        self.declare(name, -2, categories=categories or "", group=group, container=True)

    def declare(
        self,
        name: str,
        arity: int,
        flags: str = "",
        *,
        keys: Sequence[KeySpec] = (),
        categories: str | None = None,
        tips: str = "",
        container: bool = False,
        group: str | None = None,
        rest: str = "yes",
        readonly_token: bool | None = None,
        upstash: bool = True,
        note: str = "",
        handler: Handler | None = None,
        summary: str = "",
    ) -> None:
        """Declare a command; without a handler it is known but not served here (TCP only,
        its own REST path, or a container)."""
        flag_set = _checked(flags.split(), FLAGS, "flag", name)
        explicit: tuple[str, ...] = tuple(categories.split()) if categories is not None else ()
        if categories is None and self.category:
            explicit = (self.category,)
        if rest not in REST_REACH:
            raise ValueError(f"{name}: rest must be one of {REST_REACH}, not {rest!r}")
        self.commands.append(
            Command(
                name=name.lower(),
                arity=arity,
                flags=flag_set,
                handler=handler,
                key_specs=tuple(keys),
                categories=_checked(explicit, CATEGORIES, "ACL category", name),
                tips=tuple(tips.split()),
                container=container,
                family=self.name,
                group=group or self.group,
                summary=summary,
                rest=rest,
                readonly_token=(
                    readonly_token_may_run(flag_set) if readonly_token is None else readonly_token
                ),
                upstash=upstash,
                note=note,
            )
        )


def _checked(words: Iterable[str], known: Sequence[str], what: str, name: str) -> frozenset[str]:
    words = frozenset(words)
    unknown = sorted(words - set(known))
    if unknown:
        raise ValueError(f"{name}: unknown {what} {unknown}; known: {', '.join(known)}")
    if "movablekeys" in words:
        raise ValueError(f"{name}: movablekeys is derived from the key specs, not declared")
    return words
