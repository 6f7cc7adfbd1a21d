"""Style adapters on-chain (issue 14, DESIGN.md "Style adapters"), on anvil and ganache.

StyleRegistry: a style carries the adapter learned from its artist's consented works (adapter
id, works root, works URI), set by its owner only, with the registration or later, one
transaction each, never while suspended or opted out, and without redirecting any earnings.
ArtCore: a project pins at most MAX_ADAPTERS distinct non-zero adapter ids, at creation or by its
author under the rules of its other details (before the first mint, never landing ahead of a mint
in the same block), and its mints never read them.
"""

from __future__ import annotations

import pytest
from brownie import ZERO_ADDRESS
from helpers import MODEL_ID, PRICE, PROMPT, SETTINGS, emitted, reverts_with
from test_trust import batch, wallet  # noqa: F401 - `wallet` is a fixture

from generator import limits

ADAPTER = "0x" + "ad" * 32
ROOT = "0x" + "0f" * 32
URI = "ipfs://works-of-the-artist"
ZERO = "0x" + "00" * 32
KEYWORDS = ["hatch", "cross-hatch"]
MAX_URI = 512


def adapter_id(n: int) -> str:
    return f"0x{n:064x}"


def raw(value: str) -> bytes:
    """A bytes32 as brownie prints it in a revert's arguments."""
    return bytes.fromhex(value[2:])


def adapter_of(registry, style_id: int) -> tuple[str, str]:
    return tuple(str(v) for v in registry.styleAdapter(style_id))


@pytest.fixture
def style(registry, artist):
    """Style 1, `artist`'s, registered with an adapter."""
    registry.registerStyleWithAdapter(
        "Hatching", KEYWORDS, artist, "ipfs://meta", ADAPTER, ROOT, URI, {"from": artist}
    )
    return 1


# ── StyleRegistry ────────────────────────────────────────────────────────────────────────────────


def test_register_with_adapter_in_one_transaction(registry, artist):
    tx = registry.registerStyleWithAdapter(
        "Hatching", KEYWORDS, artist, "ipfs://meta", ADAPTER, ROOT, URI, {"from": artist}
    )
    assert tx.return_value == 1 == registry.styleCount()
    assert [e.name for e in tx.events] == ["StyleRegistered", "StyleAdapterSet"]
    assert emitted(tx, "StyleRegistered")[0]["keywords"] == KEYWORDS
    assert emitted(tx, "StyleAdapterSet") == [
        {"styleId": 1, "adapterId": ADAPTER, "worksRoot": ROOT, "worksUri": URI}
    ]
    assert adapter_of(registry, 1) == (ADAPTER, ROOT)
    ids, payouts, active = registry.resolveKeywords(KEYWORDS)
    assert list(ids) == [1, 1] and list(payouts) == [artist] * 2 and list(active) == [True] * 2


def test_a_plain_registration_has_no_adapter(registry, artist):
    tx = registry.registerStyle("Plain", ["plain"], artist, "", {"from": artist})
    assert "StyleAdapterSet" not in tx.events
    assert adapter_of(registry, 1) == (ZERO, ZERO)


def test_register_with_invalid_works_registers_nothing(registry, artist):
    with reverts_with("StyleRegistryWorksWithoutAdapter", raw(ROOT), URI):
        registry.registerStyleWithAdapter(
            "Hatching", KEYWORDS, artist, "", ZERO, ROOT, URI, {"from": artist}
        )
    with reverts_with("StyleRegistryTextTooLong", MAX_URI + 1, MAX_URI):
        registry.registerStyleWithAdapter(
            "Hatching", KEYWORDS, artist, "", ADAPTER, ROOT, "u" * (MAX_URI + 1), {"from": artist}
        )
    with reverts_with("StyleRegistryInvalidKeyword", "Hatch"):  # registerStyle's own rules
        registry.registerStyleWithAdapter(
            "Hatching", ["Hatch"], artist, "", ADAPTER, ROOT, URI, {"from": artist}
        )
    assert registry.styleCount() == 0
    assert registry.keywordAvailableAt("hatch") == 0


