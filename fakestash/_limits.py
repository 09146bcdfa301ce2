"""Upstash's plan limits the REST face enforces (free-plan defaults, all configurable)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Sizes in bytes. ``None`` switches a limit off.

    Defaults are the free / pay-as-you-go plan's: 10 MB requests (and responses), 100 MB
    records, 32 KB keys (Upstash's hard-coded key limit). Pass them to
    ``FakeStash(limits=...)`` (every database) or ``add_database(limits=...)`` (one).

    Attributes:
        max_request_size: The largest request body; a larger one gets Upstash's
            ``ERR max request size exceeded`` (HTTP 400) and runs nothing.
        max_record_size: The largest value one command may write (a string, a member...).
        max_key_size: The largest key.
    """

    max_request_size: int | None = 10 * 1024 * 1024
    max_record_size: int | None = 100 * 1024 * 1024
    max_key_size: int | None = 32 * 1024

    #: The smallest argument-size limit: arguments below it need no closer check.
    smallest: int | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        sizes = [s for s in (self.max_key_size, self.max_record_size) if s is not None]
        object.__setattr__(self, "smallest", min(sizes) if sizes else None)


DEFAULT_LIMITS = Limits()
