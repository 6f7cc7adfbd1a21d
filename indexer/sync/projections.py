"""Projections: the tables the ledger and the service read, built from decoded logs, and rollback.

:class:`Projector` applies one chunk's logs in chain order inside the chunk's transaction.
High-volume events (Mint, Transfer, Deposited, Claimed) become buffered bulk inserts; the rare
stateful ones (style and project changes, vetoes, transfers of minted tokens) flush the buffers
first, then change the current row and append a version. :func:`rollback_to` undoes everything
written after a block exactly (see the rollback rule in :mod:`indexer.db.models.chain`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from indexer.chain.decode import DecodedLog
from indexer.chain.deployment import Deployment
from indexer.db.bulk import bulk_insert
from indexer.db.models.chain import (
    PROJECT_STATE_FIELDS,
    STYLE_STATE_FIELDS,
    ChainBlock,
    Claim,
    Deposit,
    PlatformFee,
    PlatformRecipient,
    PlatformWithdrawal,
    Project,
    ProjectVersion,
    RawLog,
    RootPost,
    Style,
    StyleKeyword,
    StyleVersion,
    Token,
    TokenTransfer,
    block_end_pos,
    style_status,
)
from indexer.db.queries import platform_bps_at

ZERO_TOPIC = "0x" + "00" * 32
TOKENS_PER_PROJECT = 1_000_000

# Bulk tables in foreign-key order (a buffered token must land before its transfers).
_BULK_ORDER = (Token, TokenTransfer, Deposit, Claim, RootPost, PlatformWithdrawal)

Handler = Callable[["Projector", DecodedLog], None]
# Extra work on rollback, run before the chain tables are cut back (e.g. the ledger's own rows).
RollbackHook = Callable[[Session, int], None]


def log_ref(log: DecodedLog) -> dict[str, Any]:
    return {
        "block_number": log.block_number,
        "block_hash": log.block_hash,
        "tx_hash": log.tx_hash,
        "log_index": log.log_index,
    }


class Projector:
    """Applies decoded logs to the projection tables within one session (one chunk)."""

    def __init__(self, session: Session, deployment: Deployment) -> None:
        self.session = session
        self.deployment = deployment
        self.core_address = deployment.contracts["ArtCore"].address
        self._buffers: dict[type, list[dict[str, Any]]] = {t: [] for t in _BULK_ORDER}
        self._pending_tokens: dict[int, dict[str, Any]] = {}
        self._platform_bps: int | None = None

    # ── driving ──

    def apply(self, logs: Iterable[DecodedLog]) -> None:
        for log in logs:
            handler = HANDLERS.get((log.contract, log.event))
            if handler is not None:
                handler(self, log)
        self.flush()

    def flush(self) -> None:
        """Write the buffered rows (bulk inserts, in foreign-key order)."""
        self.session.flush()
        for table in _BULK_ORDER:
            rows = self._buffers[table]
            if rows:
                bulk_insert(self.session, table.__table__, rows)
                rows.clear()
        self._pending_tokens.clear()

    def buffer(self, table: type, row: dict[str, Any]) -> None:
        self._buffers[table].append(row)

    def platform_bps(self, pos: int) -> int:
        """The platform share in force at ``pos`` (cached; changes flush and reset the cache)."""
        if self._platform_bps is None:
            self._platform_bps = platform_bps_at(self.session, pos, self.deployment.platform_bps)
        return self._platform_bps

    # ── versioned entities ──

    def change_style(self, log: DecodedLog, **changes: Any) -> Style:
        self.flush()
        style = self.session.get(Style, int(log.args["styleId"]))  # type: ignore[index]
        if style is None:
            raise LookupError(f"{log.event} for unknown style {log.args} in tx {log.tx_hash}")
        for key, value in changes.items():
            setattr(style, key, value)
        style.status = style_status(style.opted_out, style.suspended)
        style.updated_block = log.block_number
        self._new_version(StyleVersion, "style_id", style.style_id, style, STYLE_STATE_FIELDS, log)
        return style

    def change_project(self, log: DecodedLog, **changes: Any) -> Project:
        self.flush()
        project = self.session.get(Project, int(log.args["projectId"]))  # type: ignore[index]
        if project is None:
            raise LookupError(f"{log.event} for unknown project {log.args} in tx {log.tx_hash}")
        for key, value in changes.items():
            setattr(project, key, value)
        project.updated_block = log.block_number
        self._new_version(
            ProjectVersion, "project_id", project.project_id, project, PROJECT_STATE_FIELDS, log
        )
        return project

    def _new_version(
        self,
        model: type[StyleVersion] | type[ProjectVersion],
        key: str,
        key_value: int,
        current: Any,
        fields: tuple[str, ...],
        log: DecodedLog,
    ) -> None:
        column = getattr(model, key)
        self.session.execute(
            update(model)
            .where(column == key_value, model.valid_to_pos.is_(None))
            .values(valid_to_pos=log.pos)
        )
        # lists (keywords, adapters) copied: a version never shares a JSON value with its row
        state = {f: list(v) if isinstance(v := getattr(current, f), list) else v for f in fields}
        self.session.add(
            model(
                **{key: key_value},
                **state,
                event=log.event,
                valid_from_pos=log.pos,
                valid_to_pos=None,
                block_number=log.block_number,
                tx_hash=log.tx_hash,
                log_index=log.log_index,
            )
        )
        self.session.flush()

    def set_keywords(self, style_id: int, keywords: list[str], log: DecodedLog) -> None:
        """Close the keyword rows ``style_id`` no longer holds, open rows for new ones."""
        held = dict(
            self.session.execute(
                select(StyleKeyword.keyword, StyleKeyword.id).where(
                    StyleKeyword.style_id == style_id, StyleKeyword.valid_to_pos.is_(None)
                )
            ).all()
        )
        dropped = [row_id for word, row_id in held.items() if word not in keywords]
        if dropped:
            self.session.execute(
                update(StyleKeyword)
                .where(StyleKeyword.id.in_(dropped))
                .values(valid_to_pos=log.pos)
            )
        for word in keywords:
            if word not in held:
                self.session.add(
                    StyleKeyword(
                        keyword=word,
                        style_id=style_id,
                        valid_from_pos=log.pos,
                        block_number=log.block_number,
                    )
                )
        self.session.flush()


# ─────────────────────────────────────────── StyleRegistry ────────────────────────────────────────


def on_style_registered(p: Projector, log: DecodedLog) -> None:
    p.flush()
    a = log.args or {}
    keywords = list(a["keywords"])
    style = Style(
        style_id=a["styleId"],
        owner=a["owner"],
        name=a["name"],
        keywords=keywords,
        payout=a["payout"],
        pending_payout=None,
        pending_payout_effective_at=None,
        metadata_uri=a["metadataURI"],
        opted_out=False,
        suspended=False,
        reason="",
        status=style_status(False, False),
        registered_block=log.block_number,
        registered_tx=log.tx_hash,
        updated_block=log.block_number,
    )
    p.session.add(style)
    p.session.flush()
    p._new_version(StyleVersion, "style_id", style.style_id, style, STYLE_STATE_FIELDS, log)
    p.set_keywords(style.style_id, keywords, log)


def on_style_keywords_updated(p: Projector, log: DecodedLog) -> None:
    keywords = list((log.args or {})["keywords"])
    style = p.change_style(log, keywords=keywords)
    p.set_keywords(style.style_id, keywords, log)


def _nonzero(value: str) -> str | None:
    """A bytes32 id or root as the tables keep it: NULL for zero (none)."""
    return None if value == ZERO_TOPIC else value  # the zero word


def on_style_adapter_set(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    p.change_style(
        log,
        adapter_id=_nonzero(a["adapterId"]),
        works_root=_nonzero(a["worksRoot"]),
        works_uri=a["worksUri"],
    )


def _style_change(**fixed: Any) -> Handler:
    """A handler setting ``fixed`` values plus ``{column: event argument}`` copies."""
    copies = fixed.pop("copy", {})

    def handler(p: Projector, log: DecodedLog) -> None:
        a = log.args or {}
        p.change_style(log, **fixed, **{col: a[arg] for col, arg in copies.items()})

    return handler


# ────────────────────────────────────────────── ArtCore ───────────────────────────────────────────


def on_project_created(p: Projector, log: DecodedLog) -> None:
    p.flush()
    a = log.args or {}
    settings = a["settings"]
    project = Project(
        project_id=a["projectId"],
        author=a["author"],
        name=a["name"],
        prompt=a["prompt"],
        model_id=a["modelId"],
        steps=settings["steps"],
        guidance_x100=settings["guidanceX100"],
        width=settings["width"],
        height=settings["height"],
        scheduler=settings["scheduler"],
        price=a["price"],
        max_supply=a["maxSupply"],
        active=True,
        moderated=False,
        preview_mint=a["previewMint"],
        royalty_receiver=None,
        royalty_bps=0,
        created_block=log.block_number,
        created_tx=log.tx_hash,
        updated_block=log.block_number,
    )
    p.session.add(project)
    p.session.flush()
    p._new_version(
        ProjectVersion, "project_id", project.project_id, project, PROJECT_STATE_FIELDS, log
    )


def on_project_details_updated(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    s = a["settings"]
    p.change_project(
        log,
        name=a["name"],
        prompt=a["prompt"],
        model_id=a["modelId"],
        steps=s["steps"],
        guidance_x100=s["guidanceX100"],
        width=s["width"],
        height=s["height"],
        scheduler=s["scheduler"],
    )


def on_project_adapters_updated(p: Projector, log: DecodedLog) -> None:
    p.change_project(log, adapters=list((log.args or {})["adapterIds"]))


def _project_change(**copies: str) -> Handler:
    def handler(p: Projector, log: DecodedLog) -> None:
        a = log.args or {}
        p.change_project(log, **{col: a[arg] for col, arg in copies.items()})

    return handler


def on_mint(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    price = a["price"]
    bps = p.platform_bps(log.pos)
    platform_amount = price * bps // 10_000
    row = {
        **log_ref(log),
        "token_id": a["tokenId"],
        "project_id": a["projectId"],
        "invocation": a["tokenId"] % TOKENS_PER_PROJECT,
        "owner": a["to"],
        "minter": a["to"],
        "hash": a["hash"],
        "seed": None,
        "price": price,
        "platform_bps": bps,
        "platform_amount": platform_amount,
        "creator_pool": price - platform_amount,
        "pos": log.pos,
    }
    p.buffer(Token, row)
    p._pending_tokens[row["token_id"]] = row


def on_minted_with_seed(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    pending = p._pending_tokens.get(a["tokenId"])
    if pending is not None:
        pending["seed"] = a["seed"]
        return
    p.flush()
    p.session.execute(update(Token).where(Token.token_id == a["tokenId"]).values(seed=a["seed"]))


def on_transfer(p: Projector, log: DecodedLog) -> None:
    if log.topics[1] == ZERO_TOPIC:
        return  # from 0: a mint, whose Mint log records the minter and the first owner
    a = log.args or {}
    token_id = a["tokenId"]
    p.buffer(
        TokenTransfer,
        {
            **log_ref(log),
            "token_id": token_id,
            "from_address": a["from"],
            "to_address": a["to"],
            "pos": log.pos,
        },
    )
    p.flush()
    p.session.execute(update(Token).where(Token.token_id == token_id).values(owner=a["to"]))


def on_platform_bps_updated(p: Projector, log: DecodedLog) -> None:
    p.flush()
    p.session.add(
        PlatformFee(
            bps=(log.args or {})["bps"], valid_from_pos=log.pos, block_number=log.block_number
        )
    )
    p.session.flush()
    p._platform_bps = None


def on_platform_recipient_updated(p: Projector, log: DecodedLog) -> None:
    p.flush()
    p.session.add(
        PlatformRecipient(
            recipient=(log.args or {})["platform"],
            valid_from_pos=log.pos,
            block_number=log.block_number,
        )
    )
    p.session.flush()


def on_platform_withdrawn(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    p.buffer(PlatformWithdrawal, {**log_ref(log), "to_address": a["to"], "amount": a["amount"]})


# ───────────────────────────────────────── PayoutDistributor ──────────────────────────────────────


def on_deposited(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    p.buffer(
        Deposit,
        {
            **log_ref(log),
            "kind": "sale" if a["from"] == p.core_address else "royalty",
            "project_id": a["projectId"],
            "source": a["from"],
            "amount": a["amount"],
            "total_deposited": a["totalDeposited"],
            "pos": log.pos,
        },
    )


def on_root_posted(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    p.buffer(
        RootPost,
        {
            **log_ref(log),
            "epoch": a["epoch"],
            "root": a["root"],
            "total_cumulative": a["totalCumulative"],
            "uri": a["uri"],
            "claimable_at": a["claimableAt"],
        },
    )


def on_root_vetoed(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    p.flush()
    p.session.execute(
        update(RootPost)
        .where(RootPost.epoch == a["epoch"], RootPost.root == a["root"])
        .where(RootPost.vetoed_block.is_(None))
        .values(
            vetoed_block=log.block_number,
            vetoed_tx=log.tx_hash,
            veto_reason=a["reason"],
            guardian=a["guardian"],
        )
    )


def on_claimed(p: Projector, log: DecodedLog) -> None:
    a = log.args or {}
    p.buffer(
        Claim,
        {
            **log_ref(log),
            "account": a["account"],
            "amount": a["amount"],
            "cumulative": a["cumulative"],
        },
    )


HANDLERS: dict[tuple[str, str], Handler] = {
    ("StyleRegistry", "StyleRegistered"): on_style_registered,
    ("StyleRegistry", "StyleKeywordsUpdated"): on_style_keywords_updated,
    ("StyleRegistry", "StyleKeywordsRevoked"): _style_change(copy={"reason": "reason"}),
    ("StyleRegistry", "StylePayoutProposed"): _style_change(
        copy={"pending_payout": "payout", "pending_payout_effective_at": "effectiveAt"}
    ),
    ("StyleRegistry", "StylePayoutCancelled"): _style_change(
        pending_payout=None, pending_payout_effective_at=None
    ),
    ("StyleRegistry", "StylePayoutUpdated"): _style_change(
        pending_payout=None, pending_payout_effective_at=None, copy={"payout": "payout"}
    ),
    ("StyleRegistry", "StyleMetadataUpdated"): _style_change(copy={"metadata_uri": "metadataURI"}),
    ("StyleRegistry", "StyleOptedOut"): _style_change(opted_out=True),
    ("StyleRegistry", "StyleOptedIn"): _style_change(opted_out=False),
    ("StyleRegistry", "StyleSuspended"): _style_change(suspended=True, copy={"reason": "reason"}),
    ("StyleRegistry", "StyleReinstated"): _style_change(suspended=False, copy={"reason": "reason"}),
    ("StyleRegistry", "StyleAdapterSet"): on_style_adapter_set,
    ("ArtCore", "ProjectCreated"): on_project_created,
    ("ArtCore", "ProjectDetailsUpdated"): on_project_details_updated,
    ("ArtCore", "ProjectAdaptersUpdated"): on_project_adapters_updated,
    ("ArtCore", "ProjectPriceUpdated"): _project_change(price="price"),
    ("ArtCore", "ProjectMaxSupplyUpdated"): _project_change(max_supply="maxSupply"),
    ("ArtCore", "ProjectActiveUpdated"): _project_change(active="active"),
    ("ArtCore", "ProjectModerated"): _project_change(moderated="moderated"),
    ("ArtCore", "ProjectPreviewMintUpdated"): _project_change(preview_mint="previewMint"),
    ("ArtCore", "ProjectRoyaltyUpdated"): _project_change(
        royalty_receiver="receiver", royalty_bps="bps"
    ),
    ("ArtCore", "Mint"): on_mint,
    ("ArtCore", "MintedWithSeed"): on_minted_with_seed,
    ("ArtCore", "Transfer"): on_transfer,
    ("ArtCore", "PlatformBpsUpdated"): on_platform_bps_updated,
    ("ArtCore", "PlatformRecipientUpdated"): on_platform_recipient_updated,
    ("ArtCore", "PlatformWithdrawn"): on_platform_withdrawn,
    ("PayoutDistributor", "Deposited"): on_deposited,
    ("PayoutDistributor", "RootPosted"): on_root_posted,
    ("PayoutDistributor", "RootVetoed"): on_root_vetoed,
    ("PayoutDistributor", "Claimed"): on_claimed,
}


# ───────────────────────────────────────────── rollback ───────────────────────────────────────────


def rollback_to(session: Session, block: int, hooks: Iterable[RollbackHook] = ()) -> None:
    """Undo everything the blocks after ``block`` wrote (raw logs, projections, block hashes)."""
    for hook in hooks:
        hook(session, block)
    cut = block_end_pos(block)
    touched_tokens = set(
        session.scalars(select(TokenTransfer.token_id).where(TokenTransfer.block_number > block))
    )
    for table in (
        Claim, RootPost, Deposit, TokenTransfer, Token, PlatformFee, PlatformRecipient,
        PlatformWithdrawal, RawLog,
    ):  # fmt: skip
        session.execute(delete(table).where(table.block_number > block))
    session.execute(delete(ChainBlock).where(ChainBlock.number > block))
    session.execute(
        update(RootPost)
        .where(RootPost.vetoed_block > block)
        .values(vetoed_block=None, vetoed_tx=None, veto_reason=None, guardian=None)
    )
    _rollback_versions(session, block, cut)
    for token_id in touched_tokens:
        last_to = session.scalars(
            select(TokenTransfer.to_address)
            .where(TokenTransfer.token_id == token_id)
            .order_by(TokenTransfer.pos.desc())
            .limit(1)
        ).first()
        owner = last_to if last_to is not None else Token.minter  # no transfer left: the minter
        session.execute(update(Token).where(Token.token_id == token_id).values(owner=owner))


def _rollback_versions(session: Session, block: int, cut: int) -> None:
    # keywords and versions opened after `block` go; those closed after it are open again
    for model in (StyleKeyword, StyleVersion, ProjectVersion):
        session.execute(delete(model).where(model.block_number > block))
        session.execute(update(model).where(model.valid_to_pos >= cut).values(valid_to_pos=None))
    for current, version, key, fields in (
        (Style, StyleVersion, "style_id", STYLE_STATE_FIELDS),
        (Project, ProjectVersion, "project_id", PROJECT_STATE_FIELDS),
    ):
        stale = session.scalars(select(current).where(current.updated_block > block)).all()
        for row in stale:
            last = session.scalars(
                select(version)
                .where(getattr(version, key) == getattr(row, key), version.valid_to_pos.is_(None))
                .limit(1)
            ).first()
            if last is None:  # created after `block`
                session.delete(row)
                continue
            for field in fields:
                setattr(row, field, getattr(last, field))
            row.updated_block = last.block_number
    session.flush()
