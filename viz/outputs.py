"""Safe file output: every file is written whole or not at all, and only where we may write.

A file is first written to a temporary name in its own directory, then moved over the target
with ``os.replace`` (atomic on POSIX and Windows), so a crash or Ctrl-C never leaves half an SVG.
An output directory is marked with ``.autodiff-output``, which is also its manifest: the files
the last run wrote there and a hash of each. A re-run replaces exactly those files (those still as
written); everything else in the directory — a learner's notes, a photo, a page they edited — is
carried over untouched. A new directory holding someone else's files is refused.

A whole run's output is built the same way one level up (``staged_output``): into a staging
directory beside ``--out``, swapped in only when it is complete, so a failed or interrupted re-run
leaves the previous run's output as it was, never a mix of two runs. A lock refuses a second run
into the same directory while one is writing there. A new file that would land where the learner
has a file of their own refuses the swap instead: their file stays, the previous output too.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import html
import json
import os
import secrets
import shutil
import signal
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from autodiff.text import terminal

MARKER = ".autodiff-output"
_NOTE = "Written by autodiff: a re-run replaces only the files listed here, and only while they are as written."


def manifest_text(files: dict[str, str]) -> str:
    """The marker's content: a note for a curious reader and the files a run wrote.

    Args:
        files: Relative POSIX path → SHA-256 (hex) of the bytes written there.

    Returns:
        JSON text, ASCII only, paths sorted.
    """
    return json.dumps({"note": _NOTE, "files": dict(sorted(files.items()))}, indent=1, ensure_ascii=True) + "\n"


def read_manifest(out: Path) -> dict[str, str]:
    """The files the last run recorded in ``out`` (relative path → SHA-256); empty when none or unreadable.

    An unreadable manifest (an older marker, a file edited by hand) records nothing, so every
    file in ``out`` counts as the learner's: the safe reading.

    Args:
        out: An output folder.

    Returns:
        Relative POSIX path → SHA-256, only paths inside ``out`` (no ``..``, not absolute).
    """
    try:
        document = json.loads((out / MARKER).read_text(encoding="utf-8"))
        files = document["files"]
    except (OSError, ValueError, TypeError, KeyError):
        return {}
    if not isinstance(files, dict):
        return {}
    # Only plain relative paths inside the folder: a hand-edited "../x" must never reach outside it.
    return {
        k: v
        for k, v in files.items()
        if isinstance(k, str) and isinstance(v, str) and k and not k.startswith("/") and ".." not in k.split("/")
    }


def _recorded(out: Path) -> bool:
    """Whether ``out``'s marker is a manifest at all (an older autodiff wrote a marker without one)."""
    try:
        return isinstance(json.loads((out / MARKER).read_text(encoding="utf-8")), dict)
    except (OSError, ValueError):
        return False


def _digest(path: Path) -> str | None:
    """SHA-256 of a regular file's bytes (a link, a folder or an unreadable file: None)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


_MARKER_TEXT = manifest_text({})


class OutputError(Exception):
    """A path we were asked to write to cannot be used; the message names it and says why."""


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + os.replace) and return the path.

    The file appears whole or not at all: a reader never sees half of it, and a failure leaves
    what was there before (an existing file at ``path`` is replaced only once the new one is complete).

    Args:
        path: the file to write; missing parent directories are created.
        data: the bytes to write.

    Returns:
        ``path`` as a Path.

    Raises:
        OutputError: ``path`` is a directory, a parent cannot be created (or a file is in its
            way), or the file cannot be written.
    """
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
    """Write ``text`` as UTF-8 to ``path`` atomically and return the path (see ``write_bytes``).

    Args:
        path: the file to write; missing parent directories are created.
        text: the text to write, encoded as UTF-8.

    Returns:
        ``path`` as a Path.

    Raises:
        OutputError: ``path`` is a directory, a parent cannot be created, or the file cannot be written.
    """
    return write_bytes(path, text.encode("utf-8"))


class Page:
    """An offline HTML page made on demand: ``save`` writes it whole, a notebook shows it inline.

    The studio and the network studio are pages: each builds its document in ``html()``.
    """

    def html(self) -> str:
        """The whole page as one self-contained, offline HTML document.

        Returns:
            The document.
        """
        raise NotImplementedError

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (a ``.html`` file), whole or not at all.

        Args:
            path: where to write; its suffix must be ``.html`` or ``.htm``.

        Returns:
            The path written.

        Raises:
            OutputError: the suffix is not .html, or the file cannot be written.
        """
        target = Path(path)
        if target.suffix.lower() not in (".html", ".htm"):
            raise OutputError(f"{target} has suffix {target.suffix or '(none)'!r}; a studio page is saved as .html")
        return write_text(target, self.html())

    def _repr_html_(self) -> str:
        srcdoc = html.escape(self.html(), quote=True)
        return (
            f'<iframe srcdoc="{srcdoc}" style="width:100%;height:760px;border:1px solid #ccc" '
            'sandbox="allow-scripts allow-downloads"></iframe>'
        )


def is_ours(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a directory carrying our output marker.

    Args:
        path: the directory to look at (it need not exist).

    Returns:
        Whether ``path`` holds the marker file an earlier ``prepare_out_dir`` wrote.
    """
    return (Path(path) / MARKER).is_file()


