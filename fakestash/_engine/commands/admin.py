"""Small server commands Upstash serves over REST: WAIT, WAITAOF, MEMORY USAGE and ACL.

WAIT/WAITAOF never block: the fake has no replicas, and its data is "persisted" at once.
ACL follows Upstash's model (fakestash/_engine/acl.py): tokens are passwords of ACL users,
``ACL GENTOKEN``/``ACL RESTTOKEN`` make more, and every token runs with its user's rights.
"""

from __future__ import annotations

import base64

from fakestash._engine import values
from fakestash._engine.acl import (
    BUILTIN,
    DEFAULT,
    MIN_PASSWORD_BITS,
    WEAK_PASSWORD,
    AclState,
    Issued,
    RuleError,
    User,
    acl_state,
    apply_rule,
    password_bits,
    sha256_hex,
)
from fakestash._engine.args import parse_int
from fakestash._engine.database import Database
from fakestash._engine.family import CATEGORIES, Family
from fakestash._engine.keyspec import key_at
from fakestash._engine.registry import Registry
from fakestash._engine.replies import OK, Reply
from fakestash._engine.values.memory import DEFAULT_SAMPLES
from fakestash._errors import SYNTAX, CommandError, WrongArity

FAMILY = Family("admin", group="server")

LLONG_MAX = 2**63 - 1
TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"


# ---- WAIT, WAITAOF ---------------------------------------------------------------------------


def _timeout(db: Database, raw: bytes) -> int:
    """Redis' ``getTimeoutFromObjectOrReply`` in milliseconds (7.2+: overflow checked)."""
    timeout = parse_int(raw, TIMEOUT_NOT_INTEGER)
    if timeout < 0:
        raise CommandError("ERR timeout is negative")
    if timeout > 0 and timeout > LLONG_MAX - db.now_ms:
        raise CommandError("ERR timeout is out of range")
    return timeout


@FAMILY.command(
    "wait", 3, "blocking",
    categories="connection",
    tips="request_policy:all_shards response_policy:agg_min",
    group="generic",
)
def wait(db: Database, args: list[bytes]) -> Reply:
    """Replicas that acknowledged: always 0 at once (the fake has none; it never blocks)."""
    parse_int(args[0])
    _timeout(db, args[1])
    return 0


@FAMILY.command(
    "waitaof", 4, "blocking",
    categories="connection",
    tips="request_policy:all_shards response_policy:agg_min",
    group="generic",
)
def waitaof(db: Database, args: list[bytes]) -> Reply:
    """[local, replicas] fsync acknowledgements: [1, 0] at once (persistent, no replicas)."""
    numlocal = parse_int(args[0])
    if not 0 <= numlocal <= 1:
        raise CommandError("ERR value is out of range, value must between 0 and 1")
    if parse_int(args[1]) < 0:
        raise CommandError("ERR value is out of range, must be positive")
    _timeout(db, args[2])
    return [1, 0]


# ---- MEMORY USAGE ----------------------------------------------------------------------------

FAMILY.container("memory")


@FAMILY.command("memory|usage", -3, "readonly", keys=[key_at(2, "RO")], group="generic")
def memory_usage_(db: Database, args: list[bytes]) -> Reply:
    """Estimated bytes a key takes, as Redis counts them; nil for a missing key."""
    samples = DEFAULT_SAMPLES
    rest = args[1:]
    i = 0
    while i < len(rest):
        if rest[i].lower() == b"samples" and i + 1 < len(rest):
            samples = parse_int(rest[i + 1])
            if samples < 0:
                raise CommandError(SYNTAX)
            i += 2
        else:
            raise CommandError(SYNTAX)
    value = db.lookup(args[0])
    if value is None:
        return None
    return values.memory_usage(args[0], value, samples)


# ---- ACL -------------------------------------------------------------------------------------

FAMILY.container("acl")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


@FAMILY.command("acl|whoami", 2, "noscript loading stale", readonly_token=True)
def acl_whoami(db: Database, args: list[bytes]) -> Reply:
    """The ACL user of the request's token (default, default_ro, or an ACL user)."""
    return db.caller.user.encode()


@FAMILY.command("acl|users", 2, "admin noscript loading stale")
def acl_users(db: Database, args: list[bytes]) -> Reply:
    """Every user name, sorted: default, default_ro and those made with SETUSER."""
    return [name.encode() for name in acl_state(db).names()]


