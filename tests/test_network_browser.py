"""The network studio in headless Chromium: a steady picture, the engine's numbers per neuron and per row,
heatmaps that are the model's, retraining that is train()'s, and a page that fits three screens.

The engine's side never reads the page's data: each row's parameters come from the run's own row
snapshots (History records them as train() goes), and the numbers from the engine's graph of that row.
Screenshots are left in out/network-screenshots/ for a person to look at.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM
from test_network import _engine_row, close

import viz
from autodiff import nn, train
from autodiff.datasets import moons, xor
from autodiff.losses import binary_cross_entropy, squared_error
from autodiff.training import inputs_for

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "out" / "network-screenshots"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium for the network studio's browser tests: `apt-get install chromium`"
)
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the dev extra)")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A small moons MLP (per row) and XOR (full batch): their Histories, starting models and pages."""
    out = tmp_path_factory.mktemp("network")
    made = {}
    specs = {
        "moons": (moons(30, seed=2), lambda: nn.MLP(2, [6, 5, 1], seed=4), squared_error, "per_row", 0.05, 4),
        "xor": (
            xor(24, seed=1),
            lambda: nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=1),
            binary_cross_entropy,
            "full_batch",
            0.2,
            5,
        ),
    }
    for name, (data, make, loss, mode, lr, epochs) in specs.items():
        model = make()
        start = copy.deepcopy(model)
        history = train(model, data, loss=loss, lr=lr, epochs=epochs, mode=mode)
        path = viz.studio(history).save(out / f"{name}.html")
        made[name] = {"history": history, "start": start, "path": path, "loss": loss, "data": data, "mode": mode}
    return made


@pytest.fixture
def opened(browser: Any) -> Iterator[Any]:
    pages: list[Any] = []
    errors: list[str] = []

    def open_page(path: Path, hash_: str = "", width: int = 1024, height: int = 768) -> Any:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        page.goto(path.as_uri() + hash_)
        page.wait_for_function("window.networkStudio !== undefined")
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()
    assert errors == [], f"console errors: {errors}"


def boxes(page: Any) -> list[list[float]]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.neuron')].map(d => { const r = d.getBoundingClientRect();"
        " return [r.x, r.y, r.width, r.height]; })"
    )


def test_neurons_stay_put_across_frames(runs: dict[str, Any], opened: Any) -> None:
    page = opened(runs["moons"]["path"])
    first = boxes(page)
    assert len(first) == 2 + 6 + 5 + 1
    for e, r, s in [(3, 7, 0), (1, 29, 5), (0, 0, 13)]:
        page.evaluate(f"() => networkStudio.go({e}, {r}, {s})")
        assert boxes(page) == first
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    assert boxes(page) == first


def engine_numbers(run: dict[str, Any], parameters: list[float], row: int) -> dict[str, Any]:
    model = copy.deepcopy(run["history"].model)
    for p, value in zip(model.parameters(), parameters):
        p.data = value
    features, target = run["data"].rows[row]
    return _engine_row(model, features, run["data"].feature_names, target, run["loss"])


def test_every_neurons_numbers_are_the_engines_per_row(runs: dict[str, Any], opened: Any) -> None:
    run = runs["moons"]
    history = run["history"]
    page = opened(run["path"])
    for epoch, row in [(0, 0), (0, 17), (2, 5), (3, 29)]:
        page.evaluate(f"() => networkStudio.go({epoch}, {row}, 0)")
        shown = page.evaluate("() => networkStudio.frame()")
        before = list(history.records[epoch].rows[row])  # the engine's own snapshot, not the page's replay
        assert all(close(a, b) for a, b in zip(shown["params"], before))
        engine = engine_numbers(run, before, row)
        for key in ("z", "dz"):
            assert all(close(a, b) for mine, theirs in zip(shown[key], engine[key]) for a, b in zip(mine, theirs))
        assert all(close(a, b) for mine, theirs in zip(shown["a"][1:], engine["a"]) for a, b in zip(mine, theirs))
        assert all(close(a, b) for a, b in zip(shown["grad"], engine["grad"]))
        after = history.records[epoch].rows[row + 1] if row + 1 < len(run["data"].rows) else None
        if after is not None:
            assert all(close(a, b) for a, b in zip(shown["after"], after))


