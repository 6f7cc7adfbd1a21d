"""``styleledger verify TOKEN_ID``: re-render a token from chain data and compare with its record.

The inputs of the re-render are the chain's: the token hash (``ArtCore.tokenHash`` when an RPC
is given, else the indexed ``Mint`` log) and the project's prompt, model id and settings as they
stood at the mint (indexed from the project's events). The answer compares

* the pixels: ``identical`` (same pixel hash), ``within_tolerance`` or ``different``
  (``generator.verify``'s rule, with the stored PNG as the reference pixels);
* the shares: every word's ppm of the re-render against the stored attribution, which the money
  followed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from generator.verification import (
    EXIT_CODES,
    ShareCheck,
    Verdict,
    Verification,
    as_pixels,
    compare_pixels,
    compare_shares,
    on_canonical_path,
    record_rule,
    worst,
)
from indexer.db.models.ledger import Attribution, LedgerEntry, Render
from indexer.errors import RenderJobError, VerifyError
from indexer.ledger.money import Role
from indexer.render.inputs import RenderInput, load_render_input
from indexer.render.worker import book_sale


@dataclass
class WeiCheck:
    """The sale's creator-pool lines recomputed from the re-rendered shares (the platform's cut
    does not depend on them) against the stored ledger lines."""

    matches: bool
    deltas: dict[str, int]  # "role account [style]" -> recomputed - stored, where they differ
    reason: str


@dataclass
class PublicationCheck:
    """A published epoch file against the chain, and the token's record in it against the
    file's own lines and the registry at the mint (``indexer.render.published``)."""

    source: str  # the file's path or URL
    epoch: int
    root: str | None  # the root the PayoutDistributor holds for that epoch
    matches: bool
    problems: list[str]
    reason: str


@dataclass
class TokenVerification:
    """The pixels and the shares of a re-render against the stored render; ``verdict`` is the
    worse of the two (generator.verification's rules)."""

    token_id: int
    token_hash: str
    verdict: Verdict
    pixels: Verification
    shares: ShareCheck
    wei: WeiCheck
    notes: list[str] = field(default_factory=list)
    # verify from the published record (indexer.render.published): the file against the chain
    publication: PublicationCheck | None = None

    @property
    def expected_pixel_hash(self) -> str:
        return self.pixels.expected_pixel_hash

    @property
    def actual_pixel_hash(self) -> str:
        return self.pixels.actual_pixel_hash

    @property
    def shares_match(self) -> bool:
        return self.shares.verdict == "identical"

    @property
    def ok(self) -> bool:
        return self.verdict != "different"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "token_hash": self.token_hash,
            "verdict": self.verdict,
            "ok": self.ok,
            "pixels": self.pixels.to_dict(),
            "shares": self.shares.to_dict(),
            "wei": asdict(self.wei),
            "notes": self.notes,
            **({} if self.publication is None else {"publication": asdict(self.publication)}),
        }


def chain_token_hash(
    w3: Any, art_core_address: str, abi: list[dict[str, Any]], token_id: int
) -> str:
    """``ArtCore.tokenHash(tokenId)`` as 0x-hex."""
    contract = w3.eth.contract(address=art_core_address, abi=abi)
    return "0x" + bytes(contract.functions.tokenHash(token_id).call()).hex()


