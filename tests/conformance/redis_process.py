"""Start and stop a throwaway ``redis-server`` for the differential tests.

The server listens on 127.0.0.1 on a free port, with persistence off (``--save ''``,
``--appendonly no``), and is stopped by its pid. Without ``redis-server`` on PATH the
differential tests skip, unless ``FAKESTASH_REQUIRE_REDIS=1`` (as in CI): then they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

REQUIRE_ENV = "FAKESTASH_REQUIRE_REDIS"
SERVER_ENV = "FAKESTASH_REDIS_SERVER"  # path of the binary, if not ``redis-server`` on PATH


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


def start_redis(timeout: float = 10.0) -> RedisProcess:
    """Start a private redis-server; raise ``RedisUnavailable`` with the reason if it can't."""
    binary = os.environ.get(SERVER_ENV) or shutil.which("redis-server")
    if binary is None or not os.access(binary, os.X_OK):
        raise RedisUnavailable(
            f"redis-server is not installed ({binary or 'not on PATH'}; apt-get install "
            "redis-server), so the "
            f"differential tests against a real Redis cannot run; set {REQUIRE_ENV}=1 to "
            "make this an error"
        )
    workdir = tempfile.mkdtemp(prefix="fakestash-redis-")
    last_error = ""
    for _ in range(3):  # a port taken between free_port() and bind: try another
        port = free_port()
        process = subprocess.Popen(
            [
                binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", workdir, "--daemonize", "no",
                "--protected-mode", "no", "--loglevel", "warning",
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
