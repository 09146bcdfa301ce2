"""Index schemas: field types, their options, and the SCHEMA clause of SEARCH.CREATE."""

from __future__ import annotations

from dataclasses import dataclass

from fakestash._engine.replies import Reply
from fakestash._errors import CommandError

TEXT = "TEXT"
U64 = "U64"
I64 = "I64"
F64 = "F64"
BOOL = "BOOL"
DATE = "DATE"
KEYWORD = "KEYWORD"
FACET = "FACET"

FIELD_TYPES = (TEXT, U64, I64, F64, BOOL, DATE, KEYWORD, FACET)
NUMERIC = (U64, I64, F64)
#: Types whose FAST option is accepted (KEYWORD is columnar without it, but may say so).
FASTABLE = (U64, I64, F64, BOOL, DATE, KEYWORD)
_OPTIONS = ("FAST", "NOSTEM", "NOTOKENIZE", "FROM", "AS")


@dataclass(frozen=True)
class Field:
    """One schema field: its name (what filters use), type, options and source path."""

    name: str
    type: str
    fast: bool = False
    nostem: bool = False
    notokenize: bool = False
    source: str | None = None  # FROM / AS: the document path the value is read from

    @property
    def path(self) -> str:
        """The document path the value comes from (dotted for JSON/STRING)."""
        return self.source if self.source is not None else self.name

    @property
    def columnar(self) -> bool:
        """Usable by ORDERBY, SCOREFUNC and aggregations (FAST, or a KEYWORD)."""
        return self.fast or self.type == KEYWORD

    def describe(self) -> list[Reply]:
        row: list[Reply] = [self.name.encode(), self.type.encode()]
        if self.source is not None:
            row += [b"FROM", self.source.encode()]
        if self.notokenize:
            row.append(b"NOTOKENIZE")
        if self.nostem:
            row.append(b"NOSTEM")
        if self.fast:
            row.append(b"FAST")
        return row


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def parse_schema(args: list[bytes]) -> list[Field]:
    """The fields after ``SCHEMA``: ``name TYPE [FAST] [NOSTEM] [NOTOKENIZE] [FROM src]…``."""
    fields: list[Field] = []
    seen: set[str] = set()
    i = 0
    while i < len(args):
        name = _text(args[i])
        if i + 1 >= len(args):
            raise CommandError(f"ERR missing type for field '{name}'")
        kind = _text(args[i + 1]).upper()
        if kind not in FIELD_TYPES:
            raise CommandError(
                f"ERR unknown field type '{_text(args[i + 1])}' for field '{name}' "
                f"(expected one of {', '.join(FIELD_TYPES)})"
            )
        i += 2
        opts: dict[str, object] = {}
        while i < len(args) and _text(args[i]).upper() in _OPTIONS:
            opt = _text(args[i]).upper()
            if opt in ("FROM", "AS"):
                if i + 1 >= len(args):
                    raise CommandError(f"ERR {opt} needs a source path for field '{name}'")
                if "source" in opts:
                    raise CommandError(f"ERR field '{name}' has more than one source path")
                opts["source"] = _text(args[i + 1])
                i += 2
                continue
            opts[opt] = True
            i += 1
        if name in seen:
            raise CommandError(f"ERR duplicate field '{name}' in schema")
        seen.add(name)
        fields.append(_field(name, kind, opts))
    if not fields:
        raise CommandError("ERR SCHEMA needs at least one field")
    return fields


def _field(name: str, kind: str, opts: dict[str, object]) -> Field:
    fast = bool(opts.get("FAST"))
    nostem = bool(opts.get("NOSTEM"))
    notokenize = bool(opts.get("NOTOKENIZE"))
    if fast and kind not in FASTABLE:
        raise CommandError(f"ERR FAST is not supported for {kind} field '{name}'")
    if (nostem or notokenize) and kind != TEXT:
        option = "NOSTEM" if nostem else "NOTOKENIZE"
        raise CommandError(f"ERR {option} is only supported for TEXT fields, not '{name}'")
    source = opts.get("source")
    return Field(
        name,
        kind,
        fast=fast,
        nostem=nostem,
        notokenize=notokenize,
        source=source if isinstance(source, str) else None,
    )
