"""MkDocs hooks: pages whose content comes from the project's own generated files.

- ``numerical-edges.md`` is ``docs/numerical_edges.md``, which ``tests/test_numerical_edges.py`` generates;
- ``studio.png`` is ``docs/studio.png``, which ``make screenshot`` takes from the real page;
- the performance page's ``<!-- bench:table -->`` becomes the latest ``make bench`` table, read from
  ``benchmarks/results/latest.json`` with its machine, date and notes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mkdocs.structure.files import File, Files

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
LATEST = ROOT / "benchmarks" / "results" / "latest.json"
BENCH_MARKER = "<!-- bench:table -->"
# Files kept at docs/ for the tools that write them, published under these names.
FROM_DOCS = {"numerical-edges.md": DOCS / "numerical_edges.md", "studio.png": DOCS / "studio.png"}


def on_files(files: Files, config) -> Files:  # noqa: ANN001 - mkdocs' config object
    for name, path in FROM_DOCS.items():
        files.append(File.generated(config, name, abs_src_path=str(path)))
    return files


class _Facts(dict):
    """The notes' placeholders; one this page does not know reads "not measured" rather than failing."""

    def __missing__(self, key: str) -> str:
        return "not measured"


def bench_markdown() -> str:
    """The latest `make bench` run as Markdown: where and when it ran, its table and its notes."""
    latest = json.loads(LATEST.read_text(encoding="utf-8"))
    machine, results = latest["machine"], latest["results"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.run import NOTES
    finally:
        sys.path.remove(str(ROOT))
    facts = _Facts(
        same=results.get("tutorial", {}).get("all_agree_to_1e-9", "not measured"),
        same_compiled=results.get("tutorial_compiled", {}).get("same_as_backward", "not measured"),
    )
    notes = NOTES.format_map(facts)
    first, *footnotes = notes.strip().splitlines()
    paragraphs = "\n".join(line if line.startswith(" ") else f"\n{line}" for line in footnotes).strip()
    return (
        f"Run on {latest['date'][:10]}: {machine['cpu']}, {machine['cores']} cores, {machine['python']}, "
        f"{machine['os']}; {versions}.\n\n{latest['table']}\n\n{first}\n\n{paragraphs}\n"
    )


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 - mkdocs' objects
    if BENCH_MARKER in markdown:
        markdown = markdown.replace(BENCH_MARKER, bench_markdown())
    return markdown
