"""ACL users of one database, as Upstash serves them: ``default``, ``default_ro`` and users.

Upstash's model (spec §0, upstash/docs ``redis/commands/server/acl*``): the standard REST token
is the password of ``default`` (every command), the read-only token that of ``default_ro``.
``ACL SETUSER`` makes more users; their passwords must be tokens from ``ACL GENTOKEN``, and
``ACL RESTTOKEN`` turns a user's password into another REST token. Every such token
authenticates as its user, with that user's permissions, for as long as the user exists, is
``on`` and still has the password the token stands for.

Modelled rules: ``on``/``off``, ``>token``/``<token``/``!hash``/``resetpass``, command rules
(``+cmd``/``-cmd``/``+@category``/``-@category``/``allcommands``/``nocommands``), key
patterns (``~pattern``/``allkeys``/``resetkeys``), channel patterns (``&pattern``/
``allchannels``/``resetchannels``) and ``reset``. Anything else is refused, never ignored.

``default`` and ``default_ro`` are not stored here and cannot be changed: ``default`` runs
everything, ``default_ro`` what the declarations allow the read-only token
(``Command.readonly_token``, fakestash/_engine/family.py).
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence, TypeVar

from fakestash._engine.glob import glob_match

if TYPE_CHECKING:
    from fakestash._engine.family import Command
    from fakestash._engine.registry import Registry

E = TypeVar("E")


class Host(Protocol):
    """What ACL state needs of its database (``fakestash._engine.database.Database``)."""

    registry: Registry
    extensions: dict[str, Any]

    def extension(self, name: str, factory: Callable[[], E]) -> E: ...

DEFAULT = "default"
DEFAULT_RO = "default_ro"
BUILTIN = (DEFAULT, DEFAULT_RO)

KEY_DENIED = "NOPERM this user has no permissions to access one of the keys used as arguments"
CHANNEL_DENIED = (
    "NOPERM this user has no permissions to access one of the channels used as arguments"
)
SCRIPT_COMMAND_DENIED = "ERR The user executing the script can't run this command or subcommand"
SCRIPT_KEY_DENIED = (
    "ERR The user executing the script can't access at least one of the keys mentioned in "
    "the command"
)
SCRIPT_CHANNEL_DENIED = (
    "ERR The user executing the script can't publish to the channel mentioned in the command"
)

#: Minimum estimated entropy (bits) of a password given to ACL GENTOKEN (our threshold).
MIN_PASSWORD_BITS = 60
WEAK_PASSWORD = (
    f"ERR Password is too weak: it needs at least {MIN_PASSWORD_BITS} bits of entropy "
    "(use a longer password, or more kinds of characters)"
)


# ---- rules over the registry's commands ----------------------------------------------------


def _evaluate(registry: Registry, base_all: bool, rules: list[str]) -> frozenset[str]:
    """The leaf commands a user may run: ``+@all``/``-@all``, then each rule in order."""
    allowed = set(registry.leaves) if base_all else set()
    for rule in rules:
        names = registry.targets(rule[1:]) or frozenset()
        if rule[0] == "+":
            allowed |= names
        else:
            allowed -= names
    return frozenset(allowed)


# ---- users -----------------------------------------------------------------------------------


@dataclass
class User:
    """One ACL user. ``passwords`` are the tokens set with ``>token``, in order."""

    name: str
    enabled: bool = False
    passwords: list[str] = field(default_factory=list)
    base_all: bool = False  # the rules start from +@all (else -@all)
    rules: list[str] = field(default_factory=list)  # "+get", "-@write"... after the base
    all_keys: bool = False
    keys: list[bytes] = field(default_factory=list)
    all_channels: bool = False
    channels: list[bytes] = field(default_factory=list)
    allowed: frozenset[str] = frozenset()

    def copy(self) -> User:
        return replace(
            self,
            passwords=list(self.passwords),
            rules=list(self.rules),
            keys=list(self.keys),
            channels=list(self.channels),
        )

    def commands_text(self) -> str:
        return " ".join(["+@all" if self.base_all else "-@all", *self.rules])


def sha256_hex(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A token this database issued: for ``user``; ``base`` is the password a RESTTOKEN token
    stands for (None for a GENTOKEN token, which is itself the password it wraps)."""

    user: str
    password: str
    base: str | None = None


