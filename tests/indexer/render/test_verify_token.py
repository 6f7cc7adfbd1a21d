"""`verify TOKEN_ID` against the stored render: identical when nothing was touched; *different*,
with its figures and no traceback, when the stored image, the pixel hash, a share or a ledger
line was altered (issue 19)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, update

from indexer.db.base import make_engine, make_session_factory
from indexer.db.migrate import upgrade_database
from indexer.db.models.ledger import Attribution, LedgerEntry, Render
from indexer.render.verify import verify_token
from indexer.render.worker import Worker
from tests.support.ledger import add_project, add_style, add_token

AUTHOR = "0x" + "a1" * 20
ARTIST = "0x" + "b2" * 20


@pytest.fixture
def rendered(tmp_path: Path, tiny_sd: Path, tiny_sd_id: str):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_database(engine)
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        add_style(s, 1, ["zigzag"], ARTIST, block=1)
        add_project(s, 1, author=AUTHOR, prompt="red zigzag on blue", model_id=tiny_sd_id,
                    price=10**16 + 7, size=64, steps=2)  # fmt: skip
        token = add_token(s, 1, 0, block=5, price=10**16 + 7)
    worker = Worker(factory, tmp_path / "data", platform="0x" + "99" * 20, model_paths=[tiny_sd])
    worker.run(once=True)
    assert worker.rendered == [token], worker.failed
    yield factory, token, tmp_path / "data", [tiny_sd]
    engine.dispose()


def _verify(rendered):
    factory, token, data_dir, paths = rendered
    with factory() as s:
        return verify_token(s, token, data_dir=data_dir, model_paths=paths)


def _image(rendered) -> Path:
    factory, token, data_dir, _ = rendered
    with factory() as s:
        return data_dir / s.get(Render, token).image_path


def test_untouched_is_identical(rendered) -> None:
    check = _verify(rendered)
    assert (check.verdict, check.pixels.verdict, check.shares.verdict) == ("identical",) * 3
    assert check.wei.matches and check.exit_code == 0


def test_an_altered_stored_image(rendered) -> None:
    path = _image(rendered)
    pixels = np.asarray(Image.open(path).convert("RGB")).copy()
    pixels[0, 0] = 255 - pixels[0, 0]
    Image.fromarray(pixels).save(path)
    check = _verify(rendered)
    assert check.verdict == "different" and check.pixels.pixels_off == 1
    assert "was altered" in check.pixels.reason and check.exit_code == 1


def test_a_stored_image_that_is_no_image_any_more(rendered) -> None:
    _image(rendered).write_bytes(b"not a png")
    check = _verify(rendered)
    assert check.verdict == "different" and "cannot be read" in check.pixels.reason


def test_a_tampered_pixel_hash(rendered) -> None:
    factory, token, *_ = rendered
    with factory() as s, s.begin():
        s.execute(update(Render).where(Render.token_id == token).values(pixel_hash="00" * 32))
    check = _verify(rendered)
    assert check.verdict == "different" and check.pixels.expected_pixel_hash == "00" * 32


def test_forged_shares_and_forged_wei(rendered) -> None:
    factory, token, *_ = rendered
    with factory() as s, s.begin():
        rows = s.scalars(select(Attribution).where(Attribution.token_id == token)).all()
        rows[0].ppm += 100_000
        rows[1].ppm -= 100_000
    check = _verify(rendered)
    assert check.shares.verdict == "different" and check.verdict == "different"
    assert sorted(abs(d) for d in check.shares.deltas.values()) == [100_000, 100_000]
    with factory() as s, s.begin():  # shares put back, a ledger line moved instead
        for row in s.scalars(select(Attribution).where(Attribution.token_id == token)):
            row.ppm = check.shares.actual_ppm[row.word]
        line = s.scalars(
            select(LedgerEntry).where(LedgerEntry.token_id == token, LedgerEntry.role == "author")
        ).one()
        line.amount = int(line.amount) + 1
    check = _verify(rendered)
    assert check.shares.verdict == "identical" and not check.wei.matches
    assert check.verdict == "different" and list(check.wei.deltas.values()) == [-1]
