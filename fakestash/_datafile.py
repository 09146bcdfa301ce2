"""A snapshot on disk (``fakestash serve --data FILE``): read at start, written atomically.

Writing goes to a temporary file beside the target, flushed to disk (``fsync``), then
renamed over it, and the directory is synced: a crash at any point leaves either the old
file or the new one, never half of one. A file that cannot be read as a snapshot is an
error that names the file and what is wrong, and is never written over.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from fakestash._snapshot import Snapshot, SnapshotError, read


class DataFileError(Exception):
    """The data file exists but is not a snapshot fakestash can load."""


def read_data_file(path: str) -> Snapshot | None:
    """The snapshot in ``path``; None if there is no such file (a first start)."""
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DataFileError(f"cannot read the data file {path}: {exc.strerror}") from None
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataFileError(
            f"the data file {path} is not valid JSON ({exc}); fix or move it (it is left "
            "as it is: fakestash never writes over a file it could not read)"
        ) from None
    try:
        read(data)  # the whole snapshot is checked before anything is served
    except SnapshotError as exc:
        raise DataFileError(
            f"the data file {path} is not a fakestash snapshot: {exc}; fix or move it "
            "(it is left as it is)"
        ) from None
    snapshot: Snapshot = data
    return snapshot


def write_data_file(path: str, snapshot: Snapshot) -> None:
    """Write ``snapshot`` to ``path`` atomically (temporary file, fsync, rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    data = json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    handle, temporary = tempfile.mkstemp(prefix=".fakestash-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
