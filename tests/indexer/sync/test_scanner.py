"""The scanner's pieces without a chain: how a chunk is cut, and the read-ahead's bound."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indexer.chain.deployment import Deployment
from indexer.sync.scanner import _MAX_PIECES, _PIECE_LOGS, Syncer, _Read, _ReadAhead


def syncer() -> Syncer:
    deployment = Deployment(Path("x.json"), 31337, 1, {}, {}, 1000, 0, {})
    return Syncer(None, deployment, None)  # type: ignore[arg-type]


def test_pieces_follow_the_density_written_last():
    s = syncer()
    # none known yet: _MAX_PIECES equal pieces, in order, covering the chunk exactly
    pieces = s._pieces(100, 2_099)
    assert len(pieces) == _MAX_PIECES and pieces[0] == (100, 349) and pieces[-1] == (1_850, 2_099)
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(pieces))
    assert s._pieces(5, 7) == [(5, 5), (6, 6), (7, 7)]  # never less than a block
    s._density = 0.5  # a sparse chain: one getLogs a chunk
    assert s._pieces(100, 2_099) == [(100, 2_099)]
    s._density = 3 * _PIECE_LOGS / 1_000  # three pieces' worth in 1,000 blocks
    assert s._pieces(0, 999) == [(0, 333), (334, 667), (668, 999)]
    s._density = 1_000.0
    assert len(s._pieces(0, 9_999)) == _MAX_PIECES


def test_read_ahead_stays_within_its_bound_and_in_order():
    pool = ThreadPoolExecutor(max_workers=1)
    started: list[int] = []

    def read(lo: int, hi: int) -> _Read:
        started.append(lo)
        return _Read({}, [{"lo": lo}], None)

    pieces = [(i, i) for i in range(10)]
    reads = _ReadAhead(pool, read, pieces, ahead=2)
    taken = []
    for piece, got in reads:
        time.sleep(0.02)  # a slow writer: the reader runs ahead as far as it may
        assert len(started) <= len(taken) + 1 + 2
        taken.append(piece)
        assert got.logs == [{"lo": piece[0]}]
    reads.close()
    assert taken == pieces and started == list(range(10))


def test_read_ahead_stops_at_the_first_failure_and_on_close():
    pool = ThreadPoolExecutor(max_workers=1)
    started: list[int] = []
    release = threading.Event()

    def read(lo: int, hi: int) -> _Read:
        started.append(lo)
        if lo == 3:
            raise TimeoutError("piece 3")
        return _Read({}, [], None)

    reads = _ReadAhead(pool, read, [(i, i) for i in range(10)], ahead=8)
    with pytest.raises(TimeoutError, match="piece 3"):
        for _ in reads:
            pass
    reads.close()
    assert started == [0, 1, 2, 3] and reads.piece == (3, 3)

    began = threading.Event()

    def slow(lo: int, hi: int) -> _Read:
        started.append(lo)
        began.set()
        release.wait(5)
        return _Read({}, [], None)

    started.clear()
    reads = _ReadAhead(pool, slow, [(i, i) for i in range(10)], ahead=2)
    assert began.wait(5)  # the first read is in flight (on a busy machine it may start late)
    closing = threading.Thread(target=reads.close)
    closing.start()
    time.sleep(0.05)
    assert closing.is_alive()  # close waits for the read in flight...
    release.set()
    closing.join(5)
    assert not closing.is_alive() and started == [0]  # ...and starts no other