def test_owner_updates_and_clears_the_adapter(registry, style, artist):
    other, other_root = adapter_id(7), adapter_id(8)
    tx = registry.setStyleAdapter(style, other, other_root, "ipfs://v2", {"from": artist})
    assert emitted(tx, "StyleAdapterSet") == [
        {"styleId": style, "adapterId": other, "worksRoot": other_root, "worksUri": "ipfs://v2"}
    ]
    assert adapter_of(registry, style) == (other, other_root)
    # an adapter whose works list is not published yet, then the longest URI
    registry.setStyleAdapter(style, other, ZERO, "", {"from": artist})
    assert adapter_of(registry, style) == (other, ZERO)
    registry.setStyleAdapter(style, other, other_root, "u" * MAX_URI, {"from": artist})
    tx = registry.setStyleAdapter(style, ZERO, ZERO, "", {"from": artist})  # cleared
    assert emitted(tx, "StyleAdapterSet") == [
        {"styleId": style, "adapterId": ZERO, "worksRoot": ZERO, "worksUri": ""}
    ]
    assert adapter_of(registry, style) == (ZERO, ZERO)


def test_works_need_an_adapter(registry, style, artist):
    for root, uri in ((ROOT, ""), (ZERO, URI), (ROOT, URI)):
        with reverts_with("StyleRegistryWorksWithoutAdapter", raw(root), uri):
            registry.setStyleAdapter(style, ZERO, root, uri, {"from": artist})
    with reverts_with("StyleRegistryTextTooLong", MAX_URI + 1, MAX_URI):
        registry.setStyleAdapter(style, ADAPTER, ROOT, "u" * (MAX_URI + 1), {"from": artist})
    assert adapter_of(registry, style) == (ADAPTER, ROOT)


def test_only_the_owner_sets_the_adapter(registry, style, stranger, curator, owner):
    for account in (stranger, curator, owner):
        with reverts_with("StyleRegistryUnauthorizedAccount", style, account):
            registry.setStyleAdapter(style, adapter_id(9), ZERO, "", {"from": account})
    with reverts_with("StyleRegistryNonexistentStyle", 2):
        registry.setStyleAdapter(2, ADAPTER, ROOT, URI, {"from": stranger})
    with reverts_with("StyleRegistryNonexistentStyle", 2):
        registry.styleAdapter(2)
    assert adapter_of(registry, style) == (ADAPTER, ROOT)


def test_no_adapter_while_suspended_or_opted_out(registry, style, artist, curator):
    registry.suspend(style, "dispute", {"from": curator})
    with reverts_with("StyleRegistrySuspendedStyle", style):
        registry.setStyleAdapter(style, adapter_id(9), ZERO, "", {"from": artist})
    with reverts_with("StyleRegistrySuspendedStyle", style):  # clearing is a change too
        registry.setStyleAdapter(style, ZERO, ZERO, "", {"from": artist})
    registry.reinstate(style, "resolved", {"from": curator})
    registry.optOut(style, {"from": artist})
    with reverts_with("StyleRegistryOptedOutStyle", style):
        registry.setStyleAdapter(style, adapter_id(9), ZERO, "", {"from": artist})
    assert adapter_of(registry, style) == (ADAPTER, ROOT)
    registry.optIn(style, {"from": artist})
    registry.setStyleAdapter(style, adapter_id(9), ZERO, "", {"from": artist})
    assert adapter_of(registry, style) == (adapter_id(9), ZERO)


def test_an_adapter_redirects_no_earnings(registry, style, artist, other_artist):
    """Earnings follow the keywords: setting an adapter changes no payout, at once or later."""
    before = registry.resolveKeywords(KEYWORDS)
    registry.setStyleAdapter(style, adapter_id(9), adapter_id(10), URI, {"from": artist})
    assert registry.resolveKeywords(KEYWORDS) == before
    assert tuple(registry.styleOf(style)) == (artist, artist, False, False)
    assert tuple(registry.pendingPayout(style)) == (ZERO_ADDRESS, 0)
    # another artist registering the same adapter id gains no keyword by it
    registry.registerStyleWithAdapter(
        "Copy", ["copy"], other_artist, "", adapter_id(9), ZERO, "", {"from": other_artist}
    )
    assert registry.resolveKeywords(KEYWORDS) == before


# ── ArtCore ──────────────────────────────────────────────────────────────────────────────────────


def create(core, author, adapters, **kw):
    return core.createProjectWithAdapters(
        "Hatched", PROMPT, MODEL_ID, SETTINGS, PRICE, kw.get("supply", 10), True, adapters,
        {"from": author},
    )  # fmt: skip


