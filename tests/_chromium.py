"""A report page opened in headless chromium: images decoded, nothing fetched.

Debian's chromium is looked for at a fixed path; tests that need it skip
where it is missing.
"""

import json
import os
import re
import subprocess

import pytest

CHROMIUM = "/usr/bin/chromium"
_PROBE = """<script>
window.addEventListener("load", function () {
  var images = Array.from(document.images).map(function (img) {
    return img.complete && img.naturalWidth > 0 ? img.naturalWidth : 0;
  });
  var fetched = performance.getEntriesByType("resource").map(function (e) {
    return e.name;
  });
  document.title = "PROBE" + JSON.stringify({images: images, fetched: fetched});
});
</script>"""


def _chromium(tmp_path, *args):
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason="needs Debian's chromium at /usr/bin/chromium",
)


def check_page_in_chromium(out, tmp_path, n_images):
    """Open ``out/index.html``: every image decodes, nothing is fetched, and a
    screenshot shows a varied page, not a blank one."""
    # The report has no scripts, so a copy with a probe script reports whether
    # every image decoded and whether anything was fetched besides the page.
    probe = tmp_path / "probe.html"
    html = (out / "index.html").read_text()
    probe.write_text(html.replace("</body>", _PROBE + "</body>"))
    done = _chromium(
        tmp_path, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()
    )
    match = re.search(r"<title>PROBE(.*?)</title>", done.stdout)
    assert match, done.stderr[-2000:]
    result = json.loads(match.group(1).replace("&quot;", '"'))
    assert len(result["images"]) == n_images
    assert all(width > 300 for width in result["images"])
    assert result["fetched"] == []

    shot = tmp_path / "shot.png"
    done = _chromium(
        tmp_path,
        "--window-size=1100,1600",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        (out / "index.html").as_uri(),
    )
    assert shot.is_file(), done.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (1600, 1100)
    assert pixels[..., :3].std() > 0.05
