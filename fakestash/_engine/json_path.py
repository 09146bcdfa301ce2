"""JSON paths as RedisJSON 2.x reads them: JSONPath (``$…``) and the legacy dialect (``.a.b``).

RedisJSON turns a legacy path into JSONPath before compiling it (``.`` → ``$``, ``.a`` →
``$.a``, ``a`` → ``$.a``, ``[1]`` → ``$.[1]``; redis_json/src/redisjson.rs ``Path::new``), and
then evaluates both with its own json_path crate; only the *reply shape* differs per dialect.
We do the same. Supported: ``$``, ``.key``, ``['key']`` / ``["key"]``, ``*`` / ``[*]``, ``..``
(recursive descent, in Upstash's order: see ``_descend``), ``[n]`` with
negative ``n``, unions ``[0,2]`` / ``['a','b']``, slices ``[start:end:step]``, and filters
``[?(...)]`` with ``== != < <= > >= =~``, ``&&``, ``||``, parentheses and ``@`` / ``$`` paths.

Evaluation yields ``(value, concrete_path)`` pairs; a concrete path is a tuple of object keys
(``str``) and array indexes (``int``) from the root, which the write commands follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Union

from fakestash._engine.values.json import Json, is_number, json_equal
from fakestash._errors import CommandError

Step = Union[str, int]
Concrete = tuple[Step, ...]
Match = tuple[Json, Concrete]

_KEY_STOP = frozenset(".[]()=!<>&|,~*?@'\" \t\n\r")


# ---- the compiled form -------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    name: str


@dataclass(frozen=True)
class Index:
    index: int


@dataclass(frozen=True)
class Wildcard:
    pass


@dataclass(frozen=True)
class Union_:
    items: tuple[Step, ...]


@dataclass(frozen=True)
class Slice:
    start: int | None
    end: int | None
    step: int


@dataclass(frozen=True)
class Filter:
    expr: Expr


@dataclass(frozen=True)
class Descent:
    selector: Selector


Selector = Union[Key, Index, Wildcard, Union_, Slice, Filter, Descent]


@dataclass(frozen=True)
class Literal:
    value: Json


@dataclass(frozen=True)
class PathOperand:
    relative: bool  # ``@`` (the current element) or ``$`` (the document root)
    selectors: tuple[Selector, ...]


Operand = Union[Literal, PathOperand]


@dataclass(frozen=True)
class Compare:
    left: Operand
    op: str | None  # None: existence test of ``left``
    right: Operand | None


@dataclass(frozen=True)
class Logic:
    op: str  # "&&" or "||"
    left: Expr
    right: Expr


Expr = Union[Compare, Logic]


@dataclass(frozen=True)
class Path:
    """A parsed path argument: ``original`` as given, ``fixed`` as RedisJSON compiles it."""

    original: str
    fixed: str
    legacy: bool
    selectors: tuple[Selector, ...]

    @property
    def is_root(self) -> bool:
        return not self.selectors

    @property
    def is_static(self) -> bool:
        return all(type(s) in (Key, Index) for s in self.selectors)


ROOT = "$"


def parse_path(text: str) -> Path:
    """Parse a path argument of either dialect; raise the compile error on bad syntax."""
    if text.startswith("$"):
        fixed, legacy = text, False
    elif text == ".":
        fixed, legacy = "$", True
    elif text.startswith("."):
        fixed, legacy = "$" + text, True
    else:
        fixed, legacy = "$." + text, True
    parser = _Parser(fixed)
    selectors = parser.path_after_root()
    if parser.pos != len(fixed):
        parser.fail("end of path")
    return Path(text, fixed, legacy, tuple(selectors))


# ---- parsing -----------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, expected: str) -> None:
        raise CommandError(f"Error occurred on position {self.pos}, expected {expected}")

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def skip_ws(self) -> None:
        while self.peek() in (" ", "\t", "\n", "\r") and self.peek():
            self.pos += 1

    def path_after_root(self, *, in_filter: bool = False) -> list[Selector]:
        self.pos += 1  # the "$" or "@"
        selectors: list[Selector] = []
        while self.pos < len(self.text):
            ch = self.peek()
            if self.peek(2) == "..":
                self.pos += 2
                selectors.append(Descent(self._after_dot()))
            elif ch == ".":
                self.pos += 1
                selectors.append(self._after_dot())
            elif ch == "[":
                selectors.append(self._bracket())
            elif in_filter:
                break
            else:
                self.fail("'.' or '['")
        return selectors

    def _after_dot(self) -> Selector:
        ch = self.peek()
        if ch == "[":
            return self._bracket()
        if ch == "*":
            self.pos += 1
            return Wildcard()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _KEY_STOP:
            self.pos += 1
        if self.pos == start:
            self.fail("a key, '*' or '['")
        return Key(self.text[start : self.pos])

    def _bracket(self) -> Selector:
        self.pos += 1  # "["
        self.skip_ws()
        ch = self.peek()
        if ch == "*":
            self.pos += 1
            self._close()
            return Wildcard()
        if ch == "?":
            self.pos += 1
            self.skip_ws()
            if self.peek() != "(":
                self.fail("'('")
            self.pos += 1
            expr = self._expr()
            self.skip_ws()
            if self.peek() != ")":
                self.fail("')'")
            self.pos += 1
            self._close()
            return Filter(expr)
        if ch in ("'", '"'):
            names = [self._string()]
            while self._comma():
                if self.peek() not in ("'", '"'):
                    self.fail("a quoted key")
                names.append(self._string())
            self._close()
            return Key(names[0]) if len(names) == 1 else Union_(tuple(names))
        return self._indexes()

    def _comma(self) -> bool:
        self.skip_ws()
        if self.peek() == ",":
            self.pos += 1
            self.skip_ws()
            return True
        return False

    def _close(self) -> None:
        self.skip_ws()
        if self.peek() != "]":
            self.fail("']'")
        self.pos += 1

    def _indexes(self) -> Selector:
        first = self._opt_int()
        self.skip_ws()
        if self.peek() == ":":
            self.pos += 1
            self.skip_ws()
            end = self._opt_int()
            step = 1
            self.skip_ws()
            if self.peek() == ":":
                self.pos += 1
                self.skip_ws()
                given = self._opt_int()
                step = 1 if given is None else given
                if step <= 0:
                    self.fail("a positive step")
            self._close()
            return Slice(first, end, step)
        if first is None:
            self.fail("an index, a slice, '*', '?' or a quoted key")
            raise AssertionError  # pragma: no cover
        items: list[Step] = [first]
        while self._comma():
            value = self._opt_int()
            if value is None:
                self.fail("an index")
                raise AssertionError  # pragma: no cover
            items.append(value)
        self._close()
        return Index(first) if len(items) == 1 else Union_(tuple(items))

    def _opt_int(self) -> int | None:
        match = re.compile(r"-?\d+").match(self.text, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return int(match.group())

    def _string(self) -> str:
        quote = self.peek()
        self.pos += 1
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                self.fail(f"closing {quote}")
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                self.pos += 2
                continue
            self.pos += 1
            if ch == quote:
                return "".join(out)
            out.append(ch)

    # ---- filter expressions -------------------------------------------------------------

    def _expr(self) -> Expr:
        left = self._and()
        while True:
            self.skip_ws()
            if self.peek(2) != "||":
                return left
            self.pos += 2
            left = Logic("||", left, self._and())

    def _and(self) -> Expr:
        left = self._term()
        while True:
            self.skip_ws()
            if self.peek(2) != "&&":
                return left
            self.pos += 2
            left = Logic("&&", left, self._term())

    def _term(self) -> Expr:
        self.skip_ws()
        if self.peek() == "(":
            self.pos += 1
            expr = self._expr()
            self.skip_ws()
            if self.peek() != ")":
                self.fail("')'")
            self.pos += 1
            return expr
        left = self._operand()
        self.skip_ws()
        for op in ("==", "!=", "<=", ">=", "=~", "<", ">"):
            if self.peek(len(op)) == op:
                self.pos += len(op)
                return Compare(left, op, self._operand())
        return Compare(left, None, None)

    def _operand(self) -> Operand:
        self.skip_ws()
        ch = self.peek()
        if ch in ("@", "$"):
            relative = ch == "@"
            return PathOperand(relative, tuple(self.path_after_root(in_filter=True)))
        if ch in ("'", '"'):
            return Literal(self._string())
        match = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?").match(self.text, self.pos)
        if match is not None and match.group():
            self.pos = match.end()
            text = match.group()
            return Literal(float(text) if match.group(1) or match.group(2) else int(text))
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return Literal(value)
        self.fail("a path, a number, a string, true, false or null")
        raise AssertionError  # pragma: no cover


# ---- evaluation --------------------------------------------------------------------------


def select(root: Json, path: Path) -> list[Match]:
    """Every match of ``path`` in ``root`` with its concrete path, in RedisJSON's order."""
    return list(_apply(root, root, path.selectors, ()))


