"""OpenZeppelin's StandardMerkleTree in pure Python, byte-identical to ``@openzeppelin/merkle-tree``.

The tree the PayoutDistributor verifies (DESIGN.md, "Money"): one leaf per payee,
``(address account, uint256 cumulative)``, hashed twice,
``keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))))``; leaves sorted by hash;
each inner node the keccak256 of its two children in ascending order. The array layout, the
proofs and ``dump()`` are those of the npm package 1.0.8 (``tests/test_merkle.py`` checks them
against it), so ``MerkleProof.verify`` and the npm package accept what this module produces.

    tree = StandardMerkleTree.of([(account, cumulative), ...])      # ("address", "uint256")
    tree.root                     # "0x…" (32 bytes)
    for index, (account, cumulative) in tree.entries():
        proof = tree.proof(index)  # ["0x…", …], what `claim(account, cumulative, proof)` takes
    StandardMerkleTree.verify(tree.root, ("address", "uint256"), (account, cumulative), proof)

Any ABI leaf encoding works (``of(values, ("uint256", "string"))``); static types take a fast
path, the rest go through ``eth_abi``. Speed matters (a settlement proves every payee): nodes are
kept in one flat list of ``bytes`` in the npm layout, proofs are lists of indices into it, and
keccak comes from the fastest backend installed (pysha3 > pycryptodome > eth_hash).
"""

from __future__ import annotations

import ctypes
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import eth_abi

__all__ = ["StandardMerkleTree", "keccak256", "standard_leaf_hash", "standard_node_hash"]

DUMP_FORMAT = "standard-v1"
DEFAULT_ENCODING: tuple[str, ...] = ("address", "uint256")


# ── keccak256 ────────────────────────────────────────────────────────────────────────────────────
#
# A tree of n leaves costs 3n keccak calls, so the per-call overhead is what counts. Measured on
# 64-byte inputs: pysha3 0.7 µs, pycryptodome's C core called directly 1.2 µs, pycryptodome's
# public API 3.3 µs (it builds a Python object per hash). A hasher made by `_new_hasher` owns its
# state: one per thread (`keccak256`) or one per tree build, never shared between threads.


def _sha3_hasher() -> Callable[[bytes], bytes]:
    from sha3 import keccak_256  # type: ignore[import-not-found]  # pysha3 / safe-pysha3

    return lambda data: keccak_256(data).digest()


def _pycryptodome_raw_hasher() -> Callable[[bytes], bytes]:
    """pycryptodome's keccak C functions through ctypes, on a state this hasher owns."""
    import Crypto.Hash

    (path,) = Path(Crypto.Hash.__file__).parent.glob("_keccak*.so")
    lib = ctypes.PyDLL(str(path))  # µs calls: keep the GIL rather than release and retake it
    state = ctypes.c_void_p()
    if lib.keccak_init(ctypes.byref(state), ctypes.c_size_t(64), ctypes.c_uint8(24)) != 0:
        raise OSError("keccak_init failed")
    reset, absorb, squeeze = lib.keccak_reset, lib.keccak_absorb, lib.keccak_digest
    out = ctypes.create_string_buffer(32)
    sizes = {n: ctypes.c_size_t(n) for n in (32, 64, 96, 128)}
    c_size_t, size32, padding = ctypes.c_size_t, sizes[32], ctypes.c_uint8(0x01)

    def keccak(data: bytes) -> bytes:
        size = len(data)
        reset(state)
        absorb(state, data, sizes.get(size) or c_size_t(size))
        squeeze(state, out, size32, padding)
        return out.raw

    weakref.finalize(keccak, lib.keccak_destroy, state)
    return keccak


def _pycryptodome_hasher() -> Callable[[bytes], bytes]:
    from Crypto.Hash import keccak as _keccak

    new = _keccak.new
    return lambda data: new(digest_bits=256, data=data).digest()


def _eth_hash_hasher() -> Callable[[bytes], bytes]:
    from eth_hash.auto import keccak

    return keccak


_KNOWN = {  # keccak256 test vectors: b"" and b"abc"
    b"": "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    b"abc": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
}


