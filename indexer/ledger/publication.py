"""An epoch as a file anyone can fetch and check (DESIGN.md, "Publication").

The document is the ``@openzeppelin/merkle-tree`` ``StandardMerkleTree.dump()`` of the epoch's
leaves (``format``, ``leafEncoding``, ``tree``, ``values``: ``StandardMerkleTree.load`` in
JavaScript or ``indexer.ledger.merkle`` rebuilds the root from it) plus what a verifier needs to
recompute every leaf without the operator's database:

* ``epoch``, ``root``, ``total``, ``asOfBlock`` (the last block it counted);
* ``entries``: every ledger line counted up to this epoch (token, account, role, style, ppm,
  wei): each leaf is the sum of its account's lines;
* ``held``: the lines that wait (their style suspended at ``asOfBlock``), with the reason;
* ``tokens``: every token those lines come from, as it was rendered and booked: its id, project,
  hash, price and platform share, the pixel hash of its render, the attribution rule its shares
  were computed (and paid) by (``null``: a record older than the rule's name, the first rule),
  every word's ppm with the keyword it paid (``generator.words.assign_keywords``) and that
  keyword's style, status and payee at the mint, and every line of its sale (``payees``: the
  platform's, paid at the mint, and the creator pool's; ``epoch`` null while a line waits).

A stranger re-renders a token from the chain and checks it against its record here
(``styleledger verify TOKEN_ID --rpc-url URL``, ``indexer.render.published``), and checks the file
against the chain with :func:`check_epoch_document`. Its URL (``GET /epochs/{n}.json`` on the service, or ``<data dir>/epochs/{n}.json`` written by
``settle``) is the ``uri`` ``settle`` posts with the root.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from indexer.db.models.chain import Token, block_end_pos
from indexer.db.models.ledger import Attribution, Epoch, EpochLeaf, LedgerEntry, Render
from indexer.db.queries import project_at, prompt_keywords_at
from indexer.errors import EpochFileError
from indexer.ledger.epochs import suspended_styles_at
from indexer.ledger.merkle import StandardMerkleTree

URI_PLACEHOLDER = "{epoch}"


_IN_CHUNK = 10_000  # ids per IN (...) query: under every driver's parameter limit


def _line(e: LedgerEntry, number: int | None = None) -> dict[str, Any]:
    """A ledger line as published; with ``number``, its epoch as of that epoch (null if later)."""
    epoch = e.epoch if number is None or (e.epoch is not None and e.epoch <= number) else None
    return {
        "kind": e.kind,
        "token": e.token_id,
        "project": e.project_id,
        "account": e.account,
        "role": e.role,
        "style": e.style_id,
        "ppm": e.ppm,
        "wei": str(int(e.amount)),
        "epoch": epoch,
    }


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _IN_CHUNK):
        yield ids[i : i + _IN_CHUNK]


def _token_records(session: Session, token_ids: Iterable[int], number: int) -> list[dict[str, Any]]:
    """The ``tokens`` section: each token as rendered and booked (module docstring)."""
    ids = sorted(set(token_ids))
    tokens: dict[int, Token] = {}
    renders: dict[int, Render] = {}
    words: dict[int, list[Attribution]] = {}
    lines: dict[int, list[LedgerEntry]] = {}
    for chunk in _chunks(ids):
        tokens.update(
            (t.token_id, t) for t in session.scalars(select(Token).where(Token.token_id.in_(chunk)))
        )
        renders.update(
            (r.token_id, r)
            for r in session.scalars(select(Render).where(Render.token_id.in_(chunk)))
        )
        for a in session.scalars(
            select(Attribution).where(Attribution.token_id.in_(chunk)).order_by(Attribution.id)
        ):
            words.setdefault(a.token_id, []).append(a)
        for e in session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.kind == "sale", LedgerEntry.token_id.in_(chunk))
            .order_by(LedgerEntry.id)
        ):
            lines.setdefault(e.token_id, []).append(e)  # type: ignore[arg-type]
    records = []
    for token_id in ids:
        token, render = tokens.get(token_id), renders.get(token_id)
        if token is None or render is None:
            continue  # a line of a token no longer indexed (a reorg being applied): no record
        project = project_at(session, token.project_id, pos=token.pos)
        owner = (
            {}
            if project is None
            else prompt_keywords_at(session, project.prompt, pos=token.pos).owner
        )
        attribution = (render.record or {}).get("attribution")
        records.append(
            {
                "token": token_id,
                "project": token.project_id,
                "hash": token.hash,
                "price": str(int(token.price)),
                "platformBps": token.platform_bps,
                "pixelHash": render.pixel_hash,
                "modelId": render.model_id,
                "rule": attribution.get("rule") if isinstance(attribution, dict) else None,
                "words": [
                    {
                        "word": a.word,
                        "ppm": a.ppm,
                        "keyword": owner.get(a.word),
                        "style": a.style_id,
                        "status": a.style_status,
                        "payee": a.payee,
                    }
                    for a in words.get(token_id, [])
                ],
                "payees": [_line(e, number) for e in lines.get(token_id, [])],
            }
        )
    return records


def epoch_document(session: Session, number: int) -> dict[str, Any] | None:
    """The publication of epoch ``number`` (None if this database has no such epoch)."""
    epoch = session.get(Epoch, number)
    if epoch is None:
        return None
    leaves = session.scalars(
        select(EpochLeaf).where(EpochLeaf.epoch == number).order_by(EpochLeaf.account)
    ).all()
    tree = StandardMerkleTree.of([(leaf.account, int(leaf.cumulative)) for leaf in leaves])
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.in_tree, LedgerEntry.epoch <= number)
        .order_by(LedgerEntry.id)
    ).all()
    suspended = suspended_styles_at(session, epoch.as_of_block)
    held = session.scalars(
        select(LedgerEntry)
        .outerjoin(Token, Token.token_id == LedgerEntry.token_id)
        .where(
            LedgerEntry.in_tree,
            # not counted by this epoch (a file served later shows what waited then)
            or_(LedgerEntry.epoch.is_(None), LedgerEntry.epoch > number),
            LedgerEntry.style_id.in_(suspended),
            or_(Token.pos.is_(None), Token.pos < block_end_pos(epoch.as_of_block)),
        )
        .order_by(LedgerEntry.id)
    ).all()
    counted = [e.token_id for e in (*entries, *held) if e.kind == "sale" and e.token_id is not None]
    return {
        **tree.dump(),
        "epoch": number,
        "root": tree.root,
        "total": str(int(epoch.total)),
        "asOfBlock": epoch.as_of_block,
        "status": str(epoch.status),
        "entries": [_line(e) for e in entries],
        "held": [
            {
                **_line(e, number),
                "reason": f"style {e.style_id} suspended at block {epoch.as_of_block}",
            }
            for e in held
        ],
        "tokens": _token_records(session, counted, number),
    }


def write_epoch_file(session: Session, number: int, folder: Path) -> Path:
    """``folder/<number>.json``, written whole or not at all."""
    document = epoch_document(session, number)
    if document is None:
        raise LookupError(f"epoch {number} is not in this database")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(document, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ── reading and checking a published file (what a stranger does) ──

_REQUIRED = ("format", "leafEncoding", "tree", "values", "epoch", "root", "total", "entries")


def read_epoch_file(source: str, *, timeout: float = 30.0) -> dict[str, Any]:
    """An epoch file from a path, a ``file://`` URL or an ``http(s)://`` URL, as JSON;
    EpochFileError naming the source when it cannot be had or is no epoch file."""
    if source.startswith(("http://", "https://")):
        import requests

        try:
            response = requests.get(source, timeout=timeout)
        except requests.RequestException as exc:
            raise EpochFileError(
                f"cannot fetch the epoch file {source} ({type(exc).__name__}): is the URL right?"
            ) from exc
        if response.status_code != 200:
            raise EpochFileError(
                f"cannot fetch the epoch file {source}: HTTP {response.status_code}"
            )
        text = response.text
    else:
        path = Path(unquote(urlparse(source).path) if source.startswith("file://") else source)
        try:
            text = path.read_text()
        except FileNotFoundError as exc:
            raise EpochFileError(f"{path}: no such epoch file") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise EpochFileError(f"{path}: cannot read the epoch file ({exc})") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EpochFileError(f"{source} is not valid JSON ({exc})") from exc
    missing = (
        [key for key in _REQUIRED if key not in document] if isinstance(document, dict) else []
    )
    if not isinstance(document, dict) or missing:
        raise EpochFileError(f"{source} is not an epoch file (missing: {missing or 'everything'})")
    if "tokens" not in document:
        raise EpochFileError(
            f"{source}: no 'tokens' section (published before the per-token records; "
            "the operator's service serves the current format at /epochs/N.json)"
        )
    return document


def _wei(value: Any) -> int:
    """A published wei amount (a decimal string, as the file writes it)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"not a wei amount: {value!r}")
    return int(value)


