"""What the wallet app's routes answer (``routes/account_views``, ``token_status``, ``drafts``).

Kept apart from ``schemas.py`` (the indexer's resources) so the app's additions read in one
place; the same conventions hold: wei are decimal strings, addresses EIP-55.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from indexer.api.schemas import Address, Hex32, PreviewImage, Schema, Wei
from indexer.api.services.preview import MAX_PREVIEW_SEEDS


class TokenStatus(Schema):
    """Where a minted token is on its way to an image."""

    token_id: int
    state: Literal["queued", "rendering", "done", "failed"]
    tries: int = 0
    error: str | None = Field(None, description="The last render error (state failed).")
    image: str | None = Field(None, description="The image's URL once done.")


class AccountToken(Schema):
    token_id: int
    project_id: int
    project_name: str
    invocation: int
    token_hash: Hex32
    state: Literal["queued", "rendering", "done", "failed"]
    image: str | None
    price_wei: Wei
    minted_block: int


class AccountStyle(Schema):
    style_id: int
    name: str
    keywords: list[str]
    payout: Address
    status: Literal["active", "opted_out", "suspended"]
    pending_payout: Address | None
    pending_payout_effective_at: int | None = Field(
        None, description="Unix time from which acceptPayout succeeds."
    )


class AccountProject(Schema):
    project_id: int
    name: str
    prompt: str
    price_wei: Wei
    max_supply: int
    invocations: int
    active: bool = Field(description="The author's switch (setProjectActive).")
    preview_mint: bool
    royalty_bps: int
    editable: bool = Field(description="No token minted yet: details may still change.")


class EpochPoint(Schema):
    """The account's cumulative entitlement in one posted epoch."""

    epoch: int
    block_number: int
    cumulative_wei: Wei


class ClaimOut(Schema):
    amount_wei: Wei
    cumulative_wei: Wei
    block_number: int
    tx_hash: Hex32


class AccountHistory(Schema):
    """Earnings over time: cumulative per posted epoch, booked-but-unsettled, claims."""

    account: Address
    epochs: list[EpochPoint]
    pending_wei: Wei = Field(description="Booked, in no posted epoch yet.")
    claims: list[ClaimOut]


class ModelOut(Schema):
    model_id: str
    name: str
    image_size: int
    default_steps: int
    default_guidance: float
    default_scheduler: str = Field(description="The sampler the model recommends.")
    keywords: list[str] = Field(description="Words the model was trained on (may be empty).")


class GeneratorOut(Schema):
    """What the generator (and ArtCore) accept, for a project form to check as one types."""

    schedulers: list[str]
    min_steps: int
    max_steps: int
    min_side: int
    max_side: int
    side_multiple: int = Field(description="ArtCore: width and height are multiples of this.")
    min_guidance: float
    max_guidance: float
    models: list[ModelOut] = Field(description="Models this server can render.")


class DraftSettingsIn(Schema):
    """Unsaved project settings: what a project would look like, before any gas."""

    prompt: str = Field(max_length=1000)
    model_id: str
    steps: int
    guidance: float
    width: int
    height: int
    scheduler: str
    adapters: list[str] = Field(
        [],
        description="Style adapters the project would pin (adapter ids), in loading order: the "
        "preview renders with them as its tokens would.",
    )


class DraftPreviewIn(DraftSettingsIn):
    """Unsaved project settings and a seed."""

    seed: int = Field(ge=0, le=2**256 - 1)


class DraftPreviewsIn(DraftSettingsIn):
    """Unsaved project settings and several seeds, rendered as one batch."""

    seeds: list[Annotated[int, Field(ge=0, le=2**256 - 1)]] = Field(
        min_length=1, max_length=MAX_PREVIEW_SEEDS
    )


class DraftPreviews(Schema):
    previews: list[PreviewImage] = Field(description="One per seed asked, in that order.")
