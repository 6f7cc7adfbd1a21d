"""A style's consented works, read from its adapter folder and checked against the chain's root.

The style's record on chain carries ``worksRoot`` (indexer.db ``Style.works_root``); the adapter
folder the indexer renders with (found by its id, ``generator.adapters.find_adapter``) lists the
works in its manifest. The list is served only when its tree (``indexer.styles.works``) has the
root the chain holds, so a served proof is always one ``MerkleProof.verify`` accepts under it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from generator.adapters import (
    MANIFEST_FILE,
    AdapterMismatchError,
    AdapterNotFoundError,
    find_adapter,
)
from indexer.ledger.merkle import StandardMerkleTree
from indexer.styles.works import works_tree


class WorksUnavailable(LookupError):
    """The style has no adapter, or this indexer does not hold its folder."""


class WorksMismatch(ValueError):
    """The adapter folder's works do not hash to the root on chain."""


@dataclass(frozen=True)
class ConsentedWorks:
    adapter_id: str  # 64 hex, no 0x
    root: str
    files: list[dict]  # {"name", "sha256", "caption"} as the manifest lists them
    tree: StandardMerkleTree


_CACHE: dict[tuple[str, str], ConsentedWorks] = {}
_LOCK = threading.Lock()


def consented_works(adapter_id: str | None, works_root: str | None) -> ConsentedWorks:
    """The works of the adapter ``adapter_id``, whose tree must have root ``works_root``."""
    if not adapter_id or not works_root:
        raise WorksUnavailable("this style has no adapter learned from consented works")
    key = (adapter_id.removeprefix("0x").lower(), works_root.lower())
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    try:
        folder = find_adapter(key[0])
        manifest = json.loads((folder / MANIFEST_FILE).read_text())
    except (AdapterNotFoundError, AdapterMismatchError, OSError, json.JSONDecodeError) as exc:
        raise WorksUnavailable(f"the adapter 0x{key[0]} is not available here: {exc}") from exc
    files = list(manifest.get("works", {}).get("files", []))
    tree = works_tree(f["sha256"] for f in files)
    if tree.root != key[1]:
        raise WorksMismatch(
            f"the works listed by adapter 0x{key[0]} hash to root {tree.root}, but the chain "
            f"records {key[1]}"
        )
    works = ConsentedWorks(adapter_id=key[0], root=tree.root, files=files, tree=tree)
    with _LOCK:
        _CACHE[key] = works
    return works
