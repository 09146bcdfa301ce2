"""One RESP2 connection to a Redis server: a socket, our own reader, no third-party client.

``RedisAddress.from_url`` reads the usual URL forms (``redis://[user:password@]host[:port][/db]``,
``rediss://`` for TLS, ``unix:///path/to/socket[?db=n]``); ``RedisConnection`` opens the
socket, authenticates (``AUTH``) and selects the database, then sends commands in batches
and reads one reply per command (``fakestash/_backends/resp2.py``). Every read has a timeout,
so a server that stops answering fails the call instead of hanging it.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import BinaryIO, Sequence
from urllib.parse import parse_qs, unquote, urlsplit

from fakestash._backends import resp2
from fakestash._engine.replies import ErrorReply, Reply


@dataclass(frozen=True)
class RedisAddress:
    """Where a Redis server listens, and how to log in to it."""

    host: str = "127.0.0.1"
    port: int = 6379
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False
    unix_path: str | None = None

    @classmethod
    def from_url(cls, url: str) -> RedisAddress:
        """``redis://``, ``rediss://`` (TLS) or ``unix://`` URLs, as redis-cli reads them."""
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"not a Redis URL (redis://, rediss://, unix://): {url!r}")
        query = parse_qs(parts.query)
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if parts.scheme == "unix":
            db = int(query.get("db", ["0"])[0])
            return cls(db=db, username=username, password=password, unix_path=parts.path)
        path = parts.path.strip("/")
        db = int(path) if path else int(query.get("db", ["0"])[0])
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=db,
            username=username,
            password=password,
            tls=parts.scheme == "rediss",
        )

    def __str__(self) -> str:
        """The address as a URL, without the password."""
        if self.unix_path is not None:
            return f"unix://{self.unix_path}" + (f"?db={self.db}" if self.db else "")
        scheme = "rediss" if self.tls else "redis"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}" + (f"/{self.db}" if self.db else "")


class RedisConnection:
    """A RESP2 connection, opened on first use and reopened after a failure."""

    def __init__(self, address: RedisAddress, timeout: float = 30.0) -> None:
        self.address = address
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._file: BinaryIO | None = None

    def _open(self) -> BinaryIO:
        address = self.address
        sock: socket.socket
        if address.unix_path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(address.unix_path)
        else:
            sock = socket.create_connection((address.host, address.port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if address.tls:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=address.host)
        self._sock, self._file = sock, sock.makefile("rb")
        try:
            self._login()
        except BaseException:
            self.close()
            raise
        return self._file

    def _login(self) -> None:
        address, setup = self.address, []
        if address.password is not None:
            user = [address.username.encode()] if address.username else []
            setup.append([b"AUTH", *user, address.password.encode()])
        if address.db:
            setup.append([b"SELECT", str(address.db).encode()])
        for reply in self._exchange(setup):
            if isinstance(reply, ErrorReply):
                raise ConnectionError(f"{self.address}: {reply.text}")

    def send_many(self, argvs: Sequence[Sequence[bytes]]) -> list[Reply]:
        """Send the commands in one write and read one reply each (errors as values)."""
        if self._file is None:
            self._open()
        try:
            return self._exchange(argvs)
        except (OSError, resp2.ProtocolError):
            self.close()  # the stream is out of step: never reuse it
            raise

    def _exchange(self, argvs: Sequence[Sequence[bytes]]) -> list[Reply]:
        if not argvs:
            return []
        assert self._sock is not None and self._file is not None
        self._sock.sendall(b"".join(resp2.pack(argv) for argv in argvs))
        return [resp2.read_reply(self._file) for _ in argvs]

    def close(self) -> None:
        file, sock = self._file, self._sock
        self._file = self._sock = None
        if file is not None:
            file.close()
        if sock is not None:
            sock.close()
