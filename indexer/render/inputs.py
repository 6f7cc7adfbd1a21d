"""What a render of a token needs, and the one constructor of a project's render settings.

A project's render settings come from three places (the indexed project row, its version at a
mint, the chain's ``ArtCore.project``) and go to four (the render worker, ``verify``, the API's
previews and project listings, the demo): :func:`render_settings` is the one way from a project
to ``generator.settings.RenderSettings``. ArtCore stores the guidance scale times 100. A
project's style adapters (ArtCore ``projectAdapters``) are part of its settings: a token renders
with the adapters its project pinned as of the mint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from generator.settings import RenderSettings
from indexer.db.models.chain import Project, ProjectVersion, Token
from indexer.db.queries import project_at
from indexer.errors import RenderJobError


@dataclass(frozen=True)
class ChainProject:
    """``ArtCore.project(projectId)``'s render fields and ``projectAdapters(projectId)``, as the
    chain answers them."""

    prompt: str
    model_id: str
    steps: int
    guidance_x100: int
    width: int
    height: int
    scheduler: str
    adapters: tuple[str, ...] = ()


# A project's render fields as ArtCore stores them: an indexed row, its version at a mint, or the
# chain's answer.
ProjectSpec = Project | ProjectVersion | ChainProject


def settings_fields(project: ProjectSpec) -> dict[str, Any]:
    """The project's render settings as plain values, unchecked (listings show them as stored)."""
    return {
        "prompt": project.prompt,
        "model_id": project.model_id,
        "steps": project.steps,
        "guidance": project.guidance_x100 / 100,
        "width": project.width,
        "height": project.height,
        "scheduler": project.scheduler,
        "adapters": tuple(project.adapters),
    }


def render_settings(project: ProjectSpec) -> RenderSettings:
    """The project's render settings, checked; ``ValueError`` (pydantic's) for settings the
    generator refuses (an unknown scheduler, a side out of range...)."""
    return RenderSettings(**settings_fields(project))


def chain_project(core: Any, project_id: int) -> ChainProject:
    """Read ``ArtCore.project(project_id)`` and ``projectAdapters(project_id)`` (a web3 contract)
    into its render fields; a core whose ABI has no ``projectAdapters`` (before style adapters)
    pins none."""
    info = core.functions.project(project_id).call()
    functions = {f.get("name"): f for f in core.abi if f.get("type") == "function"}
    abi = functions["project"]
    components = abi["outputs"][0].get("components") or abi["outputs"]
    fields = {c["name"]: v for c, v in zip(components, info, strict=False)}
    steps, guidance_x100, width, height, scheduler = fields["settings"]
    adapters = (
        core.functions.projectAdapters(project_id).call() if "projectAdapters" in functions else []
    )
    return ChainProject(
        prompt=fields["prompt"],
        model_id=bytes(fields["modelId"]).hex(),
        steps=int(steps),
        guidance_x100=int(guidance_x100),
        width=int(width),
        height=int(height),
        scheduler=str(scheduler),
        adapters=tuple(bytes(a).hex() for a in adapters),
    )


@dataclass(frozen=True)
class RenderInput:
    """What rendering one token needs, read from the database before rendering: the hash from
    the ``Mint`` log, the project as it stood at the mint."""

    token_id: int
    project_id: int
    token_hash: str
    pos: int
    price: int
    platform_bps: int
    author: str
    settings: RenderSettings


def load_render_input(session: Session, token_id: int) -> RenderInput:
    """The token's render input; RenderJobError when the token or its project is not indexed or
    the project's settings are ones the generator refuses."""
    token = session.get(Token, token_id)
    if token is None:
        raise RenderJobError(f"token {token_id} is not indexed")
    project = project_at(session, token.project_id, pos=token.pos)
    if project is None:
        raise RenderJobError(f"project {token.project_id} of token {token_id} is not indexed")
    try:
        settings = render_settings(project)
    except ValueError as exc:
        raise RenderJobError(
            f"project {token.project_id} of token {token_id} has settings the generator "
            f"refuses: {exc}"
        ) from exc
    return RenderInput(
        token_id=token.token_id,
        project_id=token.project_id,
        token_hash=token.hash,
        pos=token.pos,
        price=token.price,
        platform_bps=token.platform_bps,
        author=project.author,
        settings=settings,
    )
