"""The README's picture of the demo: a screenshot of ``out/demo/index.html`` in Debian's chromium.

``python -m indexer.demo.screenshot [PAGE] [PNG]`` (``make docs`` runs it after ``make demo``).
Playwright drives the system's chromium through ``executable_path`` (``STYLELEDGER_CHROMIUM``, else
``chromium`` on the PATH); it never downloads a browser. Playwright is a dev dependency.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DEFAULT_PAGE = Path("out/demo/index.html")
DEFAULT_PNG = Path("docs/demo.png")
VIEWPORT = {"width": 1280, "height": 1800}  # the top of the page: the story, who got paid, tokens
SCALE = 0.75  # a 960 px wide picture


def chromium_candidate() -> str:
    """Where chromium should be: STYLELEDGER_CHROMIUM, else ``chromium`` on the PATH."""
    from indexer.settings import load_settings

    configured = load_settings().chromium
    return str(configured or shutil.which("chromium") or "/usr/bin/chromium")


def find_chromium() -> str:
    """The chromium to drive, or a clear error saying how to get one."""
    candidate = chromium_candidate()
    if not (Path(candidate).is_file() and os.access(candidate, os.X_OK)):
        raise FileNotFoundError(
            f"chromium not found at {candidate}: apt-get install -y chromium, "
            "or set STYLELEDGER_CHROMIUM"
        )
    return candidate


def screenshot(page: Path = DEFAULT_PAGE, png: Path = DEFAULT_PNG) -> Path:
    """Write a PNG of the top of ``page`` (a local HTML file) to ``png``; return ``png``."""
    from playwright.sync_api import sync_playwright

    if not page.is_file():
        raise FileNotFoundError(f"{page} does not exist: run `make demo` first")
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_name(png.name + ".tmp.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=find_chromium(), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            view = browser.new_page(viewport=VIEWPORT, device_scale_factor=SCALE)
            view.goto(page.resolve().as_uri(), wait_until="load")
            view.screenshot(path=str(tmp))
        finally:
            browser.close()
    os.replace(tmp, png)  # never a half-written picture
    return png


def main() -> None:
    page = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PAGE
    png = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_PNG
    try:
        print(f"wrote {screenshot(page, png)}")
    except FileNotFoundError as exc:
        raise SystemExit(f"error: {exc}") from exc


if __name__ == "__main__":
    main()