def test_full_batch_update_is_the_epochs(runs: dict[str, Any], opened: Any) -> None:
    run = runs["xor"]
    history = run["history"]
    page = opened(run["path"])
    names = history.parameter_names
    page.evaluate("() => networkStudio.go(2, 3, 0)")
    shown = page.evaluate("() => networkStudio.frame()")
    assert all(close(a, history.records[1].parameters[n]) for a, n in zip(shown["params"], names))
    assert all(close(a, history.records[2].parameters[n]) for a, n in zip(shown["after"], names))
    engine = engine_numbers(run, shown["params"], 3)
    assert all(close(a, b) for a, b in zip(shown["grad"], engine["grad"]))


def test_heatmaps_are_the_models_output_over_the_plane(runs: dict[str, Any], opened: Any) -> None:
    run = runs["moons"]
    page = opened(run["path"])
    page.evaluate("() => networkStudio.go(3, 4, 0)")
    params = page.evaluate("() => networkStudio.frame().params")
    model = copy.deepcopy(run["history"].model)
    for p, value in zip(model.parameters(), params):
        p.data = value
    for column, index in [(1, 0), (1, 5), (2, 3), (3, 0)]:
        grid = page.evaluate(f"() => networkStudio.grid({column}, {index})")
        for k in (0, 77, 500, len(grid["values"]) - 1):
            point = grid["points"][k]
            outputs: list[Any] = inputs_for(point, ("x1", "x2"))
            for layer in model.layers[:column]:
                outputs = layer(outputs)
            assert close(grid["values"][k], outputs[index].data)
    out = page.evaluate("() => networkStudio.outputGrid()")
    for k in (0, 2000, len(out["values"]) - 1):
        assert close(out["values"][k], model(inputs_for(out["points"][k], ("x1", "x2"))).data)


@pytest.mark.parametrize("name", ["moons", "xor"])
def test_retraining_in_the_page_is_train(runs: dict[str, Any], opened: Any, name: str) -> None:
    run = runs[name]
    lr, epochs = 0.03, 3
    model = copy.deepcopy(run["start"])
    train(model, run["data"], loss=run["loss"], lr=lr, epochs=epochs, mode=run["mode"])
    expected = [p.data for p in model.parameters()]
    # through the form, as a learner would
    page = opened(run["path"])
    page.fill("#lr", str(lr))
    page.fill("#epochs", str(epochs))
    page.click("#train")
    page.wait_for_function("networkStudio.trained() !== null")
    trained = page.evaluate("() => networkStudio.trained()")
    assert trained["epochs"] == epochs
    assert all(abs(a - b) <= 1e-9 for a, b in zip(trained["final"], expected))
    assert "trained in this page" in page.inner_text("#run-info")
    assert page.locator("#runs input").count() == 2
    # and from a deep link, which carries the run
    page.wait_for_timeout(300)  # the page writes its link once the learner pauses (150 ms)
    assert "lr=0.03" in page.evaluate("() => location.hash")
    linked = opened(run["path"], f"#lr={lr}&epochs={epochs}&epoch=1&row=2&step=1")
    linked.wait_for_function("networkStudio.trained() !== null")
    again = linked.evaluate("() => networkStudio.trained()")
    assert again["final"] == trained["final"]
    assert linked.evaluate("() => [networkStudio.state.run, networkStudio.state.e, networkStudio.state.r]") == [1, 1, 1]


def test_clicks_pick_a_row_a_neuron_and_a_weight(runs: dict[str, Any], opened: Any) -> None:
    page = opened(runs["moons"]["path"])
    page.locator("#points circle[data-row='9']").dispatch_event("click")
    assert page.evaluate("() => networkStudio.state.r") == 9
    page.locator(".neuron[data-column='2'][data-index='1']").click()
    assert "Neuron L2.n2" in page.inner_text("#detail")
    page.locator("#detail .weight-box[data-i='2']").dispatch_event("click")  # a weight in the neuron's own graph
    assert "Weight L2.n2.w3" in page.inner_text("#detail")
    page.evaluate("() => networkStudio.pick({type: 'weight', l: 1, j: 1, i: 0})")
    text = page.inner_text("#detail")
    assert "Weight L2.n2.w1" in text and "update: L2.n2.w1 ←" in text
    page.evaluate("() => networkStudio.go(0, 9, 14)")  # the update step
    assert page.locator("#update table tbody tr").count() == 8
    page.click("#all-changes")
    assert page.locator("#update table tbody tr").count() == len(runs["moons"]["history"].parameter_names)
    # hovering a weight's edge names it with this frame's value (written on arrival, not every frame)
    edge = page.locator("#edges line.hit").first
    edge.dispatch_event("pointerenter")
    name, value = edge.locator("title").text_content().split(" = ")
    frame = page.evaluate("() => networkStudio.frame().params[0]")
    assert name == runs["moons"]["history"].parameter_names[0] and float(value) == frame