class AclState:
    """The users of one database and the tokens issued for them (``db.extension("acl")``),
    over the commands of the database's registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.users: dict[str, User] = {}
        self.issued: dict[str, Issued] = {}
        #: The builtin users' passwords (their REST tokens), registered by the server.
        self.builtin_passwords: dict[str, list[str]] = {DEFAULT: [], DEFAULT_RO: []}

    def names(self) -> list[str]:
        return sorted({*BUILTIN, *self.users}, key=lambda n: n.encode())

    def user_for_token(self, token: str) -> str | None:
        """The user a token issued here authenticates as, or None if it is not (or no
        longer) valid: the user is gone or off, or no longer has that password."""
        issued = self.issued.get(token)
        if issued is None:
            return None
        password = token if issued.base is None else issued.base
        if issued.user in BUILTIN:
            return issued.user if password in self.builtin_passwords[issued.user] else None
        user = self.users.get(issued.user)
        if user is None or not user.enabled or password not in user.passwords:
            return None
        return user.name

    def new_token(self, rng: random.Random, issued: Issued) -> str:
        token = base64.urlsafe_b64encode(rng.randbytes(36)).decode().rstrip("=")
        self.issued[token] = issued
        return token

    def password_of(self, name: str, secret: str) -> str | None:
        """The password of ``name`` that ``secret`` proves: the password itself, or the
        password a GENTOKEN token wraps."""
        passwords = self.builtin_passwords[name] if name in BUILTIN else None
        if passwords is None:
            user = self.users.get(name)
            passwords = user.passwords if user is not None else []
        for password in passwords:
            issued = self.issued.get(password)
            if secret == password or (issued is not None and issued.password == secret):
                return password
        return None


def acl_state(db: Host) -> AclState:
    return db.extension("acl", lambda: AclState(db.registry))


def register_builtin_tokens(db: Host, token: str, readonly_token: str) -> None:
    """The server tells a database the passwords of ``default`` and ``default_ro``."""
    passwords = acl_state(db).builtin_passwords
    passwords[DEFAULT] = [token]
    passwords[DEFAULT_RO] = [readonly_token]


def user_for_token(db: Host, token: str) -> str | None:
    """For the server's authentication: the ACL user a token stands for, if any."""
    state = db.extensions.get("acl")
    return state.user_for_token(token) if isinstance(state, AclState) else None


def password_bits(password: str) -> float:
    """A simple entropy estimate: length times log2 of the alphabet the classes span."""
    alphabet = 0
    if any(c.islower() for c in password):
        alphabet += 26
    if any(c.isupper() for c in password):
        alphabet += 26
    if any(c.isdigit() for c in password):
        alphabet += 10
    if any(not c.isalnum() for c in password):
        alphabet += 33
    return len(password) * math.log2(alphabet) if alphabet else 0.0


# ---- ACL SETUSER rules -----------------------------------------------------------------------


