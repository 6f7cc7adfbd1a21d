"""Follow the chain: ``eth_getLogs`` in adaptive chunks, reorg-safe, one transaction per chunk.

The loop (:meth:`Syncer.step`):

1. **Reorg check.** The newest stored block hash is compared with the chain's. On a mismatch the
   stored hashes are walked down (one batched request) to the newest block still on the chain,
   the *ancestor*; everything written after it is rolled back (:func:`rollback_to`) and the
   cursor moves back to ``ancestor + 1``.
2. **Read a chunk** ``[start, end]`` in *pieces*: as many block ranges as the logs expected at
   the density seen so far call for (:meth:`Syncer._pieces`; a first chunk, of unknown density,
   in ``_MAX_PIECES``). A reader thread reads the pieces in order, up to ``_READ_AHEAD`` ahead
   of the one being written, so the node works on the next piece while this one is written.
   Each piece ``[lo, hi]`` is read as a whole chunk once was: one ``eth_getLogs`` over the three
   contracts' addresses and, alongside it (a second thread), a sample of the piece's block
   headers within ``reorg_window`` of the head (``hi``, ``hi - 1``, ``hi - 2``, ``hi - 4``...
   and the first; one batched request; older blocks are taken as final), checked to link to
   each other and to the logs' block hashes; then ``hi``'s hash again. Blocks with logs keep
   their hashes too. If anything moved in between, nothing is written and the loop goes
   round (the reorg check then sees what happened).
3. **Write the chunk in one transaction**, each piece as it arrives: the cursor advanced by
   compare-and-swap (a second indexer on the same database cannot double-apply), each piece's
   first block checked to link to the stored hash below it (or to the piece before), block
   hashes, raw logs, projections; then hooks. ``kill -9`` anywhere leaves either the whole
   chunk or none of it.

Chunks start at ``chunk_size`` blocks, double after each success up to ``max_chunk_size`` and,
when the provider refuses a range (too many results, range too large, timeouts), drop to half
the refused range.
"""

from __future__ import annotations

import gc
import logging
import math
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from indexer.chain.connection import rpc_call
from indexer.chain.decode import DecodedLog, LogDecoder
from indexer.chain.deployment import Deployment
from indexer.db.bulk import bulk_insert_rows
from indexer.db.models.chain import ChainBlock, RawLog, SyncCursor
from indexer.errors import (
    DeploymentMismatchError,
    ReorgTooDeepError,
    RPCError,
    RPCUnreachableError,
    SyncError,
)
from indexer.sync.projections import Projector, RollbackHook, rollback_to

log = logging.getLogger(__name__)

# What providers answer when a range holds too much: Alchemy, Infura, QuickNode, geth, erigon...
_RANGE_ERROR = re.compile(
    r"range|too many|too large|limit|exceed|more than|response size|timeout|timed out|"
    r"query returned|block count|10000|max results",
    re.IGNORECASE,
)

# After a refused range, chunks stay below its size for this many successful chunks.
_CEILING_CHUNKS = 32
# Consecutive chunk reads that saw the chain move before the sync gives up.
_MAX_MOVED = 100
# A chunk is read in pieces of about this many logs (at the density of the chunks before it),
# at most _MAX_PIECES; pieces are read up to _READ_AHEAD ahead of the one being written.
_PIECE_LOGS = 4_000
_MAX_PIECES = 8
_READ_AHEAD = 2

LogSource = Callable[[int, int, Sequence[str]], list[dict[str, Any]]]
# Called in the chunk's transaction after its projections, with the chunk's decoded logs.
ChunkHook = Callable[[Session, list[DecodedLog]], None]


class _ChainMoved(Exception):
    """The chain changed while a chunk was read: write nothing, go round again."""


class _CursorMoved(Exception):
    """Another process advanced the cursor first."""


def is_range_error(exc: BaseException) -> bool:
    """True when a provider refused a getLogs range for its size (so a smaller one may pass)."""
    if isinstance(exc, requests.Timeout):
        return True
    if isinstance(exc, RPCError):
        return bool(_RANGE_ERROR.search(exc.rpc_message)) or exc.code in {-32005, -32602}
    return False


def rpc_log_source(w3: Web3) -> LogSource:
    """Raw ``eth_getLogs`` (no web3 formatters) over a block range and a list of addresses."""

    def get_logs(start: int, end: int, addresses: Sequence[str]) -> list[dict[str, Any]]:
        params = {"fromBlock": hex(start), "toBlock": hex(end), "address": list(addresses)}
        return rpc_call(w3, "eth_getLogs", [params])

    return get_logs


