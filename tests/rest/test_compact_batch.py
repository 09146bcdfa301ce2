"""The batch reader's shortcut (``_compact_rows``) reads exactly what the JSON reader reads,
or stands aside."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from fakestash._rest.request import _compact_rows, _json_batch, to_argv

TEXT = st.text(alphabet=st.sampled_from('ab ,[]{}"\\\t\x00é:/'), max_size=6)
ROWS = st.lists(st.lists(TEXT, min_size=1, max_size=4), min_size=1, max_size=5)


def _by_json(body: bytes) -> list[list[bytes]]:
    return [to_argv(row) for row in json.loads(body)]


@given(ROWS, st.booleans(), st.booleans())
def test_what_the_sdks_write_reads_as_json_reads_it(
    rows: list[list[str]], compact: bool, ascii_only: bool
) -> None:
    separators = (",", ":") if compact else (", ", ": ")
    body = json.dumps(rows, separators=separators, ensure_ascii=ascii_only).encode()
    assert _json_batch(body) == (_by_json(body), {})


@given(st.binary(max_size=40) | st.builds(lambda s: s.encode(), TEXT))
def test_any_body_the_shortcut_takes_is_that_json(body: bytes) -> None:
    for candidate in (body, b'[["' + body + b'"]]', b'[["a"],["' + body + b'"]]'):
        rows = _compact_rows(candidate)
        if rows is not None:
            assert rows == _by_json(candidate)


def test_bodies_it_leaves_to_the_json_reader() -> None:
    for body in (
        b'[["a"],"b"]]',  # a row that is not an array
        b'[["a"],["b"],"c"]]',
        b'[["a", "b"]]',  # whitespace
        b'[["a\\"b"]]',  # an escape
        b'[["a"],[]]',  # an empty row
        b'[["a\tb"]]',  # a control character
        '[["é"]]'.encode(),  # not ASCII (invalid UTF-8 must become U+FFFD)
        b'[["a"]]\n',
        b'[["a",1]]',  # a number
    ):
        assert _compact_rows(body) is None, body
    assert _compact_rows(b'[["SET","a,b","[x]"],[""]]') == [[b"SET", b"a,b", b"[x]"], [b""]]
