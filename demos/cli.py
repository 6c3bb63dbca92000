"""Shared command-line conventions for every demo: one-sentence errors (exit 2), Ctrl-C (exit 130).

A demo's ``main(argv)`` returns an exit code. ``run(main)`` is what ``python -m demos.x`` calls:
a user's mistake (``DemoError``, ``viz.OutputError``, ``autodiff.datasets.DatasetError``) becomes
one line on stderr and status 2, never a traceback; Ctrl-C becomes status 130.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class DemoError(Exception):
    """A user's mistake: the message is one sentence naming the value and what was expected."""


class Interrupted(Exception):
    """Ctrl-C stopped a demo; the message says where the partial output is (if any)."""


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block), so every demo fails the same way."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def parser(prog: str, doc: str | None) -> Parser:
    """A Parser for ``python -m demos.<prog>``: the docstring's first line above the options, its prose below."""
    lines = (doc or "").strip().splitlines()
    prose = [line for line in lines[1:] if not line.startswith("    ")]  # drop the indented usage examples
    return Parser(
        prog=f"python -m demos.{prog}",
        description=lines[0] if lines else None,
        epilog="\n".join(prose).strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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


def add_training_args(p: argparse.ArgumentParser, updates: dict[str, str] | None = None) -> None:
    """The options the training demos share: --epochs, --lr, --every, and --update given ``updates``."""
    if updates:
        p.add_argument(
            "--update",
            choices=list(updates),
            default="bce",
            help="how the weights move: " + "; ".join(f"{k}: {v}" for k, v in updates.items()),
        )
    p.add_argument("--epochs", type=positive_int, default=1000, help="epochs to train (default: 1000)")
    p.add_argument("--lr", type=positive_float, default=0.1, help="learning rate (default: 0.1)")
    p.add_argument("--every", type=positive_int, default=1, help="draw every Nth epoch's graph (default: 1)")


def prepare_out(path: Path) -> Path:
    """The output directory, created and marked as ours (viz.outputs refuses anything else)."""
    from viz.outputs import prepare_out_dir

    return prepare_out_dir(path)


def progress_bar(total: int, desc: str) -> Any:
    """A tqdm bar on stderr when it is a terminal, else None (logs and pipes stay clean)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="epoch", leave=False, file=sys.stderr)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain-text table: columns of numbers right-aligned, other columns left-aligned."""
    body = [[str(c) for c in row] for row in rows]
    cells = [[str(h) for h in headers], *body]
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


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Call ``main(argv)`` and turn a user's mistake into one line + exit 2, Ctrl-C into exit 130."""
    try:
        return main(argv)
    except _user_errors() as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    except Interrupted as stop:
        print(f"\ninterrupted: {_one_line(stop)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        # Reached only where a demo had nothing partial to save (e.g. before its first epoch).
        print("\ninterrupted (Ctrl-C) before there was anything to save; no file is half-written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `python -m demos.x | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def entry(main: Callable[[Sequence[str] | None], int]) -> NoReturn:
    """``if __name__ == "__main__": entry(main)`` — run and exit with the demo's status."""
    sys.exit(run(main))
