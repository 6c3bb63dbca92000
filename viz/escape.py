r"""Text from outside (labels, CSV headers, file names, titles) made safe for a page or an SVG file.

One function per medium:

- ``html_text``: text between tags, or inside a quoted attribute, of an HTML page.
- ``xml_text``: text or an attribute value in an SVG (XML) file: characters XML cannot hold
  (C0 controls but tab and newline, lone surrogates, U+FFFE/U+FFFF) become visible escapes.
- ``json_script``: a JSON document inside ``<script type="application/json">``: ``<``, ``>``,
  ``&``, U+2028/2029 and lone surrogates written as ``\uXXXX``, so no ``</script`` or ``<!--``
  can end or confuse the element, and ``JSON.parse`` gives back exactly the text that went in.
- ``script_code``: generated JavaScript placed inside a ``<script>`` element.

Generated code and the terminal have theirs in ``autodiff.text``.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = ["html_text", "json_script", "script_code", "xml_text"]

# What XML 1.0 cannot hold at all (and HTML calls a parse error): C0 controls but tab, newline
# and carriage return, lone surrogates, and the noncharacters U+FFFE/U+FFFF. DEL and C1 controls
# are allowed but invisible: shown too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# In a JSON string inside a script element: what the HTML parser or a JavaScript reader could
# take for something else, and lone surrogates (which UTF-8 cannot encode).
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _xml_clean(text: str) -> str:
    return _NOT_XML.sub(_shown, text)


# Line breaks and tabs as references, so an attribute keeps them too (a parser turns raw ones into spaces).
_BREAKS = str.maketrans({"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def html_text(text: str) -> str:
    r"""``text`` between tags or in a quoted attribute of an HTML page, shown as typed (``&amp;`` stays ``&amp;``).

    Args:
        text: Any string, lone surrogates and control characters included.

    Returns:
        ``&``, ``<``, ``>`` (and quotes) as character references; characters a page cannot
        hold as ``\xNN`` / ``\uNNNN``.
    """
    return html.escape(_xml_clean(text), quote=True).translate(_BREAKS)


def xml_text(text: str) -> str:
    """``text`` as SVG/XML character data or a quoted attribute value; the file stays well-formed.

    Args:
        text: Any string.

    Returns:
        The text with ``&``, ``<``, ``>``, quotes as references and characters XML cannot hold
        as visible escapes.
    """
    return html.escape(_xml_clean(text), quote=True).translate(_BREAKS)


def json_script(value: Any) -> str:
    r"""``value`` as JSON for a ``<script type="application/json">`` element.

    Args:
        value: JSON-able data (finite numbers only: NaN and infinities are refused by ``json``).

    Returns:
        Compact JSON in which ``<``, ``>``, ``&``, U+2028/U+2029 and lone surrogates are ``\uXXXX``
        escapes: the HTML parser sees no tag or comment in it, and ``JSON.parse`` restores every string.

    Raises:
        ValueError: ``value`` holds NaN or an infinity.
    """
    data = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", data)


def script_code(code: str) -> str:
    r"""Generated JavaScript for inside a ``<script>`` element: no ``</script`` or ``<!--`` can end or hide it.

    Args:
        code: JavaScript whose string literals come from ``autodiff.text.js_string`` (which
            escapes ``<`` already); this is the second line of defence.

    Returns:
        The code with ``</`` as ``<\/`` and ``<!--`` as ``<\!--`` (the same string inside a literal).
    """
    return code.replace("</", "<\\/").replace("<!--", "<\\!--")
