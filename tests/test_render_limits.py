"""Graphviz in WebAssembly at its limits: deep graphs render, huge ones are refused, failures heal.

What: the deepest chain Graphviz is given, about 3,000 operations (wasmtime's default stack stops
near 1,300), renders to a whole SVG, and a chain of 10,000 operations by the project's own layout;
a DOT source of a million nodes is refused before Graphviz sees it, with one sentence naming
its size and what to do; after a render fails — bad DOT, a trap, the refusal — the next render of
a good graph still works.
Why: a learner drawing a long computation must get a picture or a sentence, never a page of wasm
backtrace, and never a renderer that is broken for the rest of the session.
"""

from __future__ import annotations

import pytest
import wasmtime

import viz
import viz.render as render
from autodiff import Value
from viz import RenderError, render_svg


def good_render_works() -> bool:
    return render_svg("digraph { a -> b }").rstrip().endswith("</svg>")


def test_a_chain_of_ten_thousand_operations_renders() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(10_000):
        y = y.tanh()
    graph = viz.draw(y)
    assert graph.plan.strategy == "layered"  # past Graphviz's budget: the project's own layout
    svg = graph.svg()
    assert svg.rstrip().endswith("</svg>")
    assert svg.count('class="node"') >= 20_001  # a value node and an op node per operation
    assert good_render_works()


def test_the_deepest_chain_graphviz_gets_renders_on_its_deep_stack() -> None:
    """About 3,000 chained operations: more than twice what wasmtime's default stack allows."""
    y = Value(0.5, label="x")
    for _ in range(2_990):
        y = y.tanh()
    graph = viz.draw(y, legend=False)
    assert graph.plan.strategy == "graphviz"
    assert graph.svg().count('class="node"') == 2 * 2_990 + 1
    assert good_render_works()


def test_a_million_nodes_are_refused_up_front_in_one_sentence() -> None:
    source = "digraph {\n" + "".join(f'v{i} [label="{i}"]\n' for i in range(1_000_000)) + "}\n"
    with pytest.raises(RenderError) as caught:
        render_svg(source)
    message = str(caught.value)
    assert "1,000,000 nodes" in message and "max_nodes=" in message
    assert "\n" not in message and len(message) < 300
    assert good_render_works()


def test_bad_dot_then_a_good_render() -> None:
    with pytest.raises(RenderError, match="could not render"):
        render_svg("digraph { a -> }")
    assert good_render_works()


@pytest.mark.parametrize("trap", [wasmtime.ExitTrap, wasmtime.Trap], ids=["exit-trap", "trap"])
def test_a_trap_becomes_a_render_error_and_the_next_render_works(trap: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every instance traps once, as the million-node graph did: RenderError, then a clean instance."""
    real = render._new_backend

    def trapping() -> object:
        backend = real()

        def fail(*args: object, **kwargs: object) -> bytes:
            error = trap("wasm trap: out of bounds memory access")
            error.code = 1  # what an ExitTrap carries: proc_exit's status
            raise error

        backend.render = fail
        return backend

    render.warm_up()
    monkeypatch.setattr(render, "_wasm_backend", None)
    monkeypatch.setattr(render, "_new_backend", trapping)
    with pytest.raises(RenderError, match="Graphviz \\(wasm\\) failed on this graph"):
        render_svg("digraph { a -> b }")
    assert render._wasm_backend is None  # the trapped instance was dropped
    monkeypatch.setattr(render, "_new_backend", real)
    assert good_render_works()


def test_count_nodes_reads_node_statements_only() -> None:
    source = (
        'digraph {\n node [shape=box]\n v0 [label="a -> b"]\n v1 [label=b]\n v0 -> v1 [color=red]\n "x y" [label=c]\n}'
    )
    assert render.count_nodes(source) == 3
