"""Large data: what a run shows of a dataset too big for a terminal, a page or a drawing.

A million rows train like four, but a log cannot hold a million predictions, nor a page a
million rows of snapshots, nor a picture a neuron with 10,000 inputs. ``limits_for`` decides
what is summarised and says it in one sentence before training starts; the pages and plots
show the first ``PAGE_ROWS`` rows (``viz.sample.sample_history``: every epoch's loss, parameters
and gradients still over all of them).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from autodiff.datasets import Dataset

# The log prints the predictions of at most this many rows, then a count of the rest.
LOG_ROWS = 10
# The studio page and the plots hold at most this many rows (a page stays a few hundred KB).
PAGE_ROWS = 1_000
# A row's graph with more inputs than this is not drawn: Graphviz would take minutes to hours.
DRAW_COLUMNS = 100
# The standardising printout lists at most this many features.
LOG_COLUMNS = 20


@dataclass(frozen=True)
class Limits:
    """What a run shows of its data; the defaults show everything (a small dataset).

    Attributes:
        log_rows: Prediction rows printed (None: all of them).
        page_rows: Rows the studio page and plots hold (None: all of them).
        draw: Whether one row's graph is drawn (the studio page and the per-epoch SVGs).
        sentence: The one sentence saying the limits, printed before training ("" when none apply).
    """

    log_rows: int | None = None
    page_rows: int | None = None
    draw: bool = True
    sentence: str = ""


SHOW_ALL = Limits()


def first_of(items: list[str], limit: int = LOG_COLUMNS, mark: str = "") -> list[str]:
    """``items``, or its first ``limit`` and a last item saying how many there are in all (a log line stays readable).

    Args:
        items: Text for each feature (a weight, a value, a name).
        limit: How many to keep.
        mark: The last item when some are left out (default ``"… (10,000 in all)"``).

    Returns:
        The items, or the first ``limit`` and ``mark``.
    """
    return items if len(items) <= limit else [*items[:limit], mark or f"… ({len(items):,} in all)"]


def limits_for(dataset: Dataset, network: bool = False) -> Limits:
    """The limits for ``dataset``: none for a small one; for a large one, what is summarised, in one sentence.

    Args:
        dataset: The loaded (possibly standardised) dataset.
        network: The run trains an MLP (``--hidden``): its log has no predictions table and its
            studio draws no Graphviz graph, so only the page's rows are limited.

    Returns:
        The Limits, with ``sentence`` naming every limit that applies.
    """
    rows, columns = len(dataset), dataset.n_features
    said = []
    log_rows = page_rows = None
    if network:
        if rows <= PAGE_ROWS:
            return SHOW_ALL
        sentence = (
            f"Large data ({rows:,} rows × {columns:,} features): the network studio and plots show the first "
            f"{PAGE_ROWS:,} rows; training and the accuracy use every row."
        )
        return Limits(page_rows=PAGE_ROWS, sentence=sentence)
    if rows > LOG_ROWS * 2:
        log_rows = LOG_ROWS
        said.append(f"the log shows the first {LOG_ROWS} predictions and a count")
    if rows > PAGE_ROWS:
        page_rows = PAGE_ROWS
        said.append(f"the studio and plots the first {PAGE_ROWS:,} rows")
    draw = columns <= DRAW_COLUMNS
    if not draw:
        said.append(f"no graph is drawn (one with over {DRAW_COLUMNS} inputs would take hours to lay out)")
    if not said:
        return SHOW_ALL
    sentence = f"Large data ({rows:,} rows × {columns:,} features): " + "; ".join(said) + "; training uses every row."
    return Limits(log_rows, page_rows, draw, sentence)


@contextlib.contextmanager
def row_progress(dataset: Dataset, epochs: int, every: float = 10.0) -> Iterator[Callable[[int, int], None]]:
    """A heartbeat for training that says which row of which epoch it is at, when an epoch runs long.

    Yields the ``on_row`` to give ``train``. A line comes only when no epoch finished since the
    last one (the log or the bar shows finished epochs): a million-row epoch says where it is
    every ``every`` seconds, a run of many short epochs says nothing more.

    Args:
        dataset: The rows being trained on.
        epochs: How many epochs the run has.
        every: Seconds between lines.
    """
    at = [0, 0]  # the epoch training is in, and the rows done in it
    last = [0]  # the epoch training was in at the last beat

    def on_row(epoch: int, row: int) -> None:
        at[0], at[1] = epoch, row

    def where() -> str | None:
        epoch, row = at
        finished, last[0] = epoch != last[0], epoch
        if finished:  # an epoch ended since the last beat: its log line or the bar said so
            return None
        rows = len(dataset)
        share = (epoch * rows + row) / (epochs * rows)
        position = f"row {row:,} of {rows:,}"
        if epochs > 1:
            position = f"epoch {epoch:,} (epochs 0–{epochs - 1:,}), {position}"
        return f"{position}: {share:.0%} of training"

    with heartbeat(f"{len(dataset):,} rows × {dataset.n_features:,} features", every, where):
        yield on_row


@contextlib.contextmanager
def heartbeat(what: str, every: float = 10.0, where: Callable[[], str | None] | None = None) -> Iterator[None]:
    """While the block runs, a line on stderr every ``every`` seconds: ``still working (…): 1 min 20 s so far``.

    Training reports per epoch; one epoch of a million rows takes minutes, so this says the run
    is alive in between, and with ``where`` how far it is. Nothing is printed by a block shorter
    than ``every`` seconds.

    Args:
        what: What the run is doing, for the line (``training on 1,000,000 rows``).
        every: Seconds between lines.
        where: Says how far the block is (``epoch 0 (epochs 0–2), row 420,000 of 1,000,000: 14% of training``),
            read at each line; None from it skips that line (the run said so itself meanwhile).
    """
    stop = threading.Event()
    began = time.monotonic()

    def beat() -> None:
        while not stop.wait(every):
            seconds = int(time.monotonic() - began)
            so_far = f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"
            at = where() if where is not None else ""
            if at is None:
                continue
            with contextlib.suppress(OSError, ValueError):
                print(f"still working ({what}): {at + '; ' if at else ''}{so_far} so far", file=sys.stderr, flush=True)

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
