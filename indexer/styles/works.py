"""An artist's consented works: their sha256 and the Merkle tree a style's ``worksRoot`` commits to.

DESIGN.md, "Style adapters": the style's record on chain carries the root of the sha256 of each
consented work. The tree is OpenZeppelin's StandardMerkleTree (``indexer.ledger.merkle``) with the
leaf encoding ``("bytes32",)``, one leaf per work: ``keccak256(bytes.concat(keccak256(abi.encode(
sha256)))))``, so ``@openzeppelin/merkle-tree`` and ``MerkleProof.verify`` accept its proofs. A
stranger holding a work proves it is in the consented set with :func:`work_proof` and
:func:`is_consented`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from indexer.ledger.merkle import StandardMerkleTree

WORKS_ENCODING: tuple[str, ...] = ("bytes32",)


def work_sha256(data: bytes) -> str:
    """``0x`` + the sha256 of a work's bytes (what the tree commits to)."""
    return "0x" + hashlib.sha256(data).hexdigest()


def _normalise(digest: str) -> str:
    value = digest.lower()
    if not value.startswith("0x"):
        value = "0x" + value
    if len(value) != 66 or any(c not in "0123456789abcdef" for c in value[2:]):
        raise ValueError(f"a work's sha256 is 64 hex digits, got {digest!r}")
    return value


def works_tree(digests: Iterable[str]) -> StandardMerkleTree:
    """The tree over works' sha256 (each once; order does not change the root)."""
    unique = sorted({_normalise(d) for d in digests})
    if not unique:
        raise ValueError("a works tree needs at least one work")
    return StandardMerkleTree.of([(d,) for d in unique], WORKS_ENCODING)


def work_proof(tree: StandardMerkleTree, digest: str) -> list[str]:
    """The proof that the work with ``digest`` is a leaf of ``tree``; ``KeyError`` if it is not."""
    wanted = _normalise(digest)
    try:
        return tree.proof((wanted,))
    except ValueError:
        raise KeyError(f"work {wanted} is not in this works tree") from None


def is_consented(root: str, digest: str, proof: list[str]) -> bool:
    """Whether ``proof`` shows the work ``digest`` under ``root`` (what a stranger checks)."""
    return StandardMerkleTree.verify_proof(root, WORKS_ENCODING, (_normalise(digest),), proof)
