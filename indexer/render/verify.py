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

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.db.models.ledger import Attribution, Render
from indexer.errors import RenderJobError, VerifyError
from indexer.render.inputs import load_render_input


@dataclass
class TokenVerification:
    token_id: int
    token_hash: str
    verdict: str  # identical | within_tolerance | different
    expected_pixel_hash: str
    actual_pixel_hash: str
    shares_match: bool
    stored_ppm: dict[str, int]
    actual_ppm: dict[str, int]
    pixel_figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.verdict != "different" and self.shares_match

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


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
    from generator.verification import as_pixels, compare_pixels

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
    result = render(settings, inp.token_hash, model_dir=model_dir, attribute=True)
    reference_path = data_dir / stored.image_path
    reference = as_pixels(reference_path) if reference_path.is_file() else None
    pixels = compare_pixels(stored.pixel_hash, result.pixels, reference)
    actual_ppm = {f.word: f.ppm for f in (result.attribution.words if result.attribution else [])}
    return TokenVerification(
        token_id=token_id,
        token_hash=inp.token_hash,
        verdict=pixels.verdict,
        expected_pixel_hash=stored.pixel_hash,
        actual_pixel_hash=pixels.actual_pixel_hash,
        shares_match=actual_ppm == stored_ppm,
        stored_ppm=stored_ppm,
        actual_ppm=actual_ppm,
        pixel_figures={
            "max_abs_delta": pixels.max_abs_delta,
            "pixels_off": pixels.pixels_off,
            "fraction_off": pixels.fraction_off,
            "total_pixels": pixels.total_pixels,
            "reason": pixels.reason,
        },
    )
