"""Projects, their tokens, and what a preview of one needs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer.api.crud.common import count_rows, fits, image_url, page_fields
from indexer.api.deps import Page
from indexer.api.schemas import (
    Paged,
    ProjectDetail,
    ProjectOut,
    RenderSettingsOut,
    TokenSummary,
)
from indexer.api.services.preview import PreviewProject
from indexer.db.models.chain import (
    Project,
    Token,
)
from indexer.db.models.ledger import (
    Render,
)
from indexer.render.inputs import render_settings, settings_fields


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
    return {project_id: image_url(base, token_id) for project_id, token_id in rows}


def _project_out(project: Project, invocations: int, cover: str | None) -> dict:
    return dict(
        project_id=project.project_id,
        name=project.name,
        author=project.author,
        prompt=project.prompt,
        model_id=project.model_id,
        adapters=list(project.adapters),
        settings=RenderSettingsOut(**settings_fields(project)),
        price_wei=project.price,
        max_supply=project.max_supply,
        invocations=invocations,
        active=project.active and invocations < project.max_supply,
        moderated=project.moderated,
        preview_mint=project.preview_mint,
        royalty_receiver=project.royalty_receiver,
        royalty_bps=project.royalty_bps,
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
        items=items, total=count_rows(session, select(Project.project_id)), **page_fields(page)
    )


def project_detail(
    session: Session, project_id: int, page: Page, base: str
) -> ProjectDetail | None:
    if not fits(project_id):
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
            image=image_url(base, token.token_id) if rendered is not None else None,
        )
        for token, rendered in rows
    ]
    invocations = _invocations(session, [project_id]).get(project_id, 0)
    cover = _covers(session, [project_id], base).get(project_id)
    return ProjectDetail(
        **_project_out(project, invocations, cover),
        tokens=Paged[TokenSummary](items=tokens, total=invocations, **page_fields(page)),
    )


def preview_project(session: Session, project_id: int) -> PreviewProject | None:
    if not fits(project_id):
        return None
    project = session.get(Project, project_id)
    if project is None:
        return None
    try:
        settings, refusal = render_settings(project), None
    except ValueError as exc:  # settings ArtCore took and the generator refuses
        settings, refusal = None, f"the generator refuses its settings: {exc}"
    return PreviewProject(project_id, project.preview_mint, settings, refusal)
