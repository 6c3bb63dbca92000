"""The studio's edit-and-see across a branch of the user's code, in headless Chromium.

``loss = (z - 1) ** 2 if w > 0.5 else z.exp()`` recorded at w = 0.8: an edit that keeps w > 0.5
shows the engine's numbers for that edit; an edit to w = 0.1 would take the other branch, so the page
says so and shows none of the recorded branch's numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import ARGS, CHROMIUM

from autodiff import Value, topological_order
from viz.studio import studio

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium for the studio's browser tests")
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the dev extra)")


def branchy(weight: float) -> tuple[Value, Value]:
    """The user's code: which loss depends on ``w > 0.5``."""
    w = Value(weight, label="w")
    z = w * 3.0
    z.label = "z"
    loss = (z - 1.0) ** 2 if w > 0.5 else z.exp()
    loss.label = "L"
    return loss, w


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    loss, _ = branchy(0.8)
    index = studio(loss).save(Path(tmp_path_factory.mktemp("guards")) / "branch.html")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(index.as_uri())
        page.wait_for_function("window.studio !== undefined")
        yield page
        assert errors == []
        browser.close()


def test_an_edit_across_the_branch_is_said_not_shown(page: Any) -> None:
    loss, w = branchy(0.8)
    target = topological_order(loss).index(w)
    assert page.evaluate("window.studio.compiled")
    page.evaluate(f"window.studio.go(0, 0, {page.evaluate('window.studio.steps')})")
    page.evaluate(f"window.studio.edit({target}, 0.1)")
    now = page.text_content("#now")
    assert "your edit takes the code down another path: w > 0.5 is now false" in now
    assert "the recorded path's numbers are not shown" in now
    assert page.evaluate("window.studio.frame().pathChanged.comparison") == "w > 0.5"
    root = len(topological_order(loss)) - 1
    assert page.text_content(f"#n{root}-data") == "data = ?"  # not (0.3 − 1)² = 0.49, the recorded branch
    assert "0.49" not in page.text_content("#graph-svg")


def test_an_edit_on_the_same_branch_shows_the_engines_numbers(page: Any) -> None:
    loss, w = branchy(0.8)
    target = topological_order(loss).index(w)
    page.evaluate(f"window.studio.edit({target}, 0.7)")
    frame = page.evaluate("window.studio.frame()")
    edited, edited_w = branchy(0.7)
    edited.backward()
    assert "pathChanged" not in frame
    assert math.isclose(frame["data"][-1], edited.data, rel_tol=1e-12)
    assert math.isclose(frame["grad"][target], edited_w.grad, rel_tol=1e-12)
    assert math.isclose(edited.data, (0.7 * 3.0 - 1.0) ** 2, rel_tol=1e-15)  # the arithmetic written out
