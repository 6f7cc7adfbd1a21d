"""Token metadata, images, heat maps and attribution."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.api.crud.common import fits, image_url, seed_decimal
from indexer.api.schemas import (
    MetadataAttribute,
    Payee,
    TokenAttribution,
    TokenMetadata,
    WordAttribution,
)
from indexer.db.models.chain import (
    Project,
    Token,
)
from indexer.db.models.ledger import (
    Attribution,
    LedgerEntry,
    Render,
)


def token_metadata(session: Session, token_id: int, base: str) -> TokenMetadata | None:
    if not fits(token_id):
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
    seed = seed_decimal(token.seed)
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
        image=image_url(base, token_id),
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
    if not fits(token_id):
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
    if not fits(token_id):
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