def prepare_out_dir(path: str | os.PathLike[str]) -> Path:
    """Create (or accept) an output directory we may write into, and mark it as ours.

    Accepted: a missing path (created), an empty directory, or a directory an earlier run marked.
    Refused with OutputError: a file, or a non-empty directory without our marker, so a typo
    never lets a re-run overwrite someone's files.

    Args:
        path: the output directory.

    Returns:
        ``path`` as a Path, now an existing directory holding our marker.

    Raises:
        OutputError: ``path`` is a file, a non-empty directory without our marker, or cannot be
            read, created or marked.
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

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _siblings(out: Path, kind: str) -> str:
    """The name pattern (with ``*``) of the staging or retired directories of ``out``, kept short."""
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
    """Delete a leftover staging directory (only ever our own files); never raises."""
    shutil.rmtree(path, ignore_errors=True)


def _files(root: Path) -> Iterator[str]:
    """Relative POSIX paths of everything under ``root`` that is not a folder (links are not followed)."""
    for folder, dirs, names in os.walk(root):
        base = Path(folder).relative_to(root)
        for name in names:
            yield (base / name).as_posix()
        for name in dirs:
            if os.path.islink(os.path.join(folder, name)):
                yield (base / name).as_posix()


def _unchanged(out: Path, manifest: dict[str, str]) -> set[str]:
    """The recorded files still exactly as the last run wrote them: the only ones a re-run may replace."""
    return {name for name, digest in manifest.items() if name != MARKER and _digest(out / name) == digest}


def _carry_over(old: Path, new: Path, ours: set[str]) -> None:
    """Move everything in ``old`` but the unchanged files of ours (``ours``) into ``new``, at the same place.

    Runs after the swap. A name taken in ``new`` is left in ``old`` (never replaced); the swap
    checked for those beforehand, so that happens only if someone wrote there meanwhile. Ctrl-C
    waits until every file has moved (where signals cannot be held, as on Windows, too).
    """
    stopped = False
    for source, target in _moves(old, new, ours, ""):
        for _attempt in range(2):  # a Ctrl-C that lands on a move is remembered, and the move made again
            try:
                with contextlib.suppress(OSError):  # a file that cannot move stays in the old output
                    if os.path.lexists(source) and not os.path.lexists(target):
                        os.rename(source, target)
                break
            except KeyboardInterrupt:
                stopped = True
    if stopped:
        raise KeyboardInterrupt


def _moves(old: Path, new: Path, ours: set[str], prefix: str) -> Iterator[tuple[str, Path]]:
    """(source, target) for each of the learner's entries in ``old``: whole folders where none of ours is inside."""
    for entry in sorted(os.scandir(old), key=lambda e: e.name):
        name = prefix + entry.name
        if name == MARKER or name in ours:
            continue
        target = new / entry.name
        if entry.is_dir(follow_symlinks=False) and (
            os.path.lexists(target) or any(path.startswith(name + "/") for path in ours)
        ):
            with contextlib.suppress(OSError):
                if not os.path.lexists(target):
                    target.mkdir()
            if target.is_dir() and not target.is_symlink():
                yield from _moves(Path(entry.path), target, ours, name + "/")
        else:
            yield entry.path, target


def _retire(old: Path, ours: set[str]) -> None:
    """Delete a retired output once only our unchanged files are left in it; otherwise leave it for the next run."""
    if all(name in ours or name == MARKER for name in _files(old)):
        _remove_tree(old)


def _undo_half_swap(out: Path) -> None:
    """Killed between the two renames of a swap: ``out`` is missing and the old output set aside; put it back."""
    retired = sorted(out.parent.glob(_siblings(out, "old")))
    with contextlib.suppress(OSError):
        if retired and not os.path.lexists(out):
            os.rename(retired[-1], out)


def _drop_temps(root: Path) -> None:
    """Remove temporary files our writes left (``.NAME.1234abcd.tmp`` beside a recorded NAME); a learner's stay."""
    for name in read_manifest(root):
        for temp in (root / name).parent.glob(f".{glob.escape(Path(name).name)}.*.tmp"):
            if len(temp.name) == len(Path(name).name) + 14:
                _discard(temp)


def _clean_leftovers(out: Path) -> None:
    """Finish what a killed run left: carry a learner's files over, drop staging and temporary files."""
    parent = out.parent
    for old in sorted(parent.glob(_siblings(out, "old"))):  # killed after the swap: a learner's files may be in there
        _drop_temps(old)
        ours = _unchanged(old, read_manifest(old))
        with contextlib.suppress(OSError):
            _carry_over(old, out, ours)
        _retire(old, ours)
    for leftover in parent.glob(_siblings(out, "staging")):
        _remove_tree(leftover)
    _drop_temps(out)


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


