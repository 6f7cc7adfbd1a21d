"""Decode raw ``eth_getLogs`` entries with the deployment's ABIs, fast and without web3 formatters.

Each (contract address, topic0) pair maps to one event spec; the indexed arguments come from the
topics, the others from the data, decoded with eth_abi. Values are made JSON-friendly on the way:
addresses checksummed, bytes as 0x hex, tuples as dicts keyed by component names, ints as ints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic, to_checksum_address
from eth_utils.abi import collapse_if_tuple

from indexer.chain.deployment import Deployment
from indexer.db.models.chain import log_pos

Converter = Callable[[Any], Any]


_UNDECODED: Any = object()


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~2x per log
class DecodedLog:
    """One log with its place on the chain and its arguments (``event`` "" if unknown).

    ``args`` are decoded on first use: logs that no projection reads (a mint's Transfer, say)
    are stored without ever being decoded.
    """

    block_number: int
    block_hash: str
    tx_hash: str
    tx_index: int
    log_index: int
    address: str
    contract: str
    event: str
    topics: list[str]
    data: str
    spec: EventSpec | None = field(default=None, repr=False, compare=False)
    _args: Any = field(default=_UNDECODED, repr=False, compare=False)

    @property
    def args(self) -> dict[str, Any] | None:
        if self._args is _UNDECODED:
            self._args = (
                None if self.spec is None else _decode_args(self.spec, self.topics, self.data)
            )
        return self._args

    @property
    def pos(self) -> int:
        return log_pos(self.block_number, self.log_index)


@dataclass(frozen=True)
class EventSpec:
    contract: str
    name: str
    topic0: str
    indexed: tuple[tuple[str, str, Converter], ...]  # (name, abi type, converter)
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]
    data_converters: tuple[Converter, ...]
    # fast paths, where every value is a static elementary type (None: eth_abi decodes):
    # (name, converter of the topic's 64 hex digits, topic index)
    fast_topics: tuple[tuple[str, Converter, int], ...] | None = None
    # (name, converter of 64 hex digits, start, end in the 0x-prefixed data string)
    fast_data: tuple[tuple[str, Converter, int, int], ...] | None = None


@lru_cache(maxsize=65_536)
def checksum(address: str) -> str:
    return to_checksum_address(address)


def _identity(value: Any) -> Any:
    return value


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _converter(abi_input: dict[str, Any]) -> Converter:
    """A function turning eth_abi's output for ``abi_input`` into JSON-friendly values."""
    type_str: str = abi_input["type"]
    if type_str.endswith("]"):
        inner = _converter({**abi_input, "type": type_str[: type_str.rindex("[")]})
        return lambda values: [inner(v) for v in values]
    if type_str == "tuple":
        names = [c["name"] or str(i) for i, c in enumerate(abi_input["components"])]
        parts = [_converter(c) for c in abi_input["components"]]
        return lambda values: {n: f(v) for n, f, v in zip(names, parts, values, strict=True)}
    if type_str == "address":
        return checksum
    if type_str.startswith("bytes"):
        return _hex
    return _identity


@lru_cache(maxsize=16_384)
def _address_word(word: str) -> str:
    return checksum("0x" + word[24:])


def _word_converter(type_str: str) -> Converter | None:
    """Decode a static elementary ABI value straight from its 64 hex digits (no eth_abi).

    The common ones (uint, address, bytes32) are C callables: no Python frame per value."""
    if _is_dynamic(type_str):  # arrays and tuples take eth_abi
        return None
    if type_str.startswith("uint"):
        return partial(int, base=16)
    if type_str.startswith("int"):
        return lambda word: (lambda v: v - (1 << 256) if v >> 255 else v)(int(word, 16))
    if type_str == "address":
        return _address_word
    if type_str == "bool":
        return lambda word: int(word, 16) != 0
    if type_str == "bytes32":
        return "0x".__add__
    if type_str.startswith("bytes") and type_str != "bytes":
        size = int(type_str[5:])
        return lambda word: "0x" + word[: 2 * size]
    return None


def _fast_topics(
    indexed: Sequence[tuple[str, str, Converter]],
) -> tuple[tuple[str, Converter, int], ...] | None:
    converters = [_word_converter(t) for _, t, _ in indexed]
    if any(c is None for c in converters):
        return None
    return tuple(
        (name, c, 1 + i)
        for i, ((name, _, _), c) in enumerate(zip(indexed, converters, strict=True))
    )  # type: ignore[misc]


def _fast_data(
    names: Sequence[str], types: Sequence[str]
) -> tuple[tuple[str, Converter, int, int], ...] | None:
    converters = [_word_converter(t) for t in types]
    if not names or any(c is None for c in converters):
        return None
    return tuple(
        (n, c, 2 + 64 * i, 66 + 64 * i)
        for i, (n, c) in enumerate(zip(names, converters, strict=True))
    )  # type: ignore[misc]


def _is_dynamic(type_str: str) -> bool:
    return type_str in {"string", "bytes"} or type_str.endswith("]") or type_str.startswith("(")


def event_specs(contract: str, abi: Sequence[dict[str, Any]]) -> list[EventSpec]:
    specs = []
    for item in abi:
        if item.get("type") != "event" or item.get("anonymous"):
            continue
        indexed, data_names, data_types, data_conv = [], [], [], []
        for i, arg in enumerate(item["inputs"]):
            name = arg["name"] or f"arg{i}"
            type_str = collapse_if_tuple(arg)
            if arg.get("indexed"):
                # indexed dynamic values are stored as their keccak hash: keep the topic as hex
                conv = _hex if _is_dynamic(type_str) else _converter(arg)
                indexed.append((name, "bytes32" if _is_dynamic(type_str) else type_str, conv))
            else:
                data_names.append(name)
                data_types.append(type_str)
                data_conv.append(_converter(arg))
        specs.append(
            EventSpec(
                contract=contract,
                name=item["name"],
                topic0=_hex(event_abi_to_log_topic(item)),
                indexed=tuple(indexed),
                data_names=tuple(data_names),
                data_types=tuple(data_types),
                data_converters=tuple(data_conv),
                fast_topics=_fast_topics(indexed),
                fast_data=_fast_data(data_names, data_types),
            )
        )
    return specs


def _decode_args(spec: EventSpec, topics: list[str], data: str) -> dict[str, Any]:
    """The arguments of a log whose topic count matches ``spec``."""
    fast_topics, fast_data = spec.fast_topics, spec.fast_data
    if fast_topics is not None:
        args: dict[str, Any] = {name: conv(topics[k][2:]) for name, conv, k in fast_topics}
    else:
        args = {
            name: conv(abi_decode([type_str], bytes.fromhex(topic[2:]))[0])
            for (name, type_str, conv), topic in zip(spec.indexed, topics[1:], strict=True)
        }
    if not spec.data_types:
        return args
    if fast_data is not None and len(data) == fast_data[-1][3]:
        for name, conv, start, end in fast_data:
            args[name] = conv(data[start:end])
        return args
    values = abi_decode(list(spec.data_types), bytes.fromhex(data[2:]))
    for name, conv, value in zip(spec.data_names, spec.data_converters, values, strict=True):
        args[name] = conv(value)
    return args


class LogDecoder:
    """Decodes the logs of one deployment's contracts."""

    def __init__(self, deployment: Deployment) -> None:
        self._contracts = {c.address.lower(): c.name for c in deployment.contracts.values()}
        self._specs: dict[tuple[str, str], EventSpec] = {}
        for info in deployment.contracts.values():
            for spec in event_specs(info.name, info.abi):
                self._specs[(info.address.lower(), spec.topic0)] = spec

    def topic0_of(self, contract: str, event: str) -> str:
        for spec in self._specs.values():
            if spec.contract == contract and spec.name == event:
                return spec.topic0
        raise KeyError(f"{contract} has no event {event!r}")

    def decode(self, log: dict[str, Any]) -> DecodedLog:
        """Decode one ``eth_getLogs`` entry (hex strings, as the node sent them)."""
        return self.decode_all([log])[0]

    def decode_all(self, logs: Iterable[dict[str, Any]]) -> list[DecodedLog]:
        """Decode ``eth_getLogs`` entries, in their order (the sync's hot loop)."""
        specs, contracts, lower = self._specs, self._contracts, str.lower
        checksummed: dict[str, str] = {}
        decoded = []
        for log in logs:
            address = lower(log["address"])
            topics = list(map(lower, log["topics"]))
            spec = specs.get((address, topics[0])) if topics else None
            if spec is not None and len(topics) != len(spec.indexed) + 1:
                spec = None  # same signature, other indexing: not this event
            mixed_case = checksummed.get(address)
            if mixed_case is None:
                mixed_case = checksummed[address] = checksum(address)
            decoded.append(
                DecodedLog(  # positional: keyword arguments make this ~1.5x slower
                    int(log["blockNumber"], 16),
                    lower(log["blockHash"]),
                    lower(log["transactionHash"]),
                    int(log["transactionIndex"], 16),
                    int(log["logIndex"], 16),
                    mixed_case,
                    contracts.get(address, ""),
                    "" if spec is None else spec.name,
                    topics,
                    log["data"],
                    spec,
                )
            )
        return decoded

    def decode_row(self, row: Any) -> DecodedLog:
        """Decode a stored ``raw_logs`` row again (the same result as when it was synced)."""
        return self.decode(
            {
                "address": row.address,
                "topics": row.topics,
                "data": row.data,
                "blockNumber": hex(row.block_number),
                "blockHash": row.block_hash,
                "transactionHash": row.tx_hash,
                "transactionIndex": hex(row.tx_index),
                "logIndex": hex(row.log_index),
            }
        )
