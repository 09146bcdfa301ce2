"""Which database a URL names: one normal form for hosts, used wherever a host is matched.

A database is served at its URL's host and port. Spellings DNS and HTTP treat as the same
address are the same database: case (``DB.upstash.io``), the fully-qualified form with a
trailing dot (``db.upstash.io.``), and the scheme's default port written out
(``https://db.upstash.io:443``, ``http://...:80``). The normal form is the lower-case host
without the trailing dot, plus ``:port`` only when the port is not the scheme's default.

Another port on a host a database serves is not that database: Upstash answers REST on
443 only (its 6379 speaks the Redis protocol), so a client configured with another port
fails against the real service. ``FakeStash.misdirected`` says so in a reply instead of
letting some database answer (see docs/rest-api.md, "Hosts").
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def normal_host(host: str, port: int | None = None, scheme: str = "https") -> str:
    """``host[:port]`` in normal form; ``port`` None means the scheme's default."""
    name = host.lower()
    if name.endswith("."):
        name = name[:-1]
    if ":" in name and not name.startswith("["):  # an IPv6 literal, given bare
        name = f"[{name}]"
    if port is None or port == DEFAULT_PORTS.get(scheme.lower()):
        return name
    return f"{name}:{port}"


def host_name(normal: str) -> str:
    """The host name of a normal form, without its port."""
    if normal.startswith("["):
        return normal[: normal.index("]") + 1]
    return normal.partition(":")[0]


def netloc_host(netloc: str, scheme: str = "https") -> str:
    """The normal form of a ``host[:port]`` string (an HTTP ``Host`` header's value)."""
    host, port = _split_netloc(netloc.rpartition("@")[2])
    return normal_host(host, port, scheme)


def url_host(url: str) -> str:
    """The normal form of a URL's host: ``https://DB.upstash.io.:443/`` → ``db.upstash.io``."""
    parts = urlsplit(url)
    return netloc_host(parts.netloc, parts.scheme or "https")


def _split_netloc(netloc: str) -> tuple[str, int | None]:
    if netloc.startswith("["):  # [v6]:port
        end = netloc.find("]")
        if end != -1:
            host, rest = netloc[: end + 1], netloc[end + 1 :]
            return host, _port(rest[1:]) if rest.startswith(":") else None
    host, colon, port = netloc.rpartition(":")
    if not colon or ":" in host:  # no port, or a bare IPv6 literal
        return netloc, None
    return host, _port(port)


def _port(text: str) -> int | None:
    """A port number; an empty or malformed one counts as none (the default)."""
    return int(text) if text.isdigit() and len(text) <= 5 else None
