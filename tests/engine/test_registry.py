"""Declarations and the registry: families discovered, servers with more or fewer commands,
declarations checked when made, Redis' category and key spec rules, Upstash's refusals."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import fakestash._engine.commands
from fakestash import FakeStash
from fakestash._engine.database import Database
from fakestash._engine.family import Family, implicit_categories, readonly_token_may_run
from fakestash._engine.keyspec import KeySpec, key_after, key_at, key_count, key_range, legacy_range
from fakestash._engine.registry import Registry, discover
from fakestash._engine.replies import Reply, Status
from fakestash._errors import CommandError
from tests.helpers import error, run

NOT_AVAILABLE = (
    "ERR Command is not available: '{}'. "
    "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
)
NOT_IN_REST = 'ERR Command "{}" is not allowed in REST or it has a special context path'


def _echo_family() -> Family:
    family = Family("echoes", group="testing", category="string")

    @family.command("echo2", 2, "readonly fast", keys=[key_at(1, "RO access")])
    def echo2(db: Database, args: list[bytes]) -> Reply:
        """Answer the argument twice."""
        return args[0] * 2

    return family


# ---- families and the registry -----------------------------------------------------------


def test_every_commands_module_is_a_discovered_family() -> None:
    package = fakestash._engine.commands
    names = [info.name for info in pkgutil.iter_modules(package.__path__)]
    families = {family.name for family in discover()}
    for name in names:
        module = importlib.import_module(f"{package.__name__}.{name}")
        assert isinstance(getattr(module, "FAMILY", None), Family), (
            f"fakestash/_engine/commands/{name}.py defines no FAMILY: its commands would not "
            "exist. Declare them on FAMILY = Family(...) (docs/contributing.md)."
        )
        assert module.FAMILY.name in families


def test_every_handler_shaped_function_is_declared() -> None:
    """A public ``(db, args)`` function in a family module is a handler someone forgot to
    declare (or a helper that should start with an underscore)."""
    for family in discover():
        module = importlib.import_module(f"fakestash._engine.commands.{family.name}")
        declared = {cmd.handler for cmd in family.commands}
        for name, function in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(function).parameters)
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if params == ["db", "args"]:
                assert function in declared, f"{module.__name__}.{name} is not declared"


def test_the_default_registry_is_built_once() -> None:
    assert Registry.default() is Registry.default()
    assert FakeStash().registry is Registry.default()


def test_a_server_with_an_extra_family() -> None:
    stash = FakeStash(registry=Registry.default().with_family(_echo_family()))
    assert stash.execute("ECHO2", "ab") == b"abab"
    assert stash.database.registry.get("echo2") is not None
    assert "echo2" in stash.database.registry.members["string"]
    assert "echo2" not in Registry.default()  # no process state changed
    assert error(FakeStash(), "ECHO2", "ab") == NOT_AVAILABLE.format("ECHO2")


def test_a_server_without_some_commands() -> None:
    stash = FakeStash(registry=Registry.default().without("eval", "acl|log"))
    assert error(stash, "EVAL", "return 1", "0") == NOT_AVAILABLE.format("EVAL")
    assert error(stash, "ACL", "LOG") == "ERR unknown subcommand 'LOG'. Try ACL HELP."
    assert run(stash, "ACL", "WHOAMI") == b"default"
    assert b"eval" not in run(stash, "ACL", "CAT", "scripting")  # type: ignore[operator]
    assert run(FakeStash(), "EVAL", "return 1", "0") == 1


def test_two_families_cannot_declare_one_command() -> None:
    twice = Family("twice", group="testing")
    twice.declare("get", 2, "readonly fast")
    with pytest.raises(ValueError, match="'get' declared by both 'strings' and 'twice'"):
        Registry.default().with_family(twice)


def test_a_subcommand_needs_its_container() -> None:
    orphan = Family("orphan", group="testing")
    orphan.declare("nothing|here", 2)
    with pytest.raises(ValueError, match="no container 'nothing' declared"):
        Registry([orphan])


@pytest.mark.parametrize(
    ("flags", "categories", "text"),
    [
        ("write fastest", None, "unknown flag ['fastest']"),
        ("write movablekeys", None, "movablekeys is derived from the key specs"),
        ("write", "strings", "unknown ACL category ['strings']"),
    ],
)
def test_declarations_are_checked_when_made(flags: str, categories: str | None, text: str) -> None:
    family = Family("checked", group="testing")
    with pytest.raises(ValueError, match=text.replace("[", r"\[").replace("]", r"\]")):
        family.declare("oops", 2, flags, categories=categories)


def test_a_declaration_says_how_rest_reaches_it() -> None:
    family = Family("checked", group="testing")
    with pytest.raises(ValueError, match="rest must be one of"):
        family.declare("oops", 2, rest="http")


def test_restore_reads_the_value_types_of_the_families_served() -> None:
    readers = Registry.default().readers
    assert {kind.type_name for kind in readers.values()} == {
        "list", "set", "zset", "hash", "stream", "ReJSON-RL",
    }  # fmt: skip
    without_json = Registry([f for f in discover() if f.name != "json"])
    assert "ReJSON-RL" not in {kind.type_name for kind in without_json.readers.values()}


# ---- Redis' rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "explicit", "implicit"),
    [
        ("readonly fast", "string", {"read", "fast"}),
        ("write denyoom", "string", {"write", "slow"}),
        ("readonly", "scripting", {"slow"}),  # EVAL_RO: scripting commands are not @read
        ("admin noscript", "", {"admin", "dangerous", "slow"}),
        ("pubsub fast", "", {"pubsub", "fast"}),
        ("write blocking", "list", {"write", "blocking", "slow"}),
    ],
)
def test_implicit_categories_follow_redis(flags: str, explicit: str, implicit: set[str]) -> None:
    assert implicit_categories(flags.split(), explicit.split()) == implicit


def test_the_read_only_token_rule_and_its_declared_exceptions() -> None:
    assert readonly_token_may_run({"readonly", "fast"})
    assert not readonly_token_may_run({"write"})
    assert not readonly_token_may_run({"fast"})
    registry = Registry.default()
    assert registry.command("ping") and registry.command("ping").readonly_token  # type: ignore[union-attr]
    assert not registry.command("keys").readonly_token  # type: ignore[union-attr]
    assert "eval_ro" in registry.readonly_leaves and "eval" not in registry.readonly_leaves


ARGV = [b"CMD", b"a", b"b", b"c", b"d", b"e", b"f"]


@pytest.mark.parametrize(
    ("spec", "argv", "positions"),
    [
        (key_at(1, "RO"), ARGV, [1]),
        (key_range(1, "RO"), ARGV, [1, 2, 3, 4, 5, 6]),
        (key_range(2, "RO", last=-2), ARGV, [2, 3, 4, 5]),
        (key_range(1, "RO", step=2), ARGV, [1, 3, 5]),
        (key_after("STREAMS", "RO", last=-1, limit=2), [b"X", b"STREAMS", b"s", b"t", b"0", b"0"], [2, 3]),
        (key_count(1, "RO"), [b"X", b"2", b"a", b"b", b"c"], [2, 3]),
        (key_count(2, "RO", step=2), [b"X", b"d", b"2", b"a", b"1", b"b", b"2"], [3, 5]),
        (key_count(1, "RO"), [b"X", b"x", b"a"], None),  # not a count
        (key_count(1, "RO"), [b"X", b"3", b"a"], None),  # more than there are
        (key_after("STORE", "OW", startfrom=2), [b"X", b"k", b"STORE", b"d"], [3]),
        (key_after("STORE", "OW", startfrom=2), [b"X", b"k", b"d", b"STORE"], []),  # last arg
        (key_after("STORE", "OW", startfrom=-2), [b"X", b"a", b"STORE", b"d", b"e"], [3]),
    ],
)
def test_key_spec_positions(spec: KeySpec, argv: list[bytes], positions: list[int] | None) -> None:
    span = spec.positions(argv)
    assert (None if span is None else list(span)) == positions


def test_legacy_key_triples() -> None:
    assert legacy_range([key_at(1, "RO")]) == (1, 1, 1, False)
    assert legacy_range([key_range(1, "RO", step=2)]) == (1, -1, 2, False)
    assert legacy_range([key_at(1, "RW"), key_at(2, "RW")]) == (1, 2, 1, False)
    assert legacy_range([key_at(1, "OW"), key_count(2, "RO")]) == (1, 1, 1, True)
    assert legacy_range([key_count(1, "RO")]) == (0, 0, 0, True)
    assert legacy_range([]) == (0, 0, 0, False)


# ---- Upstash's refusals ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["BLPOP", "BZMPOP"])
def test_blocking_commands_are_declared_but_not_available(name: str) -> None:
    registry = Registry.default()
    assert registry.get(name.lower()) is not None
    with pytest.raises(CommandError) as raised:
        registry.lookup([name.encode(), b"k", b"0"])
    assert raised.value.text == NOT_AVAILABLE.format(name)
    assert name.lower() in registry.members["blocking"]


@pytest.mark.parametrize("name", ["MULTI", "SUBSCRIBE", "CLIENT", "MONITOR"])
def test_commands_with_their_own_path_are_not_allowed_in_rest(name: str) -> None:
    with pytest.raises(CommandError) as raised:
        Registry.default().lookup([name.encode(), b"x"])
    assert raised.value.text == NOT_IN_REST.format(name)


def test_script_lookups_give_redis_script_texts() -> None:
    registry = Registry.default()

    def text(*argv: bytes) -> str:
        with pytest.raises(CommandError) as raised:
            registry.script_lookup(list(argv))
        return raised.value.text

    assert text(b"NOPE") == "ERR Unknown Redis command called from script"
    assert text(b"BLPOP", b"k", b"0") == "ERR Unknown Redis command called from script"
    assert text(b"SCRIPT", b"NOPE") == "ERR Unknown Redis command called from script"
    assert text(b"GET") == "ERR Wrong number of args calling Redis command from script"
    assert text(b"MULTI") == "ERR This Redis command is not allowed from script"
    assert registry.script_lookup([b"GET", b"k"]).name == "get"


def test_type_of_a_value_is_its_declared_type_name(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "f", "v")
    assert run(stash, "TYPE", "h") == Status("hash")


# ---- COMMAND, from the declarations ----------------------------------------------------------


def test_command_alone_is_upstash_s_empty_array(stash: FakeStash) -> None:
    assert run(stash, "COMMAND") == []


def test_command_info_describes_a_declared_command() -> None:
    stash = FakeStash(registry=Registry.default().with_family(_echo_family()))
    assert run(stash, "COMMAND", "INFO", "echo2", "nope") == [
        [
            b"echo2", 2, [Status("readonly"), Status("fast")], 1, 1, 1,
            [Status("@read"), Status("@string"), Status("@fast")], [],
            [[b"flags", [Status("RO"), Status("access")],
              b"begin_search", [b"type", b"index", b"spec", [b"index", 1]],
              b"find_keys", [b"type", b"range", b"spec", [b"lastkey", 0, b"keystep", 1, b"limit", 0]]]],
            [],
        ],
        None,
    ]  # fmt: skip


def test_command_count_and_list_follow_the_registry() -> None:
    smaller = FakeStash(registry=Registry.default().without("eval", "acl|log"))
    assert run(smaller, "COMMAND", "COUNT") == len(Registry.default()) - 1
    names = run(smaller, "COMMAND", "LIST")
    assert isinstance(names, list) and b"eval" not in names and b"acl|log" not in names
    assert b"acl|cat" in names and names == sorted(names)  # type: ignore[type-var]
    assert run(smaller, "COMMAND", "LIST", "FILTERBY", "PATTERN", "ACL|C*") == [b"acl|cat"]
    assert run(smaller, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "hyperloglog") == [
        b"pfadd", b"pfcount", b"pfmerge",
    ]  # fmt: skip


def test_command_getkeys(stash: FakeStash) -> None:
    assert run(stash, "COMMAND", "GETKEYS", "MSETEX", "2", "a", "1", "b", "2", "EX", "9") == [
        b"a", b"b",
    ]  # fmt: skip
    assert error(stash, "COMMAND", "GETKEYS", "PING") == "ERR The command has no key arguments"
    assert error(stash, "COMMAND", "DOCS") == "ERR unknown subcommand 'DOCS'. Try COMMAND HELP."
