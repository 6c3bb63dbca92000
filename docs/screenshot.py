"""Write docs/studio.png: the README's picture of the studio, taken from the real page.

    python docs/screenshot.py          # or: make screenshot

Trains the tutorial's run (as ``make demo`` does), writes its studio into a temporary folder and
photographs one backward step in headless Chromium, so the README's picture is always the page
the code makes today. Needs Playwright and Chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FRAME = "#epoch=0&row=0&step=2"  # the first row's backward pass, at p = sigmoid(z)
SIZE = {"width": 1280, "height": 800}


def main() -> int:
    from playwright.sync_api import sync_playwright

    import viz
    from autodiff.datasets import STUDY_HOURS
    from demos import runs

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("docs/screenshot.py needs Chromium: `apt-get install chromium` (Debian)", file=sys.stderr)
        return 1
    history, _ = runs.run("hand", STUDY_HOURS, runs.Start(weights=(0.1,)))
    with tempfile.TemporaryDirectory() as tmp:
        index = viz.studio(history, title="study_hours: every epoch, row and step").save(Path(tmp) / "index.html")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport=SIZE)
            page.goto(index.as_uri() + FRAME)
            png = page.screenshot()
            browser.close()
    viz.write_bytes(ROOT / "docs" / "studio.png", png)
    print(f"wrote {ROOT / 'docs' / 'studio.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
