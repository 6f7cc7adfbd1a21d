"""``styleledger verify TOKEN_ID --rpc-url URL`` for anyone: the chain, the repository and the
epoch's published file (DESIGN.md, "Publication"); no operator database, none created.

1. **The chain.** The deployment's events are replayed through the indexer's own projections
   (``indexer.sync``) into a SQLite database in memory: the token's hash from its ``Mint`` log
   (and ``ArtCore.tokenHash``), its project's prompt, model and settings as they stood at the
   mint (fixed from the first mint on: ``ArtCore.project`` must agree), its price and platform
   share, the styles its words named at the mint, the roots posted. Only ``eth_getLogs`` and
   present-state calls: any RPC node serves them, no archive needed.
2. **The file**: ``--epoch-file`` (a path or a URL), else the ``uri`` the PayoutDistributor
   holds with the newest standing root (the file is cumulative: it holds every token settled by
   then). Its tree must validate node by node, its root and total be the ones posted on-chain
   for its epoch, every leaf the sum of its account's lines
   (``indexer.ledger.publication.check_epoch_document``), and the token's record name the
   token's own lines, hash, price, platform share and model.
3. **The token**, re-rendered with the pinned model by the rule its record names: the pixel hash
   against the record's (there is no reference image here, so off the canonical float path a
   different hash is *different*), the word shares against the record's
   (``generator.verification.compare_shares``), the keyword and style each word paid against the
   registry at the mint, and the sale's creator-pool wei recomputed with the money formula
   (``indexer.render.worker.book_sale``) from the recorded shares, which money follows, against
   the record's payees.

The verdicts and exit codes are ``verify``'s (``generator.verification``); anything wrong in the
file, or between the file and the chain, makes the verdict *different* with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from generator.verification import (
    ShareCheck,
    compare_pixels,
    compare_shares,
    on_canonical_path,
    record_rule,
)
from indexer.chain.deployment import Deployment
from indexer.db.base import make_engine, make_session_factory
from indexer.db.migrate import upgrade_database
from indexer.db.models.chain import RootPost
from indexer.errors import MoneyError, RenderJobError, VerifyError
from indexer.ledger.money import StyleStatus
from indexer.ledger.publication import (
    check_epoch_document,
    check_token_lines,
    read_epoch_file,
    token_record,
)
from indexer.render.inputs import RenderInput, chain_project, load_render_input, render_settings
from indexer.render.verify import (
    PublicationCheck,
    TokenVerification,
    WeiCheck,
    chain_token_hash,
    conclude,
    pool_lines,
    wei_check,
)
from indexer.render.worker import Booking, book_sale


@dataclass
class ChainReplay:
    """The deployment's events, projected into a database in memory (dispose when done)."""

    engine: Engine
    factory: sessionmaker[Session]
    deployment: Deployment

    def dispose(self) -> None:
        self.engine.dispose()


def replay_chain(w3: Any, deployment: Deployment, *, until: int | None = None) -> ChainReplay:
    """Every event of ``deployment`` up to ``until`` (default: the head), through the indexer's
    projections, into SQLite in memory: nothing is written to disk."""
    from indexer.sync.scanner import Syncer

    engine = make_engine("sqlite://")  # one connection per thread, alive as long as the engine
    upgrade_database(engine)
    factory = make_session_factory(engine)
    Syncer(w3, deployment, factory, confirmations=0).run_once(until)
    return ChainReplay(engine, factory, deployment)


def standing_root(session: Session, epoch: int | None = None) -> RootPost | None:
    """The root posted for ``epoch`` (default: the newest epoch) that no guardian vetoed."""
    stmt = select(RootPost).where(RootPost.vetoed_block.is_(None))
    if epoch is not None:
        stmt = stmt.where(RootPost.epoch == epoch)
    return session.scalars(
        stmt.order_by(RootPost.epoch.desc(), RootPost.block_number.desc()).limit(1)
    ).first()


