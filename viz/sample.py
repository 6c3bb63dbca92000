"""What a page holds of a big run: its first rows, and a note saying so.

A million rows train like four, but a page cannot hold a million rows of snapshots: ``viz.studio``
shows the first ``STUDIO_ROWS`` (the demos choose fewer), with every epoch's loss, parameters and
gradients still those of all rows, and the page's footer says how many rows the run had.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autodiff.training import History

__all__ = ["STUDIO_ROWS", "sample_history", "sample_notes"]

# A studio page holds at most this many rows (a few MB; as many as an epoch keeps snapshots of,
# autodiff.training.ROW_SNAPSHOTS).
STUDIO_ROWS = 50_000


def sample_history(history: History, rows: int | None) -> History:
    """``history`` as a page and the plots see it: the first ``rows`` rows, every epoch's numbers unchanged.

    Args:
        history: A training run on the whole dataset.
        rows: How many rows to keep (None: all).

    Returns:
        A History whose dataset and per-row snapshots hold the first ``rows`` rows; losses,
        parameters and gradients stay those of the whole dataset, and ``settings["rows_in_all"]``
        says how many rows it had (the pages say they hold a sample). ``history`` itself when it
        has no more rows than that.
    """
    dataset = history.dataset
    if rows is None or dataset is None or len(dataset) <= rows:
        return history
    sample = dataclasses.replace(dataset, rows=dataset.rows[:rows])
    records = [dataclasses.replace(record, rows=record.rows[:rows]) for record in history.records]
    settings = {**history.settings, "rows_in_all": len(dataset)}
    return dataclasses.replace(history, records=records, dataset=sample, settings=settings)


def sample_notes(settings: dict[str, object], rows: int) -> list[str]:
    """What a page holding ``rows`` rows of a longer run says about it (``settings["rows_in_all"]``).

    Args:
        settings: the run's settings; ``rows_in_all`` is set when the page's history is a sample
            of the rows (``sample_history``).
        rows: the rows the page holds.

    Returns:
        One note, or none when the page holds every row.
    """
    in_all = settings.get("rows_in_all")
    if not isinstance(in_all, int) or in_all <= rows:
        return []
    return [f"the page holds the first {rows:,} of the run's {in_all:,} rows; each epoch's loss is over all {in_all:,}"]
