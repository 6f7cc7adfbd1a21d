"""Render queue, render worker, ledger entries and settlement on SQLite and PostgreSQL.

Chain rows are written straight into the database (ledger_support.py); the end-to-end test on
anvil gets them from the real sync. Expected amounts are computed here with plain integer
arithmetic, not with indexer.ledger.money.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from indexer.db.base import make_session_factory
from indexer.db.models.ledger import (
    Attribution,
    EpochLeaf,
    LedgerEntry,
    Render,
    RenderJob,
)
from indexer.ledger.epochs import SettlementError, build_epoch, settle
from indexer.ledger.merkle import StandardMerkleTree
from indexer.render import jobs
from indexer.render.worker import Worker
from tests.support.ledger import (
    add_project,
    add_royalty,
    add_style,
    add_token,
    change_style,
    fake_renderer,
    tiny_model,
)

AUTHOR = "0x" + "a1" * 20
ARTIST = "0x" + "b2" * 20
OTHER = "0x" + "c3" * 20
PLATFORM = "0x" + "f0" * 20
MODEL = "0x" + "11" * 32
ETH = 10**18


def _setup(engine: Engine, tokens: int = 3, price: int = ETH) -> list[int]:
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        add_style(s, 1, ["stripes"], ARTIST, block=1)
        add_style(s, 2, ["dots"], OTHER, block=1)
        add_project(s, 1, author=AUTHOR, prompt="red stripes dots", model_id=MODEL, price=price)
        return [add_token(s, 1, i, block=10 + i, price=price) for i in range(tokens)]


# ─────────────────────────────────────────── the queue ───────────────────────────────────────────


def test_queue_claims_each_job_once_and_fences_stale_workers(db_engine: Engine) -> None:
    ids = _setup(db_engine)
    with db_engine.begin() as conn:
        assert jobs.enqueue_missing(conn) == 3
        assert jobs.enqueue_missing(conn) == 0  # idempotent
    with db_engine.begin() as conn:
        a = jobs.claim(conn, "A", lease_s=60, now=1_000)
        b = jobs.claim(conn, "B", lease_s=60, now=1_000)
        c = jobs.claim(conn, "C", lease_s=60, now=1_000)
        assert jobs.claim(conn, "D", lease_s=60, now=1_000) is None
    assert sorted([a, b, c]) == ids
    # A dies; after its lease B takes the job over; A's late result is refused
    with db_engine.begin() as conn:
        assert jobs.claim(conn, "B2", lease_s=60, now=1_061) == a
        assert not jobs.complete(conn, a, "A")
        assert jobs.complete(conn, a, "B2")
        assert jobs.counts(conn) == jobs.QueueCounts(running=2, done=1)


def test_failures_are_retried_then_shown_failed_with_the_reason(db_engine: Engine) -> None:
    (token,) = _setup(db_engine, tokens=1)
    factory = make_session_factory(db_engine)

    def broken(inp, data_dir, model_paths):
        raise RuntimeError(f"model for token {inp.token_id} is corrupt")

    worker = Worker(factory, Path("unused"), PLATFORM, renderer=broken, max_tries=3)
    worker.run(once=True)
    with factory() as s:
        job = s.get(RenderJob, token)
        assert (job.status, job.tries) == ("failed", 3)
        assert "RuntimeError: model for token" in job.last_error
        assert s.scalar(select(func.count()).select_from(Render)) == 0
    assert worker.failed == [(token, job.last_error)]
    # --retry-failed puts it back in the queue; a working renderer then finishes it
    with db_engine.begin() as conn:
        assert jobs.retry_failed(conn) == 1
    Worker(factory, Path("unused"), PLATFORM, renderer=fake_renderer({"red": 10**6})).run()
    with factory() as s:
        assert s.get(RenderJob, token).status == "done"


# ─────────────────────────────────────── worker and ledger ───────────────────────────────────────


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("models") / "tiny-sd")


def test_worker_renders_with_the_pinned_model_and_splits_each_sale(
    db_engine: Engine, tiny_model_dir: Path, tmp_path: Path
) -> None:
    from generator.models import model_id

    factory = make_session_factory(db_engine)
    mid = model_id(tiny_model_dir)
    price = 10**18 + 7  # odd, so floors and dust show
    with factory() as s, s.begin():
        add_style(s, 1, ["stripes"], ARTIST, block=1)
        add_style(s, 2, ["dots"], OTHER, block=1, opted_out=True)
        add_project(
            s, 1, author=AUTHOR, prompt="red stripes on blue dots", model_id=mid, price=price
        )
        tokens = [add_token(s, 1, i, block=10 + i, price=price) for i in range(2)]
    worker = Worker(factory, tmp_path / "data", PLATFORM, model_paths=[tiny_model_dir])
    worker.run(once=True)
    assert sorted(worker.rendered) == tokens and worker.failed == []
    with factory() as s:
        for token in tokens:
            render = s.get(Render, token)
            png = tmp_path / "data" / render.image_path
            assert png.is_file() and render.image_sha256[2:] in png.name
            assert (tmp_path / "data" / render.heatmap_dir / "overlay.png").is_file()
            words = {a.word: a for a in s.scalars(select(Attribution).filter_by(token_id=token))}
            assert set(words) == {"red", "stripes", "on", "blue", "dots"}
            assert sum(a.ppm for a in words.values()) == 1_000_000
            assert words["stripes"].style_id == 1 and words["stripes"].payee == ARTIST
            assert words["dots"].style_status == "opted_out" and words["dots"].payee == AUTHOR
            entries = {
                e.role: e.amount for e in s.scalars(select(LedgerEntry).filter_by(token_id=token))
            }
            platform = price * 1000 // 10_000
            pool = price - platform
            artist = pool * words["stripes"].ppm // 1_000_000
            assert entries == {"platform": platform, "artist": artist, "author": pool - artist}


def test_mint_before_registration_and_after_opt_out_pays_the_author(db_engine: Engine) -> None:
    factory = make_session_factory(db_engine)
    with factory() as s, s.begin():
        add_project(s, 1, author=AUTHOR, prompt="stripes", model_id=MODEL, price=1000)
        early = add_token(s, 1, 0, block=5, price=1000)
        add_style(s, 1, ["stripes"], ARTIST, block=6)
        paid = add_token(s, 1, 1, block=7, price=1000)
        change_style(s, 1, block=8, opted_out=True, suspended=False)
        late = add_token(s, 1, 2, block=9, price=1000)
    Worker(factory, Path("unused"), PLATFORM, renderer=fake_renderer({"stripes": 10**6})).run()
    with factory() as s:
        roles = {
            t: {e.role: e.amount for e in s.scalars(select(LedgerEntry).filter_by(token_id=t))}
            for t in (early, paid, late)
        }
    assert roles[early] == {"platform": 100, "author": 900}
    assert roles[paid] == {"platform": 100, "artist": 900, "author": 0}
    assert roles[late] == {"platform": 100, "author": 900}


# ─────────────────────────────────────────── settlement ──────────────────────────────────────────


def _leaves(engine: Engine, epoch: int) -> dict[str, int]:
    with make_session_factory(engine)() as s:
        rows = s.scalars(select(EpochLeaf).where(EpochLeaf.epoch == epoch))
        return {leaf.account: leaf.cumulative for leaf in rows}


def test_suspended_style_is_held_then_released_after_reinstatement(db_engine: Engine) -> None:
    factory = make_session_factory(db_engine)
    with factory() as s, s.begin():
        add_style(s, 1, ["stripes"], ARTIST, block=1)
        add_project(s, 1, author=AUTHOR, prompt="red stripes", model_id=MODEL, price=10_000)
        add_token(s, 1, 0, block=10, price=10_000)  # active: paid
        change_style(s, 1, block=11, opted_out=False, suspended=True)
        add_token(s, 1, 1, block=12, price=10_000)  # suspended: held
    shares = {"red": 600_000, "stripes": 400_000}
    Worker(factory, Path("unused"), PLATFORM, renderer=fake_renderer(shares)).run()
    with factory() as s:
        held = s.scalars(select(LedgerEntry).filter_by(role="held")).all()
        assert [(e.account, e.amount, e.style_id) for e in held] == [(ARTIST, 3_600, 1)]

    # epoch 1 while suspended: the artist's earlier entry stays out too (held until reinstated)
    with factory() as s:
        first = settle(s, poster=None, platform=PLATFORM, as_of_block=12)
    pool = 9_000
    assert _leaves(db_engine, 1) == {AUTHOR: 2 * (pool - pool * 400_000 // 10**6)}
    assert first.total == sum(_leaves(db_engine, 1).values())

    with factory() as s, s.begin():
        change_style(s, 1, block=13, opted_out=False, suspended=False)
    with factory() as s:
        second = settle(s, poster=None, platform=PLATFORM, as_of_block=13)
    assert _leaves(db_engine, 2) == {AUTHOR: 2 * 5_400, ARTIST: 2 * 3_600}
    assert second.total == 2 * pool
    # nothing new: refused rather than a duplicate root
    with factory() as s, pytest.raises(SettlementError, match="nothing new"):
        settle(s, poster=None, platform=PLATFORM, as_of_block=13)


def test_epoch_root_and_proofs_match_an_independent_tree(db_engine: Engine) -> None:
    _setup(db_engine, tokens=3, price=10**18 + 3)
    factory = make_session_factory(db_engine)
    Worker(
        factory,
        Path("unused"),
        PLATFORM,
        renderer=fake_renderer({"red": 333_333, "stripes": 333_333, "dots": 333_334}),
    ).run()
    with factory() as s:
        summary = settle(s, poster=None, platform=PLATFORM, as_of_block=100)
    price = 10**18 + 3
    pool = price - price // 10
    artist, other = pool * 333_333 // 10**6, pool * 333_334 // 10**6
    expected = {ARTIST: 3 * artist, OTHER: 3 * other, AUTHOR: 3 * (pool - artist - other)}
    assert _leaves(db_engine, 1) == expected
    tree = StandardMerkleTree.of(list(expected.items()))
    assert summary.root == tree.root and summary.total == 3 * pool
    with factory() as s:
        for leaf in s.scalars(select(EpochLeaf)):
            assert leaf.proof_hex == tree.proof((leaf.account, leaf.cumulative))


def test_royalties_split_pro_rata_to_settled_entitlements(db_engine: Engine) -> None:
    _setup(db_engine, tokens=2, price=1_000)
    factory = make_session_factory(db_engine)
    Worker(
        factory,
        Path("unused"),
        PLATFORM,
        renderer=fake_renderer({"red": 500_000, "stripes": 500_000}),
    ).run()
    with factory() as s, s.begin():
        add_royalty(s, 1, 1_001, block=20)
    with factory() as s:
        settle(s, poster=None, platform=PLATFORM, as_of_block=20)
    # sales: pool 900 each -> artist 450, author 450; royalty: platform 100, 901 pro rata 1:1
    assert _leaves(db_engine, 1) == {ARTIST: 900 + 450, AUTHOR: 900 + 451, PLATFORM: 100}


def test_the_platform_recipient_is_the_one_on_chain_at_each_payment(db_engine: Engine) -> None:
    """After ``setPlatformRecipient`` the tree pays royalties' platform part to the new recipient;
    each sale's platform line names the recipient of its mint's time (the deployment file's
    platform role before any change was indexed)."""
    from indexer.db.models.chain import PlatformRecipient, log_pos

    new_platform = "0x" + "f1" * 20
    _setup(db_engine, tokens=2, price=1_000)  # mints at blocks 10 and 11
    factory = make_session_factory(db_engine)
    with factory() as s, s.begin():
        s.add(
            PlatformRecipient(
                recipient=new_platform, valid_from_pos=log_pos(10, 50), block_number=10
            )
        )
        add_royalty(s, 1, 1_001, block=20)
    Worker(
        factory,
        Path("unused"),
        PLATFORM,
        renderer=fake_renderer({"red": 500_000, "stripes": 500_000}),
    ).run()
    with factory() as s:
        settle(s, poster=None, platform=PLATFORM, as_of_block=20)
        sale_platform = dict(
            s.execute(
                select(LedgerEntry.token_id, LedgerEntry.account).where(
                    LedgerEntry.kind == "sale", LedgerEntry.role == "platform"
                )
            ).all()
        )
    assert sale_platform == {1_000_000: PLATFORM, 1_000_001: new_platform}
    # royalty 1,001: platform 100 to the recipient of the deposit's time, 901 pro rata 1:1
    assert _leaves(db_engine, 1) == {ARTIST: 900 + 450, AUTHOR: 900 + 451, new_platform: 100}


def test_a_crash_inside_the_build_leaves_nothing(db_engine: Engine, monkeypatch) -> None:
    _setup(db_engine, tokens=1)
    factory = make_session_factory(db_engine)
    Worker(factory, Path("unused"), PLATFORM, renderer=fake_renderer({"red": 10**6})).run()
    import indexer.ledger.epochs as st

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(st, "store_leaves", boom)
    with factory() as s, pytest.raises(RuntimeError, match="disk full"):
        settle(s, poster=None, platform=PLATFORM, as_of_block=100)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(EpochLeaf)) == 0
        assert s.scalar(select(func.count()).where(LedgerEntry.epoch.is_not(None))) == 0
    monkeypatch.undo()
    with factory() as s:
        assert settle(s, poster=None, platform=PLATFORM, as_of_block=100).number == 1


def test_build_epoch_alone_is_deterministic(db_engine: Engine) -> None:
    _setup(db_engine, tokens=2)
    factory = make_session_factory(db_engine)
    Worker(factory, Path("unused"), PLATFORM, renderer=fake_renderer({"stripes": 10**6})).run()
    with factory() as s:
        first = build_epoch(s, number=1, as_of_block=100, platform=PLATFORM).root
        s.rollback()
        again = build_epoch(s, number=1, as_of_block=100, platform=PLATFORM).root
        s.rollback()
    assert first == again


def test_a_vetoed_root_reopens_its_epoch(db_engine: Engine) -> None:
    from indexer.db.models.chain import RootPost
    from indexer.db.models.ledger import Epoch

    _setup(db_engine, tokens=1, price=1_000)
    factory = make_session_factory(db_engine)
    Worker(factory, Path("unused"), PLATFORM, renderer=fake_renderer({"stripes": 10**6})).run()
    with factory() as s, s.begin():
        add_royalty(s, 1, 100, block=20)
    with factory() as s:
        first = settle(s, poster=None, platform=PLATFORM, as_of_block=20)
    with factory() as s, s.begin():  # posted, then vetoed by the guardian (as the sync records it)
        s.get(Epoch, 1).status = "posted"
        s.add(
            RootPost(
                epoch=1,
                root=first.root,
                total_cumulative=first.total,
                uri="",
                claimable_at=0,
                vetoed_block=21,
                vetoed_tx="0x" + "ee" * 32,
                block_number=20,
                block_hash="0x" + "dd" * 32,
                tx_hash="0x" + "cc" * 32,
                log_index=0,
            )
        )
    with factory() as s:
        second = settle(s, poster=None, platform=PLATFORM, as_of_block=21)
        assert s.get(Epoch, 1).status == "vetoed"
        stamped = {e.epoch for e in s.scalars(select(LedgerEntry).where(LedgerEntry.in_tree))}
    assert stamped == {2}
    assert (second.number, second.root, second.total) == (2, first.root, first.total)
    assert _leaves(db_engine, 2) == _leaves(db_engine, 1)


def test_interrupted_worker_gives_its_job_back(db_engine: Engine) -> None:
    (token,) = _setup(db_engine, tokens=1)
    factory = make_session_factory(db_engine)

    def interrupted(inp, data_dir, model_paths):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Worker(factory, Path("unused"), PLATFORM, renderer=interrupted).run()
    with factory() as s:
        job = s.get(RenderJob, token)
        assert (job.status, job.tries, job.worker_id) == ("queued", 0, None)


def test_paid_tokens_are_rendered_before_free_ones(db_engine: Engine) -> None:
    """A free project with many tokens cannot hold back the ones collectors paid for."""
    factory = make_session_factory(db_engine)
    with factory() as s, s.begin():
        add_project(s, 1, author=AUTHOR, prompt="red", model_id=MODEL, price=0)
        add_project(s, 2, author=AUTHOR, prompt="red", model_id=MODEL, price=ETH)
        free = [add_token(s, 1, i, block=10 + i, price=0) for i in range(3)]
        paid = add_token(s, 2, 0, block=20, price=ETH)
    with db_engine.begin() as conn:
        jobs.enqueue_missing(conn)
        order = [jobs.claim(conn, "W", lease_s=60, now=1_000) for _ in range(4)]
    assert order == [paid, *free]
