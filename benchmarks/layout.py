"""Layout time against nodes + edges: ``viz.draw(root).svg()`` for three shapes at growing sizes.

Shapes: a chain ``y = y * 1.0001`` (each step wraps a new constant), a chain that reads one leaf at
every step ``y = y * 1.0001 + x`` (the shape that made Graphviz take minutes), and micrograd's
moons MLP (2-16-16-1, hinge loss + L2) over 1, 10 and 100 rows. Each size runs in a fresh process
with the in-process Graphviz loaded first; the figure is CPU time (all threads: Graphviz runs on
one of its own), which a shared machine disturbs less than wall time. The bound is 2 s of layout
per 1,000 values of the graph.

    python -m benchmarks.layout                 # the table
    python -m benchmarks.layout one chain 1000  # one measurement, as JSON
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SIZES = {
    "chain": (1_000, 4_000, 10_000),
    "shared-leaf chain": (100, 1_000, 4_000),
    "MLP": (1, 10, 100),
}
SECONDS_PER_1000_VALUES = 2.0


def build(shape: str, n: int) -> Any:
    """The graph of ``shape`` at size ``n`` (steps, or rows for the MLP), backward already run."""
    from autodiff import Value, total

    if shape == "chain":
        y = Value(1.0, label="y0")
        for _ in range(n):
            y = y * 1.0001
    elif shape == "shared-leaf chain":
        x, y = Value(0.5, label="x"), Value(1.0, label="y0")
        for _ in range(n):
            y = y * 1.0001 + x
    elif shape == "MLP":
        from autodiff.nn import MLP
        from benchmarks.workloads import ALPHA, moons

        xs, ys = moons(max(n, 4))
        model = MLP(2, [16, 16, 1], activation="relu", output_activation=None, seed=0)
        scores = [model([Value(a, label="x1"), Value(b, label="x2")]) for a, b in xs[:n]]
        losses = [(1 + -t * score).relu() for t, score in zip(ys, scores)]
        y = total(losses) * (1.0 / n) + ALPHA * total([p * p for p in model.parameters()])
    else:
        raise ValueError(f"shape must be one of {sorted(SIZES)}, got {shape!r}")
    y.backward()
    return y


def one(shape: str, n: int) -> dict[str, Any]:
    """Draw and lay out one graph in this process; CPU seconds for the plan and for the SVG."""
    import viz
    from autodiff import topological_order
    from viz.render import warm_up

    root = build(shape, n)
    values = len(topological_order(root))
    warm_up()
    start, wall = time.process_time(), time.perf_counter()
    graph = viz.draw(root)
    planned = time.process_time()
    svg = graph.svg()
    done = time.process_time()
    plan = graph.plan
    return {
        "shape": shape,
        "n": n,
        "values": values,
        "nodes": plan.nodes,
        "edges": plan.edges,
        "virtual_nodes": plan.virtual_nodes,
        "strategy": plan.strategy,
        "draw_cpu_s": planned - start,
        "layout_cpu_s": done - planned,
        "cpu_s": done - start,
        "wall_s": time.perf_counter() - wall,
        "svg_bytes": len(svg.encode()),
        "bound_s": SECONDS_PER_1000_VALUES * values / 1000,
    }


def measure(sizes: dict[str, tuple[int, ...]] = SIZES, timeout: float = 120.0) -> list[dict[str, Any]]:
    """Every shape and size, each in a fresh process; a crash or timeout is reported, never zero."""
    results = []
    for shape, ns in sizes.items():
        for n in ns:
            try:
                out = subprocess.run(
                    [sys.executable, "-m", "benchmarks.layout", "one", shape, str(n)],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                    cwd=Path(__file__).resolve().parent.parent,
                )
            except subprocess.TimeoutExpired:
                results.append({"shape": shape, "n": n, "missing": f"over {timeout:.0f} s"})
                continue
            if out.returncode != 0:
                last = (out.stderr.strip().splitlines() or ["no output"])[-1]
                results.append({"shape": shape, "n": n, "missing": f"failed: {last}"})
            else:
                results.append(json.loads(out.stdout))
    return results


def _label(r: dict[str, Any]) -> str:
    unit = "rows" if r["shape"] == "MLP" else "steps"
    return f"Layout: {r['shape']}, {r['n']:,} {unit}"


def rows(results: list[dict[str, Any]]) -> list[list[str]]:
    """Rows for benchmarks.run's table: CPU time, per 1,000 nodes + edges, the bound met or not."""
    table = []
    for r in results:
        if "missing" in r:
            table.append([_label(r), f"missing ({r['missing']})", "—", "—", "—", "≤ 2 s per 1,000 values: n/a"])
            continue
        size = r["nodes"] + r["edges"]
        ours = (
            f"{r['cpu_s']:.2f} s CPU for {r['values']:,} values = {size:,} nodes + edges "
            f"({r['strategy']}; {1000 * r['cpu_s'] / size:.2f} s per 1,000 nodes + edges)"
        )
        met = "met" if r["cpu_s"] <= r["bound_s"] else "MISSED"
        table.append([_label(r), ours, "—", "—", "—", f"≤ {r['bound_s']:.1f} s: {met}"])
    return table


def main(argv: list[str]) -> None:
    """Print the table (no arguments), or one measurement as JSON (``one SHAPE N``)."""
    if argv[:1] == ["one"] and len(argv) == 3:
        print(json.dumps(one(argv[1], int(argv[2]))))
        return
    results = measure()
    print("| shape | size | values | nodes + edges | virtual nodes | layout | CPU s | bound s | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if "missing" in r:
            print(f"| {r['shape']} | {r['n']:,} | | | | missing: {r['missing']} | | | |")
            continue
        met = "yes" if r["cpu_s"] <= r["bound_s"] else "NO"
        print(
            f"| {r['shape']} | {r['n']:,} | {r['values']:,} | {r['nodes'] + r['edges']:,} | {r['virtual_nodes']:,} "
            f"| {r['strategy']} | {r['cpu_s']:.2f} | {r['bound_s']:.1f} | {met} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
