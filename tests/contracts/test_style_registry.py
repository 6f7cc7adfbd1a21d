"""StyleRegistry: every external function, custom error and event, on anvil and ganache."""

from __future__ import annotations

import pytest
from brownie import ZERO_ADDRESS, StyleOwnerMock, StyleRegistry, chain
from helpers import PAYOUT_DELAY, emitted, reverts_with

KEYWORDS = ["monet-light", "water-lilies", "impression"]
MAX_KEYWORDS = 16
MAX_PAYOUT_DELAY = 30 * 24 * 3600


@pytest.fixture
def style(registry, artist):
    """Style 1: owned by `artist`, paid to `artist`, KEYWORDS."""
    registry.registerStyle("Monet", KEYWORDS, artist, "ipfs://monet", {"from": artist})
    return 1


def register(registry, account, keywords, payout=None, name="A style", uri=""):
    tx = registry.registerStyle(name, keywords, payout or account, uri, {"from": account})
    return tx.events["StyleRegistered"]["styleId"]


def pending(registry, style_id):
    payout, effective_at = registry.pendingPayout(style_id)
    return str(payout), int(effective_at)


def resolve(registry, keywords):
    ids, payouts, active = registry.resolveKeywords(keywords)
    return list(zip(ids, payouts, active, strict=True))


# ── deployment ───────────────────────────────────────────────────────────────────────────────────


def test_deployment(registry, owner, curator, stranger):
    assert registry.payoutDelay() == PAYOUT_DELAY
    assert registry.styleCount() == 0
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), owner)
    assert registry.hasRole(registry.CURATOR_ROLE(), curator)
    assert not registry.hasRole(registry.CURATOR_ROLE(), stranger)
    assert registry.MAX_KEYWORDS() == MAX_KEYWORDS
    assert registry.MIN_KEYWORD_LENGTH() == 2
    assert registry.MAX_KEYWORD_LENGTH() == 32
    assert registry.MAX_PAYOUT_DELAY() == MAX_PAYOUT_DELAY


def test_supports_interfaces(registry):
    assert registry.supportsInterface("0x01ffc9a7")  # ERC-165
    assert registry.supportsInterface("0x7965db0b")  # IAccessControl
    assert registry.supportsInterface(_interface_id("IStyleRegistry"))
    assert not registry.supportsInterface("0xffffffff")


def _interface_id(name: str) -> str:
    from brownie import interface
    from eth_utils import function_signature_to_4byte_selector

    abi = getattr(interface, name).abi
    value = 0
    for item in abi:
        if item["type"] != "function":
            continue
        types = ",".join(i["type"] for i in item["inputs"])
        value ^= int.from_bytes(function_signature_to_4byte_selector(f"{item['name']}({types})"))
    return "0x" + value.to_bytes(4, "big").hex()


def test_constructor_errors(owner):
    with reverts_with("StyleRegistryInvalidAdmin", ZERO_ADDRESS):
        StyleRegistry.deploy(ZERO_ADDRESS, 0, {"from": owner})
    with reverts_with("StyleRegistryInvalidPayoutDelay", MAX_PAYOUT_DELAY + 1, MAX_PAYOUT_DELAY):
        StyleRegistry.deploy(owner, MAX_PAYOUT_DELAY + 1, {"from": owner})
    assert StyleRegistry.deploy(owner, MAX_PAYOUT_DELAY, {"from": owner}).payoutDelay() == (
        MAX_PAYOUT_DELAY
    )


# ── registerStyle ────────────────────────────────────────────────────────────────────────────────


def test_register_style(registry, artist, other_artist):
    tx = registry.registerStyle("Monet", KEYWORDS, other_artist, "ipfs://monet", {"from": artist})
    assert emitted(tx, "StyleRegistered") == [
        {
            "styleId": 1,
            "owner": artist,
            "name": "Monet",
            "keywords": KEYWORDS,
            "payout": other_artist,
            "metadataURI": "ipfs://monet",
        }
    ]
    assert len(tx.events) == 1
    assert registry.styleCount() == 1
    assert registry.styleOf(1) == (artist, other_artist, False, False)
    assert registry.isActive(1)
    assert resolve(registry, KEYWORDS) == [(1, other_artist, True)] * 3

    second = register(registry, other_artist, ["haystacks"])
    assert second == 2
    assert registry.styleCount() == 2