def adapters_of(core, project_id: int) -> list[str]:
    return [str(a) for a in core.projectAdapters(project_id)]


def test_create_with_adapters_in_one_transaction(core, author):
    ids = [adapter_id(n) for n in (3, 1, 2)]
    tx = create(core, author, ids)
    assert tx.return_value == 1
    assert [e.name for e in tx.events] == [
        "ProjectCreated",
        "ProjectRoyaltyUpdated",
        "ProjectAdaptersUpdated",
    ]
    assert emitted(tx, "ProjectAdaptersUpdated") == [{"projectId": 1, "adapterIds": ids}]
    assert adapters_of(core, 1) == ids  # in the order given: the order they load in
    assert core.project(1)[3] == "0x" + MODEL_ID.hex()


def test_create_project_pins_no_adapter(core, project):
    assert adapters_of(core, project) == []


@pytest.mark.parametrize(
    "ids, error",
    [
        ([adapter_id(n) for n in range(1, 6)], ("ArtCoreTooManyAdapters", 5, 4)),
        ([adapter_id(1), ZERO], ("ArtCoreInvalidAdapterId", raw(ZERO))),
        (
            [adapter_id(1), adapter_id(2), adapter_id(1)],
            ("ArtCoreDuplicateAdapter", raw(adapter_id(1))),
        ),
    ],
)
def test_adapter_rules(core, author, project, ids, error):
    with reverts_with(*error):
        create(core, author, ids)
    with reverts_with(*error):
        core.updateProjectAdapters(project, ids, {"from": author})
    assert core.projectCount() == 1
    assert adapters_of(core, project) == []


def test_author_replaces_and_clears_adapters_before_the_first_mint(core, author, project):
    full = [adapter_id(n) for n in range(1, limits.MAX_ADAPTERS + 1)]
    tx = core.updateProjectAdapters(project, full, {"from": author})
    assert emitted(tx, "ProjectAdaptersUpdated") == [{"projectId": project, "adapterIds": full}]
    assert adapters_of(core, project) == full
    core.updateProjectAdapters(project, [], {"from": author})
    assert adapters_of(core, project) == []


def test_only_the_author_and_only_before_a_mint(core, author, owner, stranger, project, collector):
    for account in (owner, stranger):
        with reverts_with("ArtCoreUnauthorizedAuthor", project, account):
            core.updateProjectAdapters(project, [ADAPTER], {"from": account})
    with reverts_with("ArtCoreNonexistentProject", 9):
        core.updateProjectAdapters(9, [ADAPTER], {"from": author})
    with reverts_with("ArtCoreNonexistentProject", 9):
        core.projectAdapters(9)
    core.updateProjectAdapters(project, [ADAPTER], {"from": author})
    core.mint(project, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreProjectLocked", project, 1):
        core.updateProjectAdapters(project, [], {"from": author})
    assert adapters_of(core, project) == [ADAPTER]


def test_no_mint_in_the_block_of_an_adapter_change(core, wallet, stranger):  # noqa: F811
    batch(wallet, stranger, (core, "createProjectWithAdapters", "p", PROMPT, MODEL_ID, SETTINGS,
          PRICE, 10, True, [ADAPTER]))  # fmt: skip
    project = core.projectCount()
    with reverts_with("ArtCoreDetailsJustUpdated"):  # (project, this block)
        batch(
            wallet,
            stranger,
            (core, "updateProjectAdapters", project, [adapter_id(5)]),
            (core, "mint", project),
            value=PRICE,
        )
    assert adapters_of(core, project) == [ADAPTER]
    # in a later block the collector sees the new adapters first, and may mint
    batch(wallet, stranger, (core, "updateProjectAdapters", project, [adapter_id(5)]))
    core.mint(project, {"from": stranger, "value": PRICE})
    assert adapters_of(core, project) == [adapter_id(5)]


def test_adapters_cost_a_mint_nothing(core, author, collector, make_project):
    """A mint reads only the project's mint state: four pinned adapters change its gas by 0."""
    plain = make_project()
    pinned = create(core, author, [adapter_id(n) for n in range(1, 5)]).return_value
    paid = {"from": collector, "value": PRICE}
    for p in (plain, pinned):
        core.mint(p, paid)  # the project's first token and the collector's balance: warm
    gas = [core.mint(p, paid).gas_used for p in (plain, pinned)]
    assert gas[0] == gas[1]
