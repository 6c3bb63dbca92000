"""Per-epoch SVGs and the offline player: file count and numbering, content, local-only references."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import viz
from autodiff import Value, total
from viz.epochs import EpochsInterrupted, chosen_records, epoch_filename, render_epochs
from viz.outputs import MARKER
from viz.player import Chart, Frame, write_player

STUDY_HOURS = [(1.0, 0.0), (2.0, 0.0), (3.0, 1.0), (4.0, 1.0)]


@dataclass
class Record:
    epoch: int
    loss: float
    parameters: dict[str, float]
    gradients: dict[str, float]


@dataclass
class TinyHistory:
    """A stand-in with autodiff.training.History's shape: the tutorial's page-4 loop, done by hand."""

    records: list[Record] = field(default_factory=list)
    settings: dict = field(default_factory=lambda: {"lr": 0.1, "mode": "per_row", "loss": "squared error"})

    @property
    def losses(self) -> list[float]:
        return [r.loss for r in self.records]

    def graph(self, epoch: int) -> Value:
        params = self.records[epoch].parameters
        weight, bias = Value(params["weight"], label="weight"), Value(params["bias"], label="bias")
        losses = []
        for hours, passed in STUDY_HOURS:
            p = (weight * Value(hours, label="hours") + bias).sigmoid()
            losses.append((passed - p) ** 2)
        loss = total(losses)
        loss.label = "loss"
        loss.backward()
        return loss


def player_data(page: str) -> dict:
    """The frames and chart a player page carries, from its JSON block."""
    return json.loads(re.search(r'id="player-data">(.*?)</script>', page, re.S)[1])


def tutorial_history(epochs: int) -> TinyHistory:
    """Page 4: weight 0.1, bias 0, lr 0.1, per-row updates with the hand rule."""
    history = TinyHistory()
    weight, bias, lr = 0.1, 0.0, 0.1
    for epoch in range(epochs):
        loss = 0.0
        for hours, passed in STUDY_HOURS:
            p = 1 / (1 + math.exp(-(weight * hours + bias)))
            loss += (passed - p) ** 2
            weight -= lr * (p - passed) * hours
            bias -= lr * (p - passed)
        history.records.append(Record(epoch, loss, {"weight": weight, "bias": bias}, {}))
        graph = history.graph(epoch)
        leaves = {v.label: v for v in [graph] + list(_leaves(graph))}
        history.records[-1].gradients.update(weight=leaves["weight"].grad, bias=leaves["bias"].grad)
    return history


def _leaves(root: Value):
    from autodiff import topological_order

    return [v for v in topological_order(root) if v.is_leaf]


def local_references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)


def test_tutorial_epoch_zero_loss_is_the_tutorials() -> None:
    assert f"{tutorial_history(1).records[0].loss:.4f}" == "1.0155"  # page 4 prints Loss: 1.0155


def test_every_epoch_by_default_numbered_from_zero(tmp_path: Path) -> None:
    history = tutorial_history(12)
    index = render_epochs(history, tmp_path / "out")
    graphs = sorted(p.name for p in (tmp_path / "out" / "graphs").iterdir())
    assert graphs == [f"epoch_{i:04d}.svg" for i in range(12)]
    assert index == tmp_path / "out" / "index.html"
    assert (tmp_path / "out" / MARKER).is_file()


@pytest.mark.parametrize(
    ("epochs", "every", "expected"), [(10, 3, [0, 3, 6, 9]), (11, 3, [0, 3, 6, 9, 10]), (5, 10, [0, 4])]
)
def test_every_n_keeps_multiples_and_the_last_epoch(
    tmp_path: Path, epochs: int, every: int, expected: list[int]
) -> None:
    history = tutorial_history(epochs)
    calls = []
    render_epochs(history, tmp_path, every=every, progress=lambda done, total: calls.append((done, total)))
    names = sorted(p.name for p in (tmp_path / "graphs").iterdir())
    assert names == [epoch_filename(e) for e in expected]
    assert calls == [(i, len(expected)) for i in range(1, len(expected) + 1)]


def test_epoch_svg_shows_that_epochs_parameters_and_gradients(tmp_path: Path) -> None:
    history = tutorial_history(3)
    render_epochs(history, tmp_path)
    for record in history.records:
        svg = (tmp_path / "graphs" / epoch_filename(record.epoch)).read_text()
        texts = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
        for name in ("weight", "bias"):
            assert f"data = {record.parameters[name]:.4g}" in texts
            assert f"grad = {record.gradients[name]:.4g}" in texts
        w, b = record.parameters["weight"], record.parameters["bias"]
        end_loss = sum((y - 1 / (1 + math.exp(-(w * x + b)))) ** 2 for x, y in STUDY_HOURS)
        assert f"data = {end_loss:.4g}" in texts  # the root: the summed loss at the epoch's end


def test_player_page_lists_frames_numbers_and_only_local_files(tmp_path: Path) -> None:
    history = tutorial_history(5)
    index = render_epochs(history, tmp_path, every=2)
    page = index.read_text()
    assert "http:" not in page and "https:" not in page and "//cdn" not in page and "<link" not in page
    assert local_references(page) == []  # images are set by the script from the frame list below
    data = player_data(page)
    assert [f["src"] for f in data["frames"]] == [
        "graphs/epoch_0000.svg",
        "graphs/epoch_0002.svg",
        "graphs/epoch_0004.svg",
    ]
    assert all((tmp_path / f["src"]).is_file() for f in data["frames"])
    assert data["columns"] == ["parameter", "value", "gradient"]
    last = history.records[4]
    assert data["frames"][2]["name"] == "epoch 4"
    assert data["frames"][2]["rows"][0] == [
        "weight",
        f"{last.parameters['weight']:.4g}",
        f"{last.gradients['weight']:.4g}",
    ]
    assert f"Loss {last.loss:.4f} " in data["frames"][2]["caption"]
    markers = [f["marker"] for f in data["frames"]]
    assert markers[0][0] < markers[1][0] < markers[2][0]  # the chart marker moves right with the epoch
    assert 'id="chart-marker"' in page and "slider" in page and "ArrowRight" in page


def test_rerun_replaces_own_outputs_and_drops_stale_epochs(tmp_path: Path) -> None:
    history = tutorial_history(6)
    render_epochs(history, tmp_path)
    (tmp_path / "notes.txt").write_text("mine")  # a user's file in our directory stays
    render_epochs(history, tmp_path, every=5)
    assert sorted(p.name for p in (tmp_path / "graphs").iterdir()) == ["epoch_0000.svg", "epoch_0005.svg"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_refuses_someone_elses_directory_and_bad_every(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(viz.OutputError, match="autodiff did not write"):
        render_epochs(tutorial_history(2), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="every must be a whole number"):
            chosen_records([1, 2, 3], bad)  # type: ignore[list-item]


def test_tqdm_like_progress_gets_total_and_updates(tmp_path: Path) -> None:
    class Bar:
        total = None
        n = 0

        def update(self, k: int) -> None:
            self.n += k

    bar = Bar()
    render_epochs(tutorial_history(4), tmp_path, progress=bar)
    assert (bar.total, bar.n) == (4, 4)


def test_generic_player_copies_outside_frames_and_escapes_text(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.svg"
    outside.write_text(viz.draw(Value(1.0, label="x")).svg())
    frames = [
        Frame(svg=outside, caption="</script><script>alert(1)</script>", rows={"x": 1.23456}, name="step 1"),
        Frame(svg=viz.draw(Value(2.0, label="y")).svg(), caption="two", rows=[["y", 2.0]], name="step 2"),
    ]
    index = write_player(tmp_path / "player", title="<b>steps</b>", frames=frames, chart=Chart(x=[0, 1], y=[3.0, 1.0]))
    page = index.read_text()
    assert "<b>steps</b>" not in page and "&lt;b&gt;steps&lt;/b&gt;" in page
    assert page.count("</script>") == 2  # the page's own two scripts; the caption's was escaped
    data = player_data(page)
    assert [f["src"] for f in data["frames"]] == ["frames/frame_0000.svg", "frames/frame_0001.svg"]
    assert data["frames"][0]["rows"] == [["x", "1.235"]]
    assert data["frames"][0]["caption"] == "</script><script>alert(1)</script>"
    with pytest.raises(ValueError, match="at least one frame"):
        write_player(tmp_path / "empty", title="t", frames=[])
    with pytest.raises(viz.OutputError, match="not a file"):
        write_player(tmp_path / "missing", title="t", frames=[Frame(svg="nope.svg")])


def test_ctrl_c_while_drawing_leaves_a_player_for_the_epochs_drawn(tmp_path: Path) -> None:
    def stop_after_two(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(EpochsInterrupted) as stop:
        render_epochs(tutorial_history(6), tmp_path / "run", progress=stop_after_two)
    assert isinstance(stop.value, KeyboardInterrupt)  # callers that only know Ctrl-C still see it
    assert stop.value.last_epoch == 1
    assert stop.value.player == tmp_path / "run" / "index.html"
    frames = player_data(stop.value.player.read_text("utf-8"))["frames"]
    assert [frame["src"] for frame in frames] == ["graphs/epoch_0000.svg", "graphs/epoch_0001.svg"]
    assert sorted(p.name for p in (tmp_path / "run" / "graphs").iterdir()) == ["epoch_0000.svg", "epoch_0001.svg"]


def test_ctrl_c_before_the_first_graph_is_a_plain_interrupt(tmp_path: Path) -> None:
    history = tutorial_history(3)

    def interrupted_graph(epoch: int) -> Value:
        raise KeyboardInterrupt

    history.graph = interrupted_graph  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt) as stop:
        render_epochs(history, tmp_path / "run")
    assert not isinstance(stop.value, EpochsInterrupted)
    assert not (tmp_path / "run" / "index.html").exists()