@FAMILY.command("acl|list", 2, "admin noscript loading stale")
def acl_list(db: Database, args: list[bytes]) -> Reply:
    """Every user as an ACL-file line."""
    state = acl_state(db)
    return [_describe(state, name).encode() for name in state.names()]


@FAMILY.command("acl|getuser", 3, "admin noscript loading stale")
def acl_getuser(db: Database, args: list[bytes]) -> Reply:
    """flags, passwords (SHA-256), commands, keys, channels of a user; nil if none."""
    state = acl_state(db)
    name = _text(args[0])
    if name in BUILTIN:
        hashes: list[Reply] = [sha256_hex(p).encode() for p in state.builtin_passwords[name]]
        commands = "+@all" if name == DEFAULT else _default_ro_commands(db.registry)
        reply: list[Reply] = [b"flags", [b"on"], b"passwords", list(hashes)]
        return [*reply, b"commands", commands.encode(), b"keys", [b"*"], b"channels", [b"*"]]
    user = state.users.get(name)
    if user is None:
        return None
    return [
        b"flags", [b"on" if user.enabled else b"off"],
        b"passwords", [sha256_hex(p).encode() for p in user.passwords],
        b"commands", user.commands_text().encode(),
        b"keys", list[Reply](user.keys),
        b"channels", list[Reply](user.channels),
    ]  # fmt: skip


def _describe(state: AclState, name: str) -> str:
    if name not in BUILTIN:
        return _user_line(state.users[name])
    hashes = " ".join("#" + sha256_hex(p) for p in state.builtin_passwords[name])
    commands = "+@all" if name == DEFAULT else _default_ro_commands(state.registry)
    return " ".join(part for part in ("user", name, "on", hashes, "~* &*", commands) if part)


def _user_line(user: User) -> str:
    parts = ["user", user.name, "on" if user.enabled else "off"]
    parts += ["#" + sha256_hex(p) for p in user.passwords]
    parts += ["~" + k.decode("utf-8", "replace") for k in user.keys]
    if user.all_channels:
        parts.append("&*")
    else:
        parts.append("resetchannels")
        parts += ["&" + c.decode("utf-8", "replace") for c in user.channels]
    parts.append(user.commands_text())
    return " ".join(parts)


def _default_ro_commands(registry: Registry) -> str:
    """What the read-only token may run (the declarations' ``readonly_token``), as ACL rules:
    ``+@read``, then what it may run outside @read, then what it may not inside it (a
    container whose every subcommand is in is one rule, as Redis writes it)."""
    read = registry.members["read"]
    allowed = registry.readonly_leaves
    extra = _rules("+", allowed - read, registry)
    denied = _rules("-", read - allowed, registry)
    return " ".join(["-@all", "+@read", *extra, *denied])


def _rules(sign: str, names: frozenset[str], registry: Registry) -> list[str]:
    whole = {
        cmd.name
        for cmd in registry
        if cmd.subcommands and (registry.targets(cmd.name) or frozenset()) <= names
    }
    kept = {n for n in names if n.split("|")[0] not in whole} | whole
    return [sign + name for name in sorted(kept)]


