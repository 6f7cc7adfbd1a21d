"""Token metadata, images, heat maps and attribution."""

from __future__ import annotations

from collections.abc import Sequence

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
from indexer.ledger.money import Role, apportion


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
        image=image_url(base, token_id) if render is not None else None,
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


def _word_amounts(
    words: Sequence[Attribution], entries: Sequence[LedgerEntry]
) -> tuple[dict[int, int], int]:
    """Each word's wei: the ledger line it pays into (its style's artist or held line, else the
    author's), apportioned over that line's words by ppm. The lines are the money formula's,
    dust included, so the words add up to the creator pool exactly (before the sale is booked:
    no amounts). Also the author's wei no word carries: the rounding dust when every word is a
    style's."""
    lines: dict[int | None, int] = {}
    for e in entries:
        if e.role in (Role.ARTIST.value, Role.HELD.value):
            lines[e.style_id] = lines.get(e.style_id, 0) + int(e.amount)
        elif e.role == Role.AUTHOR.value:
            lines[None] = lines.get(None, 0) + int(e.amount)
    if not lines:
        return {}, 0
    groups: dict[int | None, list[Attribution]] = {}
    for w in words:
        groups.setdefault(w.style_id if w.style_id in lines else None, []).append(w)
    amounts: dict[int, int] = {}
    for key, members in groups.items():
        for w, amount in zip(
            members, apportion(lines.get(key, 0), [w.ppm for w in members]), strict=True
        ):
            amounts[w.id] = amount
    return amounts, (lines.get(None, 0) if None not in groups else 0)


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
    attributions = session.scalars(
        select(Attribution).where(Attribution.token_id == token_id).order_by(Attribution.id)
    ).all()
    amounts, author_remainder = _word_amounts(attributions, entries)
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
            amount_wei=amounts.get(w.id),
            heatmap=f"{base}/tokens/{token_id}/heatmap/{w.word}.png",
        )
        for w in attributions
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
        author_remainder_wei=author_remainder,
        overlay=f"{base}/tokens/{token_id}/overlay.png",
    )
