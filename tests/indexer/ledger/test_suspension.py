"""DESIGN.md's suspension rule: a style suspended at settlement has all it earned held, sales and
royalties alike; reinstated, it is released in the next epoch; if the curator revokes its
keywords, what it held goes to the prompt author, as for an unregistered word. No wei stays held
forever. Before, a suspended style's royalty share was paid, and nothing ever released what a
never-reinstated style held."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from indexer.db.base import make_session_factory
from indexer.db.models.ledger import EpochLeaf
from indexer.ledger.epochs import settle
from indexer.render.worker import Worker
from tests.support.ledger import (
    add_project,
    add_royalty,
    add_style,
    add_token,
    change_style,
    fake_renderer,
)

AUTHOR, ARTIST = "0x" + "a1" * 20, "0x" + "b2" * 20
PLATFORM = "0x" + "f0" * 20
PRICE = 10_000  # platform 1,000; pool 9,000: stripes 40 % = 3,600, the author 5,400
ROYALTY = 1_000  # platform 100; creators 900 pro rata: artist 360, author 540


def _leaves(factory, epoch: int) -> dict[str, int]:
    with factory() as s:
        rows = s.scalars(select(EpochLeaf).where(EpochLeaf.epoch == epoch))
        return {leaf.account: int(leaf.cumulative) for leaf in rows}


def _story(engine: Engine):
    """A sale and a royalty of a style, then the style suspended before the first settlement."""
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        add_style(s, 1, ["stripes"], ARTIST, block=1)
        add_project(s, 1, author=AUTHOR, prompt="red stripes", model_id="11" * 32, price=PRICE)
        add_token(s, 1, 0, block=10, price=PRICE)
    renderer = fake_renderer({"red": 600_000, "stripes": 400_000})
    Worker(factory, engine.url.database or ".", PLATFORM, renderer=renderer).run()
    with factory() as s, s.begin():
        add_royalty(s, 1, ROYALTY, block=12)
        change_style(s, 1, block=14, opted_out=False, suspended=True)
    return factory


def _settle(factory, block: int) -> int:
    with factory() as s:
        return settle(s, poster=None, platform=PLATFORM, as_of_block=block).number


def test_suspended_at_settlement_holds_sales_and_royalties_then_reinstatement_releases(
    db_engine: Engine,
) -> None:
    factory = _story(db_engine)
    first = _settle(factory, 15)  # the style's sale share and royalty share both wait
    assert ARTIST not in _leaves(factory, first)
    assert _leaves(factory, first)[AUTHOR] == 5_400 + 540
    with factory() as s, s.begin():
        change_style(s, 1, block=16, opted_out=False, suspended=False)  # reinstated
    second = _settle(factory, 17)
    assert _leaves(factory, second) == {AUTHOR: 5_400 + 540, ARTIST: 3_600 + 360, PLATFORM: 100}


def test_revoked_keywords_give_what_was_held_to_the_author(db_engine: Engine) -> None:
    factory = _story(db_engine)
    first = _settle(factory, 15)
    assert ARTIST not in _leaves(factory, first)
    with factory() as s, s.begin():  # the curator frees the impersonated keywords
        change_style(s, 1, block=16, opted_out=False, suspended=True, keywords=[])
    second = _settle(factory, 17)
    leaves = _leaves(factory, second)
    assert ARTIST not in leaves
    assert leaves[AUTHOR] == 5_400 + 540 + 3_600 + 360  # nothing held forever
    assert sum(leaves.values()) == PRICE - 1_000 + ROYALTY  # every wei of the pool and royalty