def verify_token(
    session: Session,
    token_id: int,
    *,
    data_dir: Path,
    model_paths: list[Path] | None = None,
    chain_hash: str | None = None,
) -> TokenVerification:
    """Re-render ``token_id`` and compare pixels and shares with the stored render."""
    from generator import find_model, render

    try:
        inp = load_render_input(session, token_id)
    except RenderJobError as exc:
        raise VerifyError(str(exc)) from exc
    stored = session.get(Render, token_id)
    if stored is None:
        raise VerifyError(f"token {token_id} has not been rendered yet (see `render-worker`)")
    if chain_hash is not None and chain_hash.lower() != inp.token_hash.lower():
        raise VerifyError(
            f"token {token_id}: the chain's hash {chain_hash} differs from the indexed "
            f"{inp.token_hash} (reorg not yet indexed?)"
        )
    stored_ppm = {
        a.word: a.ppm
        for a in session.scalars(select(Attribution).where(Attribution.token_id == token_id))
    }
    settings = inp.settings
    model_dir = find_model(settings.model_id, model_paths)
    # re-checked by the rule the stored shares were computed (and paid) by
    rule = record_rule(stored.record or {})
    result = render(
        settings, inp.token_hash, model_dir=model_dir, attribute=True, attribution_rule=rule
    )
    notes: list[str] = []
    reference, unreadable = None, None
    reference_path = data_dir / stored.image_path
    if not reference_path.is_file():
        notes.append(f"the stored image {reference_path} is missing: the pixel hash alone decides")
    else:
        try:
            reference = as_pixels(reference_path)
        except (OSError, ValueError) as exc:  # PIL: it is not an image any more
            unreadable = f"the stored image {reference_path} was altered: it cannot be read ({exc})"
    pixels = on_canonical_path(compare_pixels(stored.pixel_hash.lower(), result.pixels, reference))
    if unreadable is not None:
        pixels = replace(pixels, verdict="different", reason=unreadable)
    actual_ppm = {f.word: f.ppm for f in (result.attribution.words if result.attribution else [])}
    shares = compare_shares(stored_ppm, actual_ppm, pixels.verdict)
    return conclude(inp, pixels, shares, compare_wei(session, inp, actual_ppm), notes)


def conclude(
    inp: RenderInput,
    pixels: Verification,
    shares: ShareCheck,
    wei: WeiCheck,
    notes: list[str],
    publication: PublicationCheck | None = None,
) -> TokenVerification:
    """The verdict: the worse of the pixels' and the shares'; *different* when the shares are
    identical but the wei are not (the ledger lines were altered), or the published file is
    wrong."""
    verdict = worst(pixels.verdict, shares.verdict)
    if shares.verdict == "identical" and not wei.matches:
        verdict = "different"
    if publication is not None and not publication.matches:
        verdict = "different"
    return TokenVerification(
        token_id=inp.token_id,
        token_hash=inp.token_hash,
        verdict=verdict,
        pixels=pixels,
        shares=shares,
        wei=wei,
        notes=notes,
        publication=publication,
    )


# A sale's line as verify compares it: (role, account, style id or None, wei).
Line = tuple[str, str, int | None, int]


def pool_lines(lines: Iterable[Line]) -> dict[str, int]:
    """A sale's creator-pool lines, ``"role account [style N]" -> wei`` (accounts lower-case),
    the platform's line left out."""
    out: dict[str, int] = {}
    for role, account, style_id, amount in lines:
        if role == Role.PLATFORM.value:
            continue
        key = f"{role} {account.lower()}" + (f" style {style_id}" if style_id is not None else "")
        out[key] = out.get(key, 0) + int(amount)
    return out


def wei_check(stored: dict[str, int], recomputed: dict[str, int], booked: str) -> WeiCheck:
    """Recomputed against ``booked`` (the ledger's, the file's) creator-pool lines."""
    deltas = {
        k: recomputed.get(k, 0) - stored.get(k, 0)
        for k in sorted(set(stored) | set(recomputed))
        if recomputed.get(k, 0) != stored.get(k, 0)
    }
    if not deltas:
        return WeiCheck(True, {}, f"{sum(stored.values())} wei to creators, as {booked}")
    return WeiCheck(False, deltas, f"the recomputed wei differ from the {booked} ones")


def compare_wei(session: Session, inp: RenderInput, actual_ppm: dict[str, int]) -> WeiCheck:
    """Recompute the token's sale with the money formula from ``actual_ppm`` and compare its
    creator-pool lines with the ledger's."""
    stored = pool_lines(
        (str(e.role), e.account, e.style_id, int(e.amount))
        for e in session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.token_id == inp.token_id, LedgerEntry.kind == "sale"
            )
        )
    )
    split = book_sale(session, inp, actual_ppm, platform="").split
    recomputed = pool_lines((e.role.value, e.account, e.style_id, e.amount) for e in split.entries)
    return wei_check(stored, recomputed, "booked")
