"""indexer.ledger.merkle against the npm reference, @openzeppelin/merkle-tree 1.0.8 (run with node).

The reference runs as one node process for the whole session (tests/js/merkle_reference.mjs,
one JSON request per line), so hundreds of trees cost one node start-up.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.chain.deployment import REPO_ROOT
from indexer.ledger import merkle
from indexer.ledger.merkle import StandardMerkleTree
from tests.support.merkle import Reference

ROOT = REPO_ROOT
ENCODING = ["address", "uint256"]
UINT256_MAX = 2**256 - 1


@pytest.fixture(scope="session")
def reference(merkle_reference: Reference) -> Reference:
    return merkle_reference


def as_json(encoding: Sequence[str], values: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """A request for the reference: integers as decimal strings, bytes as 0x-hex."""
    return {"encoding": list(encoding), "values": [[_json(v) for v in value] for value in values]}


def _json(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    raise TypeError(value)


def assert_same(tree: StandardMerkleTree, expected: dict[str, Any]) -> None:
    assert tree.root == expected["root"]
    assert tree.proofs() == expected["proofs"]
    assert [tree.proof(i) for i in range(len(tree))] == expected["proofs"]
    assert tree.dump() == expected["dump"]
    assert json.dumps(tree.dump()) == json.dumps(expected["dump"])


def random_accounts(rng: random.Random, n: int) -> list[tuple[str, int]]:
    values = []
    for _ in range(n):
        address = "0x" + rng.randbytes(20).hex()
        if rng.random() < 0.3:
            address = address.upper().replace("0X", "0x")
        amount = rng.choice(
            [0, 1, UINT256_MAX, rng.randrange(10**12, 10**21), rng.randrange(UINT256_MAX)]
        )
        values.append((address, amount))
    return values


# ── against the npm package ──────────────────────────────────────────────────────────────────────


def test_readme_example_root() -> None:
    """The example of the npm package's README, with its published root."""
    tree = StandardMerkleTree.of(
        [
            ("0x1111111111111111111111111111111111111111", 5000000000000000000),
            ("0x2222222222222222222222222222222222222222", 2500000000000000000),
        ],
    )
    assert tree.root == "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77"


def test_random_trees_match_npm(reference: Reference) -> None:
    rng = random.Random(20240601)
    sizes = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 100, 127, 128, 129, 255, 256, 257]
    sizes += [511, 512, 513, 999, 1000] + [rng.randint(1, 1000) for _ in range(10)]
    trees = [random_accounts(rng, n) for n in sizes]
    results = reference.trees([as_json(ENCODING, values) for values in trees])
    for values, expected in zip(trees, results, strict=True):
        assert_same(StandardMerkleTree.of(values), expected)


def test_duplicate_leaves_match_npm(reference: Reference) -> None:
    rng = random.Random(7)
    base = random_accounts(rng, 5)
    values = [*base, base[0], base[3], base[0]]
    (expected,) = reference.trees([as_json(ENCODING, values)])
    tree = StandardMerkleTree.of(values)
    assert_same(tree, expected)
    assert tree.index_of(base[0]) == 7  # like npm: the last of equal values


OTHER_ENCODINGS: list[tuple[list[str], list[list[Any]]]] = [
    (["uint256"], [[5], [0], [UINT256_MAX], [2**64]]),
    (["bytes32", "bool", "int8"], [["0x" + "ab" * 32, True, -128], ["0x" + "00" * 32, False, 127]]),
    (
        ["string", "address"],
        [["monet", "0x" + "aB" * 20], ["", "0x" + "22" * 20], ["é🎨", "0x" + "33" * 20]],
    ),
    (
        ["bytes", "uint256[]"],
        [["0x", []], ["0xdeadbeef", [1, 2, 3]], ["0x" + "ff" * 70, [UINT256_MAX]]],
    ),
    (["address", "uint96", "bytes4"], [["0x" + "44" * 20, 2**96 - 1, "0x12345678"]]),
    (
        ["int256", "address[2]"],
        [
            [-1, ["0x" + "55" * 20, "0x" + "66" * 20]],
            [2**255 - 1, ["0x" + "77" * 20, "0x" + "88" * 20]],
        ],
    ),
]


def test_other_encodings_match_npm(reference: Reference) -> None:
    results = reference.trees([as_json(enc, values) for enc, values in OTHER_ENCODINGS])
    for (encoding, values), expected in zip(OTHER_ENCODINGS, results, strict=True):
        assert_same(StandardMerkleTree.of(values, encoding), expected)


