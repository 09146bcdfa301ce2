"""Redis' ``redisLrand48``: the 48-bit LCG behind ``math.random`` inside scripts.

Redis reseeds it with 0 before every script, so ``math.random`` gives the same sequence in
every call and on every machine; this is that generator, bit for bit (redis/src/rand.c).
"""

from __future__ import annotations

_A = 0x5DEECE66D
_C = 0xB
_MASK48 = (1 << 48) - 1
_X0 = 0x330E
LRAND48_MAX = 2**31 - 1


class Rand48:
    """``redisSrand48`` / ``redisLrand48``."""

    __slots__ = ("_x",)

    def __init__(self, seed: int = 0) -> None:
        self._x = 0
        self.seed(seed)

    def seed(self, seed: int) -> None:
        seed &= 0xFFFFFFFF
        self._x = _X0 | ((seed & 0xFFFF) << 16) | (((seed >> 16) & 0xFFFF) << 32)

    def next(self) -> int:
        """The next value in [0, 2^31): the top 31 bits of the 48-bit state."""
        self._x = (_A * self._x + _C) & _MASK48
        return self._x >> 17

    def random(self) -> float:
        """A float in [0, 1), as ``redis_math_random`` computes it."""
        return (self.next() % LRAND48_MAX) / LRAND48_MAX
