"""Safe file output: every file is written whole or not at all, and only where we may write.

A file is first written to a temporary name in its own directory, then moved over the target
with ``os.replace`` (atomic on POSIX and Windows), so a crash or Ctrl-C never leaves half an SVG.
An output directory is marked with ``.autodiff-output`` so a re-run may replace what an earlier
run wrote there, while a directory holding someone else's files is refused.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MARKER = ".autodiff-output"
_MARKER_TEXT = "Written by autodiff: a re-run may replace the files it made in this directory.\n"


class OutputError(Exception):
    """A path we were asked to write to cannot be used; the message names it and says why."""


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + os.replace) and return the path."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target} is a directory; expected a file path to write to.")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        raise OutputError(f"cannot create {parent} for {target}: a file is in the way ({error}).") from error
    except OSError as error:
        raise OutputError(f"cannot create the directory {parent} for {target}: {error.strerror}.") from error
    temp = parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        # os.open with mode 0o666 honours the umask, unlike tempfile's private 0o600 files.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {error.strerror or error}.") from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically and return the path."""
    return write_bytes(path, text.encode("utf-8"))


def is_ours(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a directory carrying our output marker."""
    return (Path(path) / MARKER).is_file()


def prepare_out_dir(path: str | os.PathLike[str]) -> Path:
    """Create (or accept) an output directory we may write into, and mark it as ours.

    Accepted: a missing path (created), an empty directory, or a directory an earlier run marked.
    Refused with OutputError: a file, or a non-empty directory without our marker, so a typo
    never lets a re-run overwrite someone's files.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file; expected a directory (new, empty, or from an earlier run).")
    if out.is_dir():
        if is_ours(out):
            return out
        try:
            if any(out.iterdir()):
                raise OutputError(
                    f"{out} already holds files autodiff did not write; expected a new or empty "
                    f"directory (or one with the {MARKER} marker from an earlier run)."
                )
        except PermissionError as error:
            raise OutputError(f"cannot read the directory {out}: {error.strerror}.") from error
    else:
        try:
            out.mkdir(parents=True)
        except OSError as error:
            raise OutputError(f"cannot create the output directory {out}: {error.strerror}.") from error
    write_text(out / MARKER, _MARKER_TEXT)
    return out
