"""Go's UTF-8 rule for the REST face's text, in and out: a byte that is not UTF-8 is U+FFFD.

Upstash's server is written in Go. Its JSON decoder and encoder both coerce strings to
valid UTF-8, "replacing invalid bytes with the Unicode replacement rune" (one U+FFFD per
bad byte; an unpaired UTF-16 surrogate escape is one U+FFFD too), so a request body or a
reply holding arbitrary bytes is still JSON (https://pkg.go.dev/encoding/json).

Inside fakestash a text built from arbitrary bytes (an error text naming an argument) holds
them as ``surrogateescape`` characters (U+DC80..U+DCFF): ``raw_bytes`` gets the bytes back
(RESP2 and base64 output carry them as they are), ``valid_text`` makes the text JSON-safe.
"""

from __future__ import annotations

#: Every surrogate code point (escaped bytes included) → U+FFFD.
_TO_REPLACEMENT = {code: 0xFFFD for code in range(0xD800, 0xE000)}


def text_of(raw: bytes) -> str:
    """Bytes as text, each byte that is not part of valid UTF-8 replaced by U+FFFD."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape").translate(_TO_REPLACEMENT)


def valid_text(text: str) -> str:
    """``text`` with every surrogate (an escaped byte or an unpaired escape) as U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.translate(_TO_REPLACEMENT)
    return text


def raw_bytes(text: str) -> bytes:
    """The bytes a text stands for: UTF-8, with escaped bytes restored as they were."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return valid_text(text).encode()
