"""End to end: the per-epoch player in headless Chromium, from file://, pressing next, → and play."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from test_viz_epochs import tutorial_history

from viz.epochs import render_epochs

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)

# Presses the player's buttons like a user would, then writes what was shown into the page,
# which --dump-dom prints. Timers run on Chromium's virtual clock, so this takes no real seconds.
PROBE = """
<script>
(function () {
  const seen = [];
  const look = (what) => {
    const img = document.getElementById("frame");
    seen.push({what: what, counter: document.getElementById("counter").textContent, src: img.getAttribute("src"),
               loaded: img.complete && img.naturalWidth > 0, caption: document.getElementById("caption").textContent,
               firstRow: Array.from(document.querySelectorAll("#rows tr:first-child td")).map((td) => td.textContent),
               marker: document.getElementById("chart-marker").getAttribute("cx"),
               playing: document.body.dataset.playing || "false"});
  };
  const later = (ms, f) => setTimeout(f, ms);
  window.addEventListener("load", function () {
    later(300, function () {
      look("start");
      document.getElementById("next").click();
      later(300, function () {
        look("next");
        document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
        later(300, function () {
          look("arrow");
          document.getElementById("play").click();
          later(1000, function () {
            look("playing");
            const out = document.createElement("pre");
            out.id = "e2e-result";
            out.textContent = JSON.stringify(seen);
            document.body.appendChild(out);
          });
        });
      });
    });
  });
})();
</script>
"""


@pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium for the player's browser test: `apt-get install chromium` (Debian)"
)
def test_player_in_headless_chromium_steps_and_plays(tmp_path: Path) -> None:
    history = tutorial_history(8)
    index = render_epochs(history, tmp_path / "out")
    page = index.read_text()
    probe = index.with_name("e2e.html")
    probe.write_text(page.replace("</body>", PROBE + "</body>"))
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--allow-file-access-from-files",
                "--virtual-time-budget=5000",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    found = re.search(r'<pre id="e2e-result">(.*?)</pre>', result.stdout, re.S)
    assert found, f"the player did not report back; chromium said: {result.stderr[-2000:]}"
    seen = {s["what"]: s for s in json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))}

    start, after_next, after_arrow, playing = seen["start"], seen["next"], seen["arrow"], seen["playing"]
    assert start["counter"].startswith("epoch 0 ") and start["src"] == "graphs/epoch_0000.svg"
    assert start["loaded"], "the epoch's SVG did not load from file://"
    assert after_next["counter"].startswith("epoch 1 ") and after_next["src"] == "graphs/epoch_0001.svg"
    assert after_arrow["counter"].startswith("epoch 2 ") and after_arrow["src"] == "graphs/epoch_0002.svg"
    assert after_arrow["loaded"]
    # Playing moves on by itself (400 ms a frame): a later epoch, its graph, numbers and chart marker.
    epoch = int(playing["counter"].split()[1])
    assert epoch > 2 and playing["playing"] == "true"
    assert playing["src"] == f"graphs/epoch_{epoch:04d}.svg"
    record = history.records[epoch]
    assert playing["caption"].startswith(f"epoch {epoch}: Loss {record.loss:.4f} ")
    assert playing["firstRow"] == ["weight", f"{record.parameters['weight']:.4g}", f"{record.gradients['weight']:.4g}"]
    assert float(playing["marker"]) > float(after_arrow["marker"]) > float(start["marker"])
