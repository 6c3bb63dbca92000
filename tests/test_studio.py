"""The studio without a browser: the expanded neuron, labelled targets, the page's data and files, bad input."""

from __future__ import annotations

import html
import importlib
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff.training
from autodiff import Value, nn, topological_order, train
from autodiff.datasets import STUDY_HOURS, STUDY_SLEEP
from autodiff.losses import binary_cross_entropy, squared_error
from viz import OutputError, studio

finite = st.floats(-3.0, 3.0, allow_nan=False)


def page_data(page: str) -> dict:
    return json.loads(re.search(r'id="studio-data">(.*?)</script>', page, re.S)[1])


@given(
    st.lists(finite, min_size=1, max_size=4), finite, st.lists(finite, min_size=4, max_size=4), st.sampled_from([0, 1])
)
def test_expanded_neuron_is_the_tutorials_arithmetic(
    weights: list[float], bias: float, xs: list[float], y: int
) -> None:
    """z from * and + nodes, left to right: the hand rule's floats bit for bit, its gradient (p − y)·x."""
    xs = xs[: len(weights)]
    neuron = nn.Neuron(len(weights), "sigmoid", weights=weights, bias=bias, expanded=True)
    p = neuron([Value(x, label=f"x{i}") for i, x in enumerate(xs)])
    # The tutorial's line in plain floats, added left to right (sum() compensates its rounding since 3.12).
    raw = weights[0] * xs[0]
    for w, x in zip(weights[1:], xs[1:]):
        raw += w * x
    raw += bias
    assert p.parents[0].data == raw and p.parents[0].label == "z"
    assert [n.op for n in topological_order(p) if not n.is_leaf].count("linear") == 0
    binary_cross_entropy(p, Value(float(y), label="passed")).backward()
    expected = 1.0 / (1.0 + math.exp(-raw)) - y
    for w, x in zip(neuron.weights, xs):
        assert w.grad == pytest.approx(expected * x, rel=1e-9, abs=1e-12)
    assert neuron.bias.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_a_labelled_leaf_target_is_drawn_by_name_and_gives_the_same_numbers() -> None:
    p = Value(0.3, label="p")
    for loss in (binary_cross_entropy, squared_error):
        named = loss(p, Value(1.0, label="passed"))
        plain = loss(p, 1.0)
        assert named.data == plain.data
        assert "passed" in [v.label for v in topological_order(named)]
        assert loss(0.3, Value(1.0, label="passed")) == loss(0.3, 1.0)
    with pytest.raises(ValueError, match="target must be a number or a leaf Value"):
        binary_cross_entropy(p, Value(1.0) * 1.0)


@pytest.fixture(scope="module")
def tutorial_page() -> tuple[object, str]:
    model = nn.Neuron(1, "sigmoid", weights=[0.1], bias=0.0, expanded=True)
    history = train(model, STUDY_HOURS, loss=binary_cross_entropy, lr=0.1, epochs=30)
    page = studio(history, title="<tutorial> & co")
    return page, page.html()


def test_the_page_starts_at_the_true_start_and_names_its_graph(tutorial_page: tuple[object, str]) -> None:
    _, text = tutorial_page
    data = page_data(text)
    assert data["start"] == [0.1, 0.0] and data["epochs"][0]["rows"][0] == [0.1, 0.0]
    assert len(data["epochs"]) == 30 and all(len(e["rows"]) == 4 for e in data["epochs"])
    labels = [n["label"] for n in data["nodes"]]
    assert labels[:2] == ["w", "hours"] and "passed" in labels and labels[-1] == "cross-entropy"
    ops = [n["op"] for n in data["nodes"] if n["parents"]]
    assert ops == ["*", "+", "sigmoid", "bce"]
    kinds = {n["label"]: n["kind"] for n in data["nodes"] if n["label"]}
    assert kinds["hours"] == "data input" and kinds["passed"] == "target" and kinds["w"] == "parameter"
    shows = {n["label"]: s for n, s in zip(data["nodes"], data["showGrad"]) if n["label"]}
    assert shows["w"] and shows["b"] and not shows["hours"] and not shows["passed"]
    assert data["nodes"][-1]["ordered"]  # bce(p, passed): operand order shown
    # The title is escaped; the layout gave every drawn number its own id.
    assert "<title>&lt;tutorial&gt; &amp; co</title>" in text
    for i in range(len(data["nodes"])):
        assert f'id="n{i}-data"' in text and f'id="n{i}-grad"' in text