def test_register_style_paid_to_owner(registry, artist):
    """The payout slot stays empty when the owner is paid: views still answer the owner."""
    sid = register(registry, artist, ["self-paid"], payout=artist)
    assert registry.styleOf(sid)[1] == artist
    assert resolve(registry, ["self-paid"]) == [(sid, artist, True)]


def test_register_style_keyword_bounds(registry, artist):
    edge = ["ab", "a" * 32, "0-9", "a-b-c", "abcdefghijklmnopqrstuvwxyz-01234"]
    sid = register(registry, artist, edge)
    assert [r[0] for r in resolve(registry, edge)] == [sid] * len(edge)
    many = [f"kw-{i}" for i in range(MAX_KEYWORDS)]
    assert register(registry, artist, many) == sid + 1


BAD_KEYWORDS = [
    "Monet",  # upper case
    "MONET",
    "water lilies",  # space
    " monet",
    "monet\n",
    "café",  # unicode (é is two bytes)
    "ｍonet",  # full-width letter
    "a",  # too short
    "",  # empty
    "a" * 33,  # too long
    "under_score",
    "dot.ted",
    "slash/",
    "emoji-🎨",
    "nul\x00byte",
    # docs/words.md: hyphens only between letters or digits
    "--",
    "-checks",
    "checks-",
    "pop--art",
    "-" * 32,
]


@pytest.mark.parametrize("keyword", BAD_KEYWORDS)
def test_register_style_rejects_bad_keyword(registry, artist, keyword):
    with reverts_with("StyleRegistryInvalidKeyword", keyword):
        registry.registerStyle("Bad", ["fine", keyword], artist, "", {"from": artist})
    assert registry.styleCount() == 0


def test_register_style_rejects_duplicate_in_call(registry, artist):
    with reverts_with("StyleRegistryDuplicateKeyword", "monet"):
        registry.registerStyle("Dup", ["monet", "light", "monet"], artist, "", {"from": artist})


def test_register_style_rejects_taken_keyword(registry, style, artist, other_artist):
    with reverts_with("StyleRegistryKeywordTaken", "impression", style):
        register(registry, other_artist, ["sunrise", "impression"])
    # the owner of the holding style cannot claim it twice either
    with reverts_with("StyleRegistryKeywordTaken", "monet-light", style):
        register(registry, artist, ["monet-light"])


@pytest.mark.parametrize("count", [0, MAX_KEYWORDS + 1])
def test_register_style_rejects_keyword_count(registry, artist, count):
    keywords = [f"kw-{i}" for i in range(count)]
    with reverts_with("StyleRegistryInvalidKeywordCount", count, MAX_KEYWORDS):
        register(registry, artist, keywords)


def test_register_style_rejects_empty_name(registry, artist):
    with reverts_with("StyleRegistryInvalidName", ""):
        registry.registerStyle("", ["monet"], artist, "", {"from": artist})


def test_register_style_rejects_zero_payout(registry, artist):
    with reverts_with("StyleRegistryInvalidPayout", ZERO_ADDRESS):
        registry.registerStyle("Monet", ["monet"], ZERO_ADDRESS, "", {"from": artist})


# ── updateKeywords ───────────────────────────────────────────────────────────────────────────────


def test_update_keywords(registry, style, artist, other_artist):
    new = ["impression", "sunrise"]  # keeps one, drops two, adds one
    tx = registry.updateKeywords(style, new, {"from": artist})
    assert emitted(tx, "StyleKeywordsUpdated") == [{"styleId": style, "keywords": new}]
    assert resolve(registry, [*new, "monet-light", "water-lilies"]) == [
        (style, artist, True),
        (style, artist, True),
        (0, ZERO_ADDRESS, False),
        (0, ZERO_ADDRESS, False),
    ]
    # the dropped keywords are free for anyone once they have cooled down (the payout delay)
    chain.sleep(PAYOUT_DELAY)
    sid = register(registry, other_artist, ["water-lilies"])
    assert resolve(registry, ["water-lilies"]) == [(sid, other_artist, True)]
    # and the owner may set the same list again
    registry.updateKeywords(style, new, {"from": artist})
    assert [r[0] for r in resolve(registry, new)] == [style, style]


