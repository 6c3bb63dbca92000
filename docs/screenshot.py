"""Write docs/studio.png: the README's picture of the studio, taken from the real page as it opens.

    python docs/screenshot.py            # or: make screenshot
    python docs/screenshot.py --lesson   # also out/studio-screenshots/: predict mode and a carried edit, four sizes

Trains the tutorial's run (as ``make demo`` does), writes its studio into a temporary folder and
photographs it in headless Chromium, so the README's picture is always the page the code makes
today: epoch 0, row 0, the forward pass, no gradients yet (the legend a first visit shows is
closed first). ``--lesson`` adds the pictures to look at as a learner: predict mode waiting for an
answer, and the learner's run two epochs after setting w = 3, at 1024×768, 1366×768, 1920×1080
and a 390×844 phone. Needs Playwright and Chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE = {"width": 1280, "height": 800}
LESSON_SIZES = {"1024x768": (1024, 768, False), "1366x768": (1366, 768, False), "1920x1080": (1920, 1080, False)}
LESSON_SIZES["phone-390x844"] = (390, 844, True)
LESSON_FRAMES = {
    "predict": "#quiz&epoch=0&row=0&step=2",  # asking for ∂p/∂z
    "your-run": "#epoch=2&row=1&step=5&edit=0_0_0_3",  # w set to 3 at epoch 0, carried two epochs on
}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    """Photograph the studio; returns the exit status."""
    from playwright.sync_api import sync_playwright

    import viz
    from autodiff.datasets import STUDY_HOURS
    from demos import runs

    lesson = "--lesson" in (sys.argv[1:] if argv is None else argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("docs/screenshot.py needs Chromium: `apt-get install chromium` (Debian)", file=sys.stderr)
        return 1
    history, _ = runs.run("hand", STUDY_HOURS, runs.Start(weights=(0.1,)))
    with tempfile.TemporaryDirectory() as tmp:
        index = viz.studio(history, title="study_hours: every epoch, row and step").save(Path(tmp) / "index.html")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport=SIZE)
            page.goto(index.as_uri())  # as it opens: no deep link
            if page.is_visible("#legend"):
                page.click("#legend-close")
            png = page.screenshot()
            shots = []
            if lesson:
                for size, (width, height, touch) in LESSON_SIZES.items():
                    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)
                    for name, frame in LESSON_FRAMES.items():
                        tab = context.new_page()
                        tab.goto(index.as_uri() + frame)
                        tab.wait_for_timeout(200)
                        shots.append((f"{name}-{size}.png", tab.screenshot(full_page=touch)))
                        tab.close()
                    context.close()
            browser.close()
    viz.write_bytes(ROOT / "docs" / "studio.png", png)
    print(f"wrote {ROOT / 'docs' / 'studio.png'}")
    for name, data in shots:
        path = viz.write_bytes(ROOT / "out" / "studio-screenshots" / name, data)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
