"""StyleRegistry's keyword check and key, written in assembly, against the plain rule.

The rule (docs/words.md): a keyword is ``[a-z0-9]+(-[a-z0-9]+)*`` in 2-32 bytes; its key is
``keccak256(bytes(keyword))``, the key of the plain ``_holders`` mapping. Every byte value 0-255 is tried alone, first, last, in
the middle and at byte 31 of a 32-byte keyword, through ``registerStyle`` (accepted, or reverted
with ``StyleRegistryInvalidKeyword(keyword)``, byte for byte) and ``resolveKeywords`` (no style
for a malformed keyword, never a revert). Keywords are sent as raw bytes, since most byte values
above 0x7f are not UTF-8 text on their own (``string[]`` and ``bytes[]`` encode alike).
"""

from __future__ import annotations

import re

import pytest
from brownie import web3
from eth_abi import decode, encode
from eth_utils import keccak

ALLOWED = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-")
HOLDERS_SLOT = 3  # after AccessControl's _roles (0), _styleCount (1), _styles (2)
STYLE_COUNT_SLOT = 1


KEYWORD_RE = re.compile(rb"[a-z0-9]+(?:-[a-z0-9]+)*")


def plain_rule(keyword: bytes) -> bool:
    return 2 <= len(keyword) <= 32 and KEYWORD_RE.fullmatch(keyword) is not None


def placements(c: int) -> dict[str, bytes]:
    """Byte `c` at each position that could break a word-at-a-time check."""
    one = bytes([c])
    return {
        "alone": one,
        "first": one + b"a",
        "last": b"a" + one,
        "middle": b"a" * 15 + one + b"a" * 16,
        "byte-31": b"a" * 31 + one,
    }


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def eth_call(to, sender, data: bytes) -> tuple[bool, bytes]:
    """(succeeded, return or revert data) of an eth_call, on anvil and on ganache."""
    response = web3.provider.make_request(
        "eth_call", [{"from": str(sender), "to": str(to), "data": "0x" + data.hex()}, "latest"]
    )
    if "error" not in response:
        return True, bytes.fromhex(response["result"][2:])
    payload = response["error"].get("data")
    if isinstance(payload, dict):  # ganache: {"result": "0x...", "reason": ..., ...}
        payload = payload.get("result")
    return False, bytes.fromhex((payload or "0x")[2:])


def storage(contract, slot: int) -> int:
    return int.from_bytes(web3.eth.get_storage_at(contract.address, slot), "big")


def register_call(registry, artist, keywords: list[bytes]) -> tuple[bool, bytes]:
    data = selector("registerStyle(string,string[],address,string)") + encode(
        ["string", "bytes[]", "address", "string"], ["A style", keywords, str(artist), ""]
    )
    return eth_call(registry, artist, data)


def resolve_raw(registry, keywords: list[bytes]) -> list[int]:
    ok, out = eth_call(
        registry, registry, selector("resolveKeywords(string[])") + encode(["bytes[]"], [keywords])
    )
    assert ok, out.hex()
    style_ids, _payouts, _active = decode(["uint256[]", "address[]", "bool[]"], out)
    return list(style_ids)


CASES = [(c, where, kw) for c in range(256) for where, kw in placements(c).items()]


def test_plain_rule_cases():
    """The table itself: 38 byte values allowed, `-` only between the 37 others, and only where
    the keyword is 2-32 bytes long."""
    accepted = {c for c, where, kw in CASES if plain_rule(kw)}
    assert accepted == set(ALLOWED)
    assert {where for c, where, kw in CASES if c == ord("-") and plain_rule(kw)} == {"middle"}
    assert not any(plain_rule(kw) for _, where, kw in CASES if where == "alone")


HYPHEN_CASES = [
    b"--",
    b"a--b",
    b"-a",
    b"a-",
    b"a-b",
    b"a-b-c",
    b"0-9",
    b"-" * 32,
    b"a" * 30 + b"-b",
]


def test_register_style_checks_hyphen_placement(registry, artist):
    invalid = selector("StyleRegistryInvalidKeyword(string)")
    for keyword in HYPHEN_CASES:
        ok, out = register_call(registry, artist, [b"fine", keyword])
        assert ok == plain_rule(keyword), keyword
        if not ok:
            assert out == invalid + encode(["bytes"], [keyword]), keyword


def test_register_style_checks_every_byte_value(registry, artist):
    invalid = selector("StyleRegistryInvalidKeyword(string)")
    for c, where, keyword in CASES:
        ok, out = register_call(registry, artist, [b"fine", keyword])
        if plain_rule(keyword):
            assert ok and decode(["uint256"], out) == (1,), (c, where)
        else:
            assert not ok and out == invalid + encode(["bytes"], [keyword]), (c, where, out.hex())


def test_resolve_keywords_checks_every_byte_value(registry, artist):
    """Malformed keywords resolve to no style; well-formed ones to the style that holds them."""
    held = list(dict.fromkeys(kw for _, _, kw in CASES if plain_rule(kw)))
    owner_of = {}
    for start in range(0, len(held), 16):
        batch = held[start : start + 16]
        registry.registerStyle(
            "A style", [kw.decode() for kw in batch], artist, "", {"from": artist}
        )
        owner_of |= dict.fromkeys(batch, registry.styleCount())
    keywords = [kw for _, _, kw in CASES]
    assert resolve_raw(registry, keywords) == [owner_of.get(kw, 0) for kw in keywords]


@pytest.mark.parametrize(
    "keyword", [b"ab", b"a-9", b"z" * 30 + b"-z", b"0123456789abcdefghijklmnopqrstuv"]
)
def test_key_is_the_plain_mapping_key(registry, artist, keyword):
    """The assembly's key is `keccak256(bytes(keyword))`: the entry sits in the plain mapping's slot."""
    registry.registerStyle("A style", [keyword.decode()], artist, "", {"from": artist})
    style_id = registry.styleCount()
    assert storage(registry, STYLE_COUNT_SLOT) == style_id  # the layout is the one assumed
    slot = keccak(keccak(keyword) + HOLDERS_SLOT.to_bytes(32, "big"))
    assert (
        storage(registry, int.from_bytes(slot, "big")) == style_id
    )  # KeywordHolder: styleId (8 bytes) | generation 0 (8)
