"""The network studio without a browser: the datasets, the layout, the dispatch, the page's data, and the
generated JavaScript (run in Node) against the engine, neuron by neuron and row by row."""

from __future__ import annotations

import base64
import json
import math
import shutil
import subprocess
from array import array

import pytest

import viz
from autodiff import nn, train
from autodiff.datasets import circles, moons, spiral, xor
from autodiff.losses import binary_cross_entropy, binary_cross_entropy_with_logits, squared_error
from autodiff.optim import SGD, Adam
from autodiff.training import inputs_for
from viz.network import NetworkStudio, layout, network_javascript
from viz.studio import Studio

NODE = shutil.which("node")
GENERATORS = (moons, circles, xor, spiral)


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_seeded_balanced_and_two_featured(make) -> None:
    first, again, other = make(60, seed=3), make(60, seed=3), make(60, seed=4)
    assert first.rows == again.rows
    assert len(first) == 60 and first.feature_names == ("x1", "x2")
    assert sum(label for _, label in first.rows) == 30
    assert [label for _, label in first.rows[:4]] == [0.0, 1.0, 0.0, 1.0]  # classes alternate
    if make is not spiral:  # without noise the spiral has nothing random in it
        assert first.rows != other.rows


def test_generators_draw_their_shapes() -> None:
    # Without noise, each point lies on its curve, worked out here by hand.
    for (x, y), label in moons(20, noise=0.0).rows:
        centre = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.isclose(math.hypot(x - centre[0], y - centre[1]), 1.0, abs_tol=1e-11)
    for (x, y), label in circles(20, noise=0.0, factor=0.3).rows:
        assert math.isclose(math.hypot(x, y), 1.0 if label == 0 else 0.3, abs_tol=1e-11)
    for (x, y), label in xor(50).rows:
        assert (label == 1.0) == ((x > 0) != (y > 0)) and min(abs(x), abs(y)) >= 0.1
    rows = spiral(40).rows
    radii = [math.hypot(*features) for features, _ in rows]
    assert radii[-1] > radii[0]  # outward


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: moons(1), "n to be a whole number of points ≥ 2, got 1"),
        (lambda: circles(10, factor=1.5), "factor strictly between 0 and 1, got 1.5"),
        (lambda: xor(10, noise=-1), "noise to be a finite number ≥ 0, got -1"),
        (lambda: spiral(10, turns=0), "turns to be a finite number > 0, got 0"),
    ],
)
def test_generators_name_a_bad_argument(call, words: str) -> None:
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        call()


def test_layout_is_by_layer_and_index() -> None:
    places = layout([2, 16, 16, 1])
    assert places == layout([2, 16, 16, 1])
    assert [column[0][0] for column in places] == [0.0, 1 / 3, 2 / 3, 1.0]
    assert all(0.0 <= y <= 1.0 for column in places for _, y in column)
    assert places[3] == [(1.0, 0.5)]  # a lone output sits in the middle
    ys = [y for _, y in places[1]]
    assert ys == sorted(ys) and math.isclose(ys[1] - ys[0], 1 / 16)
    wide = layout([784, 1000, 10])  # any width: a formula, no search
    assert len(wide[1]) == 1000 and wide[1][0][1] > 0


def _history(model, dataset, epochs=2, **kwargs):
    return train(model, dataset, loss=kwargs.pop("loss", squared_error), epochs=epochs, **kwargs)


def _floats(text: str) -> list[float]:
    return list(array("d", base64.b64decode(text)))


def test_studio_dispatches_on_the_model() -> None:
    data = xor(12)
    network = viz.studio(_history(nn.MLP(2, [3, 1], seed=2), data, lr=0.05))
    assert isinstance(network, NetworkStudio)
    neuron = viz.studio(_history(nn.Neuron(2), data, epochs=1))
    assert isinstance(neuron, Studio)


def test_page_data_holds_every_kept_epochs_parameters() -> None:
    data = moons(16, seed=2)
    model = nn.MLP(2, [4, 4, 1], seed=5)
    history = _history(model, data, epochs=3, lr=0.02)
    page = viz.studio(history)
    names = [p.label for p in model.parameters()]
    ends = _floats(page.data["ends"])
    assert len(ends) == 3 * len(names)
    for k, record in enumerate(history.records):
        assert ends[k * len(names) : (k + 1) * len(names)] == [record.parameters[n] for n in names]
    assert _floats(page.data["start"]) == [history.start[n] for n in names]
    assert _floats(page.data["losses"]) == history.losses
    assert page.data["replay"] is True
    assert viz.studio(_history(nn.MLP(2, [3, 1]), data, epochs=2, lr=0.02, mode="full_batch")).data["replay"] is True
    assert page.data["sizes"] == [2, 4, 4, 1] and page.data["params"] == names
    text = page.html()
    assert "const NET" in text and "__DATA__" not in text and "</script>" in text


