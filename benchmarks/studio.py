"""The studio page for the tutorial's run (1000 epochs × 4 rows): its size, write time and load time.

Write time is ``viz.studio(history)`` + ``.save()`` after training, with the in-process Graphviz
already loaded (a demo loads it once); the per-epoch SVG files are timed apart. Load time is the
navigation's load event in headless Chromium from file:// (best of three), when Chromium and
Playwright are installed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def measure(repeats: int = 3) -> dict[str, Any]:
    """Seconds and bytes for the tutorial's studio; a browser figure is missing (with why) when it cannot run."""
    import viz
    from autodiff.datasets import STUDY_HOURS
    from demos import runs
    from viz.render import warm_up

    history, _ = runs.run("hand", STUDY_HOURS, runs.Start(weights=(0.1,), epochs=1000))
    warm_up("wasm")
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        writes, svgs = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            page = viz.studio(history)
            index = page.save(out / "index.html")
            writes.append(time.perf_counter() - start)
            start = time.perf_counter()
            page.write_epoch_svgs(out / "graphs")
            svgs.append(time.perf_counter() - start)
        result["write_seconds"] = min(writes)
        result["epoch_svgs_seconds"] = min(svgs)
        result["bytes"] = index.stat().st_size
        result["compiled"] = page.data["editable"]
        result["load"] = _load_seconds(index, repeats)
    return result


def _load_seconds(index: Path, repeats: int) -> dict[str, Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {"missing": "no Chromium on PATH"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"missing": "playwright not installed"}
    samples = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            page.goto(index.as_uri())
            ms = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
            samples.append(ms / 1000)
            page.close()
        browser.close()
    return {"seconds": min(samples), "samples": samples}


def rows(result: dict[str, Any]) -> list[list[str]]:
    """Table rows for benchmarks.run: size, write time, epoch files, load time, with their targets."""
    load = result["load"]
    load_text = f"{load['seconds'] * 1000:.0f} ms" if "seconds" in load else f"— ({load['missing']})"
    load_ok = "met" if load.get("seconds", 9) < 1 else "n/a" if "missing" in load else "NOT met"
    size = result["bytes"] / 1e6
    mode = "compiled JS" if result["compiled"] else "embedded numbers"
    return [
        [
            f"Studio page, tutorial 1000 epochs × 4 rows ({mode}): size",
            f"{size:.2f} MB",
            "—",
            "—",
            "—",
            "≤ 3 MB: " + ("met" if size <= 3 else "NOT met"),
        ],
        [
            "  … written after training (studio + save)",
            f"{result['write_seconds'] * 1000:.0f} ms",
            "—",
            "—",
            "—",
            "well under 1 s: " + ("met" if result["write_seconds"] < 0.5 else "NOT met"),
        ],
        [
            "  … 1000 per-epoch SVG files from its one layout",
            f"{result['epoch_svgs_seconds'] * 1000:.0f} ms",
            "—",
            "—",
            "—",
            "reported",
        ],
        ["  … load in headless Chromium (load event)", load_text, "—", "—", "—", "< 1 s: " + load_ok],
    ]