def verify_published(
    token_id: int,
    *,
    w3: Any,
    deployment: Deployment,
    epoch_file: str | None = None,
    model_paths: list | None = None,
    replay: ChainReplay | None = None,
) -> TokenVerification:
    """Re-render ``token_id`` from the chain and check it, and its epoch's published file,
    against each other (module docstring). ``replay``: a :func:`replay_chain` to reuse (else
    one is made here and disposed)."""
    own = replay is None
    replay = replay or replay_chain(w3, deployment)
    try:
        with replay.factory() as session:
            return _verify(session, token_id, w3, deployment, epoch_file, model_paths)
    finally:
        if own:
            replay.dispose()


def _verify(
    session: Session,
    token_id: int,
    w3: Any,
    deployment: Deployment,
    epoch_file: str | None,
    model_paths: list | None,
) -> TokenVerification:
    from generator import find_model, render
    from generator.models import ModelIdMismatchError, ModelNotFoundError

    core = deployment.contracts["ArtCore"]
    try:
        inp = load_render_input(session, token_id)
    except RenderJobError as exc:
        raise VerifyError(
            f"token {token_id}: {exc} (the chain {deployment.chain_id} has no such mint of "
            f"ArtCore {core.address}, or its project cannot be rendered)"
        ) from exc
    notes: list[str] = []
    on_chain = chain_token_hash(w3, core.address, core.abi, token_id)
    if on_chain.lower() != inp.token_hash.lower():
        raise VerifyError(
            f"token {token_id}: ArtCore.tokenHash {on_chain} differs from its Mint log's "
            f"{inp.token_hash}"
        )
    try:
        contract = w3.eth.contract(address=core.address, abi=core.abi)
        now = render_settings(chain_project(contract, inp.project_id))
        if now != inp.settings:
            notes.append(
                f"ArtCore.project({inp.project_id}) now answers other render settings than its "
                "events at the mint; the mint's are used"
            )
    except ValueError:
        notes.append(
            f"ArtCore.project({inp.project_id}) now answers settings the generator refuses"
        )

    source, document = _epoch_file(session, epoch_file)
    number = document.get("epoch")
    posted = standing_root(session, number) if isinstance(number, int) else None
    problems = check_epoch_document(
        document,
        posted_root=None if posted is None else posted.root,
        posted_total=None if posted is None else int(posted.total_cumulative),
    )
    record = token_record(document, token_id)
    if record is None:
        raise VerifyError(
            f"token {token_id} is not in epoch {number}'s file {source}: not settled by that "
            "epoch (a later epoch's file holds it once it is)"
        )
    problems += check_token_lines(document, record)
    problems += _record_against_chain(record, inp)

    try:
        model_dir = find_model(inp.settings.model_id, model_paths)
        rule = record_rule({"attribution": {"rule": record.get("rule")}})
        result = render(
            inp.settings, inp.token_hash, model_dir=model_dir, attribute=True, attribution_rule=rule
        )
    except (ModelNotFoundError, ModelIdMismatchError, KeyError) as exc:
        raise VerifyError(f"token {token_id} cannot be re-rendered here: {exc}") from exc
    pixels = on_canonical_path(
        compare_pixels(str(record.get("pixelHash", "")), result.pixels, None)
    )
    recorded_ppm = _recorded_ppm(record)
    actual_ppm = {f.word: f.ppm for f in (result.attribution.words if result.attribution else [])}
    shares: ShareCheck = compare_shares(recorded_ppm, actual_ppm, pixels.verdict)
    wei, booking = _wei(session, inp, record, recorded_ppm, deployment)
    if not wei.matches:  # exact whatever the float path: they follow the recorded shares
        problems.append(
            f"token {token_id}'s payees are not what the money formula gives: {wei.reason}"
        )
    if booking is not None:
        problems += _keywords_against_chain(record, booking, inp.author)

    publication = PublicationCheck(
        source=source,
        epoch=number if isinstance(number, int) else -1,
        root=None if posted is None else posted.root,
        matches=not problems,
        problems=problems,
        reason=(
            f"epoch {number}'s file matches the root posted on-chain, and the token's record "
            "its lines and the chain"
            if not problems
            else "; ".join(problems)
        ),
    )
    return conclude(inp, pixels, shares, wei, notes, publication)