@pytest.mark.parametrize("optimizer", [lambda ps: Adam(ps, lr=0.01), lambda ps: SGD(ps, lr=0.05, momentum=0.9)])
@pytest.mark.parametrize("mode", ["per_row", "full_batch"])
def test_a_run_the_page_cannot_replay_says_so(optimizer, mode: str) -> None:
    data = xor(10)
    model = nn.MLP(2, [3, 1], seed=2)
    history = _history(model, data, optimizer=optimizer(model.parameters()), mode=mode)
    page = viz.studio(history)
    assert page.data["replay"] is False
    assert any("not plain SGD" in note for note in page.data["notes"])


def test_only_one_output_neuron_is_drawn() -> None:
    model = nn.MLP(2, [3, 2])
    history = train(nn.MLP(2, [3, 1]), xor(6), epochs=1)
    history.model = model
    with pytest.raises(ValueError, match="one output neuron, got 2"):
        viz.studio(history)


def _engine_row(model, features, names, target, loss):
    """Every neuron's raw score, output and gradients for one row, from the engine's own graph."""
    model.zero_grad()
    values = inputs_for(features, names)
    z, a = [], [values]
    for layer in model.layers:
        outputs = layer(a[-1])
        raws = [out.parents[0] if out.op != "linear" else out for out in outputs]
        z.append(raws)
        a.append(outputs)
    objective = loss(a[-1][0], target)
    objective.backward()
    return {
        "z": [[v.data for v in layer] for layer in z],
        "a": [[v.data for v in layer] for layer in a[1:]],
        "dz": [[v.grad for v in layer] for layer in z],
        "grad": [p.grad for p in model.parameters()],
        "loss": objective.data,
    }


def close(a: float, b: float, tolerance: float = 1e-12) -> bool:
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


@pytest.mark.skipif(NODE is None, reason="needs Node.js to run the generated JavaScript")
@pytest.mark.parametrize(
    ("hidden", "output", "loss"),
    [
        ("relu", None, squared_error),
        ("tanh", "sigmoid", binary_cross_entropy),
        ("sigmoid", "tanh", squared_error),
        ("relu", None, binary_cross_entropy_with_logits),
    ],
)
def test_generated_javascript_equals_the_engine_per_neuron_and_row(hidden, output, loss) -> None:
    data = moons(8, seed=7)
    model = nn.MLP(2, [5, 4, 1], activation=hidden, output_activation=output, seed=11)
    parameters = [p.data for p in model.parameters()]
    script = network_javascript(model, loss, squared_error) + (
        f"const P = Float64Array.from({json.dumps(parameters)}), rows = {json.dumps(data.rows)}, out = [];\n"
        "for (const [x, y] of rows) { const G = new Float64Array(P.length), f = NET.forward(P, x);\n"
        "  const b = NET.backward(P, f, y, G);\n"
        "  out.push({z: f.z.map((l) => Array.from(l)), a: f.a.slice(1).map((l) => Array.from(l)),\n"
        "    dz: b.dz.map((l) => Array.from(l)), grad: Array.from(G), loss: b.loss}); }\n"
        "console.log(JSON.stringify(out));"
    )
    page = json.loads(subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True).stdout)
    for (features, target), numbers in zip(data.rows, page):
        engine = _engine_row(model, features, data.feature_names, target, loss)
        for key in ("z", "a", "dz"):
            for mine, theirs in zip(numbers[key], engine[key]):
                assert all(close(x, y) for x, y in zip(mine, theirs)), (key, mine, theirs)
        assert all(close(x, y) for x, y in zip(numbers["grad"], engine["grad"]))
        assert close(numbers["loss"], engine["loss"])


def test_page_json_is_escaped_against_script_endings() -> None:
    data = xor(8)
    history = _history(nn.MLP(2, [2, 1]), data, epochs=1)
    page = viz.studio(history, title="</script><b>x")
    text = page.html()
    assert "</script><b>" not in text and "&lt;/script&gt;&lt;b&gt;x" in text


