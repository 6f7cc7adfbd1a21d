"""The decoder's hand-written fast path gives exactly what eth_abi gives."""

from __future__ import annotations

from pathlib import Path

from eth_abi import encode
from eth_utils import event_abi_to_log_topic, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.chain.decode import LogDecoder
from indexer.chain.deployment import ContractInfo, Deployment

ADDRESS = "0x" + "42" * 20
EVENT = {
    "type": "event",
    "name": "Everything",
    "anonymous": False,
    "inputs": [
        {"name": "who", "type": "address", "indexed": True},
        {"name": "delta", "type": "int256", "indexed": True},
        {"name": "flag", "type": "bool", "indexed": False},
        {"name": "tag", "type": "bytes4", "indexed": False},
        {"name": "amount", "type": "uint96", "indexed": False},
        {"name": "offset", "type": "int8", "indexed": False},
        {"name": "label", "type": "string", "indexed": False},  # dynamic: eth_abi path
    ],
}
STATIC = {**EVENT, "name": "Static", "inputs": EVENT["inputs"][:6]}


def decoder() -> LogDecoder:
    abi = [EVENT, STATIC]
    contracts = {
        name: ContractInfo(
            name, to_checksum_address(ADDRESS if name == "ArtCore" else f"0x{i:040x}"), abi
        )
        for i, name in enumerate(("StyleRegistry", "ArtCore", "PayoutDistributor"), start=1)
    }
    return LogDecoder(Deployment(Path("x.json"), 1, 0, contracts, {}, 1000, 0, {}))


def raw_log(event: dict, topics: list[bytes], data: bytes) -> dict:
    return {
        "address": ADDRESS,
        "topics": ["0x" + t.hex() for t in [event_abi_to_log_topic(event), *topics]],
        "data": "0x" + data.hex(),
        "blockNumber": "0x10",
        "blockHash": "0x" + "ab" * 32,
        "transactionHash": "0x" + "cd" * 32,
        "transactionIndex": "0x0",
        "logIndex": "0x3",
    }


@settings(max_examples=60, deadline=None)
@given(
    who=st.binary(min_size=20, max_size=20),
    delta=st.integers(-(2**255), 2**255 - 1),
    flag=st.booleans(),
    tag=st.binary(min_size=4, max_size=4),
    amount=st.integers(0, 2**96 - 1),
    offset=st.integers(-128, 127),
    label=st.text(max_size=20),
)
def test_fast_path_equals_eth_abi(who, delta, flag, tag, amount, offset, label):
    d = decoder()
    address = to_checksum_address(who)
    topics = [encode(["address"], [address]), encode(["int256"], [delta])]
    want = {"who": address, "delta": delta, "flag": flag, "tag": "0x" + tag.hex(),
            "amount": amount, "offset": offset}  # fmt: skip
    static = d.decode(
        raw_log(
            STATIC,
            topics,
            encode(["bool", "bytes4", "uint96", "int8"], [flag, tag, amount, offset]),
        )
    )
    assert (static.event, static.args) == ("Static", want)
    mixed = d.decode(
        raw_log(
            EVENT,
            topics,
            encode(
                ["bool", "bytes4", "uint96", "int8", "string"], [flag, tag, amount, offset, label]
            ),
        )
    )
    assert (mixed.event, mixed.args) == ("Everything", {**want, "label": label})
    assert (mixed.block_number, mixed.log_index, mixed.contract) == (16, 3, "ArtCore")


def test_unknown_topic_is_kept_undecoded():
    log = raw_log(STATIC, [], b"")
    log["topics"][0] = "0x" + "99" * 32
    decoded = decoder().decode(log)
    assert (decoded.event, decoded.args, decoded.contract) == ("", None, "ArtCore")


def event(name: str, *inputs: tuple[str, str, bool]) -> dict:
    return {
        "type": "event",
        "name": name,
        "anonymous": False,
        "inputs": [{"name": n, "type": t, "indexed": i} for n, t, i in inputs],
    }


def core_decoder(*events: dict) -> LogDecoder:
    """A decoder of ArtCore at ADDRESS emitting ``events``."""
    core = ContractInfo("ArtCore", to_checksum_address(ADDRESS), list(events))
    return LogDecoder(Deployment(Path("x.json"), 1, 0, {"ArtCore": core}, {}, 1000, 0, {}))


ARRAYS = event(
    "Arrays",
    ("projectId", "uint256", True),
    ("adapters", "bytes32[]", False),
    ("pair", "uint64[2]", False),
    ("owners", "address[]", False),
)
WORDS = event(
    "Words",
    ("who", "address", True),
    ("id", "bytes32", True),
    ("root", "bytes32", False),
    ("amount", "uint256", False),
    ("to", "address", False),
)


def test_arrays_of_static_types_take_eth_abi():
    """bytes32[] once broke the decoder's set-up (its fast path read "32[]" as a size)."""
    adapters, owner = [b"\x01" * 32, b"\xfe" * 32], to_checksum_address("0x" + "ab" * 20)
    data = encode(["bytes32[]", "uint64[2]", "address[]"], [adapters, (7, 2**64 - 1), [owner]])
    decoded = core_decoder(ARRAYS).decode(raw_log(ARRAYS, [encode(["uint256"], [5])], data))
    assert (decoded.event, decoded.args) == (
        "Arrays",
        {"projectId": 5, "adapters": ["0x" + "01" * 32, "0x" + "fe" * 32],
         "pair": [7, 2**64 - 1], "owners": [owner]},
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    who=st.binary(min_size=20, max_size=20),
    id_=st.binary(min_size=32, max_size=32),
    root=st.binary(min_size=32, max_size=32),
    amount=st.integers(0, 2**256 - 1),
    to=st.binary(min_size=20, max_size=20),
)
def test_word_fast_path_equals_eth_abi(who, id_, root, amount, to):
    """uint, address and bytes32 (the Mint's types), as eth_abi decodes them."""
    d = core_decoder(WORDS)
    topic0 = "0x" + event_abi_to_log_topic(WORDS).hex()
    assert d._specs[(ADDRESS, topic0)].fast_data is not None  # not eth_abi's path
    topics = [encode(["address"], [who]), encode(["bytes32"], [id_])]
    data = encode(["bytes32", "uint256", "address"], [root, amount, to])
    assert d.decode(raw_log(WORDS, topics, data)).args == {
        "who": to_checksum_address(who), "id": "0x" + id_.hex(), "root": "0x" + root.hex(),
        "amount": amount, "to": to_checksum_address(to),
    }  # fmt: skip
