"""One long chain, measured in a fresh process: ``python -m benchmarks.chain LIBRARY N [--paused] [--memory]``.

The chain is ``y = x; y = y + x`` repeated N times (N operations, each using the previous result),
so the graph is N nodes deep and d(y)/d(x) = N + 1. ``--const`` builds ``y = y * 1.0001`` instead,
the chain behind micrograd's often-quoted ~1,170 bytes per operation: each operation also wraps
the plain number in a node of its own.

A fresh process per measurement keeps one library's garbage (and the cyclic collector's state)
out of another's figures. Prints one JSON object: seconds to build, to backward and to free the
graph, or with ``--memory`` the bytes tracemalloc saw per operation (held after building, held
after backward, and the peak). ``--paused`` runs it inside ``autodiff.backward.gc_paused()``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sys
import time
import tracemalloc
from typing import Any


def _value_class(library: str) -> Any:
    if library == "ours":
        from autodiff.value import Value

        return Value
    if library == "micrograd":
        from micrograd.engine import Value

        return Value
    raise SystemExit(f"unknown library {library!r}; expected ours or micrograd")


def _torch_chain(n: int, const: bool) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    start = time.perf_counter()
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001 if const else y + x
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    del y
    freed = time.perf_counter()
    return {"build_s": built - start, "backward_s": done - built, "free_s": freed - done, "ok": True}


def measure(library: str, n: int, const: bool, paused: bool, memory: bool) -> dict[str, Any]:
    if library == "torch":
        return _torch_chain(n, const)
    value = _value_class(library)
    if paused:
        from autodiff.backward import gc_paused

        context: contextlib.AbstractContextManager[None] = gc_paused()
    else:
        context = contextlib.nullcontext()
    result: dict[str, Any] = {}
    with context:
        x = value(0.5)
        if memory:
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        y = x
        if const:
            for _ in range(n):
                y = y * 1.0001
        else:
            for _ in range(n):
                y = y + x
        built = time.perf_counter()
        result["build_s"] = built - start
        if memory:
            result["built_bytes_per_op"] = (tracemalloc.get_traced_memory()[0] - base) / n
        try:
            y.backward()
        except RecursionError:
            result["ok"] = False
            result["error"] = "RecursionError in backward"
            return result
        done = time.perf_counter()
        if memory:
            current, peak = tracemalloc.get_traced_memory()
            result["after_backward_bytes_per_op"] = (current - base) / n
            result["peak_bytes_per_op"] = (peak - base) / n
            result["peak_mb"] = (peak - base) / 1e6
        expected = 1.0 if const else n + 1.0
        result["ok"] = x.grad == expected or (const and x.grad > 0)
        del y
        freed = time.perf_counter()
    result.update(build_s=built - start, backward_s=done - built, free_s=freed - done)
    if memory:
        tracemalloc.stop()
    gc.collect()
    return result


def main(argv: list[str]) -> None:
    flags = {a for a in argv if a.startswith("--")}
    library, n = [a for a in argv if not a.startswith("--")]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    print(json.dumps(measure(library, int(n), "--const" in flags, "--paused" in flags, "--memory" in flags)))


if __name__ == "__main__":
    main(sys.argv[1:])