def _in_the_way(out: Path, new_files: Iterator[str] | list[str], ours: set[str]) -> list[str]:
    """The learner's files and folders in ``out`` where the new output would put a file of ours."""
    blocked: list[str] = []
    for name in new_files:
        parts = name.split("/")
        for depth in range(1, len(parts)):  # each folder on the way must be a folder (not a file or a link)
            folder = "/".join(parts[:depth])
            path = out / folder
            if os.path.lexists(path) and (path.is_symlink() or not path.is_dir()):
                blocked.append(folder)
                break
        else:
            if os.path.lexists(out / name) and name not in ours:
                blocked.append(name)
    return sorted(set(blocked))


def _swap(staged: staged_output) -> None:
    """Put the complete new output in place of the old one, keeping every file that is not ours.

    First the new manifest is written and checked against what is on disk (a learner's file
    where a new one would go refuses the swap); then two renames with signals held, then the
    learner's files move from the old output into the new one.
    """
    out, new = staged.out, staged.dir
    previous = read_manifest(out)
    ours = _unchanged(out, previous)
    written = sorted(name for name in _files(new) if name != MARKER)
    blocked = _in_the_way(out, written, ours)
    if blocked and not previous and not _recorded(out):
        raise OutputError(
            f"{_short(out)} was written by an older autodiff that kept no record of its files, so it cannot tell "
            f"them from yours; choose a new --out (or empty this one)."
        )
    if blocked:
        more = f" (and {len(blocked) - 1} more)" if len(blocked) > 1 else ""
        raise OutputError(
            f"{_short(out / blocked[0])}{more} is not what the last run wrote there (added or changed since), so "
            f"autodiff keeps it and did not put the new output in place; move it away or choose another --out."
        )
    write_text(new / MARKER, manifest_text({name: _digest(new / name) or "" for name in written}))
    staged.changed = sorted(name for name in previous if name not in ours and os.path.lexists(out / name))
    retired = out.parent / _siblings(out, "old").replace("*", secrets.token_hex(4))
    try:
        with _signals_held():
            os.rename(out, retired)
            try:
                os.rename(new, out)
            except BaseException:
                os.rename(retired, out)  # put the previous output back before saying what failed
                raise
            staged.committed = True
            _carry_over(retired, out, ours)
    except OSError as error:
        if not staged.committed:
            raise OutputError(f"cannot put the new output in place at {_short(out)}: {error.strerror}.") from error
    finally:
        if staged.committed:
            _retire(retired, ours)
    if staged.changed:
        more = len(staged.changed) - 3
        shown = ", ".join(staged.changed[:3]) + (f" and {more} more" if more > 0 else "")
        _note(f"note: kept {shown} in {_short(out)}: changed since the last run wrote it, so it is yours now.")


def _note(line: str) -> None:
    """One line on stderr (a run's output folder is the demos' business, and they speak there)."""
    with contextlib.suppress(OSError, ValueError):
        print(terminal(line, getattr(sys.stderr, "encoding", None) or "utf-8"), file=sys.stderr, flush=True)


def _resolve_link(out: Path) -> Path:
    """``out`` itself, or the folder a symlinked ``out`` points to (the run works there)."""
    try:
        if not out.is_symlink():
            return out
    except OSError:  # a name too long, say: prepare_out_dir names the problem
        return out
    try:
        target = out.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: Python < 3.13 reports a loop that way
        raise OutputError(
            f"{_short(out)} is a link that leads to nothing (missing, or a loop of links); give --out a folder."
        ) from None
    return target


class staged_output:  # noqa: N801 - used as a function: ``with staged_output(out) as staged``
    """Build a run's output beside ``path`` and swap it in when the ``with`` block finishes.

    ``path`` is checked as ``prepare_out_dir`` does (created and marked if new) and locked, so a
    second run into it is refused with OutputError; a symlink is followed, and the run works in
    the folder it points to. Leftovers of a killed run are cleaned first. Inside the block, write
    into ``staged.dir``. A normal exit swaps the new output in (signals held for the renames) and
    carries every file the previous run did not write (or that changed since) over into it; any
    exception — a full disk, a render error, Ctrl-C, a learner's file where a new one would go —
    discards the new output, leaving ``path`` exactly as it was. ``committed`` says which
    happened, ``kept()`` says it in words, and ``changed`` lists files of ours the learner edited
    (kept, and named on stderr).

    Args:
        path: the output directory (a symlink to one is followed).

    Raises:
        OutputError: on entering: ``path`` is refused as ``prepare_out_dir`` refuses it, is (or
            holds) the working folder, is locked by another run, or no directory can be made beside it.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.out = Path(path)
        self.dir = self.out  # the staging directory once entered
        self.had_output = False  # the previous run's complete output is there (and stays until the swap)
        self.committed = False
        self.changed: list[str] = []
        self._fd: int | None = None

    def __enter__(self) -> staged_output:
        self.out = out = _resolve_link(self.out)
        here = Path.cwd().resolve()
        with contextlib.suppress(OSError, RuntimeError):
            whole = out.resolve()
            if here == whole or whole in here.parents:
                where = "is the folder you are working in" if here == whole else "holds the folder you are working in"
                raise OutputError(
                    f"{_short(out)} {where}; a run replaces its output folder whole, so name a new folder "
                    f"instead (e.g. --out {_short(here / 'out')})."
                )
        _undo_half_swap(out)
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