def test_update_keywords_errors(registry, style, artist, other_artist, curator):
    other = register(registry, other_artist, ["haystacks"])
    with reverts_with("StyleRegistryNonexistentStyle", 99):
        registry.updateKeywords(99, ["x-1"], {"from": artist})
    with reverts_with("StyleRegistryUnauthorizedAccount", style, other_artist):
        registry.updateKeywords(style, ["x-1"], {"from": other_artist})
    with reverts_with("StyleRegistryInvalidKeyword", "Sunrise"):
        registry.updateKeywords(style, ["sunrise", "Sunrise"], {"from": artist})
    with reverts_with("StyleRegistryDuplicateKeyword", "impression"):
        registry.updateKeywords(style, ["impression", "impression"], {"from": artist})
    with reverts_with("StyleRegistryKeywordTaken", "haystacks", other):
        registry.updateKeywords(style, ["impression", "haystacks"], {"from": artist})
    with reverts_with("StyleRegistryInvalidKeywordCount", 0, MAX_KEYWORDS):
        registry.updateKeywords(style, [], {"from": artist})
    registry.suspend(style, "dispute", {"from": curator})
    with reverts_with("StyleRegistrySuspendedStyle", style):
        registry.updateKeywords(style, ["sunrise"], {"from": artist})
    # nothing changed
    assert [r[0] for r in resolve(registry, KEYWORDS)] == [style] * 3


# ── updateMetadata ───────────────────────────────────────────────────────────────────────────────


def test_update_metadata(registry, style, artist, curator):
    tx = registry.updateMetadata(style, "ipfs://monet-v2", {"from": artist})
    assert emitted(tx, "StyleMetadataUpdated") == [
        {"styleId": style, "metadataURI": "ipfs://monet-v2"}
    ]
    registry.suspend(style, "dispute", {"from": curator})
    tx = registry.updateMetadata(style, "ipfs://answer", {"from": artist})
    assert tx.events["StyleMetadataUpdated"]["metadataURI"] == "ipfs://answer"


def test_update_metadata_errors(registry, style, stranger):
    with reverts_with("StyleRegistryUnauthorizedAccount", style, stranger):
        registry.updateMetadata(style, "ipfs://fake", {"from": stranger})
    with reverts_with("StyleRegistryNonexistentStyle", 2):
        registry.updateMetadata(2, "ipfs://fake", {"from": stranger})


# ── payout changes ───────────────────────────────────────────────────────────────────────────────


