"""The service's reads: table rows in, API schemas out (no writes; the indexer owns the data).

Every function takes a session and plain values already checked by ``deps``; ``None`` means
"not found" and becomes a 404 in the route.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from indexer.api.deps import DB_INT_MAX, Page
from indexer.api.preview import PreviewProject
from indexer.api.schemas import (
    ClaimTicket,
    EarningLine,
    Earnings,
    EpochDetail,
    EpochOut,
    Health,
    MetadataAttribute,
    Paged,
    Payee,
    PlatformOut,
    PlatformWithdrawalOut,
    ProjectDetail,
    ProjectOut,
    RenderSettingsOut,
    StyleOut,
    TokenAttribution,
    TokenMetadata,
    TokenSummary,
    WordAttribution,
)
from indexer.api.schemas import (
    EpochLeaf as EpochLeafOut,
)
from indexer.db.base import sum_wei
from indexer.db.ledger_models import (
    QUEUED,
    RUNNING,
    Attribution,
    Epoch,
    EpochLeaf,
    LedgerEntry,
    Render,
    RenderJob,
)
from indexer.db.models import (
    Claim,
    PlatformWithdrawal,
    Project,
    RootPost,
    Style,
    SyncCursor,
    Token,
)
from indexer.db.queries import platform_bps_at, platform_recipient_at

TOKEN_ID_BASE = 1_000_000


def _fits(*ids: int) -> bool:
    """Ids above a 64-bit column cannot exist; answer 404 without asking the database."""
    return all(0 <= i <= DB_INT_MAX for i in ids)


def _count(session: Session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _seed_decimal(seed: int | str | None) -> str | None:
    """The seed as a decimal string (a uint256 does not fit a JSON number exactly)."""
    if seed is None:
        return None
    if isinstance(seed, str):
        return str(int(seed, 0))
    return str(seed)


# ------------------------------------------------------------------ tokens


def _image_url(base: str, token_id: int) -> str:
    return f"{base}/tokens/{token_id}/image.png"


def token_metadata(session: Session, token_id: int, base: str) -> TokenMetadata | None:
    if not _fits(token_id):
        return None
    row = session.execute(
        select(Token, Project, Render)
        .join(Project, Project.project_id == Token.project_id)
        .outerjoin(Render, Render.token_id == Token.token_id)
        .where(Token.token_id == token_id)
    ).first()
    if row is None:
        return None
    token, project, render = row
    words = session.scalars(
        select(Attribution).where(Attribution.token_id == token_id).order_by(Attribution.id)
    ).all()
    seed = _seed_decimal(token.seed)
    attributes = [
        MetadataAttribute(trait_type="project", value=project.name),
        MetadataAttribute(trait_type="prompt", value=project.prompt),
        MetadataAttribute(trait_type="model id", value=project.model_id),
        MetadataAttribute(trait_type="token hash", value=token.hash),
    ]
    if render is not None:
        attributes.append(MetadataAttribute(trait_type="pixel hash", value=render.pixel_hash))
    if seed is not None:
        attributes.append(MetadataAttribute(trait_type="seed", value=seed))
    attributes += [
        MetadataAttribute(
            trait_type=f"keyword: {w.word}",
            value=round(w.contribution * 100, 2),
            display_type="boost_percentage",
        )
        for w in words
    ]
    description = (
        f"“{project.prompt}”, rendered by StyleLedger from this token's hash with model "
        f"{project.model_id[:12]}…. How much each prompt keyword shaped the image is published "
        "with it, and the artists whose registered styles those keywords name are paid their share."
    )
    return TokenMetadata(
        name=f"{project.name} #{token.invocation}",
        description=description,
        image=_image_url(base, token_id),
        external_url=f"{base}/#token/{token_id}",
        attributes=attributes,
        token_id=token_id,
        project_id=project.project_id,
        project_name=project.name,
        prompt=project.prompt,
        model_id=project.model_id,
        token_hash=token.hash,
        seed=seed,
        owner=token.owner,
        minted_block=token.block_number,
        rendered=render is not None,
        pixel_hash=render.pixel_hash if render is not None else None,
    )


def render_files(session: Session, token_id: int) -> Render | None:
    if not _fits(token_id):
        return None
    return session.get(Render, token_id)


def _content_key(render: Render, name: str) -> str:
    """The pixels fix the maps: (image hash, name) names a heat map's content."""
    return f"{render.image_sha256.removeprefix('0x')[:32]}-{name}"


