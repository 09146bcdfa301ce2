"""``fakestash serve`` as a child process for tests: started on port 0, stopped by its pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
#: How long a server may take to start (a loaded 2-core machine imports slowly).
START_SECONDS = 60


class ServeFailed(RuntimeError):
    """The server exited or said nothing before it was ready."""


@dataclass
class Served:
    """A running ``fakestash serve``: its process, and the variables it printed."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    stderr: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.env["UPSTASH_REDIS_REST_URL"]

    @property
    def token(self) -> str:
        return self.env["UPSTASH_REDIS_REST_TOKEN"]

    @property
    def control_url(self) -> str:
        return self.env["FAKESTASH_CONTROL_URL"]

    @property
    def control_token(self) -> str:
        return self.env["FAKESTASH_CONTROL_TOKEN"]

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client on the server's URL with its token."""
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)

    def control(self, method: str, path: str = "", **kwargs: Any) -> Any:
        """A control-surface call's JSON reply (raises on an HTTP error)."""
        headers = {"Authorization": f"Bearer {self.control_token}"}
        response = httpx.request(
            method, self.control_url + path, headers=headers, timeout=30, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Send ``sig`` and wait for the exit status (killed, and failing, if it hangs)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"fakestash serve did not stop on {sig!r}") from None


def start_serve(*args: str) -> Served:
    """``python -m fakestash serve --port 0 --env ARGS`` from the repository root (this
    checkout's code), once it has printed its variables (its socket is listening then)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fakestash", "serve", "--port", "0", "--env", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    served = Served(process, {})
    assert process.stderr is not None and process.stdout is not None
    threading.Thread(target=_drain, args=(process.stderr, served.stderr), daemon=True).start()
    lines: list[str] = []
    reader = threading.Thread(target=_read_env, args=(process.stdout, lines), daemon=True)
    reader.start()
    reader.join(START_SECONDS)
    for line in lines:
        name, _, value = line.removeprefix("export ").partition("=")
        served.env[name] = value.strip("'")
    if "FAKESTASH_CONTROL_TOKEN" not in served.env:
        process.kill()
        process.wait()
        raise ServeFailed(f"fakestash serve did not start: {''.join(served.stderr)}")
    return served


def _read_env(stream: IO[str], lines: list[str]) -> None:
    for line in stream:
        lines.append(line.strip())
        if line.startswith("export FAKESTASH_CONTROL_TOKEN="):
            return


def _drain(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line)