def test_payout_change_after_delay(registry, style, artist, other_artist):
    tx = registry.proposePayout(style, other_artist, {"from": artist})
    effective_at = tx.timestamp + PAYOUT_DELAY
    assert tx.return_value == effective_at
    assert emitted(tx, "StylePayoutProposed") == [
        {
            "styleId": style,
            "payout": other_artist,
            "effectiveAt": effective_at,
        }
    ]
    assert pending(registry, style) == (other_artist, effective_at)

    # not yet: the earnings still go to the old address
    with reverts_with("StyleRegistryPayoutNotReady", style, effective_at):
        registry.acceptPayout(style, {"from": artist})
    chain.sleep(PAYOUT_DELAY // 2)
    with reverts_with("StyleRegistryPayoutNotReady", style, effective_at):
        registry.acceptPayout(style, {"from": artist})
    assert registry.styleOf(style)[1] == artist

    chain.sleep(PAYOUT_DELAY)
    tx = registry.acceptPayout(style, {"from": artist})
    assert emitted(tx, "StylePayoutUpdated") == [{"styleId": style, "payout": other_artist}]
    assert registry.styleOf(style)[1] == other_artist
    assert pending(registry, style) == (ZERO_ADDRESS, 0)
    assert resolve(registry, KEYWORDS[:1]) == [(style, other_artist, True)]
    with reverts_with("StyleRegistryNoPendingPayout", style):
        registry.acceptPayout(style, {"from": artist})


def test_payout_back_to_owner(registry, artist, other_artist):
    sid = register(registry, artist, ["away"], payout=other_artist)
    registry.proposePayout(sid, artist, {"from": artist})
    chain.sleep(PAYOUT_DELAY + 1)
    registry.acceptPayout(sid, {"from": artist})
    assert registry.styleOf(sid)[1] == artist
    assert resolve(registry, ["away"]) == [(sid, artist, True)]


def test_new_proposal_replaces_pending(registry, style, artist, other_artist, stranger):
    registry.proposePayout(style, stranger, {"from": artist})
    chain.sleep(PAYOUT_DELAY // 2)
    tx = registry.proposePayout(style, other_artist, {"from": artist})
    assert pending(registry, style) == (other_artist, tx.timestamp + PAYOUT_DELAY)


def test_payout_change_never_in_one_transaction(owner, other_artist):
    """Even with delay 0 (dev chains) the change takes a second transaction in a later block."""
    registry = StyleRegistry.deploy(owner, 0, {"from": owner})
    mock = StyleOwnerMock.deploy(registry, {"from": owner})
    sid = mock.register(["mock-kw"], {"from": owner}).events["StyleRegistered"]["styleId"]
    with reverts_with("StyleRegistryPayoutNotReady"):
        mock.proposeAndAccept(sid, other_artist, {"from": owner})
    assert registry.styleOf(sid)[1] == mock

    mock.propose(sid, other_artist, {"from": owner})
    tx = mock.accept(sid, {"from": owner})
    assert emitted(tx, "StylePayoutUpdated") == [{"styleId": sid, "payout": other_artist}]


def test_payout_errors(registry, style, artist, stranger, curator):
    with reverts_with("StyleRegistryInvalidPayout", ZERO_ADDRESS):
        registry.proposePayout(style, ZERO_ADDRESS, {"from": artist})
    with reverts_with("StyleRegistryUnauthorizedAccount", style, stranger):
        registry.proposePayout(style, stranger, {"from": stranger})
    with reverts_with("StyleRegistryNonexistentStyle", 7):
        registry.proposePayout(7, stranger, {"from": stranger})
    with reverts_with("StyleRegistryNoPendingPayout", style):
        registry.acceptPayout(style, {"from": artist})
    with reverts_with("StyleRegistryNoPendingPayout", style):
        registry.cancelPayout(style, {"from": artist})

    registry.proposePayout(style, stranger, {"from": artist})
    chain.sleep(PAYOUT_DELAY + 1)
    with reverts_with("StyleRegistryUnauthorizedAccount", style, stranger):
        registry.acceptPayout(style, {"from": stranger})
    # a suspended style's payout is frozen: the curator's answer to a stolen key
    registry.suspend(style, "stolen key reported", {"from": curator})
    with reverts_with("StyleRegistrySuspendedStyle", style):
        registry.acceptPayout(style, {"from": artist})
    with reverts_with("StyleRegistrySuspendedStyle", style):
        registry.proposePayout(style, stranger, {"from": artist})
    assert registry.styleOf(style)[1] == artist


def test_cancel_payout(registry, style, artist, curator, stranger):
    registry.proposePayout(style, stranger, {"from": artist})
    with reverts_with("StyleRegistryUnauthorizedAccount", style, stranger):
        registry.cancelPayout(style, {"from": stranger})
    tx = registry.cancelPayout(style, {"from": artist})
    assert emitted(tx, "StylePayoutCancelled") == [{"styleId": style, "payout": stranger}]
    assert pending(registry, style) == (ZERO_ADDRESS, 0)

    # a curator cannot cancel (issue 12, attack 4): suspension is its answer, and it cancels
    registry.proposePayout(style, stranger, {"from": artist})
    with reverts_with("StyleRegistryUnauthorizedAccount", style, curator):
        registry.cancelPayout(style, {"from": curator})
    tx = registry.suspend(style, "payout dispute", {"from": curator})
    assert emitted(tx, "StylePayoutCancelled") == [{"styleId": style, "payout": stranger}]
    registry.reinstate(style, "settled", {"from": curator})
    chain.sleep(PAYOUT_DELAY + 1)
    with reverts_with("StyleRegistryNoPendingPayout", style):
        registry.acceptPayout(style, {"from": artist})
    assert registry.styleOf(style)[1] == artist


# ── opt out / opt in ─────────────────────────────────────────────────────────────────────────────


def test_opt_out_and_in(registry, style, artist, other_artist):
    tx = registry.optOut(style, {"from": artist})
    assert emitted(tx, "StyleOptedOut") == [{"styleId": style}]
    assert not registry.isActive(style)
    assert registry.styleOf(style) == (artist, artist, True, False)
    # still the holder (so nobody else claims the artist's keywords), but inactive
    assert resolve(registry, KEYWORDS) == [(style, artist, False)] * 3
    with reverts_with("StyleRegistryKeywordTaken", "impression", style):
        register(registry, other_artist, ["impression"])
    # the owner may still manage the style
    registry.updateKeywords(style, ["impression"], {"from": artist})
    assert resolve(registry, ["impression"]) == [(style, artist, False)]

    tx = registry.optIn(style, {"from": artist})
    assert emitted(tx, "StyleOptedIn") == [{"styleId": style}]
    assert registry.isActive(style)
    assert resolve(registry, ["impression"]) == [(style, artist, True)]


def test_opt_errors(registry, style, artist, stranger):
    with reverts_with("StyleRegistryNotOptedOut", style):
        registry.optIn(style, {"from": artist})
    with reverts_with("StyleRegistryUnauthorizedAccount", style, stranger):
        registry.optOut(style, {"from": stranger})
    registry.optOut(style, {"from": artist})
    with reverts_with("StyleRegistryOptedOutStyle", style):
        registry.optOut(style, {"from": artist})
    with reverts_with("StyleRegistryUnauthorizedAccount", style, stranger):
        registry.optIn(style, {"from": stranger})
    with reverts_with("StyleRegistryNonexistentStyle", 5):
        registry.optOut(5, {"from": artist})


# ── curator: suspend / reinstate / revokeKeywords ────────────────────────────────────────────────


def test_suspend_and_reinstate(registry, style, artist, curator, other_artist):
    tx = registry.suspend(style, "impersonation report #12", {"from": curator})
    assert emitted(tx, "StyleSuspended") == [
        {"styleId": style, "reason": "impersonation report #12"}
    ]
    assert not registry.isActive(style)
    assert registry.styleOf(style) == (artist, artist, False, True)
    # held, not released: shares of a suspended style are held by the indexer
    assert resolve(registry, KEYWORDS) == [(style, artist, False)] * 3
    with reverts_with("StyleRegistryKeywordTaken", "monet-light", style):
        register(registry, other_artist, ["monet-light"])

    tx = registry.reinstate(style, "report rejected", {"from": curator})
    assert emitted(tx, "StyleReinstated") == [{"styleId": style, "reason": "report rejected"}]
    assert registry.isActive(style)
    assert resolve(registry, KEYWORDS) == [(style, artist, True)] * 3


def test_suspension_and_opt_out_are_independent(registry, style, artist, curator):
    registry.suspend(style, "dispute", {"from": curator})
    registry.optOut(style, {"from": artist})
    registry.reinstate(style, "resolved", {"from": curator})
    assert not registry.isActive(style)  # still opted out
    registry.optIn(style, {"from": artist})
    assert registry.isActive(style)
    registry.optOut(style, {"from": artist})
    registry.suspend(style, "dispute", {"from": curator})
    registry.optIn(style, {"from": artist})
    assert not registry.isActive(style)  # still suspended
    assert registry.styleOf(style) == (artist, artist, False, True)


def test_curator_errors(registry, style, curator, stranger, artist):
    role = registry.CURATOR_ROLE()
    for call in (registry.suspend, registry.reinstate, registry.revokeKeywords):
        with reverts_with("AccessControlUnauthorizedAccount", stranger, role):
            call(style, "reason", {"from": stranger})
        with reverts_with("AccessControlUnauthorizedAccount", artist, role):
            call(style, "reason", {"from": artist})
    with reverts_with("StyleRegistryNonexistentStyle", 3):
        registry.suspend(3, "reason", {"from": curator})
    with reverts_with("StyleRegistryMissingReason"):
        registry.suspend(style, "", {"from": curator})
    with reverts_with("StyleRegistryNotSuspended", style):
        registry.reinstate(style, "reason", {"from": curator})
    with reverts_with("StyleRegistryNotSuspended", style):
        registry.revokeKeywords(style, "reason", {"from": curator})
    registry.suspend(style, "reason", {"from": curator})
    with reverts_with("StyleRegistrySuspendedStyle", style):
        registry.suspend(style, "again", {"from": curator})
    with reverts_with("StyleRegistryMissingReason"):
        registry.reinstate(style, "", {"from": curator})
    with reverts_with("StyleRegistryMissingReason"):
        registry.revokeKeywords(style, "", {"from": curator})
    with reverts_with("StyleRegistryNonexistentStyle", 3):
        registry.reinstate(3, "reason", {"from": curator})


def test_curator_role_is_managed_by_admin(registry, owner, stranger):
    role = registry.CURATOR_ROLE()
    registry.grantRole(role, stranger, {"from": owner})
    assert registry.hasRole(role, stranger)
    registry.revokeRole(role, stranger, {"from": owner})
    with reverts_with("AccessControlUnauthorizedAccount", stranger, registry.DEFAULT_ADMIN_ROLE()):
        registry.grantRole(role, stranger, {"from": stranger})


def test_revoke_keywords(registry, style, artist, other_artist, curator):
    """An impersonator's suspended style loses its keywords; the real artist registers them."""
    registry.suspend(style, "impersonates Monet", {"from": curator})
    tx = registry.revokeKeywords(style, "impersonates Monet", {"from": curator})
    assert emitted(tx, "StyleKeywordsUpdated") == [{"styleId": style, "keywords": []}]
    assert emitted(tx, "StyleKeywordsRevoked") == [
        {"styleId": style, "reason": "impersonates Monet"}
    ]
    assert resolve(registry, KEYWORDS) == [(0, ZERO_ADDRESS, False)] * 3

    # freed keywords cool down for the payout delay before another style may take them
    with reverts_with("StyleRegistryKeywordCooling", KEYWORDS[0], tx.timestamp + PAYOUT_DELAY):
        register(registry, other_artist, KEYWORDS)
    chain.sleep(PAYOUT_DELAY)
    real = register(registry, other_artist, KEYWORDS)
    assert resolve(registry, KEYWORDS) == [(real, other_artist, True)] * 3

    # reinstated, the old style holds nothing until its owner claims free keywords
    registry.reinstate(style, "appeal", {"from": curator})
    assert resolve(registry, KEYWORDS) == [(real, other_artist, True)] * 3
    registry.updateKeywords(style, ["monet-school"], {"from": artist})
    assert resolve(registry, ["monet-school"]) == [(style, artist, True)]


# ── resolveKeywords ──────────────────────────────────────────────────────────────────────────────


def test_resolve_keywords_batch(registry, style, artist, other_artist):
    other = register(registry, other_artist, ["haystacks"], payout=artist)
    registry.optOut(other, {"from": other_artist})
    words = ["impression", "unknown", "Impression", "a", "x" * 40, "haystacks", "café", ""]
    assert resolve(registry, words) == [
        (style, artist, True),
        (0, ZERO_ADDRESS, False),
        (0, ZERO_ADDRESS, False),  # malformed words resolve to nothing, they do not revert
        (0, ZERO_ADDRESS, False),
        (0, ZERO_ADDRESS, False),
        (other, artist, False),
        (0, ZERO_ADDRESS, False),
        (0, ZERO_ADDRESS, False),
    ]
    assert registry.resolveKeywords([]) == ((), (), ())


def test_views_of_unknown_style(registry):
    assert not registry.isActive(0)
    assert not registry.isActive(1)
    assert pending(registry, 1) == (ZERO_ADDRESS, 0)
    with reverts_with("StyleRegistryNonexistentStyle", 1):
        registry.styleOf(1)
