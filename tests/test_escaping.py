"""No text breaks a page, a file or a log: each medium's escaping function, over arbitrary unicode.

What: hypothesis text (every code point, lone surrogates and controls included, plus the hostile
strings a user reported: ``<!--``, ``</script``, ``]]>``, character references) goes through
``viz.escape`` (HTML, SVG/XML, JSON in a page, script code) and ``autodiff.text`` (terminal,
code comments, Python and JavaScript strings); then through the real pipelines: labels and
titles into ``viz.draw`` and ``viz.studio``, CSV headers and file names into ``demos.new_dataset``.
Checks: every SVG parses as XML and shows the text as typed, the page's JSON block parses back
to the text as typed, the log has one line per line the program wrote.
Why: a label is the learner's text; the page, the file and the log must carry it, never obey it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value
from autodiff.datasets import Dataset, input_label, load_csv
from autodiff.text import code_comment, js_string, python_string, terminal, visible
from demos import new_dataset, runs
from demos.cli import run
from viz import escape

HOSTILE = [
    "<!--<script>",
    "</script><b>x",
    "]]>",
    "&#x1F600;",
    "&#xD800;",
    "&#1;x",
    "&#x7;",
    "&#xFFFE;",
    "&lt;b&gt;",
    "&amp;",
    "&#65;",
    "a\nerror: training diverged, delete your data",
    "\ud800",
    "\x1b[31mred",
    "x\u2028y",
    "\u202eevil",
]
# Every code point, lone surrogates included.
any_text = st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(blacklist_categories=()), max_size=30))
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
STUDIO_DATA = re.compile(r'<script type="application/json" id="studio-data">(.*?)</script>', re.S)


def strings(value: object) -> list[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (k, *strings(v))]
    if isinstance(value, list):
        return [t for v in value for t in strings(v)]
    return []


def svg_texts(svg: str) -> str:
    """All text an SVG shows, parsed as XML (ParseError if the file is not well-formed)."""
    return "\n".join("".join(e.itertext()) for e in ET.fromstring(svg).iter() if e.tag.endswith("text"))


# --- each function alone --------------------------------------------------------------------------


@given(any_text)
def test_xml_text_is_well_formed_and_reads_back_as_typed(text: str) -> None:
    safe = escape.xml_text(text)
    document = f'<svg xmlns="http://www.w3.org/2000/svg"><text a="{safe}">{safe}</text></svg>'
    element = ET.fromstring(document.encode("utf-8"))[0]
    if not XML_INVALID.search(text) and not re.search("[\x7f-\x9f]", text):
        assert (element.text or "") == text and element.get("a") == text
    assert escape.html_text(text) == escape.xml_text(text)


@given(st.recursive(any_text, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(any_text, kids, max_size=3)))
def test_json_script_has_no_markup_and_parses_back(value: object) -> None:
    block = escape.json_script(value)
    assert not re.search("[<>&\u2028\u2029\ud800-\udfff]", block)
    block.encode("utf-8")  # writable as UTF-8
    assert json.loads(block) == value


@given(any_text)
def test_script_code_cannot_close_or_hide_the_script(text: str) -> None:
    code = escape.script_code(f"const s = {js_string(text)};")
    assert "</" not in code and "<!--" not in code and json.loads(js_string(text)) == text


@given(any_text)
def test_terminal_text_is_one_line_of_visible_encodable_characters(text: str) -> None:
    shown = terminal(text, "ascii")
    shown.encode("ascii")
    assert "\n" not in shown and "\r" not in shown and "\t" not in shown
    assert not re.search("[\x00-\x1f\x7f]", shown)
    plain = re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]", "", text)
    if plain == text:
        assert terminal(text, None) == text  # ordinary text is left exactly as typed


@given(any_text)
def test_generated_code_comments_and_strings_hold_the_text(text: str) -> None:
    source = f"x = {python_string(text)}  # {code_comment(text)}\ny = 2\n"
    tree = ast.parse(source)
    assert len(tree.body) == 2 and ast.literal_eval(tree.body[0].value) == text  # type: ignore[attr-defined]
    assert "\n" not in visible(text) and "\u2028" not in code_comment(text)


def test_generated_javascript_comments_and_strings_hold_the_text() -> None:
    node = pytest.importorskip("shutil").which("node")
    if node is None:
        pytest.skip("needs node")
    lines = [f"out.push({js_string(t)});  // {code_comment(t)}" for t in HOSTILE]
    program = "const out = [];\n" + "\n".join(lines) + "\nprocess.stdout.write(JSON.stringify(out));\n"
    result = subprocess.run([node, "-e", program], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == HOSTILE


# --- through the pipelines ------------------------------------------------------------------------


@settings(max_examples=500 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 15)  # each draws twice
@given(label=any_text, title=any_text)
def test_labels_and_titles_reach_every_svg_and_the_page_as_typed(label: str, title: str) -> None:
    import viz

    w = Value(2.0, label="w")
    x = Value(3.0, label=label)
    y = w * x
    svg = viz.draw(y).svg()
    shown = svg_texts(svg)
    if label.strip() and not XML_INVALID.search(label) and "\n" not in label and len(label) < 20:
        # a tab is shown as a space (viz.graph: SVG text has no tab stops)
        assert label.replace("\t", " ").replace(" ", "\u00a0") in shown.replace(" ", "\u00a0")
    page = viz.studio(y, title=title)
    block = STUDIO_DATA.search(page.html()).group(1)  # type: ignore[union-attr]
    assert "<" not in block  # no "<!--" or "<script" to send the HTML parser into an escaped state
    data = json.loads(block)
    assert any(label in t for t in strings(data)) and any(title in t for t in strings(data)) or not title
    svg_texts(page.svg)
    head = page.html().split("</title>", 1)[0]
    assert "<title>" in head and head.count("<") == head.count(">")


def test_csv_headers_and_file_name_reach_the_page_and_log_as_typed(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    header = "hours\nerror: training diverged, delete your data"
    name = "<!--<script>&#xD800;"
    csv = tmp_path / f"{name}.csv"
    csv.write_text(f'"{header}",\x1b[31m,passed\n1,2,0\n2,1,0\n3,5,1\n4,3,1\n', encoding="utf-8")
    out = tmp_path / "out"
    assert run(new_dataset.main, ["--csv", str(csv), "--epochs", "3", "--every", "2", "--out", str(out)]) == 0
    log = capsys.readouterr().out
    assert not any(line.startswith("error:") for line in log.splitlines()), log
    assert "hours\\nerror: training diverged" in log
    page = (out / "index.html").read_text(encoding="utf-8")
    block = STUDIO_DATA.search(page).group(1)  # type: ignore[union-attr]
    assert "<" not in block and page.count("<script") == 3  # the data block cannot swallow the page's scripts
    data = json.loads(block)
    assert any(header in t for t in strings(data)) and any(name in t for t in strings(data)), strings(data)[:40]
    for svg in [*out.glob("*.svg"), *(out / "graphs").glob("*.svg")]:
        ET.parse(svg)
    assert load_csv(csv).feature_names == (header, "\x1b[31m")


def test_data_columns_named_like_parameters_are_drawn_distinctly() -> None:
    import viz

    dataset = Dataset("clash", ("b", "w1"), (((1.0, 2.0), 0.0), ((2.0, 1.0), 1.0)))
    history, _model = runs.run("bce", dataset, runs.Start(weights=(0.1, 0.1), epochs=1))
    page = viz.studio(history, title="clash")
    texts = svg_texts(page.frame_svg(0))
    assert "'w1'" in texts and "'b'" in texts, texts
    assert input_label("hours") == "hours" and input_label("w1") == "'w1'" and input_label("Bias_2") == "'Bias_2'"


# --- in a real browser: a few hostile strings, the page works and shows them as typed -------------


def test_the_studio_page_loads_and_shows_hostile_text_as_typed(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the dev extra)")
    if CHROMIUM is None:
        pytest.skip("needs Chromium")
    import viz

    title = "<!--<script>alert(1)</script> &#x1F600; &amp; ]]>"
    labels = ["<!--<script>", "&#xD800;", "</script><b>x"]
    w = Value(2.0, label="w")
    x = Value(3.0, label=labels[0])
    z = w * x + Value(1.0, label=labels[1])
    z.label = labels[2]
    path = viz.studio(z, title=title).save(tmp_path / "page.html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            # The page's script ran (a data block swallowing the document would leave it undefined).
            # (window.studio alone is the <main id="studio"> element; the script's object has .go.)
            page.wait_for_function("typeof (window.studio || {}).go === 'function'", timeout=30_000)
            assert page.evaluate("document.querySelectorAll('script').length") == 3
            assert page.title() == title
            assert page.locator("#title").text_content() == title
            shown = page.locator("#graph svg").text_content() or ""
            assert page.evaluate("window.__injected === undefined")
        finally:
            browser.close()
    assert errors == [], errors
    for label in labels:
        assert label in shown, (label, shown[:300])


@pytest.mark.parametrize("label", [h for h in HOSTILE if not re.search("[\x00-\x1f\ud800-\udfff]", h)])
def test_each_reported_label_is_drawn_as_typed(label: str) -> None:
    import viz

    shown = svg_texts(viz.draw(Value(1.0, label=label) * 2).svg())
    assert label in shown.split("\n"), (label, shown)
