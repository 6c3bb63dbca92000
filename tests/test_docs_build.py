"""The documentation site builds with warnings as errors, offline, and documents every public name.

What: ``mkdocs build --strict`` of docs/mkdocs.yml into a temporary folder (one build for the module),
then checks on the built HTML: no page loads anything from the network, the search index is there,
the API reference has an entry for every public name of ``autodiff`` and ``viz`` and of their public
modules, and the generated pages (the latest benchmark table, the numerical edges) hold their sources.
Why: a broken link, a missing page, a docstring that does not parse or a new public function nobody
documented should fail the suite, not a reader.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from browser import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "docs" / "mkdocs.yml"
# Each documented module and the reference page that documents it.
REFERENCE = {
    "autodiff": "reference/autodiff.html",
    "autodiff.nn": "reference/nn.html",
    "autodiff.losses": "reference/losses.html",
    "autodiff.optim": "reference/optim.html",
    "autodiff.datasets": "reference/datasets.html",
    "autodiff.fast_path": "reference/fast_path.html",
    "autodiff.guards": "reference/guards.html",
    "autodiff.repeats": "reference/repeats.html",
    "autodiff.text": "reference/text.html",
    "autodiff.walk": "reference/walk.html",
    "viz": "reference/viz.html",
    "viz.escape": "reference/escape.html",
    "viz.layered": "reference/layered.html",
    "viz.network": "reference/network.html",
    "viz.plots": "reference/plots.html",
}
EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(CONFIG), "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    return out


def public_names(module: ModuleType) -> list[str]:
    """The module's public names: its ``__all__``, or the functions and classes it defines itself."""
    if hasattr(module, "__all__"):
        return [name for name in module.__all__ if not inspect.ismodule(getattr(module, name))]
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    ]


def anchors(page: Path) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("module_name", sorted(REFERENCE))
def test_every_public_name_has_a_reference_entry(site: Path, module_name: str) -> None:
    module = importlib.import_module(module_name)
    ids = anchors(site / REFERENCE[module_name])
    names = public_names(module)
    assert names, f"{module_name} has no public names?"
    # An entry's anchor is its dotted path: autodiff.Value, or autodiff.grad.grad where a function
    # shares its name with the module it lives in.
    missing = [n for n in names if not any(i.startswith(module_name + ".") and i.endswith("." + n) for i in ids)]
    assert not missing, f"{REFERENCE[module_name]} has no entry for {module_name}: {missing}"


def test_no_page_loads_anything_from_the_network(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        found = EXTERNAL.search(page.read_text(encoding="utf-8"))
        assert found is None, f"{page.relative_to(site)} loads {found.group(0)!r}"
    assert not list(site.rglob("*.woff*")) or all("fonts.g" not in p.name for p in site.rglob("*.woff*"))


def test_search_works_offline(site: Path) -> None:
    # The offline plugin ships the index as a script beside the pages, so search works from file://.
    index = site / "search" / "search_index.js"
    assert index.is_file()
    text = index.read_text(encoding="utf-8")
    assert "binary_cross_entropy_with_logits" in text and "backward_steps" in text


def test_the_performance_page_shows_the_latest_bench_table(site: Path) -> None:
    latest = json.loads((ROOT / "benchmarks" / "results" / "latest.json").read_text(encoding="utf-8"))
    page = (site / "performance.html").read_text(encoding="utf-8")
    first_row = latest["table"].splitlines()[2]
    figure = first_row.split("|")[2].strip()  # the first workload's "ours" figure, e.g. "16.8 ms"
    assert figure and f"<td>{figure}</td>" in page
    assert latest["machine"]["cpu"] in page and latest["date"][:10] in page
    assert "<!-- bench:table -->" not in page


def test_generated_pages_are_published(site: Path) -> None:
    edges = (site / "numerical-edges.html").read_text(encoding="utf-8")
    assert "sigmoid(x)" in edges and "mpmath" in edges
    assert (site / "studio.png").read_bytes() == (ROOT / "docs" / "studio.png").read_bytes()
    reliability = (site / "reliability.html").read_text(encoding="utf-8")
    assert "value-str" in reliability and "graph-too-large" in reliability


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium: `apt-get install chromium` (Debian)")
def test_the_site_opened_from_disk_searches_without_the_network(site: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the dev extra)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: r.url.startswith("file:") or requests.append(r.url))
            page.goto((site / "guide" / "engine.html").as_uri())
            page.click("label.md-search__icon, .md-search__input")  # opens the search box on any width
            page.focus("input.md-search__input")
            page.keyboard.type("gradcheck", delay=20)  # as a reader types: the box searches on keyup
            page.wait_for_selector(".md-search-result__item", timeout=20_000)
            links = page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.href)")
        finally:
            browser.close()
    assert any("reference/autodiff.html" in link and "gradcheck" in link for link in links), links
    assert not [url for url in requests if not url.startswith(("data:", "blob:", "about:"))], requests


# Modules whose public names the package pages (reference/autodiff.md, reference/viz.md) document,
# through the packages' __all__; every other module of autodiff and viz has a page of its own.
THROUGH_THE_PACKAGE = {
    "autodiff.backward",
    "autodiff.compile",
    "autodiff.debugger",
    "autodiff.forward",
    "autodiff.grad",
    "autodiff.gradcheck",
    "autodiff.ops",
    "autodiff.stepper",
    "autodiff.training",
    "autodiff.value",
    "viz.graph",
    "viz.outputs",
    "viz.sample",
    "viz.render",
    "viz.studio",
}


def test_every_module_is_in_the_reference() -> None:
    modules = [
        f"{package}.{path.stem}"
        for package in ("autodiff", "viz")
        for path in sorted((ROOT / package).glob("*.py"))
        if not path.stem.startswith("_")
    ]
    unplaced = [m for m in modules if m not in REFERENCE and m not in THROUGH_THE_PACKAGE]
    assert not unplaced, (
        f"{unplaced}: give each a page in docs/site-src/reference/ (and REFERENCE here), or export its "
        "public names from the package and list it in THROUGH_THE_PACKAGE"
    )
