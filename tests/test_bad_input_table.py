"""The README's "What each bad input gets" table, checked row by row.

What: the table between ``<!-- bad-input:start -->`` and ``<!-- bad-input:end -->`` is parsed;
each row carries an id, and ``CHECKS[id]`` reproduces that bad input and reports what the user
got (an exception's type and message, a command's exit status and stderr, or no error and the
result). The row's third column names the kind (`TypeError`, `exit 2`, `no error`, …) and quotes
part of the message between “ ”; both must match what the check observed. The test fails if a
row has no check or a check has no row.
Why: a promise in the README that nobody runs drifts from the code within a week.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "docs" / "site-src" / "reliability.md"  # the docs page "When things go wrong"
START, END = "<!-- bad-input:start -->", "<!-- bad-input:end -->"
ROW = re.compile(r"^\|\s*`(?P<id>[a-z0-9-]+)`\s*\|(?P<input>.*)\|(?P<outcome>.*)\|\s*$")
OUTCOME = re.compile(r"^\s*`(?P<kind>[^`]+)`:\s*“(?P<gist>[^”]*)”")


@dataclass(frozen=True)
class Row:
    id: str
    bad_input: str
    kind: str  # an exception's class name, "exit N", or "no error"
    gist: str  # a part of the message (or result) the user sees


@dataclass(frozen=True)
class Observed:
    kind: str
    text: str


def readme_rows() -> list[Row]:
    """The rows of the README's bad-input table."""
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "README.md lost its bad-input markers"
    section = text[text.index(START) + len(START) : text.index(END)]
    rows = []
    for line in section.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        outcome = OUTCOME.match(match["outcome"])
        assert outcome, f"row {match['id']!r}: the outcome should read `Kind`: “gist”, got {match['outcome']!r}"
        rows.append(Row(match["id"], match["input"].strip(), outcome["kind"], outcome["gist"]))
    assert rows, "the README's bad-input table has no rows"
    return rows


# --- running a bad input ----------------------------------------------------------------------


def raised(action: Callable[[], object]) -> Observed:
    """The exception ``action`` raises, or "no error" and its result."""
    try:
        result = action()
    except Exception as error:  # noqa: BLE001 - we report whatever the user would see
        return Observed(type(error).__name__, str(error))
    return Observed("no error", repr(result) if not isinstance(result, str) else result)