def heatmap_file(session: Session, token_id: int, word: str) -> tuple[str, str] | None:
    """(content key, path under the data dir) of one word's heat map."""
    render = render_files(session, token_id)
    if render is None or render.heatmap_dir is None:
        return None
    known = session.scalar(
        select(Attribution.id).where(Attribution.token_id == token_id, Attribution.word == word)
    )
    if known is None:
        return None
    return _content_key(render, word), f"{render.heatmap_dir}/heatmap-{word}.png"


def overlay_file(session: Session, token_id: int) -> tuple[str, str] | None:
    render = render_files(session, token_id)
    if render is None or render.heatmap_dir is None:
        return None
    return _content_key(render, "overlay"), f"{render.heatmap_dir}/overlay.png"


def token_attribution(session: Session, token_id: int, base: str) -> TokenAttribution | None:
    if not _fits(token_id):
        return None
    row = session.execute(
        select(Token, Render)
        .join(Render, Render.token_id == Token.token_id)
        .where(Token.token_id == token_id)
    ).first()
    if row is None:
        return None
    token, render = row
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.token_id == token_id, LedgerEntry.kind == "sale")
        .order_by(LedgerEntry.id)
    ).all()
    words = [
        WordAttribution(
            word=w.word,
            area=w.area,
            intensity=w.intensity,
            contribution=w.contribution,
            ppm=w.ppm,
            style_id=w.style_id,
            style_status=w.style_status,
            payee=w.payee,
            amount_wei=token.creator_pool * w.ppm // 1_000_000,  # floor(C * ppm / 1e6)
            heatmap=f"{base}/tokens/{token_id}/heatmap/{w.word}.png",
        )
        for w in session.scalars(
            select(Attribution).where(Attribution.token_id == token_id).order_by(Attribution.id)
        )
    ]
    payees = [
        Payee(account=e.account, role=e.role, style_id=e.style_id, ppm=e.ppm, amount_wei=e.amount)
        for e in entries
    ]
    return TokenAttribution(
        token_id=token_id,
        pixel_hash=render.pixel_hash,
        price_wei=token.price,
        creator_pool_wei=token.creator_pool,
        words=words,
        payees=payees,
        overlay=f"{base}/tokens/{token_id}/overlay.png",
    )


# ------------------------------------------------------------------ projects


def _invocations(session: Session, project_ids: Sequence[int]) -> dict[int, int]:
    rows = session.execute(
        select(Token.project_id, func.count())
        .where(Token.project_id.in_(project_ids))
        .group_by(Token.project_id)
    )
    return {project_id: count for project_id, count in rows}


def _covers(session: Session, project_ids: Sequence[int], base: str) -> dict[int, str]:
    """Each project's latest rendered token's image."""
    rows = session.execute(
        select(Token.project_id, func.max(Token.token_id))
        .join(Render, Render.token_id == Token.token_id)
        .where(Token.project_id.in_(project_ids))
        .group_by(Token.project_id)
    )
    return {project_id: _image_url(base, token_id) for project_id, token_id in rows}