def _pick_backend() -> Callable[[], Callable[[bytes], bytes]]:
    for factory in (_sha3_hasher, _pycryptodome_raw_hasher, _pycryptodome_hasher):
        try:
            hasher = factory()
            if all(hasher(data).hex() == digest for data, digest in _KNOWN.items()):
                return factory
        except Exception:  # a missing or different package: try the next backend
            continue
    return _eth_hash_hasher


_new_hasher = _pick_backend()
_local = threading.local()


def keccak256(data: bytes) -> bytes:
    """keccak256 of `data`, 32 bytes (thread-safe; the fastest backend installed)."""
    try:
        hasher = _local.hasher
    except AttributeError:
        hasher = _local.hasher = _new_hasher()
    return hasher(data)


def standard_node_hash(a: bytes, b: bytes) -> bytes:
    """Hash of an inner node: keccak256 of its children, smaller first (OpenZeppelin's rule)."""
    return keccak256(a + b if a <= b else b + a)


# ── leaf encoding ────────────────────────────────────────────────────────────────────────────────

_ZERO12 = bytes(12)
_UINT = re.compile(r"uint(\d*)")
_INT = re.compile(r"int(\d*)")
_BYTES_N = re.compile(r"bytes(\d+)")
_ARRAY = re.compile(r"(.+)\[(\d*)\]")


def _encode_address(value: Any) -> bytes:
    if isinstance(value, str):
        if len(value) == 42 and value[:2] in ("0x", "0X"):
            try:
                return _ZERO12 + bytes.fromhex(value[2:])
            except ValueError:
                pass
    elif isinstance(value, bytes | bytearray) and len(value) == 20:
        return _ZERO12 + bytes(value)
    raise ValueError(f"not an address: {value!r}")


def _uint_encoder(bits: int) -> Callable[[Any], bytes]:
    limit = 1 << bits

    def encode(value: Any) -> bytes:
        number = _to_int(value)
        if not 0 <= number < limit:
            raise ValueError(f"uint{bits} out of range: {value!r}")
        return number.to_bytes(32, "big")

    return encode


def _int_encoder(bits: int) -> Callable[[Any], bytes]:
    bound = 1 << (bits - 1)

    def encode(value: Any) -> bytes:
        number = _to_int(value)
        if not -bound <= number < bound:
            raise ValueError(f"int{bits} out of range: {value!r}")
        return number.to_bytes(32, "big", signed=True)

    return encode


def _bytes_n_encoder(size: int) -> Callable[[Any], bytes]:
    def encode(value: Any) -> bytes:
        raw = _to_bytes(value)
        if len(raw) != size:
            raise ValueError(f"bytes{size} needs {size} bytes, got {len(raw)}: {value!r}")
        return raw.ljust(32, b"\0")

    return encode


