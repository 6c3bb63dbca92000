"""viz.draw: the SVG parses, carries each node's label, data and grad, and survives any label."""

from __future__ import annotations

import math
import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import viz
from autodiff import Value, linear
from viz.graph import COMPUTED, CONSTANT, DATA_INPUT, PARAMETER, is_parameter_label, node_kind
from viz.render import RenderError, render_svg, svg_milliseconds

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: str) -> list[str]:
    """Every <text> in the SVG, as XML parsing gives it (so entities are decoded)."""
    root = ET.fromstring(svg)
    return [(t.text or "").replace("\xa0", " ") for t in root.iter(f"{SVG}text")]


def node_texts(svg: str) -> dict[str, list[str]]:
    """Node id (the <title>) → its texts, for every node group in the SVG."""
    root = ET.fromstring(svg)
    nodes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            title = group.find(f"{SVG}title").text
            nodes[title] = [(t.text or "").replace("\xa0", " ") for t in group.iter(f"{SVG}text")]
    return nodes


def tutorial_neuron() -> tuple[Value, Value, Value, Value]:
    """Page 3's worked example: hours 3, weight 0.5, bias -1 → probability 0.6225; loss vs passed=1."""
    weight, bias, hours = Value(0.5, label="weight"), Value(-1.0, label="bias"), Value(3.0, label="hours")
    probability = (weight * hours + bias).sigmoid()
    probability.label = "probability"
    loss = (1.0 - probability) ** 2
    loss.label = "loss"
    loss.backward()
    return weight, bias, probability, loss


def test_svg_carries_labels_data_and_grads_to_4_significant_digits() -> None:
    weight, bias, probability, loss = tutorial_neuron()
    texts = svg_texts(viz.draw(loss).svg())
    # The tutorial's arithmetic, done here: p = σ(0.5·3 − 1) = σ(0.5); dloss/dp = −2(1 − p).
    p = 1 / (1 + math.exp(-0.5))
    dloss_dp = -2 * (1 - p)
    assert f"{p:.4g}" == "0.6225"
    for expected in (
        "weight",
        "bias",
        "hours",
        "probability",
        "loss",
        "data = 0.6225",
        f"grad = {dloss_dp:.4g}",
        f"grad = {dloss_dp * p * (1 - p) * 3:.4g}",  # weight: × σ' × hours
        f"grad = {dloss_dp * p * (1 - p):.4g}",  # bias
        f"data = {(1 - p) ** 2:.4g}",
        "grad = 1",
        "sigmoid",
        "*",
        "+",
    ):
        assert expected in texts, expected


def test_one_op_node_between_inputs_and_output() -> None:
    *_, loss = tutorial_neuron()
    graph = viz.draw(loss, legend=False)
    svg_root = ET.fromstring(graph.svg())
    edges = [g.find(f"{SVG}title").text for g in svg_root.iter(f"{SVG}g") if g.get("class") == "edge"]
    # weight*hours, +bias, sigmoid, 1-p, **2: 5 ops; each has an edge to its output and one per operand.
    assert len(edges) == 5 + (2 + 2 + 1 + 2 + 2)
    assert all("_op" in e for e in edges)  # every edge goes into or out of an op node


def test_node_kinds_by_parameters_and_by_label_rule() -> None:
    weight, bias, probability, loss = tutorial_neuron()
    hours = probability.parents[0].parents[0].parents[1]
    one = loss.parents[0].parents[0]
    assert (hours.label, one.data) == ("hours", 1.0)
    assert node_kind(weight) == PARAMETER and node_kind(bias) == PARAMETER
    assert node_kind(hours) == DATA_INPUT and node_kind(one) == CONSTANT and node_kind(loss) == COMPUTED
    assert node_kind(weight, {id(bias)}) == DATA_INPUT and node_kind(bias, {id(bias)}) == PARAMETER
    for label in ("w", "b", "w1", "W2", "b_out", "weight", "bias", "layer1.weight2", "n0.w_3"):
        assert is_parameter_label(label), label
    for label in ("", "hours", "bedtime", "x", "weights", "bw", "study"):
        assert not is_parameter_label(label), label