@FAMILY.command(
    "acl|setuser", -3, "admin noscript loading stale",
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def acl_setuser(db: Database, args: list[bytes]) -> Reply:
    """Create or change a user; rules apply left to right, all or nothing."""
    name = _text(args[0])
    if " " in name or "\0" in name:
        raise CommandError("ERR Usernames can't contain spaces or null characters")
    if name in BUILTIN:
        raise CommandError(f"ERR The '{name}' user cannot be modified")
    state = acl_state(db)
    existing = state.users.get(name)
    user = existing.copy() if existing is not None else User(name)
    for raw in args[1:]:
        op = _text(raw)
        try:
            apply_rule(state, user, op)
        except RuleError as exc:
            raise CommandError(f"ERR Error in ACL SETUSER modifier '{op}': {exc.reason}") from None
    state.users[name] = user
    return OK


@FAMILY.command(
    "acl|deluser", -3, "admin noscript loading stale",
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def acl_deluser(db: Database, args: list[bytes]) -> Reply:
    """Delete users; how many existed. default and default_ro cannot go."""
    names = [_text(a) for a in args]
    for name in names:
        if name in BUILTIN:
            raise CommandError(f"ERR The '{name}' user cannot be removed")
    users = acl_state(db).users
    return sum(1 for name in names if users.pop(name, None) is not None)


@FAMILY.command("acl|cat", -2, "noscript loading stale")
def acl_cat(db: Database, args: list[bytes]) -> Reply:
    """The categories rules may use, or the commands in one."""
    if len(args) > 1:
        raise _subcommand_syntax(db, "CAT")
    if not args:
        return [c.encode() for c in CATEGORIES]
    wanted = _text(args[0])
    members = db.registry.members.get(wanted.lower())
    if members is None:
        raise CommandError(f"ERR Unknown category '{wanted}'")
    return [name.encode() for name in sorted(members)]


@FAMILY.command("acl|genpass", -2, "noscript loading stale")
def acl_genpass(db: Database, args: list[bytes]) -> Reply:
    """A random password: ``bits`` (256 by default) as hex digits."""
    if len(args) > 1:
        raise _subcommand_syntax(db, "GENPASS")
    bits = 256
    if args:
        bits = parse_int(args[0])
        if not 0 < bits <= 4096:
            raise CommandError(
                "ERR ACL GENPASS argument must be the number of bits for the output password, "
                "a positive number up to 4096"
            )
    chars = (bits + 3) // 4
    return db.rng.randbytes((chars + 1) // 2).hex()[:chars].encode()


@FAMILY.command("acl|log", -2, "admin noscript loading stale")
def acl_log(db: Database, args: list[bytes]) -> Reply:
    """Always empty, as on Upstash (it records no failures); RESET answers OK."""
    if len(args) > 1:
        raise _subcommand_syntax(db, "LOG")
    if args:
        if args[0].lower() == b"reset":
            return OK
        parse_int(args[0])
    return []


@FAMILY.command(
    "acl|save", 2, "admin noscript loading stale",
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def acl_save(db: Database, args: list[bytes]) -> Reply:
    """OK: Upstash has no ACL file (SAVE pushes users to replicas; nothing to do here)."""
    return OK


@FAMILY.command("acl|load", 2, "admin noscript loading stale")
def acl_load(db: Database, args: list[bytes]) -> Reply:
    """OK: Upstash has no ACL file (LOAD refreshes from the primary; nothing to do here)."""
    return OK


@FAMILY.command("acl|gentoken", -3, "admin noscript")
def acl_gentoken(db: Database, args: list[bytes]) -> Reply:
    """Upstash: a token for ``user`` wrapping ``password`` (or a random one), to give the
    user with SETUSER ``>token``; it is then also a REST token."""
    if len(args) > 2:
        raise WrongArity("acl|gentoken")
    name = _text(args[0])
    if len(args) == 2:
        password = _text(args[1])
        if password_bits(password) < MIN_PASSWORD_BITS:
            raise CommandError(WEAK_PASSWORD)
    else:
        password = base64.urlsafe_b64encode(db.rng.randbytes(24)).decode()
    return acl_state(db).new_token(db.rng, Issued(name, password)).encode()


@FAMILY.command("acl|resttoken", 4, "admin noscript")
def acl_resttoken(db: Database, args: list[bytes]) -> Reply:
    """Upstash: a new REST token for an existing user, given its password (or the token
    GENTOKEN made for it)."""
    name, secret = _text(args[0]), _text(args[1])
    state = acl_state(db)
    password = state.password_of(name, secret)
    if password is None:
        raise CommandError(f'ERR Wrong password or user "{name}" does not exist')
    return state.new_token(db.rng, Issued(name, password, base=password)).encode()


@FAMILY.command("acl|help", 2, "loading stale", upstash=False)
def acl_help(db: Database, args: list[bytes]) -> Reply:
    """The subcommands, one line each."""
    return [line.encode() for line in _HELP]


_HELP = (
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "GENTOKEN <username> [<password>]",
    "    Generate a token to use as the user's password (>token) and as a REST token.",
    "GETUSER <username>",
    "    Get the user's details.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the primary.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "RESTTOKEN <username> <password>",
    "    Generate a REST token for an existing user.",
    "SAVE",
    "    Push users to the replicas.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Prints this help.",
)


def _subcommand_syntax(db: Database, sub: str) -> CommandError:
    parent = db.command_name.decode("utf-8", "replace").upper()
    return CommandError(
        f"ERR unknown subcommand or wrong number of arguments for '{sub}'. Try {parent} HELP."
    )
