"""The registry: the commands a server knows, built from families and held by the server.

``Registry.default()`` discovers every family (each module of ``fakestash._engine.commands``
that defines ``FAMILY``) once per process; a ``FakeStash`` and its databases hold a
registry, so a test can serve more or fewer commands without touching process state::

    stash = FakeStash(registry=Registry.default().with_family(MY_FAMILY))
    stash = FakeStash(registry=Registry.default().without("eval", "evalsha"))

Everything that asks what a command is reads the registry: lookups (with the texts Redis and
Upstash give), the ACL categories and their members, the read-only token's policy, COMMAND
INFO, RESTORE's value types, MONITOR, Lua's ``redis.call`` and the coverage page.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import replace
from types import ModuleType
from typing import Any, Iterable, Iterator, Sequence

from fakestash._engine.family import BLOCKING, CATEGORIES, Command, Family
from fakestash._engine.values import Value, readers
from fakestash._errors import CommandError, RestRestricted, UnknownCommand, WrongArity

COMMANDS_PACKAGE = "fakestash._engine.commands"
#: Memoised spellings (``b"SET"``, ``b"set"``…) per registry, at most this many.
SPELLINGS = 4096

SCRIPT_UNKNOWN = "ERR Unknown Redis command called from script"
SCRIPT_ARITY = "ERR Wrong number of args calling Redis command from script"
SCRIPT_REFUSED = "ERR This Redis command is not allowed from script"


class Registry:
    """Commands by name, from ``families`` (minus the commands named in ``without``)."""

    def __init__(self, families: Iterable[Family], without: Iterable[str] = ()) -> None:
        self.families = tuple(families)
        self._without = frozenset(name.lower() for name in without)
        self._commands = _assemble(self.families, self._without)
        #: Commands by the spelling clients sent (``b"SET"``, ``b"set"``…), memoised by
        #: ``lookup`` (at most ``SPELLINGS``): a hit needs only its arity checked.
        self.spellings: dict[bytes, Command] = {}
        self.leaves = _leaves(self._commands)
        self.members = _members(self.leaves)
        #: Leaf names the read-only token may run.
        self.readonly_leaves = frozenset(n for n, c in self.leaves.items() if c.readonly_token)
        #: The value types RESTORE reads, by RDB object type.
        self.readers: dict[int, type[Value]] = readers(
            kind for family in self.families for kind in family.values
        )

    @classmethod
    def default(cls) -> Registry:
        """Every family of ``fakestash._engine.commands``, built once per process."""
        return _default()

    def with_family(self, *families: Family) -> Registry:
        """This registry plus ``families`` (a name already taken raises ``ValueError``)."""
        return Registry((*self.families, *families), self._without)

    def without(self, *names: str) -> Registry:
        """This registry minus commands (``"get"``, or a subcommand ``"acl|log"``)."""
        return Registry(self.families, self._without | {n.lower() for n in names})

    # ---- what there is ---------------------------------------------------------------

    def get(self, name: str) -> Command | None:
        """A top-level command by lower-case name."""
        return self._commands.get(name)

    def command(self, name: str) -> Command | None:
        """A command or subcommand by lower-case name (``"acl|cat"``)."""
        parent, _, sub = name.partition("|")
        cmd = self._commands.get(parent)
        if cmd is None or not sub:
            return cmd
        return cmd.subcommands.get(sub)

    def __iter__(self) -> Iterator[Command]:
        """Top-level commands by name."""
        return iter(sorted(self._commands.values(), key=lambda c: c.name))

    def __contains__(self, name: object) -> bool:
        return name in self._commands

    def __len__(self) -> int:
        return len(self._commands)

    # ---- lookups -----------------------------------------------------------------------

    def lookup(self, argv: Sequence[bytes]) -> Command:
        """The command an argv names, arity checked; raises the texts Redis/Upstash give."""
        if not argv:
            raise CommandError("ERR empty command")
        raw = argv[0]
        cmd = self.spellings.get(raw)
        if cmd is not None:
            cmd.check_arity(len(argv))
            return cmd
        name = raw.decode("utf-8", "replace")
        cmd = self._commands.get(name.lower())
        if cmd is None:
            raise UnknownCommand(name)
        if cmd.container:
            return self._subcommand(cmd, argv)
        if cmd.handler is None:
            raise _refusal(cmd, name)
        if len(self.spellings) < SPELLINGS:
            self.spellings[raw] = cmd
        cmd.check_arity(len(argv))
        return cmd

    def _subcommand(self, container: Command, argv: Sequence[bytes]) -> Command:
        if len(argv) < 2:
            if container.handler is not None:  # COMMAND alone
                return container
            raise WrongArity(container.name)
        sub_name = argv[1].decode("utf-8", "replace")
        sub = container.subcommands.get(sub_name.lower())
        if sub is None:
            raise CommandError(
                f"ERR unknown subcommand '{sub_name}'. Try {container.name.upper()} HELP."
            )
        sub.check_arity(len(argv))
        return sub

    def script_lookup(self, argv: Sequence[bytes]) -> Command:
        """``redis.call``'s lookup: the same commands, Redis' script texts (script.c)."""
        cmd = self._commands.get(argv[0].decode("utf-8", "replace").lower())
        if cmd is not None and cmd.container and len(argv) > 1:
            cmd = cmd.subcommands.get(argv[1].decode("utf-8", "replace").lower())
        if cmd is None or (not cmd.served and _unknown_over_rest(cmd)):
            raise CommandError(SCRIPT_UNKNOWN)
        if (cmd.arity > 0 and len(argv) != cmd.arity) or (cmd.arity < 0 and len(argv) < -cmd.arity):
            raise CommandError(SCRIPT_ARITY)
        if not cmd.served:  # connection state, transactions, subscriptions: noscript in Redis
            raise CommandError(SCRIPT_REFUSED)
        return cmd

    @staticmethod
    def not_allowed_in_rest(cmd: Command) -> bool:
        """Whether Upstash answers "not allowed in REST" for it (else, if it is not served,
        "Command is not available")."""
        return not cmd.served and not _unknown_over_rest(cmd)

    # ---- what COMMAND and ACL show -------------------------------------------------------

    def info(self, cmd: Command) -> list[Any]:
        """COMMAND INFO's row of a command: name, arity, flags, legacy key positions, ACL
        categories, tips, key specs, subcommands."""
        first, last, step = cmd.legacy_keys
        subs = [self.info(sub) for _, sub in sorted(cmd.subcommands.items())]
        return [
            cmd.name, cmd.arity, cmd.info_flags(), first, last, step, cmd.info_categories(),
            list(cmd.tips), [spec.info() for spec in cmd.key_specs], subs,
        ]  # fmt: skip

    def targets(self, name: str) -> frozenset[str] | None:
        """The leaf names an ACL rule's target names: ``@category``, ``@all`` or a command
        (a container names its subcommands); None if there is no such thing."""
        if name.startswith("@"):
            return frozenset(self.leaves) if name == "@all" else self.members.get(name[1:])
        cmd = self._commands.get(name)
        if cmd is None:
            return None
        names = {sub.name for sub in cmd.subcommands.values()}
        if cmd.name in self.leaves:
            names.add(cmd.name)
        return frozenset(names)


#: The default registry and the modules it was built from (families and value types).
_DEFAULT: tuple[Registry, tuple[ModuleType, ...]] | None = None


def _default() -> Registry:
    """Built once; built again if a module it came from is no longer the one imported (a
    test runner such as pytester's in-process runs drops the modules a run imported, and
    families loaded later, search and Lua, must meet the same value types as the rest)."""
    global _DEFAULT
    if _DEFAULT is None or any(sys.modules.get(m.__name__) is not m for m in _DEFAULT[1]):
        modules = _modules(COMMANDS_PACKAGE)
        families = _families(modules)
        kinds = {kind.__module__ for family in families for kind in family.values}
        _DEFAULT = (Registry(families), (*modules, *(sys.modules[name] for name in kinds)))
    return _DEFAULT[0]


def discover(package: str = COMMANDS_PACKAGE) -> list[Family]:
    """The ``FAMILY`` of every module of ``package``, by module name."""
    return _families(_modules(package))


def _modules(package: str) -> list[ModuleType]:
    root = importlib.import_module(package)
    infos = sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name)
    return [importlib.import_module(f"{package}.{info.name}") for info in infos]


def _families(modules: Iterable[ModuleType]) -> list[Family]:
    found = (getattr(module, "FAMILY", None) for module in modules)
    return [family for family in found if isinstance(family, Family)]


def _assemble(families: Sequence[Family], without: frozenset[str]) -> dict[str, Command]:
    """Top-level commands, each container holding its subcommands (declared anywhere)."""
    tops: dict[str, Command] = {}
    subs: dict[str, dict[str, Command]] = {}
    owner: dict[str, str] = {}
    for family in families:
        for cmd in family.commands:
            if cmd.name in owner:
                raise ValueError(
                    f"command {cmd.name!r} declared by both {owner[cmd.name]!r} and "
                    f"{family.name!r}"
                )
            owner[cmd.name] = family.name
            if cmd.name in without:
                continue
            parent, _, sub = cmd.name.partition("|")
            if sub:
                subs.setdefault(parent, {})[sub] = cmd
            else:
                tops[cmd.name] = cmd
    for parent, children in subs.items():
        container = tops.get(parent)
        if container is None or not container.container:
            if parent in without:
                continue
            raise ValueError(f"subcommands of {parent!r} but no container {parent!r} declared")
        tops[parent] = replace(container, subcommands=dict(sorted(children.items())))
    return tops


def _leaves(commands: dict[str, Command]) -> dict[str, Command]:
    """Every name a user runs or an ACL rule grants: commands and subcommands (a container
    itself only if it runs alone, as COMMAND does)."""
    leaves: dict[str, Command] = {}
    for name in sorted(commands):
        cmd = commands[name]
        if not cmd.container or cmd.handler is not None:
            leaves[name] = cmd
        for sub in cmd.subcommands.values():
            leaves[sub.name] = sub
    return leaves


def _members(leaves: dict[str, Command]) -> dict[str, frozenset[str]]:
    members: dict[str, set[str]] = {cat: set() for cat in CATEGORIES}
    for name, cmd in leaves.items():
        for cat in cmd.acl_categories:
            members[cat].add(name)
    return {cat: frozenset(names) for cat, names in members.items()}


def _unknown_over_rest(cmd: Command) -> bool:
    """Upstash answers "Command is not available" for the blocking commands it serves over
    TCP only (BLPOP, BZPOPMIN…: docs "not supported over REST") and for any command it lists
    but fakestash lacks; "not allowed in REST" for the rest of what it does not serve there
    (connection state, transactions by hand, subscriptions: wire spec §7)."""
    return cmd.rest == "yes" or (cmd.rest == "tcp" and BLOCKING in cmd.flags)


def _refusal(cmd: Command, spelled: str) -> CommandError:
    return UnknownCommand(spelled) if _unknown_over_rest(cmd) else RestRestricted(spelled)
