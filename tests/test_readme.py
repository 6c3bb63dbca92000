"""The README's and the docs pages' code runs as written, and the numbers they show are the numbers it gives.

Every ```python block of README.md and of every page under docs/site-src/ runs, in order, in one
namespace per "## " section of its page (so a block may use names an earlier block of its section
made), in a fresh working directory. What each block claims is
checked against what it does:

- a trailing comment that shows a value (``x  # 4.301868546421152``, ``print(p)  # Value(...)``) must
  match the expression's repr or the printed text; ``…`` marks a shown prefix, and a number
  shown with fewer digits must be the value rounded to them. Prose comments are left alone;
- an untagged ``` block right after a python block is its exact printed output;
- a ``(Pdb) p expr`` transcript after a block that stops in the debugger shows each expression's
  value at that stop.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs" / "site-src").rglob("*.md"))
DOCUMENTS = [README, *PAGES]


@dataclass
class Block:
    code: str
    line: int  # where the block's first code line is in its file
    file: str = "README.md"  # the file, relative to the checkout
    after: str | None = None  # an untagged block right after it: its output, or a debugger transcript


@dataclass
class Section:
    title: str
    file: str = "README.md"
    blocks: list[Block] = field(default_factory=list)


def sections(path: Path = README) -> list[Section]:
    """A page's python blocks, grouped by "## " section, each with the untagged block after it."""
    name = path.relative_to(ROOT).as_posix()
    found: list[Section] = [Section("(top)", name)]
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    last: Block | None = None
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            found.append(Section(line[3:].strip(), name))
            last = None
        elif line.startswith("```"):
            tag = line[3:].strip()
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            body = "\n".join(lines[i + 1 : end]) + "\n"
            if tag == "python":
                last = Block(body, i + 2, name)
                found[-1].blocks.append(last)
            elif tag == "" and last is not None and last.after is None:
                last.after = body
            i = end + 1
            continue
        elif line.strip() and last is not None:
            last = None  # prose between: a later untagged block is not this block's output
        i += 1
    return [s for s in found if s.blocks]


SECTIONS = [section for path in DOCUMENTS for section in sections(path)]

_VALUE_LIKE = re.compile(r"[-+]?(\d|inf\b|nan\b)|[\[{('\"]|(True|False|None)\b|Value\(")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*(e[-+]?\d+)?|inf|nan)")


def comments(code: str) -> dict[int, str]:
    """Line number (1-based, in the block) → the text of the comment on that line."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0]] = token.string.lstrip("#").strip()
    return found


def agrees(shown: str, actual: str) -> bool:
    """Whether a comment that shows ``shown`` is true of ``actual`` (a repr or printed text)."""
    if "…" in shown:
        return actual.startswith(shown.split("…", 1)[0].rstrip())
    if shown == actual:
        return True
    if shown.startswith(actual) and shown[len(actual)] in " :;,(":  # a value, then a remark
        return True
    number, value = _NUMBER.fullmatch(shown.split()[0].rstrip(":;,")), _NUMBER.fullmatch(actual)
    if number and value:  # fewer digits shown: the value rounded to them
        text = number.group(0)
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        return f"{float(actual):.{decimals}f}" == text
    return False


def is_print(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "print"
    )


def run_block(block: Block, namespace: dict[str, Any], stops: list[dict[str, Any]]) -> str:
    """Run the block statement by statement, checking each claim its comments make; its printed output."""
    notes = comments(block.code)
    tree = ast.parse(block.code)
    printed = io.StringIO()
    for node in tree.body:
        source = ast.get_source_segment(block.code, node)
        where = f"{block.file} line {block.line + node.lineno - 1}: {source.splitlines()[0]!r}"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            if isinstance(node, ast.Expr) and not is_print(node):
                value = eval(compile(ast.Expression(node.value), where, "eval"), namespace)
                actual = repr(value)
            else:
                exec(compile(ast.Module([node], []), where, "exec"), namespace)
                actual = out.getvalue().rstrip("\n")
        printed.write(out.getvalue())
        note = notes.get(node.end_lineno or node.lineno)
        if note is None:
            continue
        first = actual.split()[0] if actual.split() else ""
        claim = _VALUE_LIKE.match(note) or (is_print(node) and note.split()[0] == first)
        if claim and (is_print(node) or isinstance(node, ast.Expr)):
            assert agrees(note, actual), f"{where} shows {note!r} but gives {actual!r}"
    return printed.getvalue()


def check_transcript(transcript: str, stop: dict[str, Any], namespace: dict[str, Any], where: str) -> int:
    """Each ``(Pdb) p expr`` line's next line is repr(expr) at the stop; the number checked."""
    lines = transcript.splitlines()
    checked = 0
    for i, line in enumerate(lines[:-1]):
        match = re.match(r"\(Pdb\) p (.+?)(\s+#.*)?$", line)
        if match:
            value = eval(match.group(1), namespace, stop)
            assert repr(value) == lines[i + 1].strip(), f"{where}: (Pdb) p {match.group(1)} gives {value!r}"
            checked += 1
    return checked


