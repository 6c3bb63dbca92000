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
from collections.abc import Sequence
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
    result["network"] = measure_network(repeats)
    return result


def _network_histories() -> dict[str, Any]:
    """micrograd's moons MLP (2-16-16-1, 100 points): 1000 epochs per row, its first 100, and 100 full batch."""
    import copy
    import dataclasses

    from autodiff import nn, train
    from autodiff.datasets import moons
    from autodiff.losses import squared_error

    data = moons(100, seed=1)

    def run(epochs: int, mode: str) -> Any:
        model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation=None, seed=1)
        return train(model, data, loss=squared_error, lr=0.01, epochs=epochs, mode=mode)

    long = run(1000, "per_row")
    # The first 100 epochs of a deterministic run are the 100-epoch run: one training serves both.
    first = copy.deepcopy(long)
    first = dataclasses.replace(
        first,
        records=first.records[:100],
        epoch_losses=list(first.losses[:100]),
        settings={**first.settings, "epochs": 100},
    )
    return {"per_row_100": first, "full_batch_100": run(100, "full_batch"), "per_row_1000": long}


def measure_network(repeats: int = 3) -> dict[str, Any]:
    """The network studio for the moons MLP: build + save seconds, bytes, load and per-key milliseconds in Chromium."""
    import viz

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, history in _network_histories().items():
            writes = []
            for _ in range(repeats):
                start = time.perf_counter()
                index = viz.studio(history).save(Path(tmp) / f"{name}.html")
                writes.append(time.perf_counter() - start)
            results[name] = {"write_seconds": min(writes), "bytes": index.stat().st_size}
            results[name]["browser"] = _network_browser(index, repeats)
    return results


# Keys a learner presses: steps, rows, epochs (each redraws; a new row or epoch recomputes the heatmaps).
_KEYS = [("ArrowRight", {})] * 6 + [("ArrowRight", {"shiftKey": True})] * 6 + [("ArrowRight", {"ctrlKey": True})] * 6


def _network_browser(index: Path, repeats: int) -> dict[str, Any]:
    times = _in_chromium(index, repeats, _KEYS)
    if "missing" in times:
        return times
    keys = times["keys"]
    return {"load_seconds": min(times["loads"]), "key_seconds": max(keys), "key_median": sorted(keys)[len(keys) // 2]}


def _load_seconds(index: Path, repeats: int) -> dict[str, Any]:
    times = _in_chromium(index, repeats)
    return times if "missing" in times else {"seconds": min(times["loads"]), "samples": times["loads"]}


def _in_chromium(index: Path, repeats: int, keys: Sequence[tuple[str, dict[str, bool]]] = ()) -> dict[str, Any]:
    """``repeats`` fresh loads of ``index`` in headless Chromium: seconds to the load event, and each key's handler."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {"missing": "no Chromium on PATH"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"missing": "playwright not installed"}
    loads, handled = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            page.goto(index.as_uri())
            loads.append(page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
            for key, flags in keys:
                handled.append(
                    page.evaluate(
                        "([key, flags]) => { const t = performance.now();"
                        " document.dispatchEvent(new KeyboardEvent('keydown', {key, ...flags}));"
                        " return performance.now() - t; }",
                        [key, flags],
                    )
                    / 1000
                )
            page.close()
        browser.close()
    return {"loads": loads, "keys": handled}


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
        *network_rows(result.get("network", {})),
    ]


def network_rows(network: dict[str, Any]) -> list[list[str]]:
    """Table rows for the network studio (moons 2-16-16-1, 100 points), with the issue's targets."""
    rows = []
    titles = {
        "per_row_100": ("Network studio, moons 2-16-16-1, 100 points × 100 epochs per row", 3.0),
        "full_batch_100": ("Network studio, the same run full batch (100 epochs)", 3.0),
        "per_row_1000": ("Network studio, moons per row, 1000 epochs", 5.0),
    }
    for name, (title, limit) in titles.items():
        if name not in network:
            continue
        found = network[name]
        size = found["bytes"] / 1e6
        rows.append([f"{title}: size", f"{size:.2f} MB", "—", "—", "—", f"≤ {limit:g} MB: " + _met(size <= limit)])
        rows.append(
            [
                "  … built and saved after training",
                f"{found['write_seconds'] * 1000:.0f} ms",
                "—",
                "—",
                "—",
                "≤ 5 s: " + _met(found["write_seconds"] <= 5),
            ]
        )
        browser = found["browser"]
        if "missing" in browser:
            rows.append(["  … in Chromium", f"— ({browser['missing']})", "—", "—", "—", "n/a"])
            continue
        load, key = browser["load_seconds"], browser["key_seconds"]
        rows.append(["  … load (load event)", f"{load * 1000:.0f} ms", "—", "—", "—", "≤ 1 s: " + _met(load <= 1)])
        rows.append(
            [
                "  … slowest key (step, row, epoch; median)",
                f"{key * 1000:.0f} ms ({browser['key_median'] * 1000:.0f} ms)",
                "—",
                "—",
                "—",
                "≤ 50 ms: " + _met(key <= 0.05),
            ]
        )
    return rows


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"
