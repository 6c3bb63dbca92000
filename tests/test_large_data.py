"""Large data gets its own path: limits said up front, a summarised log, a page of a sample.

What: ``demos.new_dataset`` on a 2,500-row CSV (beyond the page's 1,000 rows and the log's 10)
and on a 150-column one (beyond what is drawn); ``viz.sample.sample_history`` keeps every
epoch's numbers; the studio's script never spreads rows into ``Math.min`` (a stack overflow at
150,000 rows left the page blank).
Why: a million rows must give a short log, a page that opens and a sentence saying what was left out.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from autodiff.datasets import Dataset
from demos import new_dataset, runs
from demos.cli import run
from demos.large_data import DRAW_COLUMNS, LOG_ROWS, PAGE_ROWS, limits_for
from viz.sample import sample_history

ROOT = Path(__file__).resolve().parent.parent
STUDIO_DATA = re.compile(r'<script type="application/json" id="studio-data">(.*?)</script>', re.S)


def write_csv(path: Path, rows: int, columns: int) -> Path:
    rng = random.Random(7)
    lines = [",".join(f"x{i}" for i in range(columns)) + ",passed"]
    for _row in range(rows):
        values = [rng.uniform(0, 10) for _ in range(columns)]
        lines.append(",".join(f"{v:.3f}" for v in values) + f",{int(values[0] + rng.gauss(0, 2) > 5)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_many_rows_a_sentence_up_front_a_short_log_and_a_page_of_the_first_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write_csv(tmp_path / "many.csv", 2_500, 2)
    out = tmp_path / "out"
    assert run(new_dataset.main, ["--csv", str(csv), "--epochs", "2", "--out", str(out)]) == 0
    log = capsys.readouterr().out.splitlines()
    assert log[0].startswith("Large data (2,500 rows × 2 features): the log shows the first 10 predictions")
    table = log.index(next(line for line in log if line.startswith("Predictions")))
    assert log[table + 3 + LOG_ROWS] == "… and 2,490 more rows, not shown (2,500 in all)"
    assert len(log) < 40
    data = json.loads(STUDIO_DATA.search((out / "index.html").read_text(encoding="utf-8")).group(1))  # type: ignore[union-attr]
    assert len(data["rows"]) == PAGE_ROWS and all(len(e["rows"]) <= PAGE_ROWS for e in data["epochs"])
    sampled = "the page holds the first 1,000 of the run's 2,500 rows; each epoch's loss is over all 2,500"
    assert sampled in data["notes"]
    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert model["epochs_trained"] == 2


def test_many_columns_are_trained_but_not_drawn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = write_csv(tmp_path / "wide.csv", 6, DRAW_COLUMNS + 50)
    out = tmp_path / "out"
    assert run(new_dataset.main, ["--csv", str(csv), "--epochs", "2", "--out", str(out)]) == 0
    log = capsys.readouterr().out
    assert "no graph is drawn" in log.splitlines()[0] and "… and 130 more features" in log
    assert max(len(line) for line in log.splitlines()) < 500, "a weight, value or name per feature on one line"
    assert "… (150 in all)" in log
    assert sorted(p.name for p in out.iterdir()) == [".autodiff-output", "loss.svg", "model.json"]
    assert len(json.loads((out / "model.json").read_text(encoding="utf-8"))["weights"]) == DRAW_COLUMNS + 50


def test_a_network_on_many_rows_shows_the_first_rows_and_says_only_that(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write_csv(tmp_path / "many.csv", 2_500, 2)
    out = tmp_path / "out"
    assert run(new_dataset.main, ["--csv", str(csv), "--hidden", "3", "--epochs", "1", "--out", str(out)]) == 0
    log = capsys.readouterr().out.splitlines()
    assert log[0] == (
        "Large data (2,500 rows × 2 features): the network studio and plots show the first 1,000 rows; "
        "training and the accuracy use every row."
    )
    assert "1 epoch, one update per row" in log[4]
    page = (out / "index.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="network-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert data["nRows"] == PAGE_ROWS and len(page) < 1_000_000  # 200,000 rows made a 6.4 MB page
    assert data["notes"] == [
        "the page holds the first 1,000 of the run's 2,500 rows; each epoch's loss is over all 2,500"
    ]  # noqa: E501


def test_small_data_has_no_limits() -> None:
    dataset = Dataset("small", ("hours",), (((1.0,), 0.0), ((2.0,), 1.0)))
    assert limits_for(dataset).sentence == "" and limits_for(dataset).draw


def test_a_sampled_history_keeps_every_epochs_numbers() -> None:
    rows = tuple(((float(i % 7),), float(i % 2)) for i in range(50))
    history, _ = runs.run("bce", Dataset("fifty", ("x",), rows), runs.Start(weights=(0.1,), epochs=3))
    sample = sample_history(history, 10)
    assert sample.dataset is not None and len(sample.dataset) == 10
    assert [r.loss for r in sample.records] == [r.loss for r in history.records]
    assert [r.parameters for r in sample.records] == [r.parameters for r in history.records]
    assert all(s.rows == r.rows[:10] for s, r in zip(sample.records, history.records))
    assert sample_history(history, None) is history


def test_the_studio_script_never_spreads_rows_into_a_call() -> None:
    script = (ROOT / "viz" / "studio.js").read_text(encoding="utf-8")
    assert not re.search(r"Math\.(min|max)\([^)]*\.\.\.", script), "Math.min(...rows) overflows the stack"


def test_a_long_block_says_it_is_alive_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from demos.large_data import heartbeat

    err = ""
    with heartbeat("training on 1,000,000 rows", every=0.01):
        for _ in range(1000):  # until the first line (a guard against a hang, not a timing)
            time.sleep(0.01)
            err += capsys.readouterr().err
            if err:
                break
    err += capsys.readouterr().err
    assert re.fullmatch(r"(still working \(training on 1,000,000 rows\): \d+ s so far\n)+", err), err
    with heartbeat("quick", every=60):
        pass
    assert capsys.readouterr().err == ""


def _first_lines(capsys: pytest.CaptureFixture[str], count: int) -> str:
    """What stderr shows once ``count`` lines are there (a guard against a hang, not a timing)."""
    import time

    err = ""
    for _ in range(1000):
        time.sleep(0.01)
        err += capsys.readouterr().err
        if err.count("\n") >= count:
            break
    return err


def test_a_long_epoch_says_which_row_it_is_at(capsys: pytest.CaptureFixture[str]) -> None:
    from demos.large_data import row_progress

    dataset = Dataset(name="big", feature_names=("x0", "x1"), rows=((((0.0, 0.0), 0.0),) * 1_000_000))
    with row_progress(dataset, 3, every=0.01) as on_row:
        on_row(0, 250_000)
        err = _first_lines(capsys, 1)
        on_row(1, 500_000)  # an epoch ended: its log line said so, the next beat says nothing
        time_for_beats = _first_lines(capsys, 1)
    first = err.splitlines()[0]
    assert first.startswith(
        "still working (1,000,000 rows × 2 features): epoch 0 (epochs 0–2), row 250,000 of 1,000,000: 8% of training; "
    ), first
    assert re.search(r"; \d+ s so far$", first)
    assert "epoch 1 (epochs 0–2), row 500,000 of 1,000,000: 50% of training" in time_for_beats


def test_train_tells_on_row_where_each_epoch_is() -> None:
    from autodiff import nn, train

    dataset = Dataset(name="four", feature_names=("x",), rows=tuple(((float(i),), float(i % 2)) for i in range(4)))
    for mode in ("per_row", "full_batch"):
        seen: list[tuple[int, int]] = []
        train(nn.Neuron(1, "sigmoid"), dataset, epochs=2, mode=mode, on_row=lambda e, r, seen=seen: seen.append((e, r)))
        assert seen == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 1), (1, 2), (1, 3), (1, 4)], mode