def test_decision_boundary_draws_a_models_contour() -> None:
    from viz import plots

    data = xor(20)
    line = nn.MLP(2, [1], output_activation=None)
    line.load_state_dict({"L1.n1.w1": 1.0, "L1.n1.w2": -1.0, "L1.n1.b": 0.0})  # output x1 − x2: crosses 0.5
    assert "output = 0.5" in plots.decision_boundary(line, data.rows, xlabel="x1", ylabel="x2").svg()
    flat = nn.MLP(2, [1], output_activation=None)
    flat.load_state_dict({"L1.n1.w1": 0.0, "L1.n1.w2": 0.0, "L1.n1.b": 5.0})  # always 5: no boundary to draw
    assert "output = 0.5" not in plots.decision_boundary(flat, data.rows).svg()


def test_a_thinned_run_keeps_each_gap_epochs_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import autodiff.training

    monkeypatch.setattr(autodiff.training, "RECORD_CAP", 4)  # keeps at most 16 records: 40 epochs get thinned
    history = _history(nn.MLP(2, [2, 1], seed=3), xor(6), epochs=40, lr=0.05)
    kept = [r.epoch for r in history.records]
    assert len(kept) < 40
    page = viz.studio(history)
    assert page.data["kept"] == kept
    gaps = [k for k in range(1, len(kept)) if kept[k - 1] != kept[k] - 1]
    assert gaps and sorted(int(k) for k in page.data["starts"]) == [k for k in gaps if history.records[k].rows]
    for k, text in page.data["starts"].items():
        assert _floats(text) == list(history.records[int(k)].rows[0])


def test_moons_demo_prints_loss_and_accuracy_and_writes_the_studio(tmp_path, capsys) -> None:
    from demos import moons as demo

    assert demo.main(["--epochs", "2", "--points", "20", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "MLP 2-16-16-1 (337 parameters) on 20 moons points" in printed
    lines = [line for line in printed.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2 and all("loss" in line and "accuracy" in line and line.endswith("%") for line in lines)
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert written == ["decision_boundary.svg", "index.html", "loss.svg"]
    assert "const NET" in (tmp_path / "out" / "index.html").read_text("utf-8")


def test_a_moons_run_that_diverges_at_once_says_why_once(tmp_path, capsys) -> None:
    from demos import moons as demo
    from demos.cli import run

    assert run(demo.main, ["--lr", "50", "--epochs", "3", "--points", "20", "--out", str(tmp_path / "out")]) != 0
    printed = capsys.readouterr()
    assert "the loss became nan" not in printed.out  # the error line says it: not twice
    assert printed.err.count("the loss became nan") == 1 and printed.err.startswith("error: training stopped")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [".autodiff-output"]  # no page of nothing


def test_demo_accuracy_counts_the_right_side_of_the_threshold() -> None:
    from demos.moons import accuracy

    data = xor(8)
    model = nn.MLP(2, [1], output_activation=None)
    model.load_state_dict({"L1.n1.w1": 0.0, "L1.n1.w2": 0.0, "L1.n1.b": 1.0})  # always 1: right on label-1 rows
    assert accuracy(model, data) == sum(label for _, label in data.rows) / len(data)


def test_xor_demo_refuses_a_bad_option(capsys) -> None:
    from demos import xor as demo

    with pytest.raises(SystemExit) as stop:
        demo.main(["--lr", "-1"])
    assert stop.value.code == 2
    assert "expected a positive finite number, got '-1'" in capsys.readouterr().err


def test_new_dataset_with_hidden_layers_writes_the_network_studio(tmp_path, capsys) -> None:
    from demos import new_dataset

    assert new_dataset.main(["--hidden", "3", "--epochs", "1", "--lr", "0.01", "--out", str(tmp_path / "o")]) == 0
    assert "Training an MLP 2-3-1" in capsys.readouterr().out
    text = (tmp_path / "o" / "index.html").read_text("utf-8")
    data = json.loads(text.split('<script type="application/json" id="network-data">')[1].split("</script>")[0])
    assert data["sizes"] == [2, 3, 1] and data["plane"] is not None  # two features: heatmaps over the plane
    assert (tmp_path / "o" / "decision_boundary.svg").exists()