@dataclass
class SyncProgress:
    """Where a run stands (passed to ``on_progress`` after every step)."""

    first_block: int
    next_block: int
    target_block: int
    head_block: int
    logs: int = 0
    chunks: int = 0
    reorgs: int = 0
    rolled_back_blocks: int = 0
    chunk_size: int = 0

    @property
    def caught_up(self) -> bool:
        return self.next_block > self.target_block


@dataclass(frozen=True)
class _Header:
    number: int
    hash: str
    parent_hash: str | None


@dataclass
class _Read:
    """A piece as read: its block hashes, its logs, and the parent hash its first block must link
    to (the hash stored or read below it; None where that block is older than the reorg window)."""

    headers: dict[int, _Header]
    logs: list[dict[str, Any]]
    parent_hash: str | None


# a piece, and its read or what reading it raised
_Outcome = tuple[tuple[int, int], _Read | None, BaseException | None]


class _ReadAhead:
    """Reads ``pieces`` in order on ``pool``'s thread, at most ``ahead`` of the one taken last.

    Iterating yields ``(piece, read)`` in order and raises what a read raised, where it
    happened; the first failure ends the reading (no request follows a refused one).
    :meth:`close` stops it and waits for a read in flight.
    """

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        read: Callable[[int, int], _Read],
        pieces: Sequence[tuple[int, int]],
        ahead: int,
    ) -> None:
        self._read, self._pieces = read, pieces
        self._results: queue.SimpleQueue[_Outcome] = queue.SimpleQueue()
        self._slots = threading.Semaphore(ahead)
        self._stopped = False
        self.piece = pieces[0]  # the piece taken last (or failed)
        self._done = pool.submit(self._run)

    def _run(self) -> None:
        for piece in self._pieces:
            self._slots.acquire()
            if self._stopped:
                return
            try:
                self._results.put((piece, self._read(*piece), None))
            except BaseException as exc:  # handed to the writing thread, raised there
                self._results.put((piece, None, exc))
                return

    def __iter__(self) -> Iterator[tuple[tuple[int, int], _Read]]:
        for _ in self._pieces:
            self.piece, read, error = self._results.get()
            self._slots.release()
            if error is not None:
                raise error
            assert read is not None
            yield self.piece, read

    def close(self) -> None:
        self._stopped = True
        self._slots.release()  # a reader waiting for a slot wakes up and stops
        wait([self._done])


def _sample(low: int, end: int) -> list[int]:
    """Blocks whose hashes a chunk keeps: ``low``, ``end`` and ``end - 2**k`` down to ``low``.

    A reorg of depth d then finds a kept ancestor at most ~2d blocks down (rolled back and read
    again: exact, a little more work) with log2(window) headers a chunk instead of window.
    """
    numbers = {low, end}
    step = 1
    while end - step > low:
        numbers.add(end - step)
        step *= 2
    return sorted(numbers)


