"""Per-database usage meter: requests, commands and bytes, as Upstash bills them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Meter:
    """Counts since creation (or the last ``reset()``); read them in a test."""

    requests: int = 0
    commands: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record_request(self, *, commands: int, bytes_in: int, bytes_out: int) -> None:
        with self._lock:
            self.requests += 1
            self.commands += commands
            self.bytes_in += bytes_in
            self.bytes_out += bytes_out

    def reset(self) -> None:
        with self._lock:
            self.requests = self.commands = self.bytes_in = self.bytes_out = 0
