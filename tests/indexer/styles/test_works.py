"""The works tree (indexer.styles.works) against @openzeppelin/merkle-tree, and its proofs."""

from __future__ import annotations

import hashlib

import pytest

from indexer.styles.works import is_consented, work_proof, work_sha256, works_tree
from tests.support.merkle import Reference


def _digests(n: int) -> list[str]:
    return [work_sha256(f"work {i}".encode()) for i in range(n)]


@pytest.mark.parametrize("n", [1, 2, 3, 40])
def test_root_and_proofs_match_openzeppelin(merkle_reference: Reference, n: int) -> None:
    digests = _digests(n)
    tree = works_tree(digests)
    (expected,) = merkle_reference.trees(
        [{"encoding": ["bytes32"], "values": [[d] for d in sorted(digests)]}]
    )
    assert tree.root == expected["root"]
    assert tree.dump() == expected["dump"]
    for digest in digests:
        proof = work_proof(tree, digest)
        assert is_consented(tree.root, digest, proof)


def test_order_and_case_do_not_change_the_root() -> None:
    digests = _digests(5)
    upper = ["0x" + d[2:].upper() for d in reversed(digests)]
    assert works_tree(digests).root == works_tree(upper).root == works_tree(digests * 2).root


def test_a_work_outside_the_set_has_no_proof_and_no_proof_passes_for_it() -> None:
    digests = _digests(4)
    tree = works_tree(digests)
    stranger = work_sha256(b"not consented")
    with pytest.raises(KeyError, match="not in this works tree"):
        work_proof(tree, stranger)
    assert not is_consented(tree.root, stranger, work_proof(tree, digests[0]))


def test_sha256_is_of_the_bytes() -> None:
    assert work_sha256(b"abc") == "0x" + hashlib.sha256(b"abc").hexdigest()


@pytest.mark.parametrize("bad", ["", "0x12", "zz" * 32, "0x" + "1" * 63])
def test_bad_digests_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="64 hex digits"):
        works_tree([bad])