def _apply(
    root: Json, node: Json, selectors: tuple[Selector, ...], at: Concrete
) -> Iterator[Match]:
    if not selectors:
        yield node, at
        return
    head, rest = selectors[0], selectors[1:]
    for child, where in _step(root, node, head, at):
        yield from _apply(root, child, rest, where)


def _step(root: Json, node: Json, sel: Selector, at: Concrete) -> Iterator[Match]:
    kind = type(sel)
    if kind is Key:
        name = sel.name  # type: ignore[union-attr]
        if isinstance(node, dict) and name in node:
            yield node[name], (*at, name)
    elif kind is Index:
        if isinstance(node, list):
            i = _norm_index(sel.index, len(node))  # type: ignore[union-attr]
            if i is not None:
                yield node[i], (*at, i)
    elif kind is Wildcard:
        yield from _children(node, at)
    elif kind is Union_:
        for item in sel.items:  # type: ignore[union-attr]
            yield from _step(root, node, Key(item) if isinstance(item, str) else Index(item), at)
    elif kind is Slice:
        if isinstance(node, list):
            for i in range(len(node))[slice(sel.start, sel.end, sel.step)]:  # type: ignore[union-attr]
                yield node[i], (*at, i)
    elif kind is Filter:
        for child, where in _children(node, at):
            if _truthy(root, child, sel.expr):  # type: ignore[union-attr]
                yield child, where
    else:
        yield from _descend(root, node, sel.selector, at)  # type: ignore[union-attr]


