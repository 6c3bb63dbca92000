"""Text from outside (labels, CSV headers, file names) made safe for the places the engine writes it.

One function per medium, so each place text lands has exactly one way in:

- ``terminal``: a log line — newlines, tabs, control characters, lone surrogates and characters
  the stream cannot encode become visible escapes, so one line we print is one line on screen
  and no file content can forge a line, move the cursor or change colours.
- ``code_comment``: the rest of a ``#`` or ``//`` comment in generated code — one line, always.
- ``python_string`` / ``js_string``: a string literal in generated Python or JavaScript.

The engine uses them for what it prints and generates; ``viz.escape`` holds the page's media
(HTML, SVG/XML, JSON inside a page) and builds on the same character rules.
"""

from __future__ import annotations

import json
import re

__all__ = ["code_comment", "js_string", "python_string", "terminal", "visible"]

# Characters that change what a line *is* rather than what it says: C0 and C1 controls (newline,
# tab, escape), DEL, the Unicode line and paragraph separators, bidirectional overrides and
# isolates (which reorder what a reader sees), lone surrogates and the noncharacters U+FFFE/FFFF.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x0A:
        return "\\n"
    if code == 0x09:
        return "\\t"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    r"""``text`` with every character that is not plain visible text written as an escape (``\n``, ``\x1b``).

    Args:
        text: Any string, lone surrogates included.

    Returns:
        The same text on one line, holding only characters every medium can carry: newline → ``\n``,
        tab → ``\t``, other controls → ``\xNN``, line separators, bidi controls, lone surrogates
        and U+FFFE/U+FFFF → ``\uNNNN``. A backslash is left as it is, so plain paths stay readable.
    """
    return _UNSAFE.sub(_escape, text)


def terminal(text: str, encoding: str | None = "utf-8") -> str:
    r"""``text`` as one or more log lines exactly as we wrote them: no line or control comes from the text.

    Args:
        text: What to print; only the newlines *we* put around it end a line.
        encoding: The stream's encoding: characters it cannot hold (``≥`` in ASCII) become
            ``\u2265``-style escapes instead of failing. None: keep every character.

    Returns:
        The printable text.
    """
    safe = visible(text)
    if encoding is None:
        return safe
    return safe.encode(encoding, "backslashreplace").decode(encoding)


def code_comment(text: str) -> str:
    """``text`` for the rest of a ``#`` (Python) or ``//`` (JavaScript) comment: it cannot end the comment.

    Args:
        text: A label or a formula that names labels.

    Returns:
        The text on one line (a newline or U+2028 would end a JavaScript comment and start code).
    """
    return visible(text)


def python_string(text: str) -> str:
    """A Python string literal (quotes included) holding exactly ``text``; safe on one line of source.

    Args:
        text: Any string, lone surrogates included.

    Returns:
        ``repr`` of the text, with the characters ``repr`` leaves raw but a reader should see
        (U+2028, bidi controls) escaped too.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", repr(text))


def js_string(text: str) -> str:
    r"""A JavaScript string literal (quotes included) holding exactly ``text``; safe inside a ``<script>``.

    Args:
        text: Any string, lone surrogates included.

    Returns:
        JSON's quoting with everything outside ASCII escaped, and ``<``, ``>``, ``&`` as ``\u003c`` etc.,
        so ``</script`` or ``<!--`` in the text cannot end or confuse an enclosing script element.
    """
    quoted = json.dumps(text, ensure_ascii=True)
    return quoted.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
