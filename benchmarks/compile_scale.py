"""``autodiff.compile`` at 1e3, 1e4 and 1e5 nodes: µs per node for each graph shape, each in a fresh process.

Shapes: a chain ``y = y + x``; the same chain with every node labelled ``h`` (repeated labels); a
library MLP (nn.MLP 2-16-16-1, relu, one row per call of the model); a full-batch objective
(squared error of a sigmoid neuron, one row per term, summed with ``total``); a ``total`` of N
products ``wᵢ * 2``. Compile time is ``compile(root, parameters)`` (Python source, CPython's compile
and the JavaScript); the source's line count is reported beside it. Linear time shows as a flat
µs/node down each column.

Also the cost of a comparison of Values (noted for compile's checks), against a comparison of floats.

    python -m benchmarks.compile_scale            # the table
    python -m benchmarks.compile_scale chain 10000  # one case, as the table's child process runs it
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import timeit
from typing import Any

SHAPES = ("chain", "labels", "mlp", "full_batch", "total")
SIZES = (1_000, 10_000, 100_000)
TIMEOUT = 600  # seconds per case: a case past it is reported as such, not waited for


def build(shape: str, n: int) -> tuple[Any, list[Any]]:
    """A graph of about ``n`` nodes of ``shape``: (root, the parameters to compile for)."""
    from autodiff import Value, losses, nn, total

    rng = random.Random(0)
    if shape in ("chain", "labels"):
        x = Value(0.5, label="x")
        y = x
        for _ in range(n):
            y = y + x
            if shape == "labels":
                y.label = "h"
        return y, [x]
    if shape == "mlp":  # 2-16-16-1: about 100 nodes per row (two linear layers of 16, relu, the output)
        model = nn.MLP(2, [16, 16, 1])
        rows = max(1, n // 100)
        outputs = [model([rng.uniform(-1, 1), rng.uniform(-1, 1)]) for _ in range(rows)]  # one output: a Value
        return total([losses.squared_error(out, 1.0) for out in outputs]), model.parameters()
    if shape == "full_batch":  # sigmoid neuron, squared error: about 8 nodes per row
        neuron = nn.Neuron(2, "sigmoid", weights=[0.1, -0.2], bias=0.0)
        rows = max(1, n // 8)
        terms = [
            losses.squared_error(neuron([rng.uniform(-1, 1), rng.uniform(-1, 1)]), float(rng.random() < 0.5))
            for _ in range(rows)
        ]
        return total(terms), neuron.parameters()
    if shape == "total":  # N leaves, N products, one sum: about 3N nodes
        weights = [Value(rng.uniform(-1, 1), label="w") for _ in range(max(1, n // 3))]
        return total([w * 2.0 for w in weights]), weights
    raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")


def one(shape: str, n: int) -> dict[str, Any]:
    """Build and compile one case here: nodes, seconds, µs/node and source lines."""
    from autodiff import compile

    root, parameters = build(shape, n)
    start = time.perf_counter()
    compiled = compile(root, parameters)
    seconds = time.perf_counter() - start
    nodes = len(compiled.nodes)
    return {
        "nodes": nodes,
        "seconds": seconds,
        "us_per_node": 1e6 * seconds / nodes,
        "lines": compiled.source.count("\n"),
    }


def fresh(shape: str, n: int) -> dict[str, Any]:
    """``one(shape, n)`` in a fresh process, so no case warms the caches of the next."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.compile_scale", shape, str(n)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return {"missing": f"over {TIMEOUT} s"}
    except subprocess.CalledProcessError as error:
        return {"missing": error.stderr.strip().splitlines()[-1] if error.stderr.strip() else "failed"}
    return json.loads(result.stdout)


def comparison_ns() -> dict[str, float]:
    """ns per comparison: floats, a Value with a number, two Values (each repeated, so noted once)."""
    from autodiff import Value

    names = {"w": Value(0.5), "u": Value(0.2), "a": 0.5, "b": 0.2}
    number = 200_000
    best = {
        name: min(timeit.repeat(statement, globals=names, number=number, repeat=5)) / number * 1e9
        for name, statement in (("floats", "a > b"), ("value_number", "w > 0.3"), ("value_value", "w > u"))
    }
    values = [Value(float(i)) for i in range(number)]
    start = time.perf_counter()
    for v in values:
        v > 0.5  # noqa: B015 - each Value's first comparison: where its note is made
    best["first_of_a_value"] = (time.perf_counter() - start) / number * 1e9
    return best


def measure(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    """Every shape at every size (fresh processes), and the comparison costs."""
    return {
        "cases": {shape: {str(n): fresh(shape, n) for n in sizes} for shape in SHAPES},
        "comparison_ns": comparison_ns(),
    }


def _growth(by_size: dict[str, Any]) -> str:
    """The target cell: how much µs/node grew from the smallest graph to the largest (linear: at most 2×)."""
    measured = [case["us_per_node"] for case in by_size.values() if "missing" not in case]
    if len(measured) < len(by_size) or len(measured) < 2:
        return "linear: not measured at every size"
    growth = measured[-1] / measured[0]
    return f"linear (µs/node within 2× over 100× the nodes): {'met' if growth <= 2 else 'NOT met'} (×{growth:.1f})"


def rows(result: dict[str, Any]) -> list[list[str]]:
    """Table rows for benchmarks.run: µs/node per shape and size, then the comparison costs."""
    out = []
    for shape, by_size in result["cases"].items():
        cells = []
        for n, case in by_size.items():
            if "missing" in case:
                cells.append(f"{int(n):,}: — ({case['missing']})")
            else:
                cells.append(f"{case['nodes']:,} nodes: {case['us_per_node']:.0f} µs/node, {case['lines']:,} lines")
        out.append([f"compile, {shape.replace('_', ' ')}", "; ".join(cells), "—", "—", "—", _growth(by_size)])
    ns = result["comparison_ns"]
    out.append(
        [
            "compare Values (noted for compile's checks)",
            f"w > 0.3 {ns['value_number']:.0f} ns, w > u {ns['value_value']:.0f} ns, "
            f"a Value's first {ns['first_of_a_value']:.0f} ns (floats {ns['floats']:.0f} ns)",
            "—",
            "—",
            "—",
            "reported",
        ]
    )
    return out


def main(argv: list[str]) -> None:
    if len(argv) == 2:
        print(json.dumps(one(argv[0], int(argv[1]))))
        return
    result = measure()
    for row in rows(result):
        print(f"{row[0]}: {row[1]}")


if __name__ == "__main__":
    main(sys.argv[1:])