def check_epoch_document(
    document: Mapping[str, Any], *, posted_root: str | None, posted_total: int | None
) -> list[str]:
    """What is wrong with a published epoch file against the root and total the chain holds
    for its epoch (``None``: no root stands there); empty when nothing is. Checked: its tree
    validates node by node (OpenZeppelin's rules), the ``root`` field is that tree's root and
    the chain's, the total is the leaves' sum and the chain's, and every leaf is the sum of its
    account's ``entries``, each counted by this epoch."""
    number = document.get("epoch")
    problems: list[str] = []
    try:
        tree = StandardMerkleTree.load(document)
    except (ValueError, KeyError, TypeError) as exc:
        return [f"its Merkle tree does not hold together ({exc})"]
    if str(document.get("root", "")).lower() != tree.root:
        problems.append(f"its root field {document.get('root')} is not its tree's root {tree.root}")
    if posted_root is None:
        problems.append(f"the PayoutDistributor holds no standing root for epoch {number}")
    elif tree.root != posted_root.lower():
        problems.append(
            f"its tree's root {tree.root} is not the root the PayoutDistributor holds for epoch "
            f"{number} ({posted_root.lower()})"
        )
    try:
        leaves: dict[str, int] = {}
        for account, cumulative in tree.values:
            leaves[str(account).lower()] = leaves.get(str(account).lower(), 0) + _wei(cumulative)
        total = _wei(document.get("total"))
        from_lines: dict[str, int] = {}
        late = []
        for line in document["entries"]:
            account = str(line["account"]).lower()
            from_lines[account] = from_lines.get(account, 0) + _wei(line["wei"])
            if not isinstance(line.get("epoch"), int) or line["epoch"] > number:
                late.append(line)
    except (ValueError, KeyError, TypeError) as exc:
        return [*problems, f"its leaves or lines are malformed ({exc})"]
    if sum(leaves.values()) != total:
        problems.append(
            f"its total {total} wei is not the sum of its leaves {sum(leaves.values())}"
        )
    if posted_total is not None and total != posted_total:
        problems.append(
            f"its total {total} wei is not the total posted on-chain for epoch {number} "
            f"({posted_total})"
        )
    off = {
        a: (from_lines.get(a, 0), leaves.get(a, 0))
        for a in sorted(set(from_lines) | set(leaves))
        if from_lines.get(a, 0) != leaves.get(a, 0)
    }
    for account, (lines, leaf) in list(off.items())[:5]:
        problems.append(f"the leaf of {account} is {leaf} wei but its lines sum to {lines}")
    if len(off) > 5:
        problems.append(f"... and {len(off) - 5} more leaves that are not the sum of their lines")
    if late:
        problems.append(f"{len(late)} of its counted lines name no epoch up to {number}")
    return problems


def token_record(document: Mapping[str, Any], token_id: int) -> dict[str, Any] | None:
    """The ``tokens`` record of ``token_id`` in a published file, if it has one."""
    return next((t for t in document.get("tokens", []) if t.get("token") == token_id), None)


def _line_key(line: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        str(line.get("account", "")).lower(),
        line.get("role"),
        line.get("style"),
        line.get("ppm"),
        str(line.get("wei")),
        line.get("epoch"),
    )


def check_token_lines(document: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The token's creator-pool lines in its record must be the very lines of the token that the
    file counts (``entries``) or holds (``held``): what its leaves sum is what the token booked."""
    token_id = record.get("token")
    published = sorted(
        _line_key(p) for p in record.get("payees", []) if p.get("role") != "platform"
    )
    counted = sorted(
        _line_key(line)
        for line in (*document.get("entries", []), *document.get("held", []))
        if line.get("kind") == "sale" and line.get("token") == token_id
    )
    if published == counted:
        return []
    return [
        f"token {token_id}'s payees in its record are not its lines that the file counts or "
        f"holds ({len(published)} against {len(counted)} lines, some differing)"
    ]
