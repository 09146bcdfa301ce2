"""The time limit and the memory cap of a Lua runtime: the Python half.

The Lua half is the watchdog in ``sandbox.py``: a count hook on every script thread asks
``time_check`` when to look again, or gets the text that ends the script. Every Python
callback (``redis.call``, the libraries) calls ``check`` first.

Memory: lupa's allocator refuses to pass a hard limit, the cap plus ``MEMORY_RESERVE``;
the cap itself is enforced by the sandbox (the watchdog, each garbage-collection cycle,
each callback). lupa cannot fail an allocation in its own code (it hangs or panics), so
the reserve keeps room for it and for the sandbox's work, and Python checks the size of
what it is about to create in Lua (``room``) before creating it.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, Callable, NoReturn

from fakestash._engine.lua.libs import LuaLibError

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime

#: Room above the cap for lupa's own allocations and the sandbox's error values.
MEMORY_RESERVE = 32 * 1024 * 1024
#: What ``room`` keeps free under the hard limit.
MARGIN = 1024 * 1024
NOT_ENOUGH_MEMORY = b"not enough memory"
#: Wall-clock seconds the count hook aims to leave between two time checks.
CHECK_INTERVAL = 0.002
MAX_CHECK_COUNT = 1 << 17


class TimeUp(Exception):
    """Raised into Lua by a callback past the time limit: ``text`` is the error reply."""

    def __init__(self, text: bytes) -> None:
        super().__init__(text)
        self.text = text


class Limits:
    """The limits of one runtime and of its current run."""

    def __init__(self, lua: LuaRuntime, memory_cap: int) -> None:
        self.lua = lua
        self.cap = memory_cap
        self.hard = memory_cap + MEMORY_RESERVE
        lua.set_max_memory(self.hard, total=True)
        self.raised = False  # the hard limit was lifted to let an error through
        self.deadline = math.inf
        self.checked = 0.0
        self.kill_text = b""
        # Lua functions of the prelude, set once it has run
        self.arm: Callable[[bytes], None] = lambda text: None
        self.over_cap: Callable[[], bool] = lambda: False

    # ---- a run ------------------------------------------------------------------------------

    def start(self, limit: float, kill_text: bytes) -> None:
        if self.raised:
            self.lua.set_max_memory(self.hard, total=True)
            self.raised = False
        self.checked = time.monotonic()
        self.deadline = self.checked + limit
        self.kill_text = kill_text

    def stop(self) -> None:
        self.deadline = math.inf

    # ---- time -------------------------------------------------------------------------------

    def time_check(self, count: float) -> int | bytes:
        """For the count hook: the number of instructions until the next check (aiming at
        ``CHECK_INTERVAL`` seconds, a power of two), or the kill text once past the limit."""
        now = time.monotonic()
        if now >= self.deadline:
            return self.kill_text
        elapsed, self.checked = now - self.checked, now
        wanted = MAX_CHECK_COUNT if elapsed <= 0 else int(count * CHECK_INTERVAL / elapsed)
        wanted = min(MAX_CHECK_COUNT, max(1, wanted))
        return 1 << (wanted.bit_length() - 1)

    def expired(self) -> bytes | None:
        """For the garbage-collection check: the kill text once past the limit."""
        return self.kill_text if time.monotonic() >= self.deadline else None

    # ---- every callback -----------------------------------------------------------------------

    def check(self) -> None:
        """Past the time limit or over the memory cap, the script ends here (raised into
        Lua; the watchdog then raises at every instruction, so no pcall keeps it). Under
        the cap, the reserve is free for what lupa does next."""
        if time.monotonic() >= self.deadline:
            self.arm(self.kill_text)
            raise TimeUp(self.kill_text)
        if self.lua.get_memory_used(total=True) > self.cap and self.over_cap():
            self.out_of_memory()

    def room_for(self, reply: list[Any]) -> None:
        """``room`` for a reply about to become a Lua table (small ones fit the reserve)."""
        size = lua_size(reply)
        if size > MARGIN:
            self.room(size)

    def args_fit(self, keys: list[bytes], argv: list[bytes]) -> bool:
        """Whether KEYS and ARGV fit before a run (a run starts under the cap)."""
        size = 64 * (len(keys) + len(argv)) + sum(map(len, keys)) + sum(map(len, argv))
        return size <= MARGIN or self.fits(size)

    def room(self, size: int) -> None:
        """Python is about to create ``size`` bytes of Lua values: past the hard limit, the
        script ends for lack of memory instead."""
        if not self.fits(size):
            self.out_of_memory()

    def fits(self, size: int) -> bool:
        return self.used() + size <= self.hard - MARGIN

    def used(self) -> int:
        return self.lua.get_memory_used(total=True) or 0

    def out_of_memory(self) -> NoReturn:
        """End the script with Lua's memory error, leaving lupa room to raise it."""
        self.lua.set_max_memory(self.used() + MEMORY_RESERVE, total=True)
        self.raised = True
        self.arm(NOT_ENOUGH_MEMORY)
        raise LuaLibError(NOT_ENOUGH_MEMORY)


def lua_size(value: Any) -> int:
    """A generous estimate of the Lua memory that holds a reply (strings, tables, slots)."""
    size = 0
    todo = [value]
    while todo:
        item = todo.pop()
        if type(item) is bytes:
            size += 40 + len(item)
        elif isinstance(item, list):
            size += 64 + 40 * len(item)
            todo.extend(item)
        else:
            size += 64
    return size