def _descend(root: Json, node: Json, sel: Selector, at: Concrete) -> Iterator[Match]:
    """``..sel``: post-order, every child's matches (in document order) before the node's
    own, so deeper matches come first. Upstash answers ``$..a`` on ``{"a":1,"o":{"a":2}}``
    with ``[2,1]`` for every JSON command; RedisJSON, pre-order, with ``[1,2]``
    (``deviations.py`` "json-descent-order")."""
    for child, where in _children(node, at):
        if isinstance(child, (list, dict)):
            yield from _descend(root, child, sel, where)
    yield from _step(root, node, sel, at)


def _children(node: Json, at: Concrete) -> Iterator[Match]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield item, (*at, i)
    elif isinstance(node, dict):
        for key, item in node.items():
            yield item, (*at, key)


def _norm_index(index: int, length: int) -> int | None:
    i = index + length if index < 0 else index
    return i if 0 <= i < length else None


# ---- filters -----------------------------------------------------------------------------

_MISSING: Any = object()


def _truthy(root: Json, current: Json, expr: Expr) -> bool:
    if isinstance(expr, Logic):
        if expr.op == "&&":
            return _truthy(root, current, expr.left) and _truthy(root, current, expr.right)
        return _truthy(root, current, expr.left) or _truthy(root, current, expr.right)
    lefts = _values(root, current, expr.left)
    if expr.op is None or expr.right is None:
        return bool(lefts)
    rights = _values(root, current, expr.right) or [_MISSING]
    return any(_compare(a, expr.op, b) for a in (lefts or [_MISSING]) for b in rights)


def _values(root: Json, current: Json, operand: Operand) -> list[Json]:
    if isinstance(operand, Literal):
        return [operand.value]
    base = current if operand.relative else root
    return [value for value, _ in _apply(root, base, operand.selectors, ())]


def _compare(a: Json, op: str, b: Json) -> bool:
    if a is _MISSING or b is _MISSING:
        return op == "!="
    if op == "==":
        return _eq(a, b)
    if op == "!=":
        return not _eq(a, b)
    if op == "=~":
        if not isinstance(a, str) or not isinstance(b, str):
            return False
        try:
            return re.search(b, a) is not None
        except re.error:
            return False
    if is_number(a) and is_number(b):
        pass
    elif not (isinstance(a, str) and isinstance(b, str)):
        return False
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def _eq(a: Json, b: Json) -> bool:
    if is_number(a) and is_number(b):
        return a == b
    return json_equal(a, b)


# ---- following a concrete path -----------------------------------------------------------


def resolve(root: Json, where: Concrete) -> tuple[bool, Json]:
    """(found, value) at a concrete path, which earlier writes may have removed."""
    node = root
    for step in where:
        if isinstance(step, str):
            if not isinstance(node, dict) or step not in node:
                return False, None
            node = node[step]
        else:
            if not isinstance(node, list) or not 0 <= step < len(node):
                return False, None
            node = node[step]
    return True, node
