"""ArtCore: projects, mints and their hashes, the sale split, owner settings; on anvil and ganache.

Royalties (EIP-2981 and the receiver clones) are in test_royalties.py.
"""

from __future__ import annotations

import pytest
from brownie import (
    ZERO_ADDRESS,
    ArtCore,
    BlockhashRandomizer,
    FixedRandomizer,
    RevertingReceiver,
    web3,
)
from eth_abi import encode
from eth_utils import keccak
from helpers import MODEL_ID, PRICE, PROMPT, SETTINGS, emitted, reverts_with

TOKENS_PER_PROJECT = 1_000_000
SETTINGS_DICT = {"steps": 20, "guidanceX100": 750, "width": 128, "height": 128, "scheduler": "ddim"}


def random_hash(core, tx) -> bytes:
    """DESIGN.md's random rule, recomputed from the mint's block."""
    block = web3.eth.get_block(tx.block_number)
    parent = web3.eth.get_block(tx.block_number - 1)
    token_id = tx.events["Mint"]["tokenId"]
    return keccak(
        encode(
            ["bytes32", "bytes32", "address", "uint256"],
            [parent["hash"], block["mixHash"], core.address, token_id],
        )
    )


def seed_hash(core, project_id: int, seed: int, minter) -> bytes:
    """DESIGN.md's preview rule."""
    return keccak(
        encode(
            ["address", "uint256", "uint256", "address"],
            [core.address, project_id, seed, str(minter)],
        )
    )


def mint_event(to, token_id: int, project_id: int, token_hash: bytes, price: int = PRICE) -> dict:
    return {
        "to": to,
        "tokenId": token_id,
        "projectId": project_id,
        "hash": "0x" + token_hash.hex(),
        "price": price,
    }


def split(price: int, bps: int = 1000) -> tuple[int, int]:
    platform = price * bps // 10_000
    return platform, price - platform


def ledger(core) -> tuple[int, int, int, int]:
    """(platformBalance, platformWithdrawn, creatorPoolsPending, creatorPoolsSwept)."""
    return tuple(int(x) for x in core.ledger())


def info(core, project_id: int) -> dict:
    fields = [
        "author", "name", "prompt", "modelId", "settings", "price", "invocations", "maxSupply",
        "active", "previewMint", "royaltyReceiver", "royaltyBps",
    ]  # fmt: skip
    values = dict(zip(fields, core.project(project_id), strict=True))
    values["settings"] = tuple(values["settings"])
    return values


# ── deployment ───────────────────────────────────────────────────────────────────────────────────


def test_deployment(core, distributor, owner, platform):
    assert core.name() == "StyleLedger"
    assert core.symbol() == "STYLE"
    assert core.owner() == owner
    assert core.platformRecipient() == platform
    assert core.platformBps() == 1000
    assert core.distributor() == distributor
    assert core.randomizer() == ZERO_ADDRESS
    assert core.projectCount() == 0
    assert ledger(core) == (0, 0, 0, 0)
    assert core.TOKENS_PER_PROJECT() == TOKENS_PER_PROJECT
    assert core.MAX_PLATFORM_BPS() == 1000
    assert core.DEFAULT_ROYALTY_BPS() == 500
    assert core.MAX_ROYALTY_BPS() == 1000
    assert core.MAX_STEPS() == 1000
    assert web3.eth.get_code(core.royaltyReceiverImplementation()) != b""


def test_constructor_events(core):
    tx = core.tx
    assert emitted(tx, "PlatformBpsUpdated") == [{"bps": 1000}]
    assert emitted(tx, "PlatformRecipientUpdated") == [{"platform": core.platformRecipient()}]