class Syncer:
    """Indexes one deployment's logs into one database."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        session_factory: sessionmaker[Session],
        *,
        confirmations: int = 0,
        chunk_size: int = 2_000,
        max_chunk_size: int = 10_000,
        reorg_window: int = 256,
        log_source: LogSource | None = None,
        rollback_hooks: Iterable[RollbackHook] = (),
        chunk_hooks: Iterable[ChunkHook] = (),
        on_progress: Callable[[SyncProgress], None] | None = None,
    ) -> None:
        if chunk_size < 1 or max_chunk_size < 1 or reorg_window < 1 or confirmations < 0:
            raise ValueError("chunk sizes and reorg_window must be >= 1, confirmations >= 0")
        self.w3 = w3
        self.deployment = deployment
        self.session_factory = session_factory
        self.confirmations = confirmations
        self.chunk_size = chunk_size
        self.max_chunk_size = max(max_chunk_size, chunk_size)
        self.reorg_window = reorg_window
        self.log_source = log_source or rpc_log_source(w3)
        self.rollback_hooks = list(rollback_hooks)
        self.chunk_hooks = list(chunk_hooks)
        self.on_progress = on_progress
        self.decoder = LogDecoder(deployment)
        self.chain_id = deployment.chain_id
        self.progress: SyncProgress | None = None
        self._ceiling, self._ceiling_left = self.max_chunk_size, 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="headers")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="logs")
        self._moved = 0  # chunks read in a row while the chain moved under them
        self._density: float | None = None  # logs per block in the chunk written last

    # ── public ──

    def run_once(self, until: int | None = None) -> SyncProgress:
        """Index up to the confirmed head (or ``until``) and return what was done."""
        self._start()
        while self.step(until):
            pass
        assert self.progress is not None
        return self.progress

    def follow(self, poll_interval: float = 2.0, stop: threading.Event | None = None) -> None:
        """Index forever (until ``stop`` is set), polling the head every ``poll_interval`` s.

        Transient RPC failures are logged and retried with a growing pause (at most a minute).
        """
        stop = stop or threading.Event()
        self._start()
        pause = poll_interval
        while not stop.is_set():
            try:
                if self.step():
                    pause = poll_interval
                    continue
            except (RPCUnreachableError, RPCError, requests.RequestException, OSError) as exc:
                log.warning("RPC trouble (%s); retrying in %.0f s", exc, pause)
                stop.wait(pause)
                pause = min(pause * 2, 60.0)
                continue
            stop.wait(poll_interval)

    def step(self, until: int | None = None) -> bool:
        """One reorg check and one chunk (its pieces). False when caught up (nothing to do now)."""
        if self.progress is None:
            self._start()
        progress = self.progress
        assert progress is not None
        head = self._head()
        target = head - self.confirmations
        if until is not None:
            target = min(until, target)
        progress.head_block, progress.target_block = head, target
        if self._check_reorg(head):
            self._notify()
            return True
        start = self._cursor()
        progress.next_block = start
        if start > target:
            self._notify()
            return False
        end = min(target, start + self.chunk_size - 1)
        pieces = self._pieces(start, end)
        reads = _ReadAhead(
            self._reader, lambda lo, hi: self._read_chunk(lo, hi, head), pieces, _READ_AHEAD
        )
        try:
            with _gc_paused():  # a chunk's objects are acyclic: GC passes over them are waste
                logs = self._write_chunk(start, end, head, reads)
        except (_ChainMoved, _CursorMoved):
            self._moved += 1
            if self._moved > _MAX_MOVED:
                raise SyncError(
                    f"the chain changed under {self._moved} reads in a row: are the RPC's answers "
                    "from several nodes at different heights (a load balancer)? Use one node, or "
                    "raise STYLELEDGER_CONFIRMATIONS"
                ) from None
            time.sleep(min(0.05 * self._moved, 2.0))
            return True
        except (RPCError, requests.Timeout) as exc:
            lo, hi = reads.piece
            if not is_range_error(exc) or hi == lo:
                raise
            size = hi - lo + 1
            self.chunk_size = max(1, size // 2)
            # don't grow straight back into the wall: stay below the refused size for a while
            self._ceiling, self._ceiling_left = size - 1, _CEILING_CHUNKS
            log.info("getLogs refused %d blocks (%s): chunk now %d", size, exc, self.chunk_size)
            return True
        self._moved = 0
        self._density = logs / (end - start + 1)
        self._grow()
        progress.next_block = end + 1
        progress.chunks += 1
        progress.logs += logs
        progress.chunk_size = self.chunk_size
        self._notify()
        return True

    def _pieces(self, start: int, end: int) -> list[tuple[int, int]]:
        """``[start, end]`` cut into equal block ranges of about _PIECE_LOGS logs each at the
        density written last (_MAX_PIECES of them while none is known), one per block at most."""
        blocks = end - start + 1
        if self._density is None:
            count = _MAX_PIECES
        else:
            count = math.ceil(self._density * blocks / _PIECE_LOGS)
        count = max(1, min(count, _MAX_PIECES, blocks))
        size = -(-blocks // count)
        return [(lo, min(end, lo + size - 1)) for lo in range(start, end + 1, size)]

    def _grow(self) -> None:
        if self._ceiling_left > 0:
            self._ceiling_left -= 1
            limit = self._ceiling
        else:
            limit = self.max_chunk_size
        self.chunk_size = min(limit, self.max_chunk_size, self.chunk_size * 2)

    # ── cursor ──

    def _start(self) -> None:
        try:
            with self.session_factory() as session, session.begin():
                if session.get(SyncCursor, self.chain_id) is None:
                    session.add(
                        SyncCursor(
                            chain_id=self.chain_id,
                            deployment_key=self.deployment.key,
                            deploy_block=self.deployment.deploy_block,
                            next_block=self.deployment.deploy_block,
                        )
                    )
        except IntegrityError:
            pass  # another indexer created it first: fine, it is checked below
        with self.session_factory() as session, session.begin():
            cursor = session.get(SyncCursor, self.chain_id)
            if cursor is None:
                raise SyncError("the sync cursor vanished while starting")
            if cursor.deployment_key != self.deployment.key:
                raise DeploymentMismatchError(
                    f"the database follows deployment {cursor.deployment_key} on chain "
                    f"{self.chain_id}, not {self.deployment.key} ({self.deployment.path}): "
                    "use a fresh database (STYLELEDGER_DATABASE_URL) for a new deployment"
                )
            others = session.scalars(
                select(SyncCursor.chain_id).where(SyncCursor.chain_id != self.chain_id)
            ).all()
            if others:
                raise DeploymentMismatchError(
                    f"the database follows chain {others[0]}, not chain {self.chain_id}: "
                    "use a fresh database for another chain"
                )
            next_block = cursor.next_block
        self.progress = SyncProgress(
            first_block=next_block,
            next_block=next_block,
            target_block=next_block - 1,
            head_block=next_block - 1,
            chunk_size=self.chunk_size,
        )

    def _cursor(self) -> int:
        with self.session_factory() as session:
            return session.execute(
                select(SyncCursor.next_block).where(SyncCursor.chain_id == self.chain_id)
            ).scalar_one()

    def _notify(self) -> None:
        if self.on_progress is not None and self.progress is not None:
            self.on_progress(self.progress)

    # ── chain reads ──

    def _head(self) -> int:
        return int(rpc_call(self.w3, "eth_blockNumber", []), 16)

    def _headers(self, numbers: Sequence[int]) -> dict[int, _Header | None]:
        """Headers by number, in one batched request (None where the chain has no such block)."""
        if not numbers:
            return {}
        calls = [("eth_getBlockByNumber", [hex(n), False]) for n in numbers]
        if len(calls) == 1:
            answers = [self.w3.provider.make_request(*calls[0])]  # type: ignore[arg-type]
        else:
            answers = self.w3.provider.make_batch_request(calls)  # type: ignore[arg-type]
        if not isinstance(answers, list):
            raise RPCError("eth_getBlockByNumber", None, str(answers.get("error", answers)))
        result: dict[int, _Header | None] = {}
        for number, answer in zip(numbers, answers, strict=True):
            if "error" in answer:
                raise RPCError("eth_getBlockByNumber", None, str(answer["error"]))
            block = answer["result"]
            result[number] = (
                None
                if block is None
                else _Header(number, block["hash"].lower(), block["parentHash"].lower())
            )
        return result

    def _read_chunk(self, start: int, end: int, head: int) -> _Read:
        """The logs of ``[start, end]`` and the block hashes that vouch for them (on the reader
        thread: no database here)."""
        low = min(end, max(start, head - self.reorg_window + 1))
        numbers = _sample(low, end)
        # the headers travel while getLogs runs; `end` is asked for again after both
        pending = self._pool.submit(self._headers, numbers)
        try:
            raw_logs = self.log_source(start, end, self.deployment.addresses)
        finally:
            fetched = pending.result()
        if any(h is None for h in fetched.values()):
            raise _ChainMoved
        headers: dict[int, _Header] = fetched  # type: ignore[assignment]
        for n in numbers:
            if n - 1 in headers and headers[n].parent_hash != headers[n - 1].hash:
                raise _ChainMoved
        again = self._headers([end])[end]
        if again is None or again.hash != headers[end].hash:
            raise _ChainMoved
        # `end` did not move, so neither did its ancestors: the logs' block hashes are the chain's
        # (each block once: thousands of logs share a few blocks)
        blocks = {(entry["blockNumber"], entry["blockHash"].lower()) for entry in raw_logs}
        for number_hex, block_hash in blocks:
            number = int(number_hex, 16)
            known = headers.get(number)
            if known is None:
                if number >= low:
                    headers[number] = _Header(number, block_hash, None)
            elif known.hash != block_hash:
                raise _ChainMoved
        return _Read(headers, raw_logs, headers[start].parent_hash if low == start else None)

    # ── writes ──

    def _write_chunk(self, start: int, end: int, head: int, reads: _ReadAhead) -> int:
        """Write the chunk ``[start, end]`` in one transaction, each piece as soon as it is read
        (the transaction begins with the first); the number of logs written. The reading stops
        on the way out."""
        try:
            return self._write_pieces(start, end, head, reads)
        finally:
            reads.close()

    def _write_pieces(self, start: int, end: int, head: int, reads: _ReadAhead) -> int:
        chunk: list[DecodedLog] = []
        below: dict[int, _Header] | None = None  # the block hashes of the piece written last
        with self.session_factory() as session, session.begin():
            projector = Projector(session, self.deployment)
            for (lo, _hi), read in reads:
                if below is None:
                    self._advance_cursor(session, start, end, head)
                    linked = session.get(ChainBlock, lo - 1)
                    parent = None if linked is None else linked.hash
                else:
                    parent = below[lo - 1].hash  # every piece keeps its last block's hash
                if read.parent_hash is not None and parent not in (None, read.parent_hash):
                    raise _ChainMoved
                below = read.headers
                decoded = self.decoder.decode_all(read.logs)
                order = [(d.block_number, d.log_index) for d in decoded]
                if order != sorted(order):  # nodes answer in chain order; be sure anyway
                    decoded.sort(key=lambda d: (d.block_number, d.log_index))
                if read.headers:
                    session.execute(
                        ChainBlock.__table__.insert(),
                        [
                            {"number": h.number, "hash": h.hash, "parent_hash": h.parent_hash}
                            for h in read.headers.values()
                        ],
                    )
                if decoded:
                    rows = [_raw_row(d) for d in decoded]
                    bulk_insert_rows(session, RawLog.__table__, _RAW_COLUMNS, rows)
                    projector.apply(decoded)
                    chunk.extend(decoded)
            for hook in self.chunk_hooks:
                hook(session, chunk)
            session.execute(delete(ChainBlock).where(ChainBlock.number < end - self.reorg_window))
        return len(chunk)

    def _advance_cursor(self, session: Session, start: int, end: int, head: int) -> None:
        """Move the cursor from ``start`` to ``end + 1`` (compare-and-swap: _CursorMoved if
        another indexer moved it first)."""
        moved = session.execute(
            update(SyncCursor)
            .where(SyncCursor.chain_id == self.chain_id, SyncCursor.next_block == start)
            .values(next_block=end + 1, head_block=head)
        )
        if moved.rowcount != 1:
            raise _CursorMoved

    # ── reorgs ──

    def _check_reorg(self, head: int) -> bool:
        """Roll back to the newest stored block still on the chain; True if anything was undone."""
        with self.session_factory() as session:
            stored = session.execute(
                select(ChainBlock.number, ChainBlock.hash).order_by(ChainBlock.number.desc())
            ).all()
        if not stored:
            return False
        newest_number, newest_hash = stored[0]
        chain = self._headers([newest_number])[newest_number]
        if chain is not None and chain.hash == newest_hash:
            return False
        on_chain = self._headers([number for number, _ in stored])
        ancestor = next(
            (n for n, h in stored if on_chain[n] is not None and on_chain[n].hash == h),  # type: ignore[union-attr]
            None,
        )
        if ancestor is None:
            raise ReorgTooDeepError(
                f"reorg below block {stored[-1][0]}, the oldest hash kept: none of the last "
                f"{len(stored)} stored block hashes is on the chain any more. Raise "
                "STYLELEDGER_REORG_WINDOW / STYLELEDGER_CONFIRMATIONS and re-index from scratch"
            )
        with self.session_factory() as session, session.begin():
            cursor = session.get(SyncCursor, self.chain_id, with_for_update=True)
            assert cursor is not None
            if cursor.next_block <= ancestor + 1:
                return False
            undone = cursor.next_block - 1 - ancestor
            rollback_to(session, ancestor, self.rollback_hooks)
            cursor.next_block = ancestor + 1
        log.warning("reorg: rolled back %d blocks to ancestor %d", undone, ancestor)
        assert self.progress is not None
        self.progress.reorgs += 1
        self.progress.rolled_back_blocks += undone
        self.progress.next_block = ancestor + 1
        return True


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic GC passes while a chunk is read and written (they cost ~20% of a chunk); the
    collector runs as usual between chunks."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_RAW_COLUMNS = (
    "block_number", "block_hash", "tx_hash", "tx_index", "log_index", "address", "contract",
    "event", "topic0", "topic1", "topic2", "topic3", "data",
)  # fmt: skip


def _raw_row(d: DecodedLog) -> tuple[Any, ...]:
    topics = d.topics  # at most four: topic0..topic3, None where missing
    return (
        d.block_number, d.block_hash, d.tx_hash, d.tx_index, d.log_index, d.address, d.contract,
        d.event, *topics, *_NO_TOPICS[len(topics):], d.data,
    )  # fmt: skip


_NO_TOPICS = (None, None, None, None)
