"""The studio page in headless Chromium: a steady picture, the engine's numbers, a page made for a room.

One browser for the module; the tutorial's 1000-epoch run is trained and its studio written once.
Every number the page shows is checked against the engine run here, independently of the page's
data: the tutorial's loop in plain floats gives each row's parameters, autodiff builds that row's
graph and steps through backward. No pixel comparisons; screenshots of four frames (the page as it opens,
predict mode, a carried edit, the last epoch) are left in
out/studio-screenshots/ for a person to look at.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import math
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM

from autodiff import Value, nn, topological_order
from autodiff.datasets import STUDY_HOURS
from autodiff.losses import binary_cross_entropy
from autodiff.stepper import backward_steps
from demos import runs
from viz.studio import studio

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "out" / "studio-screenshots"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium for the studio's browser tests: `apt-get install chromium` (Debian)"
)
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the dev extra)")

EPOCHS = 1000
ROWS = STUDY_HOURS.rows


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def tutorial_parameters() -> list[list[tuple[float, float]]]:
    """The tutorial's loop in plain floats: (w, b) before each row of each epoch, and after the last."""
    w, b, lr = 0.1, 0.0, 0.1
    epochs = []
    for _ in range(EPOCHS):
        before = []
        for (x,), y in ROWS:
            before.append((w, b))
            error = sigmoid(w * x + b) - y
            w, b = w - lr * error * x, b - lr * error
        epochs.append(before)
    epochs.append([(w, b)])  # after the last epoch
    return epochs


def engine_row(w: float, b: float, row: int, steps: int | None) -> tuple[Value, list[Value], list[Any]]:
    """The row's graph built by autodiff, backward run for ``steps`` steps (all when None)."""
    (x,), y = ROWS[row]
    neuron = nn.Neuron(1, "sigmoid", weights=[w], bias=b, expanded=True)
    loss = binary_cross_entropy(neuron([Value(x, label="hours")]), Value(y, label="passed"))
    nodes = topological_order(loss)
    done = []
    for k, step in enumerate(backward_steps(loss)):
        if steps is not None and k >= steps:
            break
        done.append(step)
    return loss, nodes, done


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("studio")
    history, _ = runs.run("hand", STUDY_HOURS, runs.Start(weights=(0.1,), bias=0.0, learning_rate=0.1, epochs=EPOCHS))
    page = studio(history)
    index = page.save(out / "index.html")
    svgs = page.write_epoch_svgs(out / "graphs", every=100)
    return {"index": index, "url": index.as_uri(), "studio": page, "svgs": svgs, "params": tutorial_parameters()}


class Watched:
    """A page whose network requests (anything but file:) and console errors are recorded."""

    def __init__(self, browser: Any, width: int = 1024, height: int = 768) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r: Any) -> None:
            if not r.request.url.startswith("file:"):
                self.requests.append(r.request.url)
                r.abort()
            else:
                r.continue_()

        self.page.route("**/*", route)

    def open(self, url: str) -> Any:
        self.page.goto(url)
        wait_until(self.page, "window.studio !== undefined")
        if self.page.is_visible("#legend"):  # the first visit's legend: read, then closed
            self.page.click("#legend-close")
        return self.page

    def close(self) -> None:
        assert self.requests == [], f"the page asked the network for {self.requests}"
        assert self.errors == [], f"console errors: {self.errors}"
        self.page.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.close()


def wait_until(page: Any, condition: str, limit: int = 400) -> None:
    """Poll ``condition`` in the page (the page's CSP forbids Playwright's eval-based waiting)."""
    for _ in range(limit):
        if page.evaluate(f"() => {condition}"):
            return
        page.wait_for_timeout(25)
    raise AssertionError(f"the page never got to: {condition}")


def go(page: Any, epoch: int, row: int, step: int) -> dict[str, Any]:
    page.evaluate(f"window.studio.go({epoch}, {row}, {step})")
    return page.evaluate("window.studio.state()")


