"""Reading the files a user names (config, certificates): regular files only, with a size bound.

Plain standard library, so the config loader, the revocation tools and the CLI can all share it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileInputError(ValueError):
    """A named file that cannot be used; `reason` completes "<what> <name> ..." in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(mode: int) -> str:
    kind = _kind(mode)
    return f"is {kind}" if kind.startswith("not") else f"is {kind}, not a regular file"


def read_regular_file(path: str | Path, *, max_bytes: int) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `max_bytes`.

    A FIFO without a writer blocks `open()` forever and a device never ends, so the file is opened
    with O_NONBLOCK (which never waits on a FIFO) and checked with fstat on the open descriptor
    before anything is read: no window between the check and the read.
    """
    name = os.fspath(path)
    if not name:
        raise FileInputError("is an empty file name")
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileInputError("does not exist") from None
    except IsADirectoryError:
        raise FileInputError("is a directory, not a file") from None
    except OSError as exc:
        raise FileInputError(f"cannot be read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise FileInputError(_not_regular(mode))
        # A regular file never blocks: reading in blocking mode is safe now.
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise FileInputError(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise FileInputError(f"is larger than {_size(max_bytes)}")
    return data


def regular_file_problem(path: str | Path) -> str | None:
    """Why `path` cannot be read as a regular file (None when it can), without opening it."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    return None if stat.S_ISREG(mode) else _not_regular(mode)


def _size(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


__all__ = ["FileInputError", "read_regular_file", "regular_file_problem"]