def test_constructor_rejects_bad_addresses(owner, platform, distributor):
    with reverts_with("ArtCoreInvalidAddress", ZERO_ADDRESS):
        ArtCore.deploy("S", "S", owner, ZERO_ADDRESS, distributor, {"from": owner})
    with reverts_with("ArtCoreInvalidAddress", platform):  # not a contract
        ArtCore.deploy("S", "S", owner, platform, platform, {"from": owner})
    with reverts_with("OwnableInvalidOwner", ZERO_ADDRESS):
        ArtCore.deploy("S", "S", ZERO_ADDRESS, platform, distributor, {"from": owner})


def test_supports_interfaces(core):
    assert core.supportsInterface("0x01ffc9a7")  # ERC-165
    assert core.supportsInterface("0x80ac58cd")  # ERC-721
    assert core.supportsInterface("0x5b5e139f")  # ERC-721 metadata
    assert core.supportsInterface("0x2a55205a")  # ERC-2981
    assert not core.supportsInterface("0xffffffff")


# ── projects ─────────────────────────────────────────────────────────────────────────────────────


def test_create_project(core, author):
    tx = core.createProject(
        "Lilies", PROMPT, MODEL_ID, SETTINGS, PRICE, 100, True, {"from": author}
    )
    assert tx.return_value == 1
    assert core.projectCount() == 1
    receiver = core.royaltyReceiver(1)
    assert web3.eth.get_code(receiver) != b""
    assert emitted(tx, "ProjectCreated") == [
        {
            "projectId": 1,
            "author": author,
            "name": "Lilies",
            "prompt": PROMPT,
            "modelId": "0x" + MODEL_ID.hex(),
            "settings": list(SETTINGS),
            "price": PRICE,
            "maxSupply": 100,
            "previewMint": True,
        }
    ]
    assert emitted(tx, "ProjectRoyaltyUpdated") == [
        {"projectId": 1, "receiver": receiver, "bps": 500}
    ]
    assert info(core, 1) == {
        "author": author,
        "name": "Lilies",
        "prompt": PROMPT,
        "modelId": "0x" + MODEL_ID.hex(),
        "settings": SETTINGS,
        "price": PRICE,
        "invocations": 0,
        "maxSupply": 100,
        "active": True,
        "previewMint": True,
        "royaltyReceiver": receiver,
        "royaltyBps": 500,
    }


def test_anyone_creates_projects_with_their_own_ids(make_project, core, stranger, collector):
    assert make_project(sender=stranger) == 1
    assert make_project(sender=collector, preview=False) == 2
    assert info(core, 2)["author"] == collector
    assert core.royaltyReceiver(1) != core.royaltyReceiver(2)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("", PROMPT, MODEL_ID, SETTINGS, PRICE, 10), ("ArtCoreInvalidName", "")),
        (("n", "", MODEL_ID, SETTINGS, PRICE, 10), ("ArtCoreInvalidPrompt", "")),
        (("n", PROMPT, b"\0" * 32, SETTINGS, PRICE, 10), ("ArtCoreInvalidModelId", b"\0" * 32)),
        (("n", PROMPT, MODEL_ID, (0, 750, 128, 128, "ddim"), PRICE, 10),
         ("ArtCoreInvalidSteps", 0, 1000)),
        (("n", PROMPT, MODEL_ID, (1001, 750, 128, 128, "ddim"), PRICE, 10),
         ("ArtCoreInvalidSteps", 1001, 1000)),
        (("n", PROMPT, MODEL_ID, (20, 750, 100, 128, "ddim"), PRICE, 10),
         ("ArtCoreInvalidSide", 100, 8, 4096, 8)),
        (("n", PROMPT, MODEL_ID, (20, 750, 128, 0, "ddim"), PRICE, 10),
         ("ArtCoreInvalidSide", 0, 8, 4096, 8)),
        (("n", PROMPT, MODEL_ID, (20, 750, 128, 128, ""), PRICE, 10),
         ("ArtCoreInvalidScheduler", "")),
        (("n", PROMPT, MODEL_ID, SETTINGS, 2**96, 10), ("ArtCoreInvalidPrice", 2**96)),
        (("n", PROMPT, MODEL_ID, SETTINGS, PRICE, 0), ("ArtCoreInvalidMaxSupply", 0, 1, 10**6)),
        (("n", PROMPT, MODEL_ID, SETTINGS, PRICE, 10**6 + 1),
         ("ArtCoreInvalidMaxSupply", 10**6 + 1, 1, 10**6)),
    ],
)  # fmt: skip
def test_create_project_rejects_bad_input(core, author, args, error):
    with reverts_with(*error):
        core.createProject(*args, False, {"from": author})