def shown(page: Any) -> dict[str, Any]:
    """The numbers on screen, read from the drawn text elements' data-v attributes and the update lines."""
    return page.evaluate(
        """() => {
        const v = (id) => {
          const el = document.getElementById(id);
          return el && el.hasAttribute('data-v') ? Number(el.getAttribute('data-v')) : null;
        };
        const t = (id) => { const el = document.getElementById(id); return el ? el.textContent : null; };
        const n = JSON.parse(document.getElementById('studio-data').textContent).nodes.length;
        const nodes = [];
        for (let i = 0; i < n; i++) nodes.push({data: v('n' + i + '-data'), grad: v('n' + i + '-grad'),
                                                dataText: t('n' + i + '-data'), gradText: t('n' + i + '-grad')});
        const edges = {};
        document.querySelectorAll('g.edge').forEach(g => {
          edges[g.id] = {local: v(g.id + '-d'), contribution: v(g.id + '-c')};
        });
        const updates = [...document.querySelectorAll('.update-line')].map(u => ({param: u.dataset.param,
          before: Number(u.dataset.before), grad: Number(u.dataset.grad), after: Number(u.dataset.after),
          text: u.textContent}));
        return {nodes, edges, updates};
    }"""
    )


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def test_node_positions_never_move_across_epochs_rows_and_steps(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"])
    frames = [(e, r, s) for e in (0, 1, 7, 250, 500, 999) for r, s in ((0, 0), (1, 3), (3, 5))][:18]
    frames += [(999, 4, 0), (0, 2, 1)]
    assert len(frames) == 20
    where = """() => [...document.querySelectorAll('#graph-svg g.node')].map(g => {
        const r = g.getBoundingClientRect(); return [g.id, r.x, r.y, r.width, r.height]; })"""
    first = None
    for frame in frames:
        go(page, *frame)
        boxes = page.evaluate(where)
        if first is None:
            first = boxes
        assert boxes == first, f"nodes moved at frame {frame}"


FRAMES = [(0, 0, 5), (0, 0, 2), (0, 3, 1), (500, 2, 3), (999, 3, 5), (999, 1, 0), (37, 1, 4)]


def test_frames_show_the_engines_numbers(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"])
    for epoch, row, step in FRAMES:  # one page, several frames: each page load costs a second
        check_frame(tutorial, page, epoch, row, step)


def check_frame(tutorial: dict[str, Any], page: Any, epoch: int, row: int, step: int) -> None:
    assert go(page, epoch, row, step) == {"epoch": epoch, "row": row, "step": step}
    w, b = tutorial["params"][epoch][row]
    backward_steps_done = min(step, 4)
    loss, nodes, steps = engine_row(w, b, row, backward_steps_done)
    seen = shown(page)
    index = {id(v): i for i, v in enumerate(nodes)}
    reached = {id(loss)} if steps else set()
    for s in steps:
        reached.update(id(part.value) for part in s.inputs)
    for i, v in enumerate(nodes):
        got = seen["nodes"][i]
        assert close(got["data"], v.data), (i, v)
        assert got["dataText"] == f"data = {got['data']:.4g}"
        if id(v) in reached:
            assert close(got["grad"], v.grad), (i, v, got)
            if v.label not in ("hours", "passed"):
                assert got["gradText"] == f"grad = {v.grad:.4g}"
        else:
            assert got["grad"] is None and got["gradText"] in ("grad = ·", "grad not shown"), (i, got)
    for s in steps:  # every processed node's edges: ∂node/∂input and upstream × local = contribution
        node = index[id(s.node)]
        for j, part in enumerate(s.inputs):
            edge = seen["edges"][f"e{node}_{j}"]
            if part.value.label in ("hours", "passed"):
                assert edge["contribution"] is None  # data shows no gradient unless asked
                continue
            assert close(edge["local"], part.local_derivative) and close(edge["contribution"], part.contribution)
    if step == 5:  # the update, written with its numbers
        after = tutorial["params"][epoch][row + 1] if row + 1 < 4 else tutorial["params"][epoch + 1][0]
        lines = {u["param"]: u for u in seen["updates"]}
        grads = {"w": nodes[0].grad, "b": next(v for v in nodes if v.label == "b").grad}
        for name, before, new in (("w", w, after[0]), ("b", b, after[1])):
            line = lines[name]
            assert close(line["before"], before) and close(line["after"], new) and close(line["grad"], grads[name])
            assert line["text"] == f"{name} ← {line['before']:.4g} − 0.1 × {line['grad']:.4g} = {line['after']:.4g}"
        if (epoch, row) == (0, 0):
            assert lines["w"]["text"] == "w ← 0.1 − 0.1 × 0.525 = 0.0475"


def test_the_end_frame_shows_the_trained_parameters(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"] + "#epoch=999&row=end")
    assert page.evaluate("window.studio.state()") == {"epoch": 999, "row": 4, "step": 0}
    w, b = tutorial["params"][EPOCHS][0]
    loss, nodes, _ = engine_row(w, b, 0, 0)
    seen = shown(page)
    assert all(close(n["data"], v.data) for n, v in zip(seen["nodes"], nodes))
    assert all(n["grad"] is None for n in seen["nodes"])


def test_room_at_1024_by_768(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"] + "#epoch=0&row=0&step=2")
    sizes = page.evaluate(
        """() => {
        const out = {scrollWidth: document.documentElement.scrollWidth, inner: innerWidth,
                     graphTop: document.getElementById('graph-svg').getBoundingClientRect().top, small: []};
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const node = walker.currentNode;
          if (!node.textContent.trim()) continue;
          const el = node.parentElement;
          if (el.closest('script,style,title,[hidden]')) continue;
          const style = getComputedStyle(el);
          if (style.display === 'none' || style.visibility === 'hidden') continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight) continue;
          let px = parseFloat(style.fontSize);
          const svg = el.ownerSVGElement;
          if (svg) px *= el.getScreenCTM().a;  // SVG text: user units times the on-screen scale
          if (px < 11.99) out.small.push([el.tagName, node.textContent.slice(0, 30), px]);
        }
        return out; }"""
    )
    assert sizes["scrollWidth"] <= sizes["inner"] == 1024
    assert 0 <= sizes["graphTop"] < 768
    assert sizes["small"] == [], sizes["small"][:10]


def test_deep_links_land_and_the_address_follows(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"] + "#epoch=500&row=2&step=3")
    assert page.evaluate("window.studio.state()") == {"epoch": 500, "row": 2, "step": 3}
    page.keyboard.press("ArrowRight")
    assert page.evaluate("location.hash") == "#epoch=500&row=2&step=4"
    page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("window.studio.state()") == {"epoch": 500, "row": 3, "step": 5}
    page.keyboard.press("Control+ArrowRight")
    assert page.evaluate("window.studio.state()") == {"epoch": 501, "row": 0, "step": 5}
    assert page.evaluate("location.hash") == "#epoch=501&row=0&step=5"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("window.studio.state()") == {"epoch": 501, "row": 0, "step": 4}
    page.keyboard.press("Control+ArrowLeft")
    assert page.evaluate("window.studio.state()")["epoch"] == 500
    # Another link typed into the address bar of the open page
    page.evaluate("location.hash = '#epoch=12&row=end'")
    wait_until(page, "window.studio.state().epoch === 12")
    assert page.evaluate("window.studio.state()") == {"epoch": 12, "row": 4, "step": 0}


def test_space_plays_and_pauses(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"])
    assert page.evaluate("window.studio.state().epoch") == 0
    page.keyboard.press("Space")
    wait_until(page, "window.studio.state().epoch >= 5")
    page.keyboard.press("Space")
    stopped = page.evaluate("window.studio.state().epoch")
    page.wait_for_timeout(150)
    assert page.evaluate("window.studio.state().epoch") == stopped
    assert "play" in page.text_content("#play")
    page.click("#play")  # the button plays; space then pauses (the button does not keep the keyboard)
    wait_until(page, f"window.studio.state().epoch > {stopped}")
    page.keyboard.press("Space")
    paused = page.evaluate("window.studio.state().epoch")
    page.wait_for_timeout(150)
    assert page.evaluate("window.studio.state().epoch") == paused


def test_an_epoch_file_equals_the_pages_frame(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"])
    svg = next(p for p in tutorial["svgs"] if p.name == "epoch_0100.svg").read_text(encoding="utf-8")
    go(page, 100, 0, 5)
    texts = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#graph-svg text[id]')]"
        ".map(t => [t.id, t.textContent]))"
    )
    file_texts = {
        m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<text id="([^"]+)"[^>]*>(.*?)</text>', svg)
    }
    assert file_texts == texts


def test_screenshots_of_four_frames_for_a_person(tutorial: dict[str, Any], browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = {
        (1024, 768): (("epoch-start", ""), ("predict", "#quiz&epoch=0&row=0&step=2")),
        (1920, 1080): (("your-run", "#epoch=2&row=1&step=5&edit=0_0_0_3"), ("last-epoch", "#epoch=999&row=end")),
    }
    for (width, height), frames in shots.items():
        w = Watched(browser, width, height)
        for name, fragment in frames:
            page = w.open(tutorial["url"] + fragment)
            path = SHOTS / f"{name}-{width}x{height}.png"
            page.screenshot(path=str(path))
            assert path.stat().st_size > 10_000
        w.close()


# --- edit and see: the page recomputes with the compiled JavaScript ------------------------------


def compiled_or_skip() -> None:
    pytest.importorskip("autodiff.compile", reason="editing in the page needs autodiff.compile's JavaScript")


def test_editing_a_leaf_gives_the_engines_numbers(tutorial: dict[str, Any], watched: Watched) -> None:
    compiled_or_skip()
    page = watched.open(tutorial["url"] + "#epoch=3&row=1&step=5")
    assert page.evaluate("window.studio.compiled")
    page.click("#n0")  # w
    page.fill("#editor-input", "0.5")
    page.press("#editor-input", "Enter")
    hours_node = 1
    page.click(f"#n{hours_node}")
    page.fill("#editor-input", "2.5")
    page.press("#editor-input", "Enter")
    _, b = tutorial["params"][3][1]
    y = ROWS[1][1]
    neuron = nn.Neuron(1, "sigmoid", weights=[0.5], bias=b, expanded=True)
    loss = binary_cross_entropy(neuron([Value(2.5, label="hours")]), Value(y, label="passed"))
    loss.backward()
    seen = shown(page)
    for i, v in enumerate(topological_order(loss)):
        assert close(seen["nodes"][i]["data"], v.data) and close(seen["nodes"][i]["grad"], v.grad), (i, v)
    assert page.is_visible("#edited")
    w_line = next(u for u in seen["updates"] if u["param"] == "w")  # the update uses the edited w
    assert w_line["before"] == 0.5 and close(w_line["grad"], neuron.weights[0].grad)
    assert close(w_line["after"], 0.5 - 0.1 * neuron.weights[0].grad)
    # The edited hours is row 1's from here on: the next epoch's row 1 still has it, row 2 its own.
    go(page, 4, 1, 0)
    assert shown(page)["nodes"][hours_node]["data"] == 2.5
    go(page, 4, 2, 0)
    assert shown(page)["nodes"][hours_node]["data"] == ROWS[2][0][0]


def random_graph(seed: int, edit: dict[int, float] | None = None) -> tuple[Value, list[Value]]:
    """A random expression graph with a shared node, non-commutative ops and functions; ``edit`` sets leaves."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(0.5, 2.0), label=name) for name in ("a", "b", "c")]
    for k, value in (edit or {}).items():
        leaves[k].data = value
    pool = list(leaves)
    for _ in range(7):
        x, y = rng.choice(pool), rng.choice(pool)
        op = rng.choice(["+", "-", "*", "/", "tanh", "sigmoid", "exp", "sq"])
        if op == "+":
            out = x + y
        elif op == "-":
            out = x - y
        elif op == "*":
            out = x * y
        elif op == "/":
            out = x / (y * y + 1.0)
        elif op == "tanh":
            out = x.tanh()
        elif op == "sigmoid":
            out = x.sigmoid()
        elif op == "exp":
            out = (x * 0.3).exp()
        else:
            out = x * x
        pool.append(out)
    root = pool[-1] + pool[-2] * pool[-3]
    root.label = "L"
    return root, leaves


@pytest.mark.parametrize("seed", [7, 11])
def test_editing_a_random_graph_gives_the_engines_numbers(browser: Any, tmp_path: Path, seed: int) -> None:
    compiled_or_skip()
    root, leaves = random_graph(seed)
    index = studio(root, show_all_gradients=True).save(tmp_path / "random.html")
    w = Watched(browser)
    page = w.open(index.as_uri())
    target = topological_order(root).index(leaves[1])
    page.evaluate(f"window.studio.go(0, 0, {page.evaluate('window.studio.steps')})")
    page.evaluate(f"window.studio.edit({target}, 1.375)")
    edited, _ = random_graph(seed, {1: 1.375})  # the engine, from scratch, with the edited leaf
    edited.backward()
    seen = shown(page)
    for i, v in enumerate(topological_order(edited)):
        assert close(seen["nodes"][i]["data"], v.data), (i, v)
        assert close(seen["nodes"][i]["grad"], v.grad), (i, v)
    w.close()


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "engine-numbers"])
def test_a_value_used_twice_shows_each_path_and_their_sum(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: bool
) -> None:
    if not compiled:  # as for a graph with an op that has no JavaScript form
        module = importlib.import_module("viz.studio")
        monkeypatch.setattr(module, "_compiled_trace", lambda picture: ("", "no JavaScript form"))
    x, w = Value(3.0, label="x"), Value(0.5, label="w")
    square = x * x
    loss = square * w
    loss.label = "L"
    index = studio(loss, show_all_gradients=True).save(tmp_path / "twice.html")
    watched = Watched(browser)
    page = watched.open(index.as_uri())
    go(page, 0, 0, 2)  # step 1: L = square*w; step 2: square = x*x, both edges from x
    seen = shown(page)
    nodes = topological_order(loss)
    i = nodes.index(square)
    # The engine, by hand: dL/dsquare = w = 0.5; each path into x carries 0.5 × x = 1.5; x's grad is their sum.
    assert seen["edges"][f"e{i}_0"] == {"local": 3.0, "contribution": 1.5}
    assert seen["edges"][f"e{i}_1"] == {"local": 3.0, "contribution": 1.5}
    assert seen["nodes"][nodes.index(x)]["grad"] == 3.0
    assert "x is used 2 times: 1.5 + 1.5 = 3" in page.text_content("#now")
    assert "backward pass: one step per box" in page.text_content("#update")  # a one-pass page lists its pass
    go(page, 0, 0, 0)
    assert "forward pass: L = 4.5" in page.text_content("#now")  # the root named once, not "L = L"
    assert page.evaluate("window.studio.compiled") is (
        compiled and importlib.util.find_spec("autodiff.compile") is not None
    )
    watched.close()


def test_save_svg_downloads_the_frame_on_screen(tutorial: dict[str, Any], watched: Watched, tmp_path: Path) -> None:
    page = watched.open(tutorial["url"] + "#epoch=3&row=1&step=2")
    with page.expect_download() as info:
        page.click("#save")
    download = info.value
    assert download.suggested_filename == "epoch3_row1_step2.svg"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = path.read_text(encoding="utf-8")
    shown_text = page.text_content("#n4-data")
    assert shown_text and f">{shown_text}</text>" in text and text.rstrip().endswith("</svg>")


def test_full_batch_page_updates_once_per_epoch_and_runs_inside_a_notebook_iframe(browser: Any, tmp_path: Path) -> None:
    from autodiff import train
    from autodiff.datasets import STUDY_SLEEP

    model = nn.Neuron(2, "sigmoid", weights=[0.1, -0.2], bias=0.0, expanded=True)
    history = train(model, STUDY_SLEEP, loss=binary_cross_entropy, lr=0.1, epochs=6, mode="full_batch")
    page_object = studio(history)
    watched = Watched(browser)
    page = watched.open(page_object.save(tmp_path / "batch.html").as_uri() + "#epoch=2&row=0&step=99")
    assert page.evaluate("window.studio.state()") == {
        "epoch": 2,
        "row": 0,
        "step": page.evaluate("window.studio.steps") + 1,
    }
    lines = shown(page)["updates"]
    before = history.records[1].parameters
    after = history.records[2].parameters
    for line in lines:  # one update for the whole batch: the epoch's parameters before → after
        assert close(line["before"], before[line["param"]]) and close(line["after"], after[line["param"]])
    assert page.text_content("#rows button") == "all rows"
    # Jupyter shows the page through an iframe's srcdoc: no server, no network, and it runs.
    page.set_content(page_object._repr_html_())
    frame = page.frames[1]
    for _ in range(200):
        if frame.evaluate("() => window.studio !== undefined"):
            break
        page.wait_for_timeout(25)
    assert frame.evaluate("window.studio.state().epoch") == 0
    watched.close()


def test_inf_and_nan_and_slot_like_labels_reach_the_page_intact(browser: Any, tmp_path: Path) -> None:
    x = Value(1e308, label="__SVG__ NaN <b>")
    big = x * x  # inf
    loss = big - big  # nan
    loss.label = "L"
    index = studio(loss, title="__DATA__ & title", show_all_gradients=True).save(tmp_path / "edge.html")
    watched = Watched(browser)
    page = watched.open(index.as_uri())
    page.evaluate("window.studio.go(0, 0, 0)")
    nodes = topological_order(loss)
    assert page.text_content(f"#n{nodes.index(big)}-data") == "data = inf"
    assert page.text_content(f"#n{nodes.index(loss)}-data") == "data = nan"
    assert page.text_content("#title") == "__DATA__ & title" and page.title() == "__DATA__ & title"
    assert "__SVG__ NaN <b>" in page.text_content("#n0")
    watched.close()


def test_zoom_and_pan_change_the_view_not_the_layout(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"] + "#epoch=1&row=0&step=1")
    layout = (
        "() => [...document.querySelectorAll('#graph-svg text[id]')].map("
        "t => [t.getAttribute('x'), t.getAttribute('y')])"
    )
    before, view = page.evaluate(layout), page.get_attribute("#graph-svg", "viewBox")
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)  # zoom in
    zoomed = page.get_attribute("#graph-svg", "viewBox")
    assert float(zoomed.split()[2]) < float(view.split()[2])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2 + 30, steps=4)
    page.mouse.up()
    panned = page.get_attribute("#graph-svg", "viewBox")
    assert panned.split()[:2] != zoomed.split()[:2] and panned.split()[2:] == zoomed.split()[2:]
    page.keyboard.press("ArrowRight")  # a new frame keeps the learner's view and the layout
    assert page.get_attribute("#graph-svg", "viewBox") == panned and page.evaluate(layout) == before
    page.click("#fitview")
    assert page.get_attribute("#graph-svg", "viewBox") == view


def test_an_optimizer_other_than_plain_sgd_shows_before_and_after_honestly(browser: Any, tmp_path: Path) -> None:
    from autodiff import train
    from autodiff.optim import Adam

    model = nn.Neuron(1, "sigmoid", weights=[0.1], bias=0.0, expanded=True)
    history = train(
        model, STUDY_HOURS, loss=binary_cross_entropy, optimizer=Adam(model.parameters(), lr=0.05), epochs=3
    )
    watched = Watched(browser)
    page = watched.open(studio(history).save(tmp_path / "adam.html").as_uri() + "#epoch=1&row=2&step=5")
    lines = {u["param"]: u for u in shown(page)["updates"]}
    before, after = history.records[1].rows[2], history.records[1].rows[3]
    for k, name in enumerate(("w", "b")):
        line = lines[name]
        assert close(line["before"], before[k]) and close(line["after"], after[k])
        assert line["text"] == f"{name}: {line['before']:.4g} → {line['after']:.4g} (Adam)"  # no made-up SGD formula
    for row in range(4):  # never the plain rule beside Adam's steps, not even where a step happens to match it
        go(page, 0, row, 5)
        assert "←" not in page.text_content("#update")
    watched.close()


# --- the studio as a lesson: opens on the question, predict mode, carried edits, the legend ------


def test_the_page_opens_on_the_forward_pass_with_no_gradients(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"])
    assert page.evaluate("window.studio.state()") == {"epoch": 0, "row": 0, "step": 0}
    seen = shown(page)
    assert all(n["grad"] is None for n in seen["nodes"])
    assert "grad = ·" in [n["gradText"] for n in seen["nodes"]]
    assert "epoch 0's Loss = 1.0155" in page.text_content("#now")  # the tutorial's log: Loss: 1.0155
    # Hover any box: the formula its number came from, with the numbers in it.
    titles = page.evaluate(
        "[...document.querySelectorAll('#graph-svg g.node')].map(g => g.querySelector('title').textContent)"
    )
    assert any(t.startswith("p = 1 / (1 + exp(−z)) = 1 / (1 + exp(−0.1)) = 0.525\n") for t in titles), titles
    assert any("grad: not reached yet" in t for t in titles)
    go(page, 0, 0, 2)
    edge_titles = page.evaluate(
        "[...document.querySelectorAll('#graph-svg g.edge.cur')].map(g => g.querySelector('title').textContent)"
    )
    assert edge_titles == [
        "∂p/∂z = p × (1 − p) = 0.525 × (1 − 0.525) = 0.2494\n"
        "contribution: dL/dz += dL/dp × ∂p/∂z = 2.105 × 0.2494 = 0.525"
    ]


def test_predict_mode_asks_checks_reveals_and_scores(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"] + "#quiz&epoch=0&row=0&step=0")
    assert page.evaluate("document.activeElement.id") == "quiz-input"
    p = sigmoid(0.1 * 1 + 0.0)  # row 0: hours 1, passed 0, w 0.1, b 0
    p_node = next(i for i, n in enumerate(shown(page)["nodes"]) if n["dataText"] == "data = ?")
    assert "p = 1 / (1 + exp(−z)) = ?" in page.text_content("#quiz-q")
    page.keyboard.type(f"{p:.3f}")  # 0.525: right within 1%
    page.keyboard.press("Enter")
    assert shown(page)["nodes"][p_node]["data"] == p
    result = page.text_content("#quiz-result")
    assert result.startswith("✓ right") and "= 0.525" in result
    assert page.text_content("#quiz-score").endswith("1 of 1 right")
    page.keyboard.press("Enter")  # an empty field goes on: backward step 1, through the loss
    assert page.evaluate("window.studio.state()")["step"] == 1
    edge = next(k for k, e in shown(page)["edges"].items() if page.text_content(f"#{k}-d") == "a: ∂ ?")
    assert shown(page)["edges"][edge]["local"] is None
    page.keyboard.type("5")  # wrong: ∂L/∂p = (p − y) / (p(1 − p)) = 1 / (1 − p) here
    page.keyboard.press("Enter")
    truth = (p - 0) / (p * (1 - p))
    assert close(shown(page)["edges"][edge]["local"], truth)
    result = page.text_content("#quiz-result")
    assert result.startswith("✗ not quite") and f"{truth:.4g}" in result and f"off by {abs(5 - truth):.4g}" in result
    assert page.text_content("#quiz-score").endswith("1 of 2 right")
    assert page.text_content(f"#{edge}-c") == "→ ?"  # the contribution is asked next
    page.keyboard.type(f"{truth:.4f}")
    page.keyboard.press("Enter")
    assert page.text_content("#quiz-score").endswith("2 of 3 right")
    page.keyboard.press("ArrowLeft")  # the empty answer field still lets ← → step
    assert page.evaluate("window.studio.state()")["step"] == 0
    assert page.text_content("#quiz-result").startswith("✓ right")  # an answered question stays answered


def test_an_edit_carries_on_through_rows_and_epochs(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"] + "#epoch=0&row=1&step=0")
    assert page.evaluate("window.studio.carry")
    page.click("#n0")  # w
    assert page.input_value("#editor-input") == "0.0475"  # 4 digits, as the box shows it
    editor, box = page.locator("#editor").bounding_box(), page.locator("#n0-shape").bounding_box()
    assert editor["y"] >= box["y"] + box["height"] or editor["y"] + editor["height"] <= box["y"]  # beside, not on it
    page.fill("#editor-input", "3")
    page.press("#editor-input", "Enter")
    # The oracle: the tutorial's loop in plain floats, w set to 3 before row 1 of epoch 0.
    w, b, lr = 0.1, 0.0, 0.1
    befores, losses = [], []
    for epoch in range(3):
        total = 0.0
        for r, ((x,), y) in enumerate(ROWS):
            if (epoch, r) == (0, 1):
                w = 3.0
            befores.append((epoch, r, w, b))
            p = sigmoid(w * x + b)
            total += (y - p) ** 2
            w, b = w - lr * (p - y) * x, b - lr * (p - y)
        losses.append(total)
    for epoch, r, w_before, b_before in befores[1:] + [befores[-1]]:
        go(page, epoch, r, 5)
        loss, nodes, _ = engine_row(w_before, b_before, r, None)
        seen = shown(page)
        for i, v in enumerate(nodes):
            assert close(seen["nodes"][i]["data"], v.data), (epoch, r, i)
            if seen["nodes"][i]["grad"] is not None:
                assert close(seen["nodes"][i]["grad"], v.grad), (epoch, r, i)
    for epoch in range(3):
        assert close(page.evaluate(f"window.studio.loss({epoch})"), losses[epoch])
    go(page, 2, 0, 0)
    assert f"epoch 2's Loss = {losses[2]:.4f}" in page.text_content("#now")
    assert "On screen: your run" in page.text_content("#edited")
    assert "&edit=0_1_0_3" in page.evaluate("location.hash")
    go(page, 0, 0, 5)  # before the edit: the recording
    assert "On screen: the recorded run" in page.text_content("#edited")
    # The link holds the edit: a fresh page from it shows the same run.
    link = page.evaluate("location.href").replace("#epoch=0&row=0", "#epoch=2&row=3")
    carried = page.evaluate("window.studio.params(2, 3)")
    page.goto("about:blank")
    page.goto(link)
    wait_until(page, "window.studio !== undefined")
    assert page.evaluate("window.studio.state()") == {"epoch": 2, "row": 3, "step": 5}
    assert page.evaluate("window.studio.params(2, 3)") == carried and close(carried[0], befores[-1][2])
    page.click("#reset")
    assert page.is_hidden("#edited") and page.evaluate("window.studio.edits()") == []
    assert close(page.evaluate("window.studio.loss(2)"), tutorial["studio"].data["epochs"][2]["loss"])


def test_the_legend_explains_each_mark_once(tutorial: dict[str, Any], browser: Any) -> None:
    w = Watched(browser)
    w.page.goto(tutorial["url"])
    wait_until(w.page, "window.studio !== undefined")
    assert w.page.is_visible("#legend")  # a first visit
    text = w.page.text_content("#legend")
    for mark in ("∂ 0.2494", "local derivative", "→ 0.525", "contribution", "a: / b:", "dashed", "not reached yet"):
        assert mark in text, mark
    w.page.click("#legend-close")
    w.page.reload()
    wait_until(w.page, "window.studio !== undefined")
    assert w.page.is_hidden("#legend")  # seen once; the "? legend" button opens it again
    w.page.click("#legend-open")
    assert w.page.is_visible("#legend")
    w.page.keyboard.press("Escape")
    assert w.page.is_hidden("#legend")
    w.close()


def test_the_loss_chart_tells_and_jumps(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"])
    box = page.locator("#chart").bounding_box()
    # The plot spans x = 48…310 of the 320-wide viewBox; epoch 500 of 0–999 sits near the middle.
    x = box["x"] + box["width"] * (48 + 262 * 500 / 999) / 320
    page.mouse.move(x, box["y"] + box["height"] / 2)
    tip = page.text_content(".chart-tip")
    epoch = int(re.search(r"epoch (\d+)", tip).group(1))
    assert abs(epoch - 500) <= 3
    assert f"Loss {tutorial['studio'].data['epochs'][epoch]['loss']:.4f}" in tip
    page.mouse.click(round(x), box["y"] + box["height"] / 2)  # a click's position is in whole pixels
    landed = page.evaluate("window.studio.state().epoch")
    assert abs(landed - 500) <= 3 and f"epoch {landed} " in page.text_content(".chart-tip")


def test_the_side_panel_holds_still_while_stepping(tutorial: dict[str, Any], watched: Watched) -> None:
    page = watched.open(tutorial["url"] + "#epoch=0&row=2&step=0")
    tops = set()
    for step in range(6):
        go(page, 0, 2, step)
        where = "['params', 'chart'].map(id => document.getElementById(id).getBoundingClientRect().top)"
        tops.add(tuple(round(t) for t in page.evaluate(where)))
    assert len(tops) == 1, tops  # it used to jump about 35 px
    go(page, 0, 2, 5)
    header = page.text_content("#params thead")
    assert "change in this update" in header
    w_cells = page.evaluate("[...document.querySelectorAll('#params tbody tr')[0].children].map(c => c.textContent)")
    line = next(u for u in shown(page)["updates"] if u["param"] == "w")
    assert w_cells[3] == ("+" if line["after"] > line["before"] else "") + f"{line['after'] - line['before']:.4g}"


def test_a_phone_sees_the_whole_graph_and_no_key_hints(tutorial: dict[str, Any], browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(tutorial["url"] + "#epoch=0&row=0&step=2")
    wait_until(page, "window.studio !== undefined")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.is_hidden("#key .keys")
    pane = page.locator("#graph").bounding_box()
    for node in page.evaluate("[...document.querySelectorAll('#graph-svg g.node')].map(g => g.id)"):
        r = page.locator(f"#{node}").bounding_box()
        assert pane["y"] - 0.5 <= r["y"] and r["y"] + r["height"] <= pane["y"] + pane["height"] + 0.5, node
        assert pane["x"] - 0.5 <= r["x"] and r["x"] + r["width"] <= pane["x"] + pane["width"] + 0.5, node
    context.close()


def test_sizes_are_balanced_at_1920_by_1080(tutorial: dict[str, Any], browser: Any) -> None:
    w = Watched(browser, 1920, 1080)
    page = w.open(tutorial["url"] + "#epoch=0&row=0&step=2")
    graph_px = page.evaluate(
        "(() => { const t = document.getElementById('n0-data'); return 14 * t.getScreenCTM().a; })()"
    )
    side_px = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#now .formula')).fontSize)")
    assert graph_px / side_px <= 1.5, (graph_px, side_px)
    w.close()


def test_the_check_switch_puts_a_central_difference_beside_each_gradient(
    tutorial: dict[str, Any], watched: Watched
) -> None:
    page = watched.open(tutorial["url"] + "#epoch=3&row=2&step=5")
    assert "check" not in page.text_content("#params thead")
    page.check("#check")
    header = page.evaluate("[...document.querySelectorAll('#params thead th')].map(t => t.textContent)")
    column = header.index("check (central difference)")
    w, b = tutorial["params"][3][2]
    _, nodes, _ = engine_row(w, b, 2, None)
    grads = {"w": nodes[0].grad, "b": next(v for v in nodes if v.label == "b").grad}
    cells = page.evaluate(
        "[...document.querySelectorAll('#params tbody tr')].map(r => [...r.children].map(c => c.textContent))"
    )
    for cells_of_row in cells:
        name, estimate = cells_of_row[0], float(cells_of_row[column])
        assert abs(estimate - grads[name]) <= 1e-3 * max(1.0, abs(grads[name])), (name, estimate, grads[name])
    assert "central difference: " in page.evaluate("document.querySelector('#n0 title').textContent")


def test_standardised_features_are_labelled_with_their_raw_values(browser: Any, tmp_path: Path) -> None:
    import csv

    from autodiff import load_csv
    from autodiff.datasets import standardize
    from demos import new_dataset

    raw = list(csv.reader(new_dataset.DEFAULT_CSV.read_text(encoding="utf-8").splitlines()))
    header, first = raw[0], [float(x) for x in raw[1][:-1]]
    dataset = standardize(load_csv(new_dataset.DEFAULT_CSV))
    history, _ = runs.run("bce", dataset, runs.Start(weights=(0.1, 0.1), epochs=2))
    w = Watched(browser)
    page = w.open(studio(history).save(tmp_path / "quiz.html").as_uri() + "#epoch=0&row=0&step=0")
    where = page.text_content("#now .where")
    columns = [[float(r[j]) for r in raw[1:]] for j in range(len(header) - 1)]
    for j, name in enumerate(header[:-1]):
        mean = sum(columns[j]) / len(columns[j])
        spread = (sum((x - mean) ** 2 for x in columns[j]) / len(columns[j])) ** 0.5
        standardised = (first[j] - mean) / spread
        assert f"{name} {first[j]:.4g} (standardised {standardised:.4g})" in where, where
    w.close()


def test_many_rows_get_a_slider_and_the_bar_is_built_once(browser: Any, tmp_path: Path) -> None:
    from autodiff.datasets import Dataset

    rows = tuple(((float(k % 7), float(k % 5)), float(k % 2)) for k in range(30))
    history, _ = runs.run("bce", Dataset("thirty", ("x1", "x2"), rows), runs.Start(weights=(0.1, 0.1), epochs=2))
    w = Watched(browser)
    page = w.open(studio(history).save(tmp_path / "thirty.html").as_uri() + "#epoch=0&row=0&step=0")
    assert page.evaluate("document.querySelectorAll('#rows button').length") == 1  # "end"; rows by the slider
    page.evaluate("document.getElementById('rows').firstChild.dataset.mark = 'kept'")
    page.fill("#row-slider", "17")
    assert page.evaluate("window.studio.state()")["row"] == 17 and page.text_content("#row-out") == "17 / 29"
    assert page.evaluate("document.getElementById('rows').firstChild.dataset.mark") == "kept"  # not rebuilt
    w.close()