SCREENS = [(1024, 768), (1920, 1080), (390, 844)]


def test_the_network_fits_the_first_screen(runs: dict[str, Any], opened: Any) -> None:
    for name in ("moons", "xor"):
        page = opened(runs[name]["path"], "#epoch=3&row=2&step=2")
        for width, height in SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(250)  # the page re-places its neurons shortly after a resize
            check_screen(page, width, height)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"))


def check_screen(page: Any, width: int, height: int) -> None:
    """Every neuron on the first screen, none behind the side panel or the output, no text under 11 px."""
    rect = (
        "(id) => {const r = document.getElementById(id).getBoundingClientRect(); return [r.x, r.y, r.right, r.bottom] }"
    )
    side, out, net = page.evaluate(rect, "side"), page.evaluate(rect, "output-frame"), page.evaluate(rect, "net")
    for x, y, w, h in boxes(page):
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height, "a neuron is off the first screen"
        assert net[1] - 0.5 <= y and y + h <= net[3] + 0.5, "a neuron outside the network's pane (under the footer)"
        if width > 760:
            assert x + w <= side[0], "a neuron is behind the side panel"
        assert not (x < out[2] and x + w > out[0] and y < out[3] and y + h > out[1]), "a neuron under the output"
    # text as drawn: CSS size, scaled by its SVG's viewBox where it sits in one
    smallest = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('body *')].filter(e => e.getClientRects().length &&"
        " [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())).map(e => {"
        " const svg = e.closest('svg'), box = svg && svg.viewBox.baseVal;"
        " const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;"
        " return parseFloat(getComputedStyle(e).fontSize) * scale; }))"
    )
    assert smallest >= 10.9, f"text of {smallest:.1f} px at {width}×{height}"


def test_wide_layers_pack_their_neurons_and_leave_the_inputs_large(opened: Any, tmp_path: Path) -> None:
    model = nn.MLP(2, [64, 64, 1], seed=3)
    history = train(model, moons(20, seed=1), lr=0.001, epochs=1)
    page = opened(viz.studio(history).save(tmp_path / "wide.html"))
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(250)
        check_screen(page, width, height)
        sizes = [w for _, _, w, _ in boxes(page)]
        inputs, hidden, output = sizes[:2], sizes[2:130], sizes[-1]
        assert min(inputs) > 2 * max(hidden) and output > 2 * max(hidden), (width, inputs, max(hidden), output)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"wide-{width}x{height}.png"))


def test_a_what_if_weight_recomputes_the_frame_as_the_engine_would(runs: dict[str, Any], opened: Any) -> None:
    run = runs["moons"]
    page = opened(run["path"])
    page.evaluate("() => { networkStudio.go(2, 6, 0); networkStudio.pick({type: 'weight', l: 0, j: 2, i: 1}); }")
    before = page.evaluate("() => networkStudio.frame().params")
    page.fill("#edit-value", "1.75")
    page.click("#edit-set")
    shown = page.evaluate("() => networkStudio.frame()")
    index = run["history"].parameter_names.index("L1.n3.w2")
    assert shown["params"][index] == 1.75
    assert "what if: L1.n3.w2 = 1.75" in page.inner_text("#detail")
    edited = list(before)
    edited[index] = 1.75
    engine = engine_numbers(run, edited, 6)
    assert all(close(a, b) for mine, theirs in zip(shown["z"], engine["z"]) for a, b in zip(mine, theirs))
    assert all(close(a, b) for a, b in zip(shown["grad"], engine["grad"]))
    page.click("#edit-reset")
    assert page.evaluate("() => networkStudio.frame().params") == before


def test_many_rows_draw_a_sample_of_both_classes(opened: Any, tmp_path: Path) -> None:
    data = moons(2600, seed=3)
    history = train(nn.MLP(2, [1], output_activation=None), data, epochs=1, lr=0.001)
    page = opened(viz.studio(history).save(tmp_path / "many.html"), "#epoch=0&row=2501")
    fills = page.evaluate("() => [...document.querySelectorAll('#points circle')].map(c => c.getAttribute('fill'))")
    assert 1500 <= len(fills) <= 2100  # a sample, not 2,600 elements
    assert abs(fills.count("rgb(8,119,189)") - fills.count("rgb(245,147,34)")) < len(fills) * 0.1
    assert page.locator("#points circle[data-row='2500']").count() == 1  # the current row is always drawn
