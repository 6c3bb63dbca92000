"""``demos.new_dataset`` on large CSVs: 1,000,000 rows × 2 features, and 6 rows × 1,000 features.

Each runs as a learner runs it (``python -m demos.new_dataset --epochs 1``) in a fresh process:
wall time, the process's peak resident memory, the CSV's size, the page's size and how many
lines the log printed. Targets: a page of at most a few MB and a log of tens of lines, whatever
the size of the data (issue: a 1M-row CSV gave a 70 MB page and a million log lines).
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = {"rows_1m": (1_000_000, 2), "columns_1000": (6, 1_000)}


def write_csv(path: Path, rows: int, columns: int) -> None:
    """A CSV of ``rows`` × ``columns`` random features and a 0/1 label that depends on the first."""
    rng = random.Random(5)
    with open(path, "w", encoding="utf-8") as out:
        out.write(",".join(f"x{i}" for i in range(columns)) + ",passed\n")
        for r in range(rows):
            values = [rng.uniform(0, 10) for _ in range(columns)]
            label = int(values[0] + rng.gauss(0, 2) > 5) if rows > 2 else r % 2
            out.write(",".join(f"{v:.2f}" for v in values) + f",{label if r > 1 else r}\n")


def run_case(rows: int, columns: int) -> dict[str, Any]:
    """One new_dataset run in a child process: seconds, peak MB, bytes written and log lines."""
    with tempfile.TemporaryDirectory() as tmp:
        csv, out = Path(tmp) / "data.csv", Path(tmp) / "out"
        write_csv(csv, rows, columns)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "demos.new_dataset", "--csv", str(csv), "--epochs", "1", "--out", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if result.returncode != 0:
            return {"missing": f"exit {result.returncode}: {result.stderr.strip()[-200:]}"}
        page = out / "index.html"
        return {
            "seconds": seconds,
            # ru_maxrss of children is the largest child so far: exact when this is the largest.
            "peak_mb": peak_kb / 1024 if peak_kb > before else None,
            "csv_bytes": csv.stat().st_size,
            "page_bytes": page.stat().st_size if page.exists() else 0,
            "output_bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
            "log_lines": result.stdout.count("\n"),
            "first_line": result.stdout.splitlines()[0] if result.stdout else "",
        }


def measure() -> dict[str, Any]:
    """Both cases."""
    return {name: run_case(rows, columns) for name, (rows, columns) in CASES.items()}


def rows(result: dict[str, Any]) -> list[list[str]]:
    """Table rows for benchmarks.run, with their targets."""
    table = []
    for name, label in (("rows_1m", "1,000,000 rows × 2"), ("columns_1000", "6 rows × 1,000 features")):
        r = result[name]
        if "missing" in r:
            table.append([f"new_dataset, {label}, 1 epoch", f"— ({r['missing']})", "—", "—", "—", "n/a"])
            continue
        peak = f", peak {r['peak_mb']:.0f} MB" if r.get("peak_mb") else ""
        ok = r["output_bytes"] <= 5e6 and r["log_lines"] <= 60
        table.append(
            [
                f"new_dataset, {label}, 1 epoch: time{', memory' if peak else ''}; output; log",
                f"{r['seconds']:.1f} s{peak}; {r['output_bytes'] / 1e6:.2f} MB written; {r['log_lines']} lines",
                "—",
                "—",
                "—",
                "≤ 5 MB written, ≤ 60 log lines: " + ("met" if ok else "NOT met"),
            ]
        )
    return table


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