def _project_out(project: Project, invocations: int, cover: str | None) -> dict:
    return dict(
        project_id=project.project_id,
        name=project.name,
        author=project.author,
        prompt=project.prompt,
        model_id=project.model_id,
        settings=RenderSettingsOut(
            steps=project.steps,
            guidance=project.guidance_x100 / 100,
            width=project.width,
            height=project.height,
            scheduler=project.scheduler,
        ),
        price_wei=project.price,
        max_supply=project.max_supply,
        invocations=invocations,
        active=project.active and invocations < project.max_supply,
        preview_mint=project.preview_mint,
        cover_image=cover,
    )


def list_projects(session: Session, page: Page, base: str) -> Paged[ProjectOut]:
    stmt = select(Project).order_by(Project.project_id.desc())
    projects = session.scalars(stmt.offset(page.offset).limit(page.limit)).all()
    ids = [p.project_id for p in projects]
    counts, covers = _invocations(session, ids), _covers(session, ids, base)
    items = [
        ProjectOut(**_project_out(p, counts.get(p.project_id, 0), covers.get(p.project_id)))
        for p in projects
    ]
    return Paged[ProjectOut](
        items=items, total=_count(session, select(Project.project_id)), **_page(page)
    )


def _page(page: Page) -> dict[str, int]:
    return {"offset": page.offset, "limit": page.limit}


