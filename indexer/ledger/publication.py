"""An epoch as a file anyone can fetch and check (DESIGN.md, "Publication").

The document is the ``@openzeppelin/merkle-tree`` ``StandardMerkleTree.dump()`` of the epoch's
leaves (``format``, ``leafEncoding``, ``tree``, ``values``: ``StandardMerkleTree.load`` in
JavaScript or ``indexer.ledger.merkle`` rebuilds the root from it) plus what a verifier needs to
recompute every leaf without the operator's database:

* ``epoch``, ``root``, ``total``, ``asOfBlock`` (the last block it counted);
* ``entries``: every ledger line counted up to this epoch (token, account, role, style, ppm,
  wei): each leaf is the sum of its account's lines;
* ``held``: the lines that wait (their style suspended at ``asOfBlock``), with the reason.

Its URL (``GET /epochs/{n}.json`` on the service, or ``<data dir>/epochs/{n}.json`` written by
``settle``) is the ``uri`` ``settle`` posts with the root.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from indexer.db.models.chain import Token, block_end_pos
from indexer.db.models.ledger import Epoch, EpochLeaf, LedgerEntry
from indexer.ledger.epochs import suspended_styles_at
from indexer.ledger.merkle import StandardMerkleTree

URI_PLACEHOLDER = "{epoch}"


def _line(e: LedgerEntry) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "token": e.token_id,
        "project": e.project_id,
        "account": e.account,
        "role": e.role,
        "style": e.style_id,
        "ppm": e.ppm,
        "wei": str(int(e.amount)),
        "epoch": e.epoch,
    }


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
            LedgerEntry.epoch.is_(None),
            LedgerEntry.style_id.in_(suspended),
            or_(Token.pos.is_(None), Token.pos < block_end_pos(epoch.as_of_block)),
        )
        .order_by(LedgerEntry.id)
    ).all()
    return {
        **tree.dump(),
        "epoch": number,
        "root": tree.root,
        "total": str(int(epoch.total)),
        "asOfBlock": epoch.as_of_block,
        "status": str(epoch.status),
        "entries": [_line(e) for e in entries],
        "held": [
            {**_line(e), "reason": f"style {e.style_id} suspended at block {epoch.as_of_block}"}
            for e in held
        ],
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
