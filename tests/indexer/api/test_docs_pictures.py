"""``make docs``: the demo page's screenshot (Debian's chromium) and its errors."""

from __future__ import annotations

import pytest
from PIL import Image

from indexer.demo import screenshot as demo_screenshot
from tests.support.browser import chromium_executable


@pytest.mark.browser
def test_screenshot_of_a_page_is_a_960_px_picture(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STYLELEDGER_CHROMIUM", chromium_executable())
    page = tmp_path / "index.html"
    page.write_text("<html><body style='background:#ff0000'><h1>StyleLedger</h1></body></html>")
    png = demo_screenshot.screenshot(page, tmp_path / "docs" / "demo.png")
    image = Image.open(png).convert("RGB")
    assert image.size == (960, 1350)
    assert image.getpixel((900, 1300)) == (255, 0, 0)  # the page was drawn, not a blank canvas
    assert sorted(p.name for p in png.parent.iterdir()) == ["demo.png"]  # no temporary left


def test_screenshot_of_a_missing_page_says_to_run_the_demo(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="make demo"):
        demo_screenshot.screenshot(tmp_path / "nope.html", tmp_path / "demo.png")


def test_missing_chromium_is_a_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("STYLELEDGER_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(FileNotFoundError, match="apt-get install -y chromium"):
        demo_screenshot.find_chromium()