class RuleError(Exception):
    """A SETUSER rule is refused; ``reason`` follows "Error in ACL SETUSER modifier '…': "."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


SYNTAX = "Syntax error"
UNKNOWN = "Unknown command or category name in ACL"
NO_SUCH_PASSWORD = "The password you are trying to remove from the user does not exist"
BAD_HASH = (
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters"
)
KEYS_AFTER_ALL = (
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns"
)
CHANNELS_AFTER_ALL = (
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
    "not have any effect. Try 'resetchannels' to start with an empty list of channels"
)
# Upstash refuses these; its texts are not documented (ours, see docs/commands/server.md).
NOT_A_TOKEN = "Passwords must be tokens generated with ACL GENTOKEN for this user"
NO_NOPASS = "nopass is not supported: every user must have a password"
NO_HASHED = "Hashed passwords are not supported: add a token from ACL GENTOKEN with >token"
NO_SUBCOMMAND_RULES = "Subcommand rules are not supported"
NO_SELECTORS = "Selectors are not supported"


def apply_rule(state: AclState, user: User, op: str) -> None:
    """Apply one SETUSER rule to ``user`` (a scratch copy); raises RuleError."""
    low = op.lower()
    simple = _SIMPLE.get(low)
    if simple is not None:
        simple(user)
    elif op[:1] in "+-" and len(op) > 1:
        _command_rule(state.registry, user, op[0], low[1:])
    elif op[:1] == ">":
        _add_password(state, user, op[1:])
    elif op[:1] == "<":
        if op[1:] not in user.passwords:
            raise RuleError(NO_SUCH_PASSWORD)
        user.passwords.remove(op[1:])
    elif op[:1] == "!":
        _remove_hash(user, op[1:])
    elif op[:1] == "#":
        raise RuleError(NO_HASHED)
    elif op[:1] == "~":
        _add_key_pattern(user, op[1:].encode())
    elif op[:1] == "&":
        _add_channel_pattern(user, op[1:].encode())
    elif op[:1] == "(" or low == "clearselectors":
        raise RuleError(NO_SELECTORS)
    elif low == "nopass":
        raise RuleError(NO_NOPASS)
    else:
        raise RuleError(SYNTAX)  # also %R~ %W~ and the sanitize-payload flags: not modelled
    user.allowed = _evaluate(state.registry, user.base_all, user.rules)


def _set(**values: object) -> Callable[[User], None]:
    def apply(user: User) -> None:
        for name, value in values.items():
            setattr(user, name, list(value) if isinstance(value, list) else value)

    return apply


def _reset(user: User) -> None:
    user.passwords.clear()
    user.keys, user.all_keys = [], False
    user.channels, user.all_channels = [], False
    user.enabled, user.base_all, user.rules = False, False, []


_SIMPLE: dict[str, Callable[[User], None]] = {
    "on": _set(enabled=True),
    "off": _set(enabled=False),
    "allcommands": _set(base_all=True, rules=[]),
    "+@all": _set(base_all=True, rules=[]),
    "nocommands": _set(base_all=False, rules=[]),
    "-@all": _set(base_all=False, rules=[]),
    "allkeys": _set(all_keys=True, keys=[b"*"]),
    "resetkeys": _set(all_keys=False, keys=[]),
    "allchannels": _set(all_channels=True, channels=[b"*"]),
    "resetchannels": _set(all_channels=False, channels=[]),
    "resetpass": _set(passwords=[]),
    "reset": _reset,
}


def _command_rule(registry: Registry, user: User, sign: str, target: str) -> None:
    if "|" in target:
        raise RuleError(NO_SUBCOMMAND_RULES)
    if registry.targets(target) is None:
        raise RuleError(UNKNOWN)
    rules = [r for r in user.rules if r[1:] != target]
    rules.append(sign + target)
    # Keep only the rules that matter, as Redis 7 describes them ("-@all +get +@read"
    # reads back as "-@all +@read").
    wanted = _evaluate(registry, user.base_all, rules)
    i = 0
    while i < len(rules):
        trial = rules[:i] + rules[i + 1 :]
        if _evaluate(registry, user.base_all, trial) == wanted:
            rules = trial
        else:
            i += 1
    user.rules = rules


def _add_password(state: AclState, user: User, token: str) -> None:
    issued = state.issued.get(token)
    if issued is None or issued.base is not None or issued.user != user.name:
        raise RuleError(NOT_A_TOKEN)
    if token not in user.passwords:
        user.passwords.append(token)


def _remove_hash(user: User, digest: str) -> None:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise RuleError(BAD_HASH)
    for password in user.passwords:
        if sha256_hex(password) == digest:
            user.passwords.remove(password)
            return
    raise RuleError(NO_SUCH_PASSWORD)


def _add_key_pattern(user: User, pattern: bytes) -> None:
    if user.all_keys:
        raise RuleError(KEYS_AFTER_ALL)
    if pattern == b"*":
        user.all_keys, user.keys = True, [b"*"]
    elif pattern not in user.keys:
        user.keys.append(pattern)


def _add_channel_pattern(user: User, pattern: bytes) -> None:
    if user.all_channels:
        raise RuleError(CHANNELS_AFTER_ALL)
    if pattern == b"*":
        user.all_channels, user.channels = True, [b"*"]
    elif pattern not in user.channels:
        user.channels.append(pattern)


# ---- permission checks (fakestash/_engine/admission.py applies them) ---------------------------

COMMAND, KEY, CHANNEL = "command", "key", "channel"
_PUBLISHERS = {"publish", "spublish"}
_SUBSCRIBERS = {"subscribe", "ssubscribe"}


def denial(user: User | None, cmd: Command, argv: Sequence[bytes]) -> str | None:
    """Why ``user`` may not run ``argv`` (``command``/``key``/``channel``), or None. The
    channels are PUBLISH's and SPUBLISH's, SUBSCRIBE's (matched by the user's patterns) and
    PSUBSCRIBE's (each pattern must be one of the user's, as Redis checks them)."""
    if user is None or not user.enabled or cmd.name not in user.allowed:
        return COMMAND
    if not user.all_keys:
        for key in cmd.keys(argv):
            if not any(glob_match(p, key) for p in user.keys):
                return KEY
    if user.all_channels:
        return None
    if cmd.name in _PUBLISHERS:
        channels, literal = list(argv[1:2]), False
    elif cmd.name in _SUBSCRIBERS or cmd.name == "psubscribe":
        channels, literal = list(argv[1:]), cmd.name == "psubscribe"
    else:
        return None
    for channel in channels:
        ok = channel in user.channels if literal else _any_match(user.channels, channel)
        if not ok:
            return CHANNEL
    return None


def _any_match(patterns: list[bytes], channel: bytes) -> bool:
    return any(glob_match(p, channel) for p in patterns)
