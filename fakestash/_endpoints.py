"""The databases a server answers, by host: ``Endpoint`` and the table the REST face reads.

``FakeStash`` owns an ``Endpoints`` table and hands it to the REST face, which finds a
request's database here (by host, then by token) and never reaches back into the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from fakestash._engine.acl import DEFAULT, DEFAULT_RO, user_for_token
from fakestash._engine.database import Database
from fakestash._hosts import host_name, netloc_host, url_host
from fakestash._limits import DEFAULT_LIMITS, Limits
from fakestash._meter import Meter


@dataclass
class Endpoint:
    """One Upstash database as the network sees it: a URL, its tokens, its data.

    ``stash.endpoints[i]`` is the database ``db=i`` names (0 is the one the constructor
    made); ``stash.add_database(...)`` returns the new one.

    Attributes:
        url: Its URL, e.g. ``https://eu.upstash.io``.
        token: The standard (read-write) token.
        readonly_token: The read-only token: writes answer ``NOPERM``.
        database: The engine's database, what ``stash.execute(..., db=i)`` runs on.
        limits: Its request, record and key size limits.
        extra_tokens: More tokens this database accepts: ``{token: read_only}``.
        meter: Its usage meter: requests, billed commands, bytes, faults.
    """

    url: str
    token: str
    readonly_token: str
    database: Database
    limits: Limits = DEFAULT_LIMITS
    extra_tokens: dict[str, bool] = field(default_factory=dict)  # token → read-only?
    meter: Meter = field(default_factory=Meter)

    @property
    def host(self) -> str:
        """The URL's host in normal form (lower case, no default port): ``db.upstash.io``."""
        return url_host(self.url)

    def grant(self, token: str | None) -> bool | None:
        """None if ``token`` is not this database's; else whether it is read-only."""
        if token is None:
            return None
        if token == self.token:
            return False
        if token == self.readonly_token:
            return True
        extra = self.extra_tokens.get(token)
        if extra is not None:
            return extra
        user = user_for_token(self.database, token)  # made by ACL GENTOKEN/RESTTOKEN
        return None if user is None else user == DEFAULT_RO

    def user_of(self, token: str | None) -> str:
        """The ACL user a (granted) token acts as: ``default`` for the standard token (and
        read-write extra tokens), ``default_ro`` for read-only ones, else its ACL user."""
        if token == self.token:
            return DEFAULT
        if token == self.readonly_token:
            return DEFAULT_RO
        if token is None:
            return DEFAULT
        extra = self.extra_tokens.get(token)
        if extra is not None:
            return DEFAULT_RO if extra else DEFAULT
        return user_for_token(self.database, token) or DEFAULT

    def sync_token(self) -> str:
        """The ``Upstash-Sync-Token``: opaque to clients, moved by every write."""
        return f"fs-{self.database.version}"


class Endpoints:
    """A server's databases in the order they were made, and the host table over them."""

    def __init__(self) -> None:
        #: The databases; ``db=i`` is index ``i``.
        self.all: list[Endpoint] = []
        self._by_host: dict[str, Endpoint] = {}

    def add(self, endpoint: Endpoint) -> None:
        """Serve ``endpoint`` at its host; ``ValueError`` if that host is served already."""
        if endpoint.host in self._by_host:
            raise ValueError(f"this FakeStash already serves {endpoint.host}")
        self.all.append(endpoint)
        self._by_host[endpoint.host] = endpoint

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    def index(self, endpoint: Endpoint) -> int:
        """The ``db`` index of ``endpoint``."""
        return self.all.index(endpoint)

    @property
    def hosts(self) -> list[str]:
        """The hosts served (one per database), in normal form."""
        return list(self._by_host)

    def at_host(self, host: str, scheme: str = "https") -> Endpoint | None:
        """The database at ``host`` (``host[:port]``, any spelling of the same address)."""
        return self._by_host.get(netloc_host(host, scheme))

    def authenticate(
        self, host: str, token: str | None, scheme: str = "https"
    ) -> tuple[Endpoint, bool] | None:
        """The database and read-only-ness a request's token grants, or None (HTTP 401).

        The host picks the database; a request to a host this server does not know (a
        respx route on another URL, a server reached by another name) is matched to a
        database by its token alone.
        """
        endpoint = self.at_host(host, scheme)
        candidates = [endpoint] if endpoint is not None else self.all
        for candidate in candidates:
            readonly = candidate.grant(token)
            if readonly is not None:
                return candidate, readonly
        return None

    def misdirected(self, host: str, scheme: str = "https") -> str | None:
        """Why a request to ``host`` reaches no database although its host name is one of
        ours (another port: Upstash serves REST on 443 only); None when that is not so."""
        normal = netloc_host(host, scheme)
        if normal in self._by_host:
            return None
        name = host_name(normal)
        for endpoint in self.all:
            if host_name(endpoint.host) == name:
                return (
                    f"fakestash: no database is served at {normal} ({endpoint.url} is; "
                    f"Upstash answers REST on port 443 only). Point the client at "
                    f"{endpoint.url}."
                )
        return None
