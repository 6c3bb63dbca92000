"""Safe file output: every file is written whole or not at all, and only where we may write.

A file is first written to a temporary name in its own directory, then moved over the target
with ``os.replace`` (atomic on POSIX and Windows), so a crash or Ctrl-C never leaves half an SVG.
An output directory is marked with ``.autodiff-output`` so a re-run may replace what an earlier
run wrote there, while a directory holding someone else's files is refused.

A whole run's output is built the same way one level up (``staged_output``): into a staging
directory beside ``--out``, swapped in only when it is complete, so a failed or interrupted re-run
leaves the previous run's output as it was, never a mix of two runs. A lock refuses a second run
into the same directory while one is writing there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

MARKER = ".autodiff-output"
_MARKER_TEXT = "Written by autodiff: a re-run may replace the files it made in this directory.\n"


class OutputError(Exception):
    """A path we were asked to write to cannot be used; the message names it and says why."""


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + os.replace) and return the path."""
    target = Path(path)
    try:
        target.exists()
    except OSError as error:
        raise OutputError(f"cannot write {_short(target)}: {error.strerror}.") from None
    if target.is_dir():
        raise OutputError(f"{_short(target)} is a directory; expected a file path to write to.")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        raise OutputError(
            f"cannot create {_short(parent)} for {_short(target)}: a file is in the way ({error})."
        ) from error
    except OSError as error:
        raise OutputError(
            f"cannot create the directory {_short(parent)} for {_short(target)}: {error.strerror}."
        ) from error
    temp = parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        # os.open with mode 0o666 honours the umask, unlike tempfile's private 0o600 files.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except OSError as error:
        _discard(temp)
        raise OutputError(f"cannot write {_short(target)}: {error.strerror or error}.") from error
    except BaseException:
        _discard(temp)
        raise
    return target


def _discard(path: Path) -> None:
    """Remove a temporary file if we can; a failure here (read-only disk) must not hide the real error."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _short(path: Path | str, limit: int = 120) -> str:
    """A path for a message: whole when short, else its start and end around an ellipsis."""
    text = str(path).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else f"{text[: limit // 2]}…{text[-limit // 2 :]}"


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
    try:
        out.exists()
    except OSError as error:  # a name longer than the filesystem allows, a loop of links, ...
        raise OutputError(f"cannot use {_short(out)} as the output directory: {error.strerror}.") from None
    if out.exists() and not out.is_dir():
        raise OutputError(f"{_short(out)} is a file; expected a directory (new, empty, or from an earlier run).")
    if out.is_dir():
        if is_ours(out):
            return out
        try:
            if any(out.iterdir()):
                raise OutputError(
                    f"{_short(out)} already holds files autodiff did not write; expected a new or empty "
                    f"directory (or one with the {MARKER} marker from an earlier run)."
                )
        except PermissionError as error:
            raise OutputError(f"cannot read the directory {_short(out)}: {error.strerror}.") from error
    else:
        try:
            out.mkdir(parents=True)
        except OSError as error:
            raise OutputError(f"cannot create the output directory {_short(out)}: {error.strerror}.") from error
    write_text(out / MARKER, _MARKER_TEXT)
    return out


# --- a whole run's output: staged beside --out, swapped in when complete ------------------------

# Names a run writes at the top of its directory; anything else found there (a learner's notes)
# is carried over into the new output, never deleted.
_OUR_SUFFIXES = (".svg", ".html", ".json", ".js", ".css", ".png", ".tmp")
_OUR_DIRS = ("graphs", "frames", "backprop")
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _siblings(out: Path, kind: str) -> str:
    """The name pattern (with ``*``) of the staging or retired directories of ``out``, kept short."""
    import hashlib

    digest = hashlib.sha256(os.fsencode(out.name)).hexdigest()[:8]
    return f".{out.name[:24]}-{digest}.{kind}-*"


def _lock(out: Path) -> int | None:
    """Hold an exclusive lock on ``out`` (released when the process ends, even if it is killed)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks; runs are not refused there
        return None
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(out, flags)
    except OSError as error:
        raise OutputError(f"cannot open the output directory {_short(out)}: {error.strerror}.") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(fd)
        if error.errno in (errno.EWOULDBLOCK, errno.EACCES, errno.EAGAIN):
            raise OutputError(
                f"another run is writing into {_short(out)} right now; wait for it to finish or choose another --out."
            ) from None
        return None  # a filesystem without locks: carry on unlocked
    # The directory may have been swapped away between open and lock: then lock the new one.
    if os.fstat(fd).st_ino != os.stat(out).st_ino:
        os.close(fd)
        return _lock(out)
    return fd