def test_kinds_look_different_and_legend_names_them() -> None:
    weight, bias, probability, loss = tutorial_neuron()
    source = viz.draw(loss, parameters=[weight]).source
    node_lines = {m.group(1): m.group(0) for m in re.finditer(r"^\s*(v\d+) \[.*$", source, re.M)}
    fills = {line.split("fillcolor=")[1].split()[0] for line in node_lines.values()}
    assert len(fills) == 4  # parameter, data input, constant, computed
    texts = svg_texts(viz.draw(loss).svg())
    for entry in ("legend", "parameter (updated by training)", "data input", "constant (a plain number)"):
        assert entry in texts
    assert "op" in texts and "computed value" in texts


def test_highlight_grads_override_and_color_by_grad() -> None:
    weight, bias, probability, loss = tutorial_neuron()
    graph = viz.draw(loss, highlight=[weight, "bias"], grads={probability: None, weight: 0.25})
    texts = node_texts(graph.svg())
    by_label = {t[0]: t for t in texts.values() if t}
    assert by_label["probability"][2] == "grad = ?"
    assert by_label["weight"][2] == "grad = 0.25"
    assert graph.source.count("penwidth=4") == 2
    coloured = viz.draw(loss, color_by_grad=True)
    assert {"fill: grad > 0", "fill: grad < 0"} <= set(svg_texts(coloured.svg()))
    assert "#f4f4f4" in coloured.source  # the exponent 2 has grad 0: drawn neutral
    ET.fromstring(viz.draw(loss, color_by_grad=True, rankdir="TB").svg())


def test_linear_node_and_nan_inf_values_render() -> None:
    w = [Value(0.1, label="w1"), Value(0.1, label="w2")]
    raw = linear(w, [1.0, 5.0], Value(0.0, label="bias"))
    weird = raw * Value(math.inf, label="inf") + Value(math.nan, label="nan")
    texts = svg_texts(viz.draw(weird).svg())
    assert "linear" in texts and "data = 0.6" in texts and "data = inf" in texts and "data = nan" in texts


AWKWARD = [
    '{ } | < > " \\',
    "line one\nline two\r\nline three",
    "x < y && y > z </text><script>alert(1)</script>",
    "\\n \\l \\N \\G -- ]] > ",
    "unicode: σ(z) ≥ ½ → ∂L/∂w 学习 🙂",
    "  leading and  double  spaces  ",
    "ends with a backslash \\",
    'ends with a quote "',
    "control \x00\x01\x1b\x7f and \ufffe\uffff",
    "x" * 500,
]


@pytest.mark.parametrize("label", AWKWARD)
def test_awkward_labels_render_escaped(label: str) -> None:
    value = Value(1.5, label=label)
    out = (value * 2).tanh()
    out.label = label
    out.backward()
    svg = viz.draw(out).svg()
    assert "<script" not in svg
    texts = node_texts(svg)
    shown = ["".join(t[:-2]) for t in texts.values() if len(t) >= 3 and t[-2] != "data = 2"]
    expected = label.replace("\r\n", "\n").replace("\n", "").replace("\t", " ")
    if all(ord(ch) >= 0x20 and ch not in "\x7f\ufffe\uffff" for ch in expected):
        # Wrapped lines joined back give the label exactly (XML decodes &lt; etc.).
        assert shown == [expected, expected]
    else:
        assert all("\\x00" in s and "\\uffff" in s for s in shown)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
@example("\n000")  # a field starting with a line break once crashed wasm Graphviz after many renders
def test_any_text_label_renders_as_xml(label: str) -> None:
    value = Value(2.0, label=label)
    out = value * value
    out.label = label
    out.backward()
    svg = viz.draw(out).svg()
    ET.fromstring(svg)  # parses: no stray markup, no invalid XML characters
    assert "data = 4" in svg_texts(svg)


