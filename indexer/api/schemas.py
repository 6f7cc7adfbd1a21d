"""What the API answers: pydantic models, separate from the table rows they are built from.

Wei amounts are exact integers inside and decimal strings in JSON (a float would round them);
addresses are EIP-55 checksummed; hashes are 0x-prefixed lower-case hex.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_serializer,
)

Wei = Annotated[
    int,
    PlainSerializer(lambda value: str(value), return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]+$", "description": "wei, decimal string (exact)"}
    ),
]
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$")]
Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$")]

ItemT = TypeVar("ItemT")


class Schema(BaseModel):
    model_config = ConfigDict(frozen=True)


class Paged(Schema, Generic[ItemT]):
    items: list[ItemT]
    total: int
    offset: int
    limit: int


# ------------------------------------------------------------------ tokens


class MetadataAttribute(Schema):
    """One OpenSea-style trait; ``display_type`` only where it has one (strict marketplace
    schemas refuse ``"display_type": null``)."""

    trait_type: str
    value: str | int | float
    display_type: Literal["number", "boost_percentage"] | None = None

    @model_serializer(mode="wrap")
    def _without_null_display_type(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        if data.get("display_type") is None:
            data.pop("display_type", None)
        return data


class TokenMetadata(Schema):
    """ERC-721 metadata (the JSON marketplaces read from tokenURI) plus what a verifier needs."""

    name: str
    description: str
    image: str | None = Field(
        description="Absolute URL of the rendered PNG; null until the token is rendered "
        "(``rendered``), so a marketplace never caches a missing image."
    )
    external_url: str
    attributes: list[MetadataAttribute]
    token_id: int
    project_id: int
    project_name: str
    prompt: str
    model_id: str
    token_hash: Hex32
    seed: str | None = Field(None, description="uint256 seed (decimal) for seed-chosen mints.")
    owner: Address | None
    minted_block: int
    rendered: bool
    pixel_hash: str | None = Field(
        None, description="sha256 of the raw RGB pixels and shape: re-render to verify."
    )


class WordAttribution(Schema):
    word: str
    area: float
    intensity: float
    contribution: float
    ppm: int = Field(description="Share of the creator pool in parts per million.")
    style_id: int | None = Field(None, description="The style this keyword named at mint.")
    style_status: str | None = None
    payee: Address | None = Field(None, description="Who this word's share pays.")
    amount_wei: Wei | None = None
    heatmap: str = Field(description="URL of this word's heat map PNG.")


class Payee(Schema):
    account: Address
    role: str
    style_id: int | None
    ppm: int | None
    amount_wei: Wei


class TokenAttribution(Schema):
    token_id: int
    pixel_hash: str
    price_wei: Wei
    creator_pool_wei: Wei
    words: list[WordAttribution]
    payees: list[Payee] = Field(description="Ledger lines of this token, once settled or booked.")
    author_remainder_wei: Wei = Field(
        0,
        description="The author's wei that no word carries (rounding dust when every word is a "
        "style's): the words' amount_wei plus this is the creator pool, exactly.",
    )
    overlay: str


class TokenSummary(Schema):
    token_id: int
    invocation: int
    owner: Address | None
    token_hash: Hex32
    rendered: bool
    image: str | None


# ------------------------------------------------------------------ projects


class RenderSettingsOut(Schema):
    steps: int
    guidance: float
    width: int
    height: int
    scheduler: str


class ProjectOut(Schema):
    project_id: int
    name: str
    author: Address
    prompt: str
    model_id: str
    adapters: list[Hex32] = Field(
        [],
        description="The style adapters its tokens render with, in loading order (adapter ids: "
        "sha256 of each adapter's weight files); fixed once the project has minted.",
    )
    settings: RenderSettingsOut
    price_wei: Wei
    max_supply: int
    invocations: int
    active: bool = Field(
        description="Mints are open as far as its author and its supply go: the author has not "
        "paused it (ArtCore `ProjectActiveUpdated`) and it is not sold out."
    )
    moderated: bool = Field(
        False,
        description="Paused by the platform owner's moderation (ArtCore `ProjectModerated`), "
        "apart from the author's pause: no mint goes through while true, and only the owner "
        "lifts it.",
    )
    preview_mint: bool
    royalty_receiver: Address | None = Field(
        None,
        description="The project's EIP-2981 receiver: royalties paid to it are forwarded "
        "to the distributor by `settle` (or anyone calling its forward()).",
    )
    royalty_bps: int = Field(0, description="The royalty rate marketplaces are told, in bps.")
    cover_image: str | None = Field(None, description="Image of the latest rendered token.")


class ProjectDetail(ProjectOut):
    tokens: Paged[TokenSummary]


class PreviewImage(Schema):
    seed: str = Field(description="The seed, decimal (a uint256 does not fit a JSON number).")
    token_hash: Hex32 = Field(description="keccak256(abi.encode(core, projectId, seed, minter)).")
    image: str = Field(description="The PNG, as a data URL (data:image/png;base64,...).")


class PreviewBatch(Schema):
    project_id: int
    minter: Address
    previews: list[PreviewImage] = Field(description="One per seed asked, in that order.")


# ------------------------------------------------------------------ styles


class StyleOut(Schema):
    style_id: int
    name: str
    owner: Address
    payout: Address
    keywords: list[str]
    metadata_uri: str
    adapter_id: Hex32 | None = Field(
        None,
        description="The style adapter learned from the artist's consented works (sha256 of "
        "its weight files); null when the style has none.",
    )
    adapter_base_model_id: Hex32 | None = Field(
        None,
        description="The base model the adapter was trained on (its manifest's base_model_id), "
        "as this service finds the adapter on its search path; a project renders with the "
        "adapter only on that model. Null when the style has no adapter or this service does "
        "not hold the adapter's files.",
    )
    works_root: Hex32 | None = Field(
        None,
        description="StandardMerkleTree root (leaf encoding bytes32) of the sha256 of each "
        "consented work; null when none is recorded.",
    )
    works_uri: str = Field("", description="Where the list of consented works is published.")
    status: Literal["active", "opted_out", "suspended"]
    tokens_attributed: int = Field(
        description="Tokens whose ledger pays (or holds for) this style."
    )
    earned_wei: Wei


# ------------------------------------------------------------------ accounts


class EarningLine(Schema):
    token_id: int | None
    project_id: int | None
    role: str
    style_id: int | None
    ppm: int | None
    amount_wei: Wei
    epoch: int | None = Field(None, description="The epoch that settled it; null while pending.")


class Earnings(Schema):
    account: Address
    cumulative_wei: Wei = Field(description="Entitlement in the latest posted epoch's tree.")
    pending_wei: Wei = Field(description="Booked but not in a posted epoch yet.")
    claimed_wei: Wei
    claimable_wei: Wei = Field(description="Latest claimable cumulative minus claimed.")
    tokens: list[EarningLine]


class ClaimTicket(Schema):
    """Everything `PayoutDistributor.claim(account, cumulativeAmount, proof)` needs."""

    account: Address
    epoch: int
    root: Hex32
    cumulative_wei: Wei
    claimed_wei: Wei
    claimable_wei: Wei
    proof: list[Hex32]
    distributor: Address | None
    claimable_at: int | None = Field(None, description="Unix time from which the root pays.")


# ------------------------------------------------------------------ epochs


class EpochOut(Schema):
    epoch: int
    root: Hex32
    total_wei: Wei
    uri: str
    leaf_count: int
    claimable_at: int | None
    posted: bool
    vetoed: bool


class EpochLeaf(Schema):
    account: Address
    cumulative_wei: Wei


class EpochDetail(EpochOut):
    leaves: Paged[EpochLeaf] = Field(
        description="Leaves (account, cumulative) in tree order: rebuild the tree from these."
    )


# ------------------------------------------------------------------ platform


class PlatformWithdrawalOut(Schema):
    to: Address
    amount_wei: Wei
    block_number: int
    tx_hash: Hex32


class PlatformOut(Schema):
    """ArtCore's platform side, as indexed: who it pays, at what rate, what it earned and took."""

    recipient: Address | None = Field(
        description="The recipient now (PlatformRecipientUpdated; the deployment file's platform "
        "role before any change was indexed)."
    )
    bps: int | None = Field(description="The platform share of sales now, in basis points.")
    sales: int = Field(description="Tokens sold.")
    accrued_wei: Wei = Field(description="The platform's cut of every sale (kept by ArtCore).")
    withdrawn_wei: Wei
    balance_wei: Wei = Field(description="Accrued minus withdrawn: ArtCore's platform balance.")
    royalties_wei: Wei = Field(
        description="The platform's part of royalties, paid through the Merkle tree (booked)."
    )
    withdrawals: Paged[PlatformWithdrawalOut]


# ------------------------------------------------------------------ health


class Health(Schema):
    status: Literal["ok", "degraded"]
    chain_id: int | None
    chain_head: int | None
    indexed_head: int | None
    lag: int | None
    render_queue_depth: int
    database: Literal["ok", "error"]