addresses = st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex())
amounts = st.one_of(st.integers(0, UINT256_MAX), st.sampled_from([0, 1, UINT256_MAX]))
leaves = st.tuples(addresses, amounts)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(leaves, min_size=1, max_size=70))
def test_hypothesis_accounts_match_npm(reference: Reference, values: list[tuple[str, int]]) -> None:
    (expected,) = reference.trees([as_json(ENCODING, values)])
    assert_same(StandardMerkleTree.of(values), expected)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.tuples(
            st.integers(-(2**255), 2**255 - 1),
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
            st.binary(max_size=40),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_hypothesis_mixed_types_match_npm(
    reference: Reference, values: list[tuple[int, str, bytes]]
) -> None:
    encoding = ["int256", "string", "bytes"]
    (expected,) = reference.trees([as_json(encoding, values)])
    assert_same(StandardMerkleTree.of(values, encoding), expected)


def test_load_npm_dump(reference: Reference) -> None:
    values = random_accounts(random.Random(3), 50)
    (expected,) = reference.trees([as_json(ENCODING, values)])
    loaded = StandardMerkleTree.load(expected["dump"])
    assert loaded.root == expected["root"]
    assert loaded.proofs() == expected["proofs"]
    assert loaded.dump() == expected["dump"]
    assert loaded.proof(values[4]) == expected["proofs"][4]


# ── proofs, verification, load/dump round trip ───────────────────────────────────────────────────


def test_proofs_verify() -> None:
    values = random_accounts(random.Random(11), 37)
    tree = StandardMerkleTree.of(values)
    for index, value in tree.entries():
        proof = tree.proof(index)
        assert tree.verify(index, proof)
        assert tree.verify(value, proof)
        assert StandardMerkleTree.verify_proof(tree.root, ENCODING, value, proof)
        assert StandardMerkleTree.verify_proof(
            tree.root_bytes, ENCODING, value, tree.proof_bytes(index)
        )
        assert tree.proof(value) == proof
        assert tree.leaf_hash(value) == tree.tree[tree.tree_index(index)]
    account, amount = values[0]
    proof = tree.proof(0)
    assert not tree.verify((account, amount + 1), proof)
    assert not tree.verify(0, tree.proof(1))
    assert not StandardMerkleTree.verify_proof("0x" + "00" * 32, ENCODING, values[0], proof)


def test_single_leaf_tree() -> None:
    value = ("0x" + "12" * 20, 10**18)
    tree = StandardMerkleTree.of([value])
    assert tree.proof(0) == []
    assert tree.root == tree.leaf_hash(value)
    assert tree.verify(0, [])


def test_dump_load_round_trip() -> None:
    tree = StandardMerkleTree.of(random_accounts(random.Random(5), 64))
    data = json.loads(json.dumps(tree.dump()))
    loaded = StandardMerkleTree.load(data)
    assert loaded.root == tree.root
    assert loaded.proofs() == tree.proofs()
    assert loaded.dump() == data


def test_load_rejects_tampering() -> None:
    data = StandardMerkleTree.of(random_accounts(random.Random(9), 10)).dump()
    with pytest.raises(ValueError, match="Unknown format"):
        StandardMerkleTree.load({**data, "format": "simple-v1"})
    with pytest.raises(ValueError, match="leaf encoding"):
        StandardMerkleTree.load({k: v for k, v in data.items() if k != "leafEncoding"})
    changed_value = json.loads(json.dumps(data))
    changed_value["values"][3]["value"][1] = "1"
    with pytest.raises(ValueError, match="expected value"):
        StandardMerkleTree.load(changed_value)
    changed_node = json.loads(json.dumps(data))
    changed_node["tree"][1] = "0x" + "00" * 32
    with pytest.raises(ValueError, match="invalid"):
        StandardMerkleTree.load(changed_node)
    wrong_index = json.loads(json.dumps(data))
    wrong_index["values"][0]["treeIndex"] = 0
    with pytest.raises(ValueError, match="not a leaf"):
        StandardMerkleTree.load(wrong_index)


# ── bad input ────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (("0x1234", 1), "not an address"),
        (("0x" + "zz" * 20, 1), "not an address"),
        ((b"\x01" * 19, 1), "not an address"),
        (("0x" + "11" * 20, -1), "out of range"),
        (("0x" + "11" * 20, 2**256), "out of range"),
        (("0x" + "11" * 20, 1.5), "not an integer"),
        (("0x" + "11" * 20, True), "not an integer"),
        (("0x" + "11" * 20,), "does not match encoding"),
        (("0x" + "11" * 20, 1, 2), "does not match encoding"),
    ],
)
def test_bad_values(value: tuple[Any, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        StandardMerkleTree.of([value])


def test_bad_trees() -> None:
    with pytest.raises(ValueError, match="non-zero number of leaves"):
        StandardMerkleTree.of([])
    with pytest.raises(ValueError, match="unsupported ABI type"):
        StandardMerkleTree.of([[(1, 2)]], ["(uint256,uint256)"])
    tree = StandardMerkleTree.of([("0x" + "11" * 20, 1)])
    with pytest.raises(IndexError):
        tree.proof(1)
    with pytest.raises(ValueError, match="not in tree"):
        tree.proof(("0x" + "11" * 20, 2))
    with pytest.raises(ValueError, match="32 bytes"):
        tree.verify(0, ["0x1234"])


def test_accepts_bytes_and_string_inputs() -> None:
    """Addresses as 20 bytes and amounts as decimal or hex strings hash like the canonical form."""
    raw = bytes.fromhex("ab" * 20)
    canonical = StandardMerkleTree.of([("0x" + "ab" * 20, 255)])
    for value in [(raw, 255), ("0x" + "AB" * 20, "255"), ("0x" + "ab" * 20, "0xff")]:
        assert StandardMerkleTree.of([value]).root == canonical.root


# ── keccak backends ──────────────────────────────────────────────────────────────────────────────


def test_keccak_backends_agree() -> None:
    from eth_hash.auto import keccak

    rng = random.Random(1)
    inputs = [b"", b"abc", *(rng.randbytes(n) for n in (1, 31, 32, 33, 64, 135, 136, 137, 1000))]
    factories = [
        merkle._sha3_hasher,
        merkle._pycryptodome_raw_hasher,
        merkle._pycryptodome_hasher,
        merkle._eth_hash_hasher,
    ]
    available = 0
    for factory in factories:
        try:
            hasher = factory()
        except ImportError:
            continue
        available += 1
        assert [hasher(data) for data in inputs] == [keccak(data) for data in inputs], factory
    assert available >= 2
    assert [merkle.keccak256(data) for data in inputs] == [keccak(data) for data in inputs]
