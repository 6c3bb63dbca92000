"""Shared command-line conventions for every demo: one-sentence errors (exit 2), Ctrl-C (exit 130).

A demo's ``main(argv)`` returns an exit code. ``run(main)`` is what ``python -m demos.x`` calls:
a user's mistake (``DemoError``, ``viz.OutputError``, ``autodiff.datasets.DatasetError``) becomes
one line on stderr and status 2, never a traceback; Ctrl-C, SIGTERM and SIGHUP become status 130
with a sentence saying what was kept. Standard output that goes away (``| head``, a full disk)
never stops a run: its files are still written, and the last line on stderr says what was lost.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from autodiff.text import terminal

EXIT_USAGE = 2
EXIT_IO = 1
EXIT_INTERRUPTED = 130
# An error quotes at most this many characters of what it names (a 2M-entry list stays one line).
MESSAGE_LIMIT = 500
# Without a terminal (a pipe, a log file, CI), progress is a line on stderr this often.
PROGRESS_SECONDS = 10.0
# Numbers as argparse would otherwise mistake for options: -1e3, -.5, -2E-4, -inf (refused as not finite).
_NEGATIVE_NUMBER = re.compile(r"^-((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class DemoError(Exception):
    """A user's mistake: the message is one sentence naming the value and what was expected."""


class Interrupted(Exception):
    """Ctrl-C stopped a demo; the message says where the partial output is (if any)."""


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block), so every demo fails the same way.

    No abbreviations (``--epoch`` is not taken for ``--epochs``), and ``-1e3`` is a number, not an option.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, allow_abbrev=False, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {shorten(terminal(message))} (see --help)\n")

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        """As argparse, but an option given twice is refused (argparse would silently keep the last)."""
        given = list(sys.argv[1:] if args is None else args)
        given = given[: given.index("--")] if "--" in given else given
        for action in self._actions:
            if isinstance(action, Gather) or not action.option_strings:
                continue  # list options gather every value: repeating them is fine
            uses = [a for a in given if a in action.option_strings or a.split("=", 1)[0] in action.option_strings]
            if len(uses) > 1:
                self.error(f"{action.option_strings[0]} was given {len(uses)} times; give it once")
        return super().parse_known_args(args, namespace)


class Gather(argparse.Action):
    """One or more values per use; used twice, the values add up (``--lr 0.1 --lr 0.5`` is both).

    Given at all, the values replace the default instead of being added to it.
    """

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        current = getattr(namespace, self.dest, None)
        so_far = [] if current is self.default or current is None else list(current)
        setattr(namespace, self.dest, [*so_far, *values])


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the docstring's layout and shows every option's default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if "default" in text or default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return text
        shown = (
            " ".join(f"{d:g}" if isinstance(d, float) else str(d) for d in default)
            if isinstance(default, (list, tuple))
            else (f"{default:g}" if isinstance(default, float) else str(default))
        )
        return f"{text} (default: {shown})".replace("%", "%%")