def project_detail(
    session: Session, project_id: int, page: Page, base: str
) -> ProjectDetail | None:
    if not _fits(project_id):
        return None
    project = session.get(Project, project_id)
    if project is None:
        return None
    rows = session.execute(
        select(Token, Render.token_id)
        .outerjoin(Render, Render.token_id == Token.token_id)
        .where(Token.project_id == project_id)
        .order_by(Token.token_id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    tokens = [
        TokenSummary(
            token_id=token.token_id,
            invocation=token.invocation,
            owner=token.owner,
            token_hash=token.hash,
            rendered=rendered is not None,
            image=_image_url(base, token.token_id) if rendered is not None else None,
        )
        for token, rendered in rows
    ]
    invocations = _invocations(session, [project_id]).get(project_id, 0)
    cover = _covers(session, [project_id], base).get(project_id)
    return ProjectDetail(
        **_project_out(project, invocations, cover),
        tokens=Paged[TokenSummary](items=tokens, total=invocations, **_page(page)),
    )


def preview_project(session: Session, project_id: int) -> PreviewProject | None:
    if not _fits(project_id):
        return None
    project = session.get(Project, project_id)
    if project is None:
        return None
    return PreviewProject(
        project_id=project_id,
        preview_mint=project.preview_mint,
        prompt=project.prompt,
        model_id=project.model_id,
        steps=project.steps,
        guidance=project.guidance_x100 / 100,
        width=project.width,
        height=project.height,
        scheduler=project.scheduler,
    )


# ------------------------------------------------------------------ styles


def _style_figures(session: Session, style_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """style id -> (tokens attributed, wei earned as artist)."""
    tokens = dict(
        session.execute(
            select(Attribution.style_id, func.count(func.distinct(Attribution.token_id)))
            .where(Attribution.style_id.in_(style_ids), Attribution.ppm > 0)
            .where(Attribution.style_status.in_(("active", "suspended")))
            .group_by(Attribution.style_id)
        ).all()
    )
    earned: dict[int, int] = defaultdict(int)
    for style_id, amount in session.execute(
        select(LedgerEntry.style_id, LedgerEntry.amount).where(
            LedgerEntry.style_id.in_(style_ids), LedgerEntry.role == "artist"
        )
    ):
        earned[style_id] += amount
    return {s: (tokens.get(s, 0), earned.get(s, 0)) for s in style_ids}


def _style_out(style: Style, figures: tuple[int, int]) -> StyleOut:
    return StyleOut(
        style_id=style.style_id,
        name=style.name,
        owner=style.owner,
        payout=style.payout,
        keywords=list(style.keywords),
        metadata_uri=style.metadata_uri,
        status=style.status,
        tokens_attributed=figures[0],
        earned_wei=figures[1],
    )


def list_styles(session: Session, page: Page) -> Paged[StyleOut]:
    styles = session.scalars(
        select(Style).order_by(Style.style_id).offset(page.offset).limit(page.limit)
    ).all()
    figures = _style_figures(session, [s.style_id for s in styles])
    return Paged[StyleOut](
        items=[_style_out(s, figures[s.style_id]) for s in styles],
        total=_count(session, select(Style.style_id)),
        **_page(page),
    )


def get_style(session: Session, style_id: int) -> StyleOut | None:
    if not _fits(style_id):
        return None
    style = session.get(Style, style_id)
    if style is None:
        return None
    return _style_out(style, _style_figures(session, [style_id])[style_id])


# ------------------------------------------------------------------ epochs and accounts


def _latest_root(session: Session, claimable_by: float | None = None) -> RootPost | None:
    """The newest root posted and not vetoed (and claimable by ``claimable_by``, if given)."""
    stmt = select(RootPost).where(RootPost.vetoed_block.is_(None))
    if claimable_by is not None:
        stmt = stmt.where(RootPost.claimable_at <= int(claimable_by))
    return session.scalars(stmt.order_by(RootPost.epoch.desc()).limit(1)).first()


def _leaf(session: Session, epoch: int, account: str) -> EpochLeaf | None:
    return session.get(EpochLeaf, (epoch, account))


def earnings(session: Session, account: str, page: Page | None = None) -> Earnings:
    posted = _latest_root(session)
    claimable_root = _latest_root(session, claimable_by=time.time())
    cumulative = _leaf_amount(session, posted, account)
    claimable_cumulative = _leaf_amount(session, claimable_root, account)
    claimed = sum_wei(session, Claim.amount, Claim.account == account)
    booked = sum_wei(
        session, LedgerEntry.amount, LedgerEntry.account == account, LedgerEntry.in_tree
    )
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.account == account)
        .order_by(LedgerEntry.id.desc())
        .limit(page.limit if page else 200)
        .offset(page.offset if page else 0)
    )
    lines = [
        EarningLine(
            token_id=e.token_id,
            project_id=e.project_id,
            role=e.role,
            style_id=e.style_id,
            ppm=e.ppm,
            amount_wei=e.amount,
            epoch=e.epoch,
        )
        for e in session.scalars(stmt)
    ]
    return Earnings(
        account=account,
        cumulative_wei=cumulative,
        pending_wei=max(0, booked - cumulative),
        claimed_wei=claimed,
        claimable_wei=max(0, claimable_cumulative - claimed),
        tokens=lines,
    )


def _leaf_amount(session: Session, root: RootPost | None, account: str) -> int:
    if root is None:
        return 0
    leaf = _leaf(session, root.epoch, account)
    return leaf.cumulative if leaf is not None else 0


def claim_ticket(session: Session, account: str, distributor: str | None) -> ClaimTicket | None:
    root = _latest_root(session)
    if root is None:
        return None
    leaf = _leaf(session, root.epoch, account)
    if leaf is None:
        return None
    claimed = sum_wei(session, Claim.amount, Claim.account == account)
    return ClaimTicket(
        account=account,
        epoch=root.epoch,
        root=root.root,
        cumulative_wei=leaf.cumulative,
        claimed_wei=claimed,
        claimable_wei=max(0, leaf.cumulative - claimed),
        proof=leaf.proof_hex,
        distributor=distributor,
        claimable_at=root.claimable_at,
    )


def _epoch_out(epoch: Epoch, post: RootPost | None) -> dict:
    return dict(
        epoch=epoch.number,
        root=epoch.root,
        total_wei=epoch.total,
        uri=epoch.uri,
        leaf_count=epoch.leaf_count,
        claimable_at=post.claimable_at if post else None,
        posted=post is not None,
        vetoed=post is not None and post.vetoed_block is not None,
    )


def _posts(session: Session, numbers: Sequence[int]) -> dict[int, RootPost]:
    posts = session.scalars(
        select(RootPost).where(RootPost.epoch.in_(numbers)).order_by(RootPost.id)
    )
    return {p.epoch: p for p in posts}  # the last post of an epoch wins


def list_epochs(session: Session, page: Page) -> Paged[EpochOut]:
    epochs = session.scalars(
        select(Epoch).order_by(Epoch.number.desc()).offset(page.offset).limit(page.limit)
    ).all()
    posts = _posts(session, [e.number for e in epochs])
    return Paged[EpochOut](
        items=[EpochOut(**_epoch_out(e, posts.get(e.number))) for e in epochs],
        total=_count(session, select(Epoch.number)),
        **_page(page),
    )


def epoch_detail(session: Session, number: int, page: Page) -> EpochDetail | None:
    if not _fits(number):
        return None
    epoch = session.get(Epoch, number)
    if epoch is None:
        return None
    leaves = session.scalars(
        select(EpochLeaf)
        .where(EpochLeaf.epoch == number)
        .order_by(EpochLeaf.tree_index)
        .offset(page.offset)
        .limit(page.limit)
    )
    return EpochDetail(
        **_epoch_out(epoch, _posts(session, [number]).get(number)),
        leaves=Paged[EpochLeafOut](
            items=[
                EpochLeafOut(account=leaf.account, cumulative_wei=leaf.cumulative)
                for leaf in leaves
            ],
            total=epoch.leaf_count,
            **_page(page),
        ),
    )


# ------------------------------------------------------------------ platform


def platform(
    session: Session, page: Page, default_recipient: str | None, default_bps: int | None
) -> PlatformOut:
    """The platform now (the defaults: the deployment file's, before any change was indexed)."""
    withdrawals = session.scalars(
        select(PlatformWithdrawal)
        .order_by(PlatformWithdrawal.block_number.desc(), PlatformWithdrawal.log_index.desc())
        .offset(page.offset)
        .limit(page.limit)
    )
    accrued = sum_wei(session, Token.platform_amount)
    withdrawn = sum_wei(session, PlatformWithdrawal.amount)
    return PlatformOut(
        recipient=platform_recipient_at(session, None, default_recipient),
        bps=platform_bps_at(session, None, default_bps),
        sales=_count(session, select(Token.token_id)),
        accrued_wei=accrued,
        withdrawn_wei=withdrawn,
        balance_wei=accrued - withdrawn,
        royalties_wei=sum_wei(
            session,
            LedgerEntry.amount,
            LedgerEntry.kind == "royalty",
            LedgerEntry.role == "platform",
        ),
        withdrawals=Paged[PlatformWithdrawalOut](
            items=[
                PlatformWithdrawalOut(
                    to=w.to_address,
                    amount_wei=w.amount,
                    block_number=w.block_number,
                    tx_hash=w.tx_hash,
                )
                for w in withdrawals
            ],
            total=_count(session, select(PlatformWithdrawal.id)),
            **_page(page),
        ),
    )


# ------------------------------------------------------------------ health


def health(session: Session, chain_id: int | None, chain_head: int | None) -> Health:
    try:
        cursor = session.scalars(select(SyncCursor).limit(1)).first()
        depth = session.scalar(
            select(func.count())
            .select_from(RenderJob)
            .where(RenderJob.status.in_((QUEUED, RUNNING)))
        )
        database = "ok"
    except SQLAlchemyError:
        session.rollback()
        cursor, depth, database = None, 0, "error"
    indexed = cursor.next_block - 1 if cursor is not None else None
    lag = chain_head - indexed if chain_head is not None and indexed is not None else None
    ok = database == "ok" and chain_head is not None
    return Health(
        status="ok" if ok else "degraded",
        chain_id=chain_id if chain_id is not None else (cursor.chain_id if cursor else None),
        chain_head=chain_head,
        indexed_head=indexed,
        lag=max(0, lag) if lag is not None else None,
        render_queue_depth=depth or 0,
        database=database,
    )
