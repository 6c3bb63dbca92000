"""The system Chromium the page tests drive through Playwright, and how it is started.

Headless, no GPU, and none of Chromium's own network traffic (update checks, sync, background
requests): the pages under test load nothing from the network, and a test that sees a request
must be seeing the page's.
"""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