def parser(prog: str, doc: str | None) -> Parser:
    """A Parser for ``python -m demos.<prog>``: the docstring's first line above the options, its prose below."""
    lines = (doc or "").strip().splitlines()
    prose = [line for line in lines[1:] if not line.startswith("    ")]  # drop the indented usage examples
    return Parser(
        prog=f"python -m demos.{prog}",
        description=lines[0] if lines else None,
        epilog="\n".join(prose).strip() or None,
        formatter_class=HelpFormatter,
    )


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (a learning rate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def finite_float(text: str) -> float:
    """argparse type: any finite number (hours, a raw score)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def probability(text: str) -> float:
    """argparse type: a threshold strictly between 0 and 1."""
    value = finite_float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1 (epochs)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return value


def add_out(p: argparse.ArgumentParser, default: str) -> None:
    """``--out DIR``: where the demo writes; refused if it is a file or holds files we did not write."""
    p.add_argument(
        "--out",
        type=Path,
        default=Path(default),
        metavar="DIR",
        help=f"output directory (default: {default}); must be new, empty, or from an earlier run",
    )


def add_training_args(p: argparse.ArgumentParser, updates: dict[str, str] | None = None, default: str = "bce") -> None:
    """The options the training demos share: --epochs, --lr, --every, and --update (alias --loss) given ``updates``."""
    if updates:
        p.add_argument(
            "--update",
            "--loss",
            dest="update",
            choices=list(updates),
            default=default,
            help="how the weights move: " + "; ".join(f"{k}: {v}" for k, v in updates.items()),
        )
    p.add_argument("--epochs", type=positive_int, default=1000, help="epochs to train (default: 1000)")
    p.add_argument("--lr", type=positive_float, default=0.1, help="learning rate (default: 0.1)")
    p.add_argument("--every", type=positive_int, default=1, help="draw every Nth epoch's graph (default: 1)")


def prepare_out(path: Path) -> Path:
    """The output directory, created and marked as ours (viz.outputs refuses anything else)."""
    from viz.outputs import prepare_out_dir

    return prepare_out_dir(path)


def progress_bar(total: int, desc: str, unit: str = "epoch") -> Any:
    """A tqdm bar on a terminal; elsewhere a line on stderr every ``PROGRESS_SECONDS`` (a pipe shows it moving)."""
    if sys.stderr.isatty():
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr)
    return LineProgress(total, desc, unit)


class LineProgress:
    """A progress report for logs and pipes: ``training: 1200/100000 epochs (1%)`` now and then."""

    def __init__(self, total: int, desc: str, unit: str = "epoch") -> None:
        self.total, self.desc, self.unit, self.n = total, desc, unit, 0
        self._last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self._last >= PROGRESS_SECONDS:
            self._last = now
            percent = 100 * self.n // max(self.total, 1)
            with contextlib.suppress(OSError, ValueError):
                print(f"{self.desc}: {self.n}/{self.total} {self.unit}s ({percent}%)", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Nothing to clear: each report was a whole line."""


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain-text table: columns of numbers right-aligned, other columns left-aligned.

    Every cell is one line on screen: a header or cell holding a newline shows it as ``\\n``.
    """
    body = [[terminal(str(c)) for c in row] for row in rows]
    cells = [[terminal(str(h)) for h in headers], *body]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [bool(body) and all(_is_number(row[i]) for row in body if row[i]) for i in range(len(headers))]
    lines = [
        "  ".join(c.rjust(w) if right else c.ljust(w) for c, w, right in zip(row, widths, numeric)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _user_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [DemoError]
    try:
        from viz.outputs import OutputError

        errors.append(OutputError)
    except ImportError:  # pragma: no cover - viz is part of the install
        pass
    try:
        from autodiff.datasets import DatasetError  # type: ignore[attr-defined]

        errors.append(DatasetError)
    except ImportError:
        pass
    return tuple(errors)


class GuardedOutput:
    """Standard output that never stops a run: escapes control characters, survives a closed pipe.

    A reader that left (``| head``, ``| true``) or a full disk (``> /dev/full``) only loses the
    log: ``lost`` says why, and the run goes on to write its files. Characters the terminal's
    encoding lacks (``≥`` in ASCII) are written as escapes instead of failing.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lost: str | None = None

    def write(self, text: str) -> int:
        if self.lost is None:
            text = _CONTROL.sub(_escape, text)
            try:
                try:
                    self.stream.write(text)
                except UnicodeEncodeError:
                    encoding = getattr(self.stream, "encoding", None) or "ascii"
                    self.stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
            except (OSError, ValueError) as error:
                self._lose(error)
        return len(text)

    def flush(self) -> None:
        if self.lost is None:
            try:
                self.stream.flush()
            except (OSError, ValueError) as error:
                self._lose(error)

    def _lose(self, error: BaseException) -> None:
        self.lost = (
            "the reader closed the pipe"
            if isinstance(error, BrokenPipeError)
            else str(getattr(error, "strerror", None) or error)
        )
        with contextlib.suppress(OSError, ValueError, AttributeError):
            # Whatever the stream still buffers would fail again at exit: point its descriptor at devnull.
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())

    def isatty(self) -> bool:
        return self.lost is None and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _escape(match: re.Match[str]) -> str:
    """A control character as a visible escape (``\\x1b``), so file contents cannot drive the terminal."""
    return match.group().encode("unicode_escape").decode("ascii")


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


_caught_signal = "Ctrl-C"


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP stop a demo the way Ctrl-C does: it keeps what is whole and says so."""
    global _caught_signal
    _caught_signal = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None or signal.getsignal(number) is signal.SIG_IGN:
            continue  # started under nohup or as a background job: respect that
        previous[number] = signal.signal(number, _interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _ignore_signals() -> None:
    """While saying why we stop, a second Ctrl-C must not turn the sentence into a traceback."""
    import threading

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Call ``main(argv)``: a user's mistake → one line + exit 2, Ctrl-C/SIGTERM/SIGHUP → exit 130."""
    global _caught_signal
    _caught_signal = "Ctrl-C"
    real_stdout = sys.stdout
    guarded = GuardedOutput(real_stdout)
    sys.stdout = guarded  # type: ignore[assignment]
    try:
        with _signals_interrupt():
            try:
                status = _run(main, argv)
            except KeyboardInterrupt:  # a second signal while the first was being reported
                status = EXIT_INTERRUPTED
            with contextlib.suppress(KeyboardInterrupt):
                guarded.flush()
    finally:
        sys.stdout = real_stdout
    if guarded.lost is not None:
        _say(f"note: the log on standard output was cut short ({guarded.lost}); the run itself went on to the end.")
        if status == 0 and "pipe" not in guarded.lost:
            status = EXIT_IO
    return status


def _run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None) -> int:
    try:
        return main(argv)
    except _user_errors() as error:
        _say(f"error: {_one_line(error)}")
        return EXIT_USAGE
    except Interrupted as stop:
        _ignore_signals()
        _say(f"\ninterrupted ({_caught_signal}): {_one_line(stop)}")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _ignore_signals()
        # Reached only where a demo had nothing to save (before its first epoch, or a demo that writes nothing).
        _say(f"\ninterrupted ({_caught_signal}) before there was anything to save; no file was written or changed.")
        return EXIT_INTERRUPTED
    except RecursionError:
        _say("error: the input is nested too deeply to read.")
        return EXIT_USAGE
    except OSError as error:  # the environment, not the learner: a full disk, a name the filesystem refuses
        where = f" ({terminal(shorten(os.fsdecode(error.filename), 120))})" if error.filename else ""
        _say(f"error: {error.strerror or _one_line(error)}{where}.")
        return EXIT_IO


def _say(line: str) -> None:
    """One line on stderr, whatever state stderr is in."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def _one_line(error: BaseException) -> str:
    return terminal(shorten(" ".join(str(error).split()))) or type(error).__name__


def entry(main: Callable[[Sequence[str] | None], int]) -> NoReturn:
    """``if __name__ == "__main__": entry(main)`` — run and exit with the demo's status."""
    sys.exit(run(main))