@pytest.mark.parametrize("section", SECTIONS, ids=[f"{s.file}::{s.title}" for s in SECTIONS])
def test_section_runs_as_written(section: Section, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # blocks write out/...: keep it out of the checkout
    stops: list[dict[str, Any]] = []
    # A block that stops in the debugger: record where it stopped instead of waiting for a user.
    monkeypatch.setattr(sys, "breakpointhook", lambda *a, **k: stops.append(dict(sys._getframe(1).f_locals)))
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    for block in section.blocks:
        before = len(stops)
        printed = run_block(block, namespace, stops)
        if block.after is None:
            continue
        where = f"{block.file} line {block.line}"
        if len(stops) > before:  # the untagged block is a debugger session at that stop
            assert check_transcript(block.after, stops[before], namespace, where) > 0
        else:
            assert printed.rstrip("\n") == block.after.rstrip("\n"), f"{where}: printed output differs"


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.relative_to(ROOT).as_posix() for p in DOCUMENTS])
def test_every_python_block_is_found(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert sum(len(s.blocks) for s in sections(path)) == text.count("```python")


def test_the_readme_and_the_pages_have_examples() -> None:
    assert README.read_text(encoding="utf-8").count("```python") > 0
    assert len(PAGES) >= 10 and sum(p.read_text(encoding="utf-8").count("```python") for p in PAGES) > 10


@pytest.mark.parametrize(
    ("code", "wrong"),
    [
        ("x = 0.1 + 0.2\nx  # 0.3\n", False),  # repr 0.30000000000000004, shown to one digit
        ("x = 0.1 + 0.2\nx  # 0.31\n", True),
        ("x = 0.1 + 0.2\nx  # 0.30000000000000004\n", False),
        ("x = 2 / 3\nx  # 0.6667\n", False),  # fewer digits: rounded
        ("x = 2 / 3\nx  # 0.6666\n", True),
        ("x = 2 / 3\nx  # 0.666…: two thirds\n", False),  # a prefix
        ("print('Pass')  # Pass\n", False),
        ("print('Fail')  # Pass\n", False),  # a word that is not the output: prose, unchecked
        ("print(1.5, 2)  # 1.5 3\n", True),
        ("x = {'w': 1.0}\nx  # {'w': 1.0}\n", False),
        ("x = True\nx  # True, as expected\n", False),
        ("x = False\nx  # True\n", True),
        ("x = 3  # 4\n", False),  # an assignment's comment is a remark
    ],
)
def test_claims_in_comments_are_checked(code: str, wrong: bool) -> None:
    block = Block(code, 1)
    if wrong:
        with pytest.raises(AssertionError, match="shows"):
            run_block(block, {}, [])
    else:
        run_block(block, {}, [])


def test_a_debugger_transcript_is_checked_at_its_stop() -> None:
    stop = {"upstream": -0.8511149663766819, "contributions": [-0.2080621277351696]}
    transcript = "(Pdb) p upstream     # dL/dp\n-0.8511149663766819\n(Pdb) p contributions\n[-0.2080621277351696]\n"
    assert check_transcript(transcript, stop, {}, "here") == 2
    with pytest.raises(AssertionError, match="p upstream"):
        check_transcript("(Pdb) p upstream\n-0.85\n", stop, {}, "here")


def test_the_readmes_links_and_picture_exist() -> None:
    # mkdocs checks the pages' links; the README is read on its own (on a forge, in an editor).
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert "docs/studio.png" in targets
    for target in targets:
        if "://" in target:
            continue
        path, _, anchor = target.partition("#")
        file = ROOT / path
        assert file.is_file(), f"README.md links to {target}, which does not exist"
        if anchor:  # a heading of that page, as mkdocs and forges slug it
            headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), re.MULTILINE)
            slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
            assert anchor in slugs, f"README.md links to {target}, but that page has no such heading"


def test_the_readme_stays_a_front_page() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150, "the README is the front page: put reference material in docs/site-src/"
    assert "make demo" in text and "make test" in text