def test_without_compiled_javascript_frames_carry_the_engines_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph with an op that has no JavaScript form: each frame embeds the engine's data and local derivatives."""
    module = importlib.import_module("viz.studio")  # the module; viz.studio is its function
    monkeypatch.setattr(module, "_compiled_trace", lambda picture: ("", "op 'mystery' has no JavaScript form"))
    model = nn.Neuron(1, "sigmoid", weights=[0.1], bias=0.0, expanded=True)
    history = train(model, STUDY_HOURS, loss=binary_cross_entropy, lr=0.1, epochs=10)
    text = studio(history).html()
    data = page_data(text)
    assert not data["editable"] and any("no JavaScript form" in note for note in data["notes"])
    assert "function studioTrace" not in text
    w, b = data["epochs"][7]["rows"][2]
    (x,), y = STUDY_HOURS.rows[2]
    mul = Value(w, label="w") * Value(x)
    z = mul + Value(b)
    p = z.sigmoid()
    loss = binary_cross_entropy(p, y)
    numbers = data["epochs"][7]["num"][2]
    assert numbers[:4] == [mul.data, z.data, p.data, loss.data]
    assert numbers[4:6] == [x, w] and numbers[6:8] == [1.0, 1.0]
    assert numbers[8] == pytest.approx(p.data * (1 - p.data), rel=1e-12)


def test_page_is_offline_and_self_contained(tutorial_page: tuple[object, str]) -> None:
    _, text = tutorial_page
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert not re.search(r"https?://(?!www\.w3\.org/)", text)
    assert "</script" not in page_data_block(text)


def page_data_block(text: str) -> str:
    return re.search(r'id="studio-data">(.*?)</script>', text, re.S)[1]


def test_repr_html_is_an_escaped_iframe(tutorial_page: tuple[object, str]) -> None:
    page, text = tutorial_page
    shown = page._repr_html_()  # type: ignore[attr-defined]
    assert shown.startswith('<iframe srcdoc="') and "<script" not in shown
    assert html.unescape(re.search(r'srcdoc="(.*?)"', shown, re.S)[1]) == text


def test_save_writes_html_and_refuses_other_suffixes(tutorial_page: tuple[object, str], tmp_path: Path) -> None:
    page, text = tutorial_page
    path = page.save(tmp_path / "studio.html")  # type: ignore[attr-defined]
    assert path.read_text(encoding="utf-8") == text
    with pytest.raises(OutputError, match="saved as .html"):
        page.save(tmp_path / "studio.svg")  # type: ignore[attr-defined]


def test_epoch_svgs_are_whole_files_from_the_one_layout(tutorial_page: tuple[object, str], tmp_path: Path) -> None:
    page, _ = tutorial_page
    files = page.write_epoch_svgs(tmp_path / "graphs", every=10)  # type: ignore[attr-defined]
    assert [f.name for f in files] == ["epoch_0000.svg", "epoch_0010.svg", "epoch_0020.svg", "epoch_0029.svg"]
    ns = "{http://www.w3.org/2000/svg}"
    positions = []
    for f in files:
        root = ET.parse(f).getroot()
        texts = {t.get("id"): "".join(t.itertext()) for t in root.iter(f"{ns}text") if t.get("id")}
        assert texts["n0-data"].startswith("data = ") and texts["n0-grad"].startswith("grad = ")
        positions.append([(t.get("x"), t.get("y")) for t in root.iter(f"{ns}text")])
    assert all(p == positions[0] for p in positions)  # one layout: nothing moves between files
    first = ET.parse(files[0]).getroot()
    # Each file says what it shows: row 0 before its update, that row's gradients (not the epoch's sum).
    assert first.find(f"{ns}title").text == (
        "epoch 0, row 0 (hours 1, passed 0) with the parameters before that row's update, after its whole "
        "backward pass: one row's gradients, not the epoch's sum"
    )
    assert ET.parse(files[-1]).getroot().find(f"{ns}title").text.startswith("epoch 29, row 0 (hours 1, passed 0)")
    assert "data = 0.1" in [("".join(t.itertext())) for t in first.iter(f"{ns}text")]  # epoch 0 starts at w 0.1