def _epoch_file(session: Session, epoch_file: str | None) -> tuple[str, dict[str, Any]]:
    """The file given, else the one the newest standing root names."""
    if epoch_file is None:
        posted = standing_root(session)
        if posted is None:
            raise VerifyError(
                "the PayoutDistributor holds no root yet: nothing is settled (or give "
                "--epoch-file PATH_OR_URL)"
            )
        if not posted.uri:
            raise VerifyError(
                f"the root of epoch {posted.epoch} names no file (its uri is empty): give "
                "--epoch-file PATH_OR_URL"
            )
        epoch_file = posted.uri
    return epoch_file, read_epoch_file(epoch_file)


def _recorded_ppm(record: dict[str, Any]) -> dict[str, int]:
    words = record.get("words")
    if not isinstance(words, list) or not all(
        isinstance(w, dict) and isinstance(w.get("word"), str) and isinstance(w.get("ppm"), int)
        for w in words
    ):
        raise VerifyError(f"token {record.get('token')}'s record: 'words' must list word and ppm")
    return {w["word"]: w["ppm"] for w in words}


def _record_against_chain(record: dict[str, Any], inp: RenderInput) -> list[str]:
    """The record's facts that the chain holds too: hash, project, price, platform share, model."""
    facts = {
        "hash": (str(record.get("hash", "")).lower(), inp.token_hash.lower()),
        "project": (record.get("project"), inp.project_id),
        "price": (str(record.get("price")), str(inp.price)),
        "platformBps": (record.get("platformBps"), inp.platform_bps),
        "modelId": (
            str(record.get("modelId", "")).lower().removeprefix("0x"),
            inp.settings.model_id,
        ),
    }
    return [
        f"the record's {name} {published} is not the chain's {chain}"
        for name, (published, chain) in facts.items()
        if published != chain
    ]


def _wei(
    session: Session,
    inp: RenderInput,
    record: dict[str, Any],
    recorded_ppm: dict[str, int],
    deployment: Deployment,
) -> tuple[WeiCheck, Booking | None]:
    """The sale recomputed by the money formula from the recorded shares (what money follows)
    against the record's payees."""
    try:
        published = pool_lines(
            (str(p["role"]), str(p["account"]), p.get("style"), int(p["wei"]))
            for p in record.get("payees", [])
        )
    except (KeyError, TypeError, ValueError) as exc:
        return WeiCheck(False, {}, f"the record's payees are malformed ({exc})"), None
    try:
        booking = book_sale(session, inp, recorded_ppm, platform=deployment.platform or "")
    except MoneyError as exc:
        return WeiCheck(False, {}, f"the money formula refuses the recorded shares: {exc}"), None
    split = booking.split
    recomputed = pool_lines((e.role.value, e.account, e.style_id, e.amount) for e in split.entries)
    return wei_check(published, recomputed, "published"), booking


def _keywords_against_chain(record: dict[str, Any], booking: Booking, author: str) -> list[str]:
    """Each word's keyword, style, status and payee in the record against the registry at the
    mint (``generator.words.assign_keywords`` over the styles the chain's events give)."""
    problems = []
    for w in record.get("words", []):
        keyword = booking.owner.get(w["word"])
        style = booking.styles.get(keyword) if keyword is not None else None
        paid = author if style is None or style.status is StyleStatus.OPTED_OUT else style.payout
        expected = (
            keyword,
            None if style is None else style.style_id,
            None if style is None else style.status.value,
            paid.lower(),
        )
        found = (w.get("keyword"), w.get("style"), w.get("status"), str(w.get("payee")).lower())
        if found != expected:
            problems.append(
                f"word {w['word']!r}: the record says it paid keyword {found[0]} (style "
                f"{found[1]}, {found[2]}, payee {found[3]}), the registry at the mint gives "
                f"{expected[0]} (style {expected[1]}, {expected[2]}, payee {expected[3]})"
            )
    return problems