def _remove_tree(path: Path) -> None:
    """Delete a leftover staging or retired directory; never raises (the run's real error matters more)."""
    shutil.rmtree(path, ignore_errors=True)


def _clean_leftovers(out: Path) -> None:
    """Remove what a killed run left: its staging directory, a retired output, stray temporary files."""
    parent = out.parent
    retired = sorted(parent.glob(_siblings(out, "old")))
    if retired and not out.exists():  # killed between the two renames of a swap: put the old output back
        with contextlib.suppress(OSError):
            os.rename(retired.pop(), out)
    for old in retired:  # killed after the swap: a learner's own files may still be in there
        with contextlib.suppress(OSError):
            _carry_over(old, out)
    for leftover in [*parent.glob(_siblings(out, "staging")), *retired]:
        _remove_tree(leftover)
    if out.is_dir():
        for temp in out.rglob(".*.tmp"):
            _discard(temp)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP for a few system calls, so a swap is never cut in half."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _carry_over(old: Path, new: Path) -> None:
    """Move a learner's own files (anything a run does not write) from the old output into the new."""
    for entry in old.iterdir():
        ours = entry.name == MARKER or entry.name.endswith(_OUR_SUFFIXES) or entry.name in _OUR_DIRS
        if not ours and not (new / entry.name).exists():
            with contextlib.suppress(OSError):  # a file that cannot move stays in the old output
                os.rename(entry, new / entry.name)


def _swap(staged: staged_output) -> None:
    """Put the complete new output in place of the old one: two renames with signals held."""
    out, new = staged.out, staged.dir
    retired = out.parent / _siblings(out, "old").replace("*", secrets.token_hex(4))
    try:
        with _signals_held():
            if out.exists():
                os.rename(out, retired)
            try:
                os.rename(new, out)
            except BaseException:
                if retired.exists():  # put the previous output back before saying what failed
                    os.rename(retired, out)
                raise
    except OSError as error:
        raise OutputError(f"cannot put the new output in place at {_short(out)}: {error.strerror}.") from error
    staged.committed = True
    if retired.exists():
        _carry_over(retired, out)
        _remove_tree(retired)


class staged_output:  # noqa: N801 - used as a function: ``with staged_output(out) as staged``
    """Build a run's output beside ``path`` and swap it in when the ``with`` block finishes.

    ``path`` is checked as ``prepare_out_dir`` does (created and marked if new) and locked, so a
    second run into it is refused with OutputError. Leftovers of a killed run are cleaned first.
    Inside the block, write into ``staged.dir``. A normal exit swaps the new output in (signals
    held for the two renames); any exception — a full disk, a render error, Ctrl-C — discards it,
    leaving ``path`` exactly as the previous run left it. ``committed`` says which happened, and
    ``kept()`` says it in words.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.out = Path(path)
        self.dir = self.out  # the staging directory once entered
        self.had_output = False  # the previous run's complete output is there (and stays until the swap)
        self.committed = False
        self._fd: int | None = None

    def __enter__(self) -> staged_output:
        out = self.out
        here = Path.cwd().resolve()
        with contextlib.suppress(OSError):
            if here == out.resolve() or out.resolve() in here.parents:
                raise OutputError(
                    f"{_short(out)} is the folder you are working in; a run replaces its output folder "
                    f"whole, so name a folder inside it instead (e.g. --out {_short(out / 'run')})."
                )
        prepare_out_dir(out)
        self.had_output = any(p.name != MARKER for p in out.iterdir())
        self._fd = _lock(out)
        try:
            _clean_leftovers(out)
            staging = out.parent / _siblings(out, "staging").replace("*", secrets.token_hex(4))
            try:
                staging.mkdir()
            except OSError as error:
                raise OutputError(f"cannot create a directory beside {_short(out)}: {error.strerror}.") from error
            self.dir = staging
            write_text(staging / MARKER, _MARKER_TEXT)
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if kind is None:
                _swap(self)
        finally:
            if not self.committed and self.dir != self.out:
                _remove_tree(self.dir)
            self._release()

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def final(self, path: Path) -> Path:
        """Where ``path`` (inside the staging directory) is once the output is swapped in."""
        try:
            return self.out / path.relative_to(self.dir)
        except ValueError:
            return path

    def kept(self) -> str:
        """What ``out`` holds now, in words: the new output, the previous one unchanged, or nothing."""
        if self.committed:
            return f"the new output is complete in {self.out}/"
        if self.had_output:
            return f"{self.out}/ still holds the previous run's complete output, unchanged"
        return f"nothing was written into {self.out}/"