def _encode_bool(value: Any) -> bytes:
    if not isinstance(value, bool):
        raise ValueError(f"not a bool: {value!r}")
    return (1 if value else 0).to_bytes(32, "big")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 16) if text.lower().startswith(("0x", "-0x")) else int(text, 10)
        except ValueError:
            pass
    raise ValueError(f"not an integer: {value!r}")


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and value[:2] in ("0x", "0X"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise ValueError(f"not bytes or a 0x-hex string: {value!r}")


def _static_encoder(abi_type: str) -> Callable[[Any], bytes] | None:
    """The fast encoder of a static elementary type, or None (dynamic or composite)."""
    if abi_type == "address":
        return _encode_address
    if abi_type == "bool":
        return _encode_bool
    if m := _UINT.fullmatch(abi_type):
        bits = int(m.group(1) or 256)
        return _uint_encoder(bits) if bits % 8 == 0 and 8 <= bits <= 256 else None
    if m := _INT.fullmatch(abi_type):
        bits = int(m.group(1) or 256)
        return _int_encoder(bits) if bits % 8 == 0 and 8 <= bits <= 256 else None
    if m := _BYTES_N.fullmatch(abi_type):
        size = int(m.group(1))
        return _bytes_n_encoder(size) if 1 <= size <= 32 else None
    return None


def _leaf_encoder(leaf_encoding: Sequence[str]) -> Callable[[Sequence[Any]], bytes]:
    """``abi.encode(values...)`` for `leaf_encoding`: fast for static types, eth_abi otherwise."""
    types = tuple(leaf_encoding)
    if not types:
        raise ValueError("leaf encoding needs at least one type")
    encoders = [_static_encoder(t) for t in types]
    width = len(types)

    if all(encoders):
        if types == DEFAULT_ENCODING:

            def encode_default(value: Sequence[Any]) -> bytes:
                if len(value) != 2:
                    raise ValueError(f"leaf {value!r} does not match encoding {list(types)}")
                account, amount = value
                if (
                    type(account) is str
                    and len(account) == 42
                    and type(amount) is int
                    and 0 <= amount < 1 << 256
                ):
                    try:
                        return _ZERO12 + bytes.fromhex(account[2:]) + amount.to_bytes(32, "big")
                    except ValueError:
                        pass
                return _encode_address(account) + _uint_encoder(256)(amount)

            return encode_default

        def encode_static(value: Sequence[Any]) -> bytes:
            if len(value) != width:
                raise ValueError(f"leaf {value!r} does not match encoding {list(types)}")
            return b"".join(enc(v) for enc, v in zip(encoders, value, strict=True))  # type: ignore[misc]

        return encode_static

    def encode_any(value: Sequence[Any]) -> bytes:
        if len(value) != width:
            raise ValueError(f"leaf {value!r} does not match encoding {list(types)}")
        try:
            return eth_abi.encode(types, [_to_abi(t, v) for t, v in zip(types, value, strict=True)])
        except Exception as exc:  # eth_abi raises several types; one clear error for callers
            raise ValueError(f"cannot encode leaf {value!r} as {list(types)}: {exc}") from exc

    return encode_any


def _to_abi(abi_type: str, value: Any) -> Any:
    """A JSON-style value (decimal strings, 0x-hex bytes) as eth_abi wants it for `abi_type`."""
    if m := _ARRAY.fullmatch(abi_type):
        return [_to_abi(m.group(1), v) for v in value]
    if abi_type == "bytes" or _BYTES_N.fullmatch(abi_type):
        return _to_bytes(value)
    if _UINT.fullmatch(abi_type) or _INT.fullmatch(abi_type):
        return _to_int(value)
    if abi_type == "address":  # as 20 bytes: eth_abi refuses mixed case that is no checksum
        return _encode_address(value)[12:]
    if abi_type in ("bool", "string"):
        return value
    raise ValueError(f"unsupported ABI type in a leaf encoding: {abi_type!r}")


def _to_json(abi_type: str, value: Any) -> Any:
    """`value` as the npm package's dump holds it: big numbers as decimal strings, bytes as hex."""
    if m := _ARRAY.fullmatch(abi_type):
        return [_to_json(m.group(1), v) for v in value]
    if isinstance(value, bool) or abi_type == "string":
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return value


def standard_leaf_hash(leaf_encoding: Sequence[str], value: Sequence[Any]) -> bytes:
    """``keccak256(keccak256(abi.encode(value)))`` for one leaf."""
    return keccak256(keccak256(_leaf_encoder(leaf_encoding)(value)))


# ── the tree ─────────────────────────────────────────────────────────────────────────────────────


class StandardMerkleTree:
    """A Merkle tree of ABI-encoded values in OpenZeppelin's standard layout.

    ``tree`` holds the 2n-1 nodes in the npm package's order (root at 0, the sorted leaves at the
    end, in reverse); value ``i`` (in the order given to :meth:`of`) sits at ``tree_index(i)``.
    Build it with :meth:`of` or :meth:`load`, not with the constructor.
    """

    __slots__ = ("_hex", "_lookup", "_tree", "_tree_indices", "leaf_encoding", "values")

    def __init__(
        self,
        tree: list[bytes],
        values: list[tuple[Any, ...]],
        tree_indices: list[int],
        leaf_encoding: Sequence[str],
    ) -> None:
        self._tree = tree
        self.values = values
        self._tree_indices = tree_indices
        self.leaf_encoding: tuple[str, ...] = tuple(leaf_encoding)
        self._hex: list[str] | None = None
        self._lookup: dict[bytes, int] | None = None

    # construction

    @classmethod
    def of(
        cls,
        values: Sequence[Sequence[Any]],
        leaf_encoding: Sequence[str] = DEFAULT_ENCODING,
        *,
        sort_leaves: bool = True,
    ) -> StandardMerkleTree:
        """Build the tree of `values` (each a sequence matching `leaf_encoding`).

        Raises ValueError on an empty list or a value that does not fit its type.
        """
        if len(values) == 0:
            raise ValueError("Expected non-zero number of leaves")
        encode = _leaf_encoder(leaf_encoding)
        k = _new_hasher()
        hashes = [k(k(encode(v))) for v in values]
        order = sorted(range(len(hashes)), key=hashes.__getitem__) if sort_leaves else None
        leaves = [hashes[i] for i in order] if order is not None else hashes
        tree = _build(leaves, k)
        n_nodes = len(tree)
        tree_indices = [0] * len(values)
        for leaf_index, value_index in enumerate(
            order if order is not None else range(len(values))
        ):
            tree_indices[value_index] = n_nodes - 1 - leaf_index
        return cls(tree, [tuple(v) for v in values], tree_indices, leaf_encoding)

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> StandardMerkleTree:
        """Rebuild a tree from :meth:`dump` output (or the npm package's ``dump()``), validated.

        Raises ValueError if the format is unknown or any node or leaf does not hash as it should.
        """
        if data.get("format") != DUMP_FORMAT:
            raise ValueError(f"Unknown format {data.get('format')!r}")
        if data.get("leafEncoding") is None:
            raise ValueError("Expected leaf encoding")
        tree_hex = list(data["tree"])
        tree = [_node_bytes(node) for node in tree_hex]
        values = [tuple(entry["value"]) for entry in data["values"]]
        tree_indices = [int(entry["treeIndex"]) for entry in data["values"]]
        loaded = cls(tree, values, tree_indices, data["leafEncoding"])
        loaded.validate()
        return loaded

    def validate(self) -> None:
        """Check every value's leaf and every inner node; raise ValueError on the first mismatch."""
        tree = self._tree
        if len(tree) % 2 == 0:
            raise ValueError(f"Merkle tree is invalid: {len(tree)} nodes (a tree has 2n-1)")
        encode = _leaf_encoder(self.leaf_encoding)
        for i, (value, tree_index) in enumerate(zip(self.values, self._tree_indices, strict=True)):
            if not _is_leaf(len(tree), tree_index):
                raise ValueError(f"value {i} points at {tree_index}, which is not a leaf")
            if tree[tree_index] != keccak256(keccak256(encode(value))):
                raise ValueError(f"Merkle tree does not contain the expected value at {i}")
        for i in range(len(tree) // 2 - 1, -1, -1):
            if tree[i] != standard_node_hash(tree[2 * i + 1], tree[2 * i + 2]):
                raise ValueError(f"Merkle tree is invalid at node {i}")

    # reading

    @property
    def root(self) -> str:
        """The root as a 0x-prefixed hex string (what the contract stores as bytes32)."""
        return "0x" + self._tree[0].hex()

    @property
    def root_bytes(self) -> bytes:
        return self._tree[0]

    @property
    def tree(self) -> list[str]:
        """All nodes, hex, in the npm package's layout."""
        return list(self._hex_nodes())

    def __len__(self) -> int:
        return len(self.values)

    def at(self, index: int) -> tuple[Any, ...]:
        return self.values[index]

    def entries(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(index, value) in the order the values were given."""
        return enumerate(self.values)

    def tree_index(self, index: int) -> int:
        return self._tree_indices[index]

    def leaf_hash(self, value: Sequence[Any]) -> str:
        """The hex leaf hash of `value` under this tree's encoding."""
        return "0x" + standard_leaf_hash(self.leaf_encoding, value).hex()

    def index_of(self, value: Sequence[Any]) -> int:
        """Index of `value` (the last one if it appears twice, as in the npm package)."""
        if self._lookup is None:
            tree = self._tree
            self._lookup = {tree[t]: i for i, t in enumerate(self._tree_indices)}
        index = self._lookup.get(standard_leaf_hash(self.leaf_encoding, value))
        if index is None:
            raise ValueError(f"Leaf is not in tree: {value!r}")
        return index

    # proofs

    def proof(self, leaf: int | Sequence[Any]) -> list[str]:
        """Proof of value number `leaf` (or of the value `leaf`), hex, leaf to root."""
        hex_nodes = self._hex_nodes()
        return [hex_nodes[j] for j in _siblings(self._resolve(leaf))]

    def proof_bytes(self, leaf: int | Sequence[Any]) -> list[bytes]:
        """Like :meth:`proof`, as 32-byte strings."""
        tree = self._tree
        return [tree[j] for j in _siblings(self._resolve(leaf))]

    def proofs(self) -> list[list[str]]:
        """The proof of every value, in value order (what a settlement stores).

        A node's proof is its sibling followed by its parent's proof, so all of them come from
        one pass from the root down, each a single list concatenation.
        """
        nodes = self._hex_nodes()
        paths: list[list[str]] = [[]] * len(nodes)
        for i in range(1, len(nodes)):
            paths[i] = [nodes[i + 1 if i & 1 else i - 1], *paths[(i - 1) >> 1]]
        return [paths[t] for t in self._tree_indices]

    def verify(self, leaf: int | Sequence[Any], proof: Sequence[str | bytes]) -> bool:
        """Whether `proof` proves value number `leaf` (or the value `leaf`) against this root."""
        value = self.values[leaf] if isinstance(leaf, int) else leaf
        return StandardMerkleTree.verify_proof(self._tree[0], self.leaf_encoding, value, proof)

    @staticmethod
    def verify_proof(
        root: str | bytes,
        leaf_encoding: Sequence[str],
        value: Sequence[Any],
        proof: Sequence[str | bytes],
    ) -> bool:
        """OpenZeppelin ``MerkleProof.verify`` of `value`'s leaf against `root`."""
        node = standard_leaf_hash(leaf_encoding, value)
        for sibling in proof:
            node = standard_node_hash(node, _node_bytes(sibling))
        return node == _node_bytes(root)

    # dump

    def dump(self) -> dict[str, Any]:
        """The npm package's ``dump()`` object (format ``standard-v1``), JSON-serialisable."""
        types = self.leaf_encoding
        return {
            "format": DUMP_FORMAT,
            "leafEncoding": list(types),
            "tree": self.tree,
            "values": [
                {
                    "value": [_to_json(t, v) for t, v in zip(types, value, strict=True)],
                    "treeIndex": t,
                }
                for value, t in zip(self.values, self._tree_indices, strict=True)
            ],
        }

    # internals

    def _resolve(self, leaf: int | Sequence[Any]) -> int:
        if isinstance(leaf, int):
            if not 0 <= leaf < len(self.values):
                raise IndexError(f"Index out of bounds: {leaf}")
            return self._tree_indices[leaf]
        return self._tree_indices[self.index_of(leaf)]

    def _hex_nodes(self) -> list[str]:
        if self._hex is None:
            self._hex = ["0x" + node.hex() for node in self._tree]
        return self._hex


def _build(leaves: list[bytes], k: Callable[[bytes], bytes]) -> list[bytes]:
    """The 2n-1 nodes: leaves at the end in reverse order, parents of i at 2i+1 and 2i+2."""
    n = len(leaves)
    tree: list[bytes] = [b""] * (n - 1) + leaves[::-1]
    for i in range(n - 2, -1, -1):
        a = tree[2 * i + 1]
        b = tree[2 * i + 2]
        tree[i] = k(a + b if a <= b else b + a)
    return tree


def _siblings(tree_index: int) -> list[int]:
    """Indices of the proof's nodes for the leaf at `tree_index`, from the leaf up."""
    out = []
    j = tree_index
    while j > 0:
        out.append(j + 1 if j & 1 else j - 1)
        j = (j - 1) >> 1
    return out


def _is_leaf(n_nodes: int, index: int) -> bool:
    return 0 <= index < n_nodes and 2 * index + 1 >= n_nodes


def _node_bytes(node: str | bytes) -> bytes:
    raw = _to_bytes(node)
    if len(raw) != 32:
        raise ValueError(f"Merkle tree nodes must be 32 bytes: {node!r}")
    return raw