def test_a_value_studio_steps_one_backward_pass(tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    w = Value(-0.5, label="w")
    loss = (w * x - 1.0) ** 2
    loss.label = "L"
    data = page_data(studio(loss).html())
    assert data["kind"] == "value" and len(data["order"]) == 3
    assert [data["nodes"][i]["label"] for i in data["order"]][0] == "L"
    with pytest.raises(ValueError, match="computed Value"):
        studio(x)
    with pytest.raises(TypeError, match="History or Value"):
        studio("loss")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="every must be"):
        studio(loss, every=0)


def test_full_batch_shows_the_summed_graph_and_one_update_per_epoch() -> None:
    model = nn.Neuron(2, "sigmoid", weights=[0.1, -0.2], bias=0.0, expanded=True)
    history = train(model, STUDY_SLEEP, loss=binary_cross_entropy, lr=0.1, epochs=5, mode="full_batch")
    data = page_data(studio(history).html())
    assert data["fullBatch"] and all(len(e["rows"]) == 1 for e in data["epochs"])
    assert data["epochs"][1]["rows"][0] == data["epochs"][0]["end"]
    assert data["nodes"][-1]["op"] == "sum"
    assert sum(1 for n in data["nodes"] if n["label"] == "passed") == len(STUDY_SLEEP.rows)


def test_a_run_of_more_rows_than_a_page_holds_shows_its_first_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import viz.sample

    monkeypatch.setattr(viz.sample, "STUDIO_ROWS", 3)  # a million rows, as the tutorial's four
    model = nn.Neuron(1, "sigmoid", weights=[0.1], bias=0.0, expanded=True)
    history = train(model, STUDY_HOURS, loss=binary_cross_entropy, lr=0.1, epochs=2)
    data = page_data(studio(history).html())
    assert len(data["rows"]) == 3 and [len(e["rows"]) for e in data["epochs"]] == [3, 3]
    assert "the page holds the first 3 of the run's 4 rows; each epoch's loss is over all 4" in data["notes"]
    assert [e["loss"] for e in data["epochs"]] == list(history.losses)  # still over all four rows


def test_an_epoch_recorded_for_its_first_rows_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(autodiff.training, "ROW_SNAPSHOTS", 3)  # of the tutorial's 4 rows
    model = nn.Neuron(1, "sigmoid", weights=[0.1], bias=0.0, expanded=True)
    data = page_data(studio(train(model, STUDY_HOURS, loss=binary_cross_entropy, lr=0.1, epochs=2)).html())
    assert [len(e["rows"]) for e in data["epochs"]] == [3, 3]
    said = "the run recorded the first 3 rows of an epoch one by one (of 4)"
    assert any(note.startswith(said) for note in data["notes"])


def test_epochs_without_recorded_rows_still_show_row_0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(autodiff.training, "ROW_SNAPSHOTS", 8)  # keep every 2nd epoch's rows only
    model = nn.Neuron(1, "sigmoid", weights=[0.1], bias=0.0, expanded=True)
    history = train(model, STUDY_HOURS, loss=binary_cross_entropy, lr=0.1, epochs=4)
    data = page_data(studio(history).html())
    assert [len(e["rows"]) for e in data["epochs"]] == [4, 1, 4, 4]
    assert data["epochs"][1].get("partial") and data["epochs"][1]["rows"][0] == data["epochs"][0]["end"]


def test_hover_formulas_are_the_op_tables_own_and_never_a_parents() -> None:
    from autodiff import ops
    from autodiff.value import _unary

    class Steeper(ops.Sigmoid):
        """A variant with its own derivative: the sigmoid's text would no longer be its rule."""

        @staticmethod
        def derivatives(z: float, out: float) -> tuple[float]:
            return (2.0 * out * (1.0 - out),)

    z = Value(0.5, label="z")
    for op, forward, derivatives in (
        (ops.Sigmoid, ops.Sigmoid.forward_text, list(ops.Sigmoid.derivatives_text)),
        (Steeper, "sigmoid({0})", ["the sigmoid rule's ∂/∂ operand 1"]),
    ):
        p = _unary(op, z)
        p.label = "p"
        node = next(n for n in page_data(studio(p).html())["nodes"] if n["label"] == "p")
        assert (node["forward"], node["derivatives"]) == (forward, derivatives)
