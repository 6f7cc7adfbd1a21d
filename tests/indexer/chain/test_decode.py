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


ARRAYS = {
    "type": "event",
    "name": "Arrays",
    "anonymous": False,
    "inputs": [
        {"name": "projectId", "type": "uint256", "indexed": True},
        {"name": "adapters", "type": "bytes32[]", "indexed": False},
        {"name": "pair", "type": "uint64[2]", "indexed": False},
        {"name": "owners", "type": "address[]", "indexed": False},
    ],
}


def test_arrays_of_static_types_take_eth_abi():
    """bytes32[] once broke the decoder's set-up (its fast path read "32[]" as a size)."""
    d = LogDecoder(
        Deployment(
            Path("x.json"), 1, 0,
            {"ArtCore": ContractInfo("ArtCore", to_checksum_address(ADDRESS), [ARRAYS])},
            {}, 1000, 0, {},
        )
    )  # fmt: skip
    adapters, owner = [b"\x01" * 32, b"\xfe" * 32], to_checksum_address("0x" + "ab" * 20)
    data = encode(["bytes32[]", "uint64[2]", "address[]"], [adapters, (7, 2**64 - 1), [owner]])
    decoded = d.decode(raw_log(ARRAYS, [encode(["uint256"], [5])], data))
    assert (decoded.event, decoded.args) == (
        "Arrays",
        {"projectId": 5, "adapters": ["0x" + "01" * 32, "0x" + "fe" * 32],
         "pair": [7, 2**64 - 1], "owners": [owner]},
    )  # fmt: skip
