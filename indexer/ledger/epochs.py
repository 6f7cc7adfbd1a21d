"""Settlement: close an epoch, build the Merkle tree of cumulative entitlements, post its root.

``styleledger settle`` runs two steps, each crash-safe on its own:

1. **Build** (one database transaction). Royalty deposits not yet split are split
   (``indexer.ledger.money.split_royalty``); every unsettled tree entry of a token minted up to the
   settlement block (``as_of_block``) is stamped with the new epoch, except artist and held
   entries of styles suspended at that block (they wait; held entries of a reinstated style are
   released here, to that artist). Each account's cumulative entitlement is the sum of its
   entries stamped with this epoch or an earlier one; the tree is the StandardMerkleTree of
   ``(account, cumulative)`` (``indexer.ledger.merkle``), and the epoch row (status ``built``), the
   leaves and every proof are written in the same transaction. A crash before the commit leaves
   nothing; after it, the epoch is complete in the database.
2. **Post.** ``postRoot(epoch, root, total, uri)`` is sent with the settler key
   (``STYLELEDGER_SETTLER_KEY``): signed first, the epoch marked ``sent`` with its tx hash, then
   broadcast, then ``posted`` once mined. A restart resumes an unfinished epoch instead of
   building a new one: if the chain already holds this epoch's root (``latestRoot``) it is only
   marked posted; a different root under the same epoch number is an error; a recorded
   transaction the node knows is waited for; otherwise the same root is signed and sent again.
   A reorg that removes the block of the ``postRoot`` puts the epoch back to ``sent``
   (:func:`unpost_rolled_back_roots`, a rollback hook of the sync).

A root vetoed on-chain (``RootVetoed``, as indexed) reopens its epoch: the epoch is marked
``vetoed`` and its entries are stamped again by the next settlement (its royalty splits redone).

The root depends only on the set of ``(account, cumulative)`` pairs (leaves are sorted by hash),
so the same ledger gives the same root on any machine and database.

``settle`` calls ``checkpoint("built")`` after the epoch's commit, ``checkpoint("recorded")``
once the signed root transaction's hash is committed (before it is sent: a crash there leaves a
hash the node does not know, and the restart sends it again, once) and ``checkpoint("sent")``
after it is sent (the crash tests kill the process there; the command line passes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from indexer.db.models.chain import (
    SUSPENDED,
    Deposit,
    Project,
    StyleVersion,
    Token,
    block_end_pos,
)
from indexer.db.models.ledger import (
    Epoch,
    EpochLeaf,
    EpochStatus,
    LedgerEntry,
)
from indexer.db.queries import platform_bps_at, platform_recipient_at
from indexer.errors import NothingToSettle, ReorgBelowSettlementError, SettlementError
from indexer.ledger.merkle import StandardMerkleTree
from indexer.ledger.money import Entry, Role, apportion, split_royalty
from indexer.ledger.posting import Checkpoint, RootPoster, _no_checkpoint, post_epoch

log = logging.getLogger(__name__)

_INSERT_CHUNK = 20_000


@dataclass(frozen=True)
class EpochSummary:
    number: int
    root: str
    total: int
    leaf_count: int
    status: str
    tx_hash: str | None
    as_of_block: int
    resumed: bool = False
    uri: str = ""


def _summary(epoch: Epoch, *, resumed: bool = False) -> EpochSummary:
    return EpochSummary(
        epoch.number,
        epoch.root,
        epoch.total,
        epoch.leaf_count,
        epoch.status,
        epoch.tx_hash,
        epoch.as_of_block,
        resumed,
        epoch.uri,
    )


# ─────────────────────────────────────────── queries ─────────────────────────────────────────────


def unfinished_epoch(session: Session) -> Epoch | None:
    """The newest epoch built (or sent) but not yet posted, if any: settle resumes it."""
    return session.scalars(
        select(Epoch)
        .where(Epoch.status.in_([EpochStatus.BUILT, EpochStatus.SENT]))
        .order_by(Epoch.number.desc())
    ).first()


def last_epoch_number(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(Epoch.number), 0))) or 0


def suspended_styles_at(session: Session, block: int) -> list[int]:
    """Ids of the styles suspended at the end of ``block``."""
    pos = block_end_pos(block)
    rows = session.scalars(
        select(StyleVersion.style_id).where(
            StyleVersion.valid_from_pos < pos,
            or_(StyleVersion.valid_to_pos.is_(None), StyleVersion.valid_to_pos > pos),
            StyleVersion.status == SUSPENDED,
        )
    )
    return sorted(set(rows))


def _deposit_key(deposit: Deposit) -> str:
    return f"{deposit.tx_hash}:{deposit.log_index}"


# ─────────────────────────────────────────── building ────────────────────────────────────────────


def split_new_royalties(
    session: Session,
    epoch: int,
    as_of_block: int,
    *,
    platform: str,
    default_bps: int,
    suspended: Iterable[int] = (),
) -> int:
    """Split royalty deposits up to ``as_of_block`` that have no ledger entries yet.

    Entitlements are the project's creator entries (sales) settled in ``epoch`` or before, so
    call this after stamping the epoch's sale entries. An artist's part is booked per style it
    earned through (by entitlement, ``apportion``); the part of a style in ``suspended`` waits,
    unstamped, like that style's sales. Returns the number of deposits split.
    """
    suspended = set(suspended)
    minted = select(Token.token_id).where(Token.block_number <= as_of_block)
    done = select(LedgerEntry.deposit_key).where(LedgerEntry.deposit_key.is_not(None))
    deposits = session.scalars(
        select(Deposit)
        .where(
            Deposit.kind == "royalty",
            Deposit.block_number <= as_of_block,
            Deposit.project_id.is_not(None),
        )
        .order_by(Deposit.pos)
    ).all()
    already = set(session.scalars(done))
    count = 0
    for deposit in deposits:
        key = _deposit_key(deposit)
        if key in already:
            continue
        project = session.get(Project, deposit.project_id)
        if project is None:
            raise SettlementError(
                f"royalty deposit {key} names unknown project {deposit.project_id}"
            )
        rows = session.execute(
            select(LedgerEntry.account, LedgerEntry.amount, LedgerEntry.style_id).where(
                LedgerEntry.kind == "sale",
                LedgerEntry.project_id == deposit.project_id,
                LedgerEntry.in_tree.is_(True),
                or_(
                    LedgerEntry.epoch <= epoch,
                    # earned but held (its style suspended now): it earns its royalty share,
                    # which waits with it
                    LedgerEntry.epoch.is_(None)
                    & LedgerEntry.style_id.in_(suspended)
                    & LedgerEntry.token_id.in_(minted),
                ),
            )
        )
        entitlements: dict[str, int] = {}
        by_style: dict[str, dict[int | None, int]] = {}
        for account, amount, style_id in rows:
            entitlements[account] = entitlements.get(account, 0) + amount
            styles = by_style.setdefault(account, {})
            styles[style_id] = styles.get(style_id, 0) + amount
        bps = platform_bps_at(session, deposit.pos, default_bps)
        recipient = platform_recipient_at(session, deposit.pos, platform)
        split = split_royalty(
            deposit.amount, bps, entitlements, author=project.author, platform=recipient
        )
        for entry in split.entries:
            for style_id, amount in _by_style(entry, by_style):
                session.add(
                    LedgerEntry(
                        kind="royalty",
                        token_id=None,
                        deposit_key=key,
                        project_id=deposit.project_id,
                        account=entry.account,
                        role=entry.role.value,
                        style_id=style_id,
                        amount=amount,
                        in_tree=True,  # the distributor received the whole royalty
                        # a suspended style's royalty waits like its sales (DESIGN.md)
                        epoch=None if style_id in suspended else epoch,
                    )
                )
        count += 1
    session.flush()
    return count


def _by_style(
    entry: Entry, by_style: dict[str, dict[int | None, int]]
) -> list[tuple[int | None, int]]:
    """An artist's royalty line split over the styles it earned through; others: one line."""
    if entry.role is not Role.ARTIST or not by_style.get(entry.account):
        return [(None, entry.amount)]
    styles = sorted(by_style[entry.account].items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    parts = apportion(entry.amount, [weight for _, weight in styles])
    return [(style_id, part) for (style_id, _), part in zip(styles, parts, strict=True)]


def revoked_styles_at(session: Session, block: int) -> list[int]:
    """Ids of the styles whose keywords the curator revoked while suspended (in force at the end
    of ``block``): what they held goes to the prompt authors (DESIGN.md)."""
    pos = block_end_pos(block)
    versions = session.scalars(
        select(StyleVersion).where(
            StyleVersion.valid_from_pos < pos,
            or_(StyleVersion.valid_to_pos.is_(None), StyleVersion.valid_to_pos > pos),
            StyleVersion.status == SUSPENDED,
        )
    )
    return sorted({v.style_id for v in versions if not v.keywords})


def release_to_authors(session: Session, style_ids: Iterable[int]) -> int:
    """Give every waiting line of ``style_ids`` (sales and royalties) to its project's prompt
    author, as for an unregistered word. Returns the number of lines moved."""
    author = select(Project.author).where(Project.project_id == LedgerEntry.project_id)
    result = session.connection().execute(
        update(LedgerEntry)
        .where(
            LedgerEntry.epoch.is_(None),
            LedgerEntry.in_tree.is_(True),
            LedgerEntry.style_id.in_(list(style_ids)),
        )
        .values(account=author.scalar_subquery(), role=Role.AUTHOR.value, style_id=None)
    )
    return int(result.rowcount or 0)


def cumulative_entitlements(session: Session, epoch: int) -> dict[str, int]:
    """Each account's cumulative entitlement through ``epoch`` (accounts with 0 left out)."""
    rows = session.execute(
        select(LedgerEntry.account, LedgerEntry.amount).where(
            LedgerEntry.in_tree.is_(True),
            LedgerEntry.epoch.is_not(None),
            LedgerEntry.epoch <= epoch,
        )
    )
    totals: dict[str, int] = {}
    for account, amount in rows:
        totals[account] = totals.get(account, 0) + amount
    return {account: amount for account, amount in totals.items() if amount}


def build_tree(entitlements: dict[str, int]) -> StandardMerkleTree:
    """The epoch's tree: one ``(account, cumulative)`` leaf per account, given in account order."""
    if not entitlements:
        raise NothingToSettle("nothing to settle: no account is entitled to anything yet")
    return StandardMerkleTree.of(sorted(entitlements.items()))


def store_epoch(
    session: Session,
    number: int,
    tree: StandardMerkleTree,
    *,
    as_of_block: int,
    uri: str,
) -> Epoch:
    """Write the epoch row (``built``) and every leaf with its proof (compact 32-byte nodes)."""
    total = sum(int(v[1]) for v in tree.values)
    epoch = Epoch(
        number=number,
        root=tree.root,
        total=total,
        leaf_count=len(tree),
        uri=uri,
        as_of_block=as_of_block,
        status=EpochStatus.BUILT,
    )
    session.add(epoch)
    session.flush()
    store_leaves(session, number, tree)
    return epoch


def store_leaves(session: Session, number: int, tree: StandardMerkleTree) -> None:
    """Bulk-insert the tree's leaves and proofs: one driver-level executemany per chunk.

    The statement is compiled once by SQLAlchemy; the rows go to the driver as tuples with the
    wei column already in its stored form (the Wei type's own bind processor), which keeps
    100,000 leaves well under a second.
    """
    conn = session.connection()
    dialect = conn.dialect
    table = EpochLeaf.__table__
    columns = ("epoch", "account", "cumulative", "tree_index", "proof")
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    sql = str(compiled)
    wei = table.c.cumulative.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    positional = compiled.positiontup or list(columns)
    rows: list[tuple[Any, ...]] = []
    for index, (account, cumulative) in tree.entries():
        row = {
            "epoch": number,
            "account": account,
            "cumulative": wei(cumulative),
            "tree_index": tree.tree_index(index),
            "proof": b"".join(tree.proof_bytes(index)),
        }
        rows.append(tuple(row[k] for k in positional) if compiled.positional else row)
        if len(rows) >= _INSERT_CHUNK:
            conn.exec_driver_sql(sql, rows)
            rows = []
    if rows:
        conn.exec_driver_sql(sql, rows)


def reopen_vetoed(session: Session) -> list[int]:
    """Epochs of ours whose root a guardian vetoed (as indexed): mark them ``vetoed`` and give
    their entries back to the next epoch (royalty splits made in them are redone then).

    Returns the epoch numbers reopened. Call inside the build's transaction.
    """
    from indexer.db.models.chain import RootPost

    vetoed = select(RootPost.epoch).where(RootPost.vetoed_block.is_not(None))
    numbers = list(
        session.scalars(
            select(Epoch.number).where(Epoch.status == EpochStatus.POSTED, Epoch.number.in_(vetoed))
        )
    )
    if not numbers:
        return []
    conn = session.connection()
    redone = select(LedgerEntry.deposit_key).where(
        LedgerEntry.kind == "royalty", LedgerEntry.epoch.in_(numbers)
    )
    conn.execute(  # every line of those deposits, the held ones too: they are split again
        delete(LedgerEntry).where(
            LedgerEntry.kind == "royalty", LedgerEntry.deposit_key.in_(redone)
        )
    )
    conn.execute(update(LedgerEntry).where(LedgerEntry.epoch.in_(numbers)).values(epoch=None))
    conn.execute(update(Epoch).where(Epoch.number.in_(numbers)).values(status=EpochStatus.VETOED))
    log.warning("epochs %s were vetoed on-chain: their entries go to the next epoch", numbers)
    return numbers


def indexed_head(session: Session) -> int | None:
    """The last block the sync has indexed (its cursor), None before the first sync."""
    from indexer.db.models.chain import SyncCursor

    next_block = session.scalar(select(func.max(SyncCursor.next_block)))
    return None if next_block is None else int(next_block) - 1


def default_as_of_block(session: Session) -> int:
    """The last block the sync has indexed: what an epoch settles by default."""
    head = indexed_head(session)
    if head is None:
        raise SettlementError("the chain has not been indexed yet: run `styleledger index` first")
    return head


def build_epoch(
    session: Session,
    *,
    number: int,
    as_of_block: int,
    platform: str,
    default_bps: int = 1000,
    uri: str = "",
) -> Epoch:
    """Close epoch ``number`` in the caller's transaction (see the module docstring, step 1)."""
    reopen_vetoed(session)
    revoked = revoked_styles_at(session, as_of_block)
    if revoked:  # no wei stays held forever: revoked keywords pay the prompt authors
        moved = release_to_authors(session, revoked)
        log.warning("styles %s revoked: %s held lines go to the prompt authors", revoked, moved)
    suspended = [s for s in suspended_styles_at(session, as_of_block) if s not in revoked]
    minted = select(Token.token_id).where(Token.block_number <= as_of_block)
    stamp = (
        update(LedgerEntry)
        .where(
            LedgerEntry.epoch.is_(None),
            LedgerEntry.in_tree.is_(True),
            # a sale of a token minted by then, or a royalty line that waited (held) till now
            or_(
                (LedgerEntry.kind == "sale") & LedgerEntry.token_id.in_(minted),
                LedgerEntry.kind == "royalty",
            ),
        )
        .values(epoch=number)
    )
    if suspended:
        stamp = stamp.where(
            or_(LedgerEntry.style_id.is_(None), LedgerEntry.style_id.not_in(suspended))
        )
    session.connection().execute(stamp)  # Core: no ORM session synchronisation of 100k rows
    split_new_royalties(
        session,
        number,
        as_of_block,
        platform=platform,
        default_bps=default_bps,
        suspended=suspended,
    )
    tree = build_tree(cumulative_entitlements(session, number))
    previous = session.scalar(
        select(Epoch.root)
        .where(Epoch.number < number, Epoch.status != EpochStatus.VETOED)
        .order_by(Epoch.number.desc())
        .limit(1)
    )
    if previous == tree.root:
        raise NothingToSettle(
            f"nothing new to settle up to block {as_of_block}: the tree is the last epoch's"
        )
    uri = uri.replace("{epoch}", str(number))  # a template names each epoch's own file
    return store_epoch(session, number, tree, as_of_block=as_of_block, uri=uri)


def unsettled_summary(session: Session, as_of_block: int) -> dict[str, int]:
    """What this settlement leaves out: tokens not rendered yet, held entries waiting."""
    from indexer.db.models.ledger import (
        JobStatus,
        RenderJob,
    )

    not_rendered = session.scalar(
        select(func.count())
        .select_from(Token)
        .outerjoin(RenderJob, RenderJob.token_id == Token.token_id)
        .where(
            Token.block_number <= as_of_block,
            or_(RenderJob.status.is_(None), RenderJob.status != JobStatus.DONE),
        )
    )
    waiting = session.scalar(
        select(func.count())
        .select_from(LedgerEntry)
        .where(LedgerEntry.epoch.is_(None), LedgerEntry.in_tree.is_(True))
    )
    return {"tokens_not_rendered": int(not_rendered or 0), "entries_waiting": int(waiting or 0)}


def settle(
    session: Session,
    *,
    poster: RootPoster | None,
    platform: str,
    default_bps: int = 1000,
    as_of_block: int | None = None,
    uri: str = "",
    checkpoint: Checkpoint = _no_checkpoint,
) -> EpochSummary:
    """Resume an unfinished epoch or build the next one, then post it (unless ``poster`` is None).

    Without a poster (``--no-post``) a new epoch is always built and left ``built``; the next
    settle with a poster posts the newest built epoch (the cumulative tree of an epoch covers the
    ones before it, so an older epoch never posted is superseded, not lost).
    ``session`` must not be inside a transaction; this commits as it goes.
    """
    pending = unfinished_epoch(session) if poster is not None else None
    resumed = pending is not None
    if pending is None:
        block = default_as_of_block(session) if as_of_block is None else as_of_block
        indexed = indexed_head(session)
        if indexed is not None and block > indexed:
            raise SettlementError(
                f"--as-of-block {block} is beyond the indexed head {indexed}: mints there "
                "are not known yet (run `styleledger index`, or settle up to the indexed head)"
            )
        number = last_epoch_number(session) + 1
        if poster is not None:
            number = max(number, poster.last_posted_epoch() + 1)
        try:
            pending = build_epoch(
                session,
                number=number,
                as_of_block=block,
                platform=platform,
                default_bps=default_bps,
                uri=uri,
            )
            session.commit()
        except BaseException:
            session.rollback()
            raise
        log.info("epoch %s built: root %s, %s leaves", number, pending.root, pending.leaf_count)
        checkpoint("built")
    if poster is not None:
        post_epoch(session, pending, poster, checkpoint)
    return _summary(pending, resumed=resumed)


def leaves_of(session: Session, number: int) -> Iterable[EpochLeaf]:
    return session.scalars(select(EpochLeaf).where(EpochLeaf.epoch == number))


# ─────────────────────────────────────────── reorgs ──────────────────────────────────────────────


def refuse_reorg_below_settlement(session: Session, ancestor: int) -> None:
    """A rollback hook of the sync (``Syncer(rollback_hooks=ROLLBACK_HOOKS)``): settled epochs
    are final: rolling back blocks they counted would delete ledger
    entries already in a Merkle root (and maybe claimed). Stop, roll back nothing, say why."""
    settled = session.execute(
        select(Epoch.number, Epoch.as_of_block, Epoch.status)
        .where(Epoch.as_of_block > ancestor)
        .order_by(Epoch.number)
        .limit(1)
    ).first()
    if settled is None:
        return
    newest = session.scalar(select(func.max(Epoch.as_of_block)))
    raise ReorgBelowSettlementError(
        f"reorg back to block {ancestor}, but epoch {settled.number} ({settled.status}) "
        f"settled the chain up to block {settled.as_of_block} (newest settled block "
        f"{newest}). Nothing was rolled back and the sync stops, since ledger entries in a "
        "Merkle root would be lost. Set STYLELEDGER_CONFIRMATIONS to the chain's finality "
        "depth; to recover, have the guardian veto any posted root still within its "
        "challenge delay and reconcile the ledger by hand before syncing again"
    )


def unpost_rolled_back_roots(session: Session, ancestor: int) -> None:
    """A rollback hook: an epoch whose ``postRoot`` was mined in a block the reorg removes is no
    longer posted. It goes back to ``sent`` (its transaction hash kept), so the next ``settle``
    resumes it: it finds the root if the transaction was mined again on the new chain, waits for
    it if it is pending, or sends it again. Before, the epoch stayed "posted" with a transaction
    that no longer existed and ``settle`` had nothing to do until new sales arrived."""
    numbers = list(
        session.scalars(
            select(Epoch.number).where(
                Epoch.status == EpochStatus.POSTED, Epoch.posted_block > ancestor
            )
        )
    )
    if not numbers:
        return
    session.execute(
        update(Epoch)
        .where(Epoch.number.in_(numbers))
        .values(status=EpochStatus.SENT, posted_block=None, posted_at=None)
    )
    log.warning("reorg removed the postRoot of epochs %s: settle will post them again", numbers)


# What the ledger asks the sync to run before it rolls blocks back (the sync never imports the
# ledger: whoever builds a Syncer for a database with a ledger passes these), in this order.
ROLLBACK_HOOKS = (refuse_reorg_below_settlement, unpost_rolled_back_roots)