def command(module: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> Observed:
    """A demo run in-process through demos.cli.run (what ``python -m`` calls): exit status and stderr.

    In-process keeps the table fast; tests/test_file_safety.py runs the same refusals as real
    subprocesses."""
    import importlib

    from demos.cli import run

    main = importlib.import_module(f"demos.{module}").main
    capsys.readouterr()
    try:
        status = run(main, argv)
    except SystemExit as stop:  # argparse's usage errors exit from inside the parser
        status = stop.code
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in captured.err, f"one sentence expected:\n{captured.err}"
    return Observed(f"exit {status}", lines[0])


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "students.csv"
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> Observed:
    from autodiff.datasets import load_csv

    observed = raised(lambda: load_csv(path))
    if observed.kind != "no error":
        assert str(path) in observed.text, "a CSV error names the file"
    return observed


def model_file(tmp_path: Path, document: object | str) -> Path:
    path = tmp_path / "model.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


GOOD_MODEL = {"feature_names": ["hours"], "weights": [1.5], "bias": -3.0}


# --- one check per row -------------------------------------------------------------------------

Check = Callable[[Path, pytest.CaptureFixture[str]], Observed]


def _label_control(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    import xml.etree.ElementTree as ET

    import viz
    from autodiff import Value

    x = Value(1.0, label="a\x00b")
    svg = viz.draw(x * 2).svg()
    texts = [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    return Observed("no error", " ".join(texts))


def _csv_bom_blank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    path = csv_file(tmp_path, "\ufeffhours,passed\n\n1,0\n2,0\n\n3,1\n4,1\n\n")
    observed = load(path)
    if observed.kind != "no error":
        return observed
    from autodiff.datasets import load_csv

    return Observed("no error", f"{len(load_csv(path))} rows")


def _out_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    path = tmp_path / "results.txt"
    path.write_text("mine", encoding="utf-8")
    observed = command("study_hours", ["--epochs", "1", "--out", str(path)], capsys)
    assert path.read_text(encoding="utf-8") == "mine"
    return observed


def _out_foreign(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    (tmp_path / "thesis.txt").write_text("mine", encoding="utf-8")
    observed = command("study_hours", ["--epochs", "1", "--out", str(tmp_path)], capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.txt"]
    return observed


def _predict(tmp_path: Path, capsys: pytest.CaptureFixture[str], document: object | str, *argv: str) -> Observed:
    path = model_file(tmp_path, document)
    observed = command("predict", ["--model", str(path), *argv], capsys)
    assert str(path) in observed.text, "a model error names the file"
    return observed


def _ctrl_c(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    """The subprocess test in tests/test_interrupt.py, which also checks the output is usable."""
    from test_interrupt import test_ctrl_c_during_training_exits_130_and_leaves_usable_output

    test_ctrl_c_during_training_exits_130_and_leaves_usable_output(tmp_path)  # asserts exit 130 and more
    return Observed("exit 130", "interrupted (Ctrl-C): training stopped after (checked by tests/test_interrupt.py)")


def _v() -> type:
    from autodiff import Value

    return Value


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _out_locked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    import fcntl

    out = tmp_path / "run"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another run holds it (flock locks are per open file)
        return command("study_hours", ["--epochs", "1", "--out", str(out)], capsys)
    finally:
        os.close(fd)


def _rerun_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    import viz

    out = tmp_path / "run"
    from demos.cli import run
    from demos.study_hours import main

    assert run(main, ["--epochs", "2", "--out", str(out)]) == 0
    before = sorted((p.name, p.read_bytes()) for p in out.rglob("*") if p.is_file())

    def broken(*args: object, **kwargs: object) -> object:
        raise viz.RenderError("Graphviz (wasm) failed on this graph: out of memory.")

    real, viz.studio = viz.studio, broken
    try:
        observed = command("study_hours", ["--epochs", "3", "--lr", "0.5", "--out", str(out)], capsys)
    finally:
        viz.studio = real
    assert sorted((p.name, p.read_bytes()) for p in out.rglob("*") if p.is_file()) == before
    return observed


def _standardize_huge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    from autodiff.datasets import Dataset, standardize

    rows = (((1e200,), 0.0), ((-1e200,), 1.0), ((5e199,), 1.0))

    def scaled() -> str:
        scaling = standardize(Dataset("huge", ("x",), rows)).scaling
        assert scaling is not None
        return f"mean {scaling.mean[0]:.3g}, spread {scaling.spread[0]:.3g}"

    return raised(scaled)


def _large(rows: int, columns: int) -> Observed:
    from autodiff.datasets import Dataset
    from demos.large_data import limits_for

    data = tuple(((0.0,) * columns, float(i % 2)) for i in range(rows))
    return raised(lambda: limits_for(Dataset("large", tuple(f"c{i}" for i in range(columns)), data)).sentence)


def _rerun_user_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    out = tmp_path / "run"
    from demos.cli import run
    from demos.study_hours import main

    assert run(main, ["--epochs", "2", "--out", str(out)]) == 0
    (out / "index.html").write_text("my own page", encoding="utf-8")
    observed = command("study_hours", ["--epochs", "2", "--out", str(out)], capsys)
    assert (out / "index.html").read_text(encoding="utf-8") == "my own page"
    return observed


def _out_link_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    observed = command("study_hours", ["--epochs", "1", "--out", str(loop)], capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["loop"]
    return observed


def _set_label(value: object, label: object) -> None:
    value.label = label  # type: ignore[attr-defined]


def _optimizer(name: str, **kwargs: object) -> object:
    from autodiff import optim

    p = _v()(1.0, label="p")
    params = kwargs.pop("params", [p])
    return getattr(optim, name)([p if q == "p" else q for q in params], **kwargs)  # type: ignore[union-attr]


def _draw_too_large(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    import viz

    y = _v()(1.0)
    for _ in range(30_000):  # 60,001 values: a chain times a constant, each constant its own node
        y = y * 1.0001
    return raised(lambda: viz.draw(y))


def _graph_too_large(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    from viz import render_svg

    return raised(lambda: render_svg("digraph {\n" + "v [label=x]\n" * 50_001 + "}"))


CHECKS: dict[str, Check] = {
    "value-str": lambda tmp, cap: raised(lambda: _v()("3")),
    "value-label": lambda tmp, cap: raised(lambda: _v()(1, label=2)),
    "operand-str": lambda tmp, cap: raised(lambda: _v()(1) + "2"),
    "log-zero": lambda tmp, cap: raised(lambda: _v()(0).log()),
    "div-zero": lambda tmp, cap: raised(lambda: _v()(1) / 0),
    "pow-fractional": lambda tmp, cap: raised(lambda: _v()(-8) ** 0.5),
    "pow-zero-negative": lambda tmp, cap: raised(lambda: _v()(0) ** -1),
    "exp-overflow": lambda tmp, cap: raised(lambda: _v()(1000).exp().data),
    "bce-probability": lambda tmp, cap: raised(lambda: __import__("autodiff").losses.binary_cross_entropy(1.5, 1)),
    "total-empty": lambda tmp, cap: raised(lambda: __import__("autodiff").total([])),
    "neuron-inputs": lambda tmp, cap: raised(lambda: __import__("autodiff").nn.Neuron(2)([1.0])),
    "break-at-unknown": lambda tmp, cap: raised(lambda: (_v()(2.0, label="x") * 3).backward(break_at="nope")),
    "label-control": _label_control,
    "csv-ragged": lambda tmp, cap: load(csv_file(tmp, "hours,passed\n1,0\n2,0,1\n")),
    "csv-non-numeric": lambda tmp, cap: load(csv_file(tmp, "hours,passed\n1,0\nthree,1\n")),
    "csv-label": lambda tmp, cap: load(csv_file(tmp, "hours,passed\n1,0\n2,2\n")),
    "csv-empty": lambda tmp, cap: load(csv_file(tmp, "")),
    "csv-no-header": lambda tmp, cap: load(csv_file(tmp, "1,0\n2,1\n")),
    "csv-bom-blank": _csv_bom_blank,
    "out-file": _out_file,
    "out-foreign": _out_foreign,
    "epochs-zero": lambda tmp, cap: command("study_hours", ["--epochs", "0", "--out", str(tmp / "o")], cap),
    "lr-zero": lambda tmp, cap: command("study_hours", ["--lr", "0", "--out", str(tmp / "o")], cap),
    "model-missing-bias": lambda tmp, cap: _predict(
        tmp, cap, {k: v for k, v in GOOD_MODEL.items() if k != "bias"}, "--hours", "2"
    ),
    "model-wrong-type": lambda tmp, cap: _predict(tmp, cap, {**GOOD_MODEL, "bias": "0.5"}, "--hours", "2"),
    "model-not-json": lambda tmp, cap: _predict(tmp, cap, '{"weights": [1.5], "bias": -3', "--hours", "2"),
    "predict-inputs": lambda tmp, cap: _predict(
        tmp, cap, {"feature_names": ["study", "sleep"], "weights": [1.0, 1.0], "bias": 0.0}, "--inputs", "3"
    ),
    "ctrl-c": _ctrl_c,
    "value-huge-int": lambda tmp, cap: raised(lambda: _v()(10**400)),
    "csv-label-word": lambda tmp, cap: load(csv_file(tmp, "hours,passed\n1,0\n2,yes\n")),
    "csv-one-class": lambda tmp, cap: load(csv_file(tmp, "hours,passed\n1,1\n2,1\n")),
    "csv-device": lambda tmp, cap: command("new_dataset", ["--csv", "/dev/zero", "--out", str(tmp / "o")], cap),
    "csv-fifo": lambda tmp, cap: load(_fifo(tmp)),
    "model-device": lambda tmp, cap: command("predict", ["--model", "/dev/zero", "--hours", "2"], cap),
    "model-huge-int": lambda tmp, cap: _predict(
        tmp, cap, '{"feature_names": ["hours"], "weights": [1], "bias": 1' + "0" * 400 + "}", "--hours", "2"
    ),
    "model-long-int": lambda tmp, cap: _predict(
        tmp, cap, '{"feature_names": ["hours"], "weights": [1], "bias": 1' + "0" * 5000 + "}", "--hours", "2"
    ),
    "model-nested": lambda tmp, cap: _predict(
        tmp, cap, '{"bias": ' + "[" * 100_000 + "]" * 100_000 + "}", "--hours", "2"
    ),
    "model-surrogate": lambda tmp, cap: _predict(
        tmp, cap, '{"feature_names": ["\\ud800"], "weights": [1], "bias": 0}', "--hours", "2"
    ),
    "model-huge-list": lambda tmp, cap: _predict(
        tmp, cap, {**GOOD_MODEL, "weights": [1.5] * 2_000_000}, "--hours", "2"
    ),
    "lr-diverges": lambda tmp, cap: command(
        "study_hours", ["--update", "hand", "--lr", "1e308", "--out", str(tmp / "o")], cap
    ),
    "option-abbreviated": lambda tmp, cap: command("study_hours", ["--epoch", "10", "--out", str(tmp / "o")], cap),
    "option-twice": lambda tmp, cap: command(
        "study_hours", ["--epochs", "5", "--epochs", "6", "--out", str(tmp / "o")], cap
    ),
    "out-name-too-long": lambda tmp, cap: command(
        "study_hours", ["--epochs", "1", "--out", str(tmp / ("x" * 300))], cap
    ),
    "out-locked": _out_locked,
    "rerun-fails": _rerun_fails,
    "graph-too-large": _graph_too_large,
    "draw-too-large": _draw_too_large,
    "standardize-huge": _standardize_huge,
    "csv-many-rows": lambda tmp, cap: _large(150_000, 2),
    "csv-many-columns": lambda tmp, cap: _large(6, 10_000),
    "train-nan-start": lambda tmp, cap: raised(
        lambda: __import__("autodiff").train(
            __import__("autodiff").nn.Neuron(1, weights=[float("nan")]), __import__("autodiff").datasets.STUDY_HOURS
        )
    ),
    "predict-nan": lambda tmp, cap: _predict(
        tmp, cap, {"feature_names": ["a", "b"], "weights": [1e308, 1e308], "bias": 0}, "--inputs", "1e308", "-1e308"
    ),
    "out-root": lambda tmp, cap: command("study_hours", ["--epochs", "1", "--out", "/"], cap),
    "hours-minus-inf": lambda tmp, cap: command("forward_pass", ["--hours", "-inf"], cap),
    "label-set-int": lambda tmp, cap: raised(lambda: _set_label(_v()(1.0), 5)),
    "backward-list": lambda tmp, cap: raised(lambda: _v().backward([_v()(1.0)])),
    "adam-betas": lambda tmp, cap: raised(lambda: _optimizer("Adam", betas=(0.9,))),
    "sgd-twice": lambda tmp, cap: raised(lambda: _optimizer("SGD", params=["p", "p"], lr=0.1)),
    "rerun-user-file": _rerun_user_file,
    "out-link-loop": _out_link_loop,
}

# --- the tests --------------------------------------------------------------------------------

ROWS = readme_rows()


def test_every_row_has_a_check_and_every_check_a_row() -> None:
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids)), f"duplicate ids in the README table: {ids}"
    assert not sorted(set(ids) - set(CHECKS)), f"README rows without a check: {sorted(set(ids) - set(CHECKS))}"
    assert not sorted(set(CHECKS) - set(ids)), f"checks without a README row: {sorted(set(CHECKS) - set(ids))}"


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_readme_row(row: Row, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bad input gives what the README says: the same kind, and the quoted words in the message."""
    check = CHECKS.get(row.id)
    assert check is not None, f"README row {row.id!r} has no check in CHECKS"
    observed = check(tmp_path, capsys)
    assert observed.kind == row.kind, f"{row.bad_input}: README says {row.kind}, got {observed.kind}: {observed.text}"
    assert row.gist in observed.text, f"{row.bad_input}: README quotes “{row.gist}”, message is {observed.text!r}"