def test_largest_price_and_supply_fit(core, author):
    core.createProject("n", PROMPT, MODEL_ID, SETTINGS, 2**96 - 1, 10**6, False, {"from": author})
    assert info(core, 1)["price"] == 2**96 - 1
    assert info(core, 1)["maxSupply"] == 10**6


def test_update_details_before_first_mint(core, project, author):
    new_settings = (30, 500, 256, 192, "euler")
    tx = core.updateProjectDetails(
        project, "Nymphéas", "lilies at dusk", b"\x11" * 32, new_settings, {"from": author}
    )
    assert emitted(tx, "ProjectDetailsUpdated") == [
        {
            "projectId": project,
            "name": "Nymphéas",
            "prompt": "lilies at dusk",
            "modelId": "0x" + "11" * 32,
            "settings": list(new_settings),
        }
    ]
    got = info(core, project)
    assert (got["name"], got["prompt"], got["settings"]) == (
        "Nymphéas",
        "lilies at dusk",
        new_settings,
    )


def test_update_details_is_locked_after_a_mint(core, project, author, collector):
    core.mint(project, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreProjectLocked", project, 1):
        core.updateProjectDetails(project, "x", "y", MODEL_ID, SETTINGS, {"from": author})


def test_update_details_checks_input(core, project, author):
    with reverts_with("ArtCoreInvalidPrompt", ""):
        core.updateProjectDetails(project, "x", "", MODEL_ID, SETTINGS, {"from": author})


def test_update_price(core, project, author, collector):
    tx = core.updateProjectPrice(project, 7, {"from": author})
    assert emitted(tx, "ProjectPriceUpdated") == [{"projectId": project, "price": 7}]
    core.mint(project, {"from": collector, "value": 7})
    with reverts_with("ArtCoreInvalidPrice", 2**96):
        core.updateProjectPrice(project, 2**96, {"from": author})


def test_update_max_supply_only_down_and_not_below_minted(core, make_project, author, collector):
    project = make_project(max_supply=5)
    core.mint(project, {"from": collector, "value": PRICE})
    core.mint(project, {"from": collector, "value": PRICE})
    tx = core.updateProjectMaxSupply(project, 3, {"from": author})
    assert emitted(tx, "ProjectMaxSupplyUpdated") == [{"projectId": project, "maxSupply": 3}]
    with reverts_with("ArtCoreInvalidMaxSupply", 4, 2, 3):
        core.updateProjectMaxSupply(project, 4, {"from": author})
    with reverts_with("ArtCoreInvalidMaxSupply", 1, 2, 3):
        core.updateProjectMaxSupply(project, 1, {"from": author})
    core.updateProjectMaxSupply(project, 2, {"from": author})
    with reverts_with("ArtCoreProjectSoldOut", project, 2):
        core.mint(project, {"from": collector, "value": PRICE})


def test_update_max_supply_floor_is_one_before_any_mint(core, project, author):
    with reverts_with("ArtCoreInvalidMaxSupply", 0, 1, 100):
        core.updateProjectMaxSupply(project, 0, {"from": author})


def test_pause_and_resume(core, project, author, owner, collector):
    tx = core.setProjectActive(project, False, {"from": author})
    assert emitted(tx, "ProjectActiveUpdated") == [{"projectId": project, "active": False}]
    assert not info(core, project)["active"]
    with reverts_with("ArtCoreProjectPaused", project, False):
        core.mint(project, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreProjectPaused", project, False):
        core.mintWithSeed(project, 1, {"from": collector, "value": PRICE})
    # the author's pause is the author's: the owner moderates with setProjectModerated
    with reverts_with("ArtCoreUnauthorizedAuthor", project, owner):
        core.setProjectActive(project, True, {"from": owner})
    core.setProjectActive(project, True, {"from": author})
    core.mint(project, {"from": collector, "value": PRICE})


def test_preview_mint_flag(core, project, author, collector):
    tx = core.setProjectPreviewMint(project, False, {"from": author})
    assert emitted(tx, "ProjectPreviewMintUpdated") == [
        {"projectId": project, "previewMint": False}
    ]
    with reverts_with("ArtCorePreviewMintDisabled", project):
        core.mintWithSeed(project, 1, {"from": collector, "value": PRICE})
    core.setProjectPreviewMint(project, True, {"from": author})
    core.mintWithSeed(project, 1, {"from": collector, "value": PRICE})


def test_only_the_author_updates(core, project, owner, stranger):
    calls = [
        lambda s: core.updateProjectDetails(project, "x", "y", MODEL_ID, SETTINGS, {"from": s}),
        lambda s: core.updateProjectPrice(project, 1, {"from": s}),
        lambda s: core.updateProjectMaxSupply(project, 10, {"from": s}),
        lambda s: core.setProjectPreviewMint(project, False, {"from": s}),
        lambda s: core.updateProjectRoyaltyBps(project, 100, {"from": s}),
    ]
    for call in calls:
        for sender in (owner, stranger):
            with reverts_with("ArtCoreUnauthorizedAuthor", project, sender):
                call(sender)
    with reverts_with("ArtCoreUnauthorizedAuthor", project, stranger):
        core.setProjectActive(project, False, {"from": stranger})


def test_unknown_project(core, author, collector):
    with reverts_with("ArtCoreNonexistentProject", 7):
        core.mint(7, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreNonexistentProject", 7):
        core.mintWithSeed(7, 1, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreNonexistentProject", 7):
        core.updateProjectPrice(7, 1, {"from": author})
    with reverts_with("ArtCoreNonexistentProject", 0):
        core.project(0)


# ── mint ─────────────────────────────────────────────────────────────────────────────────────────


def test_mint(core, project, collector):
    tx = core.mint(project, {"from": collector, "value": PRICE})
    token_id = project * TOKENS_PER_PROJECT
    assert tx.return_value == token_id
    token_hash = random_hash(core, tx)
    assert bytes(core.tokenHash(token_id)) == token_hash != b"\0" * 32
    assert core.ownerOf(token_id) == collector
    assert core.balanceOf(collector) == 1
    assert info(core, project)["invocations"] == 1
    assert emitted(tx, "Transfer") == [{"from": ZERO_ADDRESS, "to": collector, "tokenId": token_id}]
    assert emitted(tx, "Mint") == [mint_event(collector, token_id, project, token_hash)]
    assert "MintedWithSeed" not in tx.events


def test_token_ids_count_up_per_project(core, make_project, collector):
    first, second = make_project(), make_project()
    ids = [core.mint(p, {"from": collector, "value": PRICE}).return_value for p in (1, 2, 1)]
    assert ids == [first * 10**6, second * 10**6, first * 10**6 + 1]


def test_mint_splits_the_price(core, project, collector, owner):
    core.mint(project, {"from": collector, "value": PRICE})
    core.setPlatformBps(333, {"from": owner})
    core.mint(project, {"from": collector, "value": PRICE})
    p1, c1 = split(PRICE, 1000)
    p2, c2 = split(PRICE, 333)
    assert ledger(core) == (p1 + p2, 0, c1 + c2, 0)
    assert core.balance() == 2 * PRICE


def test_mint_rounds_the_platform_share_down(core, make_project, collector, owner):
    project = make_project(price=10**15 + 7)
    core.mint(project, {"from": collector, "value": 10**15 + 7})
    assert ledger(core) == (10**14, 0, 9 * 10**14 + 7, 0)


def test_free_mint(core, make_project, collector):
    project = make_project(price=0)
    tx = core.mint(project, {"from": collector})
    assert tx.events["Mint"]["price"] == 0
    assert ledger(core) == (0, 0, 0, 0)


def test_mint_wrong_price(core, project, collector):
    with reverts_with("ArtCoreWrongPayment", project, PRICE, PRICE - 1):
        core.mint(project, {"from": collector, "value": PRICE - 1})
    with reverts_with("ArtCoreWrongPayment", project, PRICE, PRICE + 1):
        core.mint(project, {"from": collector, "value": PRICE + 1})
    with reverts_with("ArtCoreWrongPayment", project, PRICE, PRICE + 1):
        core.mintWithSeed(project, 3, {"from": collector, "value": PRICE + 1})


def test_sold_out(core, make_project, collector):
    project = make_project(max_supply=2)
    core.mint(project, {"from": collector, "value": PRICE})
    core.mintWithSeed(project, 9, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreProjectSoldOut", project, 2):
        core.mint(project, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreProjectSoldOut", project, 2):
        core.mintWithSeed(project, 10, {"from": collector, "value": PRICE})


def test_token_hash_of_missing_token(core, project):
    with reverts_with("ERC721NonexistentToken", project * TOKENS_PER_PROJECT):
        core.tokenHash(project * TOKENS_PER_PROJECT)


def test_hash_survives_transfers(core, project, collector, stranger):
    tx = core.mint(project, {"from": collector, "value": PRICE})
    token_id = tx.return_value
    before = core.tokenHash(token_id)
    core.transferFrom(collector, stranger, token_id, {"from": collector})
    assert core.tokenHash(token_id) == before
    assert core.ownerOf(token_id) == stranger


# ── mintWithSeed ─────────────────────────────────────────────────────────────────────────────────


def test_mint_with_seed(core, project, collector):
    seed = 2**200 + 12345
    expected = seed_hash(core, project, seed, collector)
    assert bytes(core.seedHash(project, seed, collector)) == expected
    assert not core.seedMinted(project, collector, seed)
    tx = core.mintWithSeed(project, seed, {"from": collector, "value": PRICE})
    token_id = project * TOKENS_PER_PROJECT
    assert tx.return_value == token_id
    assert bytes(core.tokenHash(token_id)) == expected
    assert core.seedMinted(project, collector, seed)
    assert emitted(tx, "Mint") == [mint_event(collector, token_id, project, expected)]
    assert emitted(tx, "MintedWithSeed") == [{"tokenId": token_id, "seed": seed}]
    assert ledger(core) == (*split(PRICE)[:1], 0, split(PRICE)[1], 0)


def test_reused_preview_hash_is_refused(core, project, collector):
    core.mintWithSeed(project, 42, {"from": collector, "value": PRICE})
    expected = seed_hash(core, project, 42, collector)
    with reverts_with("ArtCoreHashAlreadyMinted", project, expected):
        core.mintWithSeed(project, 42, {"from": collector, "value": PRICE})


def test_seeds_sharing_a_bitmap_word_stay_distinct(core, project, collector):
    for seed in (0, 1, 255, 256, 2**256 - 1):
        core.mintWithSeed(project, seed, {"from": collector, "value": PRICE})
    for seed in (0, 1, 255, 256, 2**256 - 1):
        assert core.seedMinted(project, collector, seed)
    for seed in (2, 254, 257, 2**256 - 2):
        assert not core.seedMinted(project, collector, seed)


def test_same_seed_other_minter_or_project_is_another_image(
    core, make_project, collector, stranger
):
    first, second = make_project(), make_project()
    a = core.mintWithSeed(first, 7, {"from": collector, "value": PRICE}).events["Mint"]["hash"]
    b = core.mintWithSeed(first, 7, {"from": stranger, "value": PRICE}).events["Mint"]["hash"]
    c = core.mintWithSeed(second, 7, {"from": collector, "value": PRICE}).events["Mint"]["hash"]
    assert len({str(a), str(b), str(c)}) == 3
    assert not core.seedMinted(second, stranger, 7)


# ── randomizers ──────────────────────────────────────────────────────────────────────────────────


def test_blockhash_randomizer_gives_the_built_in_hash(core, project, owner, collector):
    randomizer = BlockhashRandomizer.deploy({"from": owner})
    tx = core.setRandomizer(randomizer, {"from": owner})
    assert emitted(tx, "RandomizerUpdated") == [{"randomizer": randomizer}]
    assert core.randomizer() == randomizer
    tx = core.mint(project, {"from": collector, "value": PRICE})
    assert bytes(core.tokenHash(tx.return_value)) == random_hash(core, tx)
    core.setRandomizer(ZERO_ADDRESS, {"from": owner})
    tx = core.mint(project, {"from": collector, "value": PRICE})
    assert bytes(core.tokenHash(tx.return_value)) == random_hash(core, tx)


def test_randomizer_hashes_are_checked(core, make_project, owner, collector):
    """A zero hash is refused; uniqueness is the randomizer's duty (IRandomizer): the core no
    longer pays a storage slot per mint to check it (issue 12: 115k -> 93k gas per mint)."""
    first = make_project()
    randomizer = FixedRandomizer.deploy({"from": owner})
    core.setRandomizer(randomizer, {"from": owner})
    with reverts_with("ArtCoreZeroHash", first * TOKENS_PER_PROJECT):
        core.mint(first, {"from": collector, "value": PRICE})
    fixed = b"\x42" * 32
    randomizer.setNextHash(fixed, {"from": owner})
    tx = core.mint(first, {"from": collector, "value": PRICE})
    assert bytes(core.tokenHash(tx.return_value)) == fixed


def test_reference_randomizer_never_repeats_a_hash(core, make_project, owner, collector):
    """The reference randomizer puts the token id in the hash: same block, distinct hashes."""
    project = make_project()
    core.setRandomizer(BlockhashRandomizer.deploy({"from": owner}), {"from": owner})
    hashes = {
        bytes(core.tokenHash(core.mint(project, {"from": collector, "value": PRICE}).return_value))
        for _ in range(4)
    }
    assert len(hashes) == 4


def test_set_randomizer_needs_a_contract(core, owner, stranger):
    with reverts_with("ArtCoreInvalidAddress", stranger):
        core.setRandomizer(stranger, {"from": owner})


# ── owner settings ───────────────────────────────────────────────────────────────────────────────


def test_only_the_owner_sets(core, stranger):
    for call in (
        lambda: core.setBaseURI("x", {"from": stranger}),
        lambda: core.setPlatformBps(1, {"from": stranger}),
        lambda: core.setPlatformRecipient(stranger, {"from": stranger}),
        lambda: core.setRandomizer(ZERO_ADDRESS, {"from": stranger}),
    ):
        with reverts_with("OwnableUnauthorizedAccount", stranger):
            call()


def test_base_uri_and_token_uri(core, project, owner, collector):
    token_id = core.mint(project, {"from": collector, "value": PRICE}).return_value
    assert core.tokenURI(token_id) == ""
    tx = core.setBaseURI("https://styleledger.example/tokens/", {"from": owner})
    assert emitted(tx, "BaseURIUpdated") == [{"baseURI": "https://styleledger.example/tokens/"}]
    assert core.tokenURI(token_id) == f"https://styleledger.example/tokens/{token_id}"
    with reverts_with("ERC721NonexistentToken", token_id + 1):
        core.tokenURI(token_id + 1)


def test_platform_bps(core, owner):
    tx = core.setPlatformBps(0, {"from": owner})
    assert emitted(tx, "PlatformBpsUpdated") == [{"bps": 0}]
    assert core.platformBps() == 0
    core.setPlatformBps(1000, {"from": owner})
    with reverts_with("ArtCoreInvalidPlatformBps", 1001, 1000):
        core.setPlatformBps(1001, {"from": owner})


def test_platform_recipient(core, owner, stranger):
    tx = core.setPlatformRecipient(stranger, {"from": owner})
    assert emitted(tx, "PlatformRecipientUpdated") == [{"platform": stranger}]
    assert core.platformRecipient() == stranger
    with reverts_with("ArtCoreInvalidAddress", ZERO_ADDRESS):
        core.setPlatformRecipient(ZERO_ADDRESS, {"from": owner})


def test_ownership_moves_in_two_steps(core, owner, stranger):
    core.transferOwnership(stranger, {"from": owner})
    assert core.owner() == owner
    core.acceptOwnership({"from": stranger})
    assert core.owner() == stranger


# ── money out ────────────────────────────────────────────────────────────────────────────────────


def test_withdraw_platform_balance(core, project, collector, platform, stranger):
    core.mint(project, {"from": collector, "value": PRICE})
    share, pool = split(PRICE)
    before = stranger.balance()
    tx = core.withdrawPlatformBalance(stranger, {"from": platform})
    assert tx.return_value == share
    assert emitted(tx, "PlatformWithdrawn") == [{"to": stranger, "amount": share}]
    assert stranger.balance() == before + share
    assert ledger(core) == (0, share, pool, 0)
    assert core.balance() == pool
    with reverts_with("ArtCoreNothingToWithdraw"):
        core.withdrawPlatformBalance(stranger, {"from": platform})


def test_withdraw_platform_balance_checks(core, project, collector, platform, owner):
    core.mint(project, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreUnauthorizedPlatform", owner):
        core.withdrawPlatformBalance(owner, {"from": owner})
    with reverts_with("ArtCoreInvalidAddress", ZERO_ADDRESS):
        core.withdrawPlatformBalance(ZERO_ADDRESS, {"from": platform})
    refuser = RevertingReceiver.deploy({"from": owner})
    with reverts_with("ArtCoreTransferFailed", refuser, split(PRICE)[0]):
        core.withdrawPlatformBalance(refuser, {"from": platform})
    assert ledger(core)[0] == split(PRICE)[0]  # nothing lost: still there to withdraw


def test_sweep_creator_pools(core, distributor, make_project, collector, stranger):
    first, second = make_project(), make_project(price=3 * PRICE)
    core.mint(first, {"from": collector, "value": PRICE})
    core.mintWithSeed(second, 1, {"from": collector, "value": 3 * PRICE})
    pools = split(PRICE)[1] + split(3 * PRICE)[1]
    tx = core.sweepCreatorPools({"from": stranger})
    assert tx.return_value == pools
    assert emitted(tx, "CreatorPoolsSwept") == [
        {"distributor": distributor, "amount": pools, "totalSwept": pools}
    ]
    assert emitted(tx, "Deposited") == [
        {"from": core, "projectId": 0, "amount": pools, "totalDeposited": pools}
    ]
    assert distributor.balance() == pools
    assert distributor.totalDeposited() == pools
    assert ledger(core) == (split(PRICE)[0] + split(3 * PRICE)[0], 0, 0, pools)
    assert core.balance() == split(PRICE)[0] + split(3 * PRICE)[0]

    core.mint(first, {"from": collector, "value": PRICE})
    tx = core.sweepCreatorPools({"from": stranger})
    assert tx.events["CreatorPoolsSwept"]["totalSwept"] == pools + split(PRICE)[1]


def test_sweep_with_nothing_pending_does_nothing(core, stranger):
    tx = core.sweepCreatorPools({"from": stranger})
    assert tx.return_value == 0
    assert "CreatorPoolsSwept" not in tx.events
