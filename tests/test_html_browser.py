"""The HTML report in a real browser: Debian's chromium, headless, with no network.

Three looks at the demo's report:

1. the page as written, with the browser's console logged to stderr: any console message
   (a script error, a resource refused by the page's Content-Security-Policy) is a failure;
2. a copy with a measuring script added (the copy's policy allows that one inline script):
   every chart must have a non-zero size on the page and non-zero bars, and the page must
   hold the summary;
3. a screenshot and a PDF print, which must be written (people look at them: see
   docs/howto/end-of-op.md).

`make test` installs chromium when /usr/bin/chromium is missing. Without it the test fails
under CI (``CI`` set) and is skipped elsewhere, saying why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.cli._demo import DAY_OP, demo_events_text
from anpr_ops.render import render
from anpr_ops.render._html import CHART_IDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The brief's flags: without the background-networking ones chromium tries the network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=3000",
)

MEASURE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message)));
window.addEventListener("load", () => {
  const charts = [...document.querySelectorAll("svg.chart")].map(svg => {
    const box = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll("rect")].map(r => r.getBBox())
      .filter(b => b.width > 0 && b.height > 0).length;
    return {id: svg.id, width: box.width, height: box.height, bars: bars};
  });
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({charts: charts, errors: window.__errors,
    summary: document.querySelector(".summary").textContent});
  document.body.appendChild(out);
});
</script>"""

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (make test installs it)",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make test` should have installed it")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with OpLog.memory() as log:
        log.extend(json.loads(line) for line in demo_events_text().splitlines())
        html = render(log.report(DAY_OP), "html")
    path = tmp_path_factory.mktemp("html") / "day.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_the_console_watch_sees_errors(tmp_path: Path) -> None:
    """A page with a script error and a remote image is caught (the check is not blind)."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src '
        "'none'; script-src 'unsafe-inline'\"><img src=\"http://example.invalid/a.png\">"
        "<script>noSuchFunction()</script>",
        encoding="utf-8",
    )
    result = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", bad.as_uri())
    messages = " ".join(console_messages(result.stderr))
    assert "noSuchFunction" in messages and "Content Security Policy" in messages


def test_the_page_loads_with_no_console_message(page: Path, tmp_path: Path) -> None:
    result = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    assert result.stdout.count("<svg") == len(CHART_IDS)


def test_every_chart_has_a_size_and_bars(page: Path, tmp_path: Path) -> None:
    html = page.read_text(encoding="utf-8")
    html = html.replace("style-src 'unsafe-inline'", "style-src 'unsafe-inline'; script-src "
                        "'unsafe-inline'", 1)  # fmt: skip
    measuring = tmp_path / "measure.html"
    measuring.write_text(html.replace("</body>", MEASURE + "\n</body>"), encoding="utf-8")
    result = chromium(tmp_path, "--window-size=1000,2000", "--dump-dom", measuring.as_uri())
    found = re.search(r'<pre id="measured">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, result.stderr[-2000:]
    measured = json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<"))
    assert measured["errors"] == []
    assert [c["id"] for c in measured["charts"]] == list(CHART_IDS)
    for chart in measured["charts"]:
        assert chart["width"] > 300 and chart["height"] > 50, chart
        assert chart["bars"] >= 4, chart
    assert "12 arrests for drug-related offences" in measured["summary"]


def test_screenshot_and_print(page: Path, tmp_path: Path) -> None:
    shot, pdf = tmp_path / "day.png", tmp_path / "day.pdf"
    result = chromium(tmp_path, "--window-size=1100,2400", f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0 and shot.stat().st_size > 20_000, result.stderr[-2000:]
    result = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