def test_save_writes_svg_or_dot_and_refuses_other_suffixes(tmp_path) -> None:
    *_, loss = tutorial_neuron()
    graph = viz.draw(loss)
    ET.parse(graph.save(tmp_path / "g.svg"))
    assert (tmp_path / "sub" / "g.dot").exists() is False
    assert graph.save(tmp_path / "sub" / "g.dot").read_text() == graph.source
    with pytest.raises(viz.OutputError, match="expected .svg"):
        graph.save(tmp_path / "g.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg", "sub"]  # no temp files left


def test_draw_refuses_non_values_and_bad_rankdir() -> None:
    with pytest.raises(TypeError, match="draw needs an autodiff Value"):
        viz.draw(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir must be one of"):
        viz.draw(Value(1.0), rankdir="sideways")


def test_render_needs_no_dot_on_path(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    assert shutil.which("dot") is None
    *_, loss = tutorial_neuron()
    assert "probability" in svg_texts(viz.draw(loss).svg())
    with pytest.raises(RenderError, match="apt-get install graphviz"):
        viz.draw(loss, renderer="system").svg()


def test_bad_dot_and_unknown_renderer_say_so() -> None:
    with pytest.raises(RenderError, match="could not render"):
        render_svg("digraph { a -> ")
    assert "<svg" in render_svg("digraph { a -> b }")  # the shared wasm instance survives an error
    with pytest.raises(ValueError, match="renderer must be one of"):
        render_svg("digraph { a }", renderer="cairo")
    assert svg_milliseconds("digraph { a -> b }", repeats=2) > 0


@pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz `dot` not on PATH")
def test_system_dot_draws_the_same_graph() -> None:
    *_, loss = tutorial_neuron()
    wasm = node_texts(viz.draw(loss).svg())
    system = node_texts(viz.draw(loss, renderer="system").svg())
    assert wasm == system
    assert svg_milliseconds("digraph { a -> b }", renderer="system", repeats=2) > 0


def test_no_doctype_url_in_svg() -> None:
    svg = render_svg("digraph { a }")
    assert "<!DOCTYPE" not in svg and "w3.org/Graphics" not in svg
    assert os.environ.get("PATH")  # monkeypatch in the test above restored PATH


def test_a_wasm_trap_gets_a_fresh_instance_and_one_retry(monkeypatch) -> None:
    import wasmtime

    import viz.render as render

    render.warm_up()
    crashed = render._wasm_backend
    monkeypatch.setattr(crashed, "render", lambda *a, **k: (_ for _ in ()).throw(wasmtime.Trap("boom")))
    assert "<svg" in render_svg("digraph { a -> b }")
    assert render._wasm_backend is not crashed  # the trapped instance was thrown away


def test_in_a_notebook_a_graph_fits_the_column_with_a_one_line_key() -> None:
    *_, loss = tutorial_neuron()
    graph = viz.draw(loss)
    html = graph._repr_html_()
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)  # one well-formed <svg>, no XML prolog inside the HTML
    style = root.get("style", "")
    assert "max-width:100%" in style and "height:auto" in style  # shrinks to the column, keeping its shape
    assert "maxWidth" in root.get("onclick", "")  # a click shows it at full size
    assert "legend" not in svg_texts(svg) and "legend" in svg_texts(graph.svg())  # the file keeps its legend box
    key = html[html.index("</svg>") :]
    for kind in ("parameter (updated by training)", "data input", "constant (a plain number)", "computed value"):
        assert kind in key
    assert "operation" in key
    product = Value(2.0, label="w") * Value(3.0, label="x")
    small = viz.draw(product)._repr_html_()
    assert "constant" not in small and "data input" in small  # only the kinds the graph holds
    assert ET.fromstring(graph._repr_svg_()).get("style") == style
    assert "grad &gt; 0" in viz.draw(loss, color_by_grad=True)._repr_html_()
    bare = viz.draw(loss, legend=False)._repr_html_()
    assert "operation" not in bare[bare.index("</svg>") :]
