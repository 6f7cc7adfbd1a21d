"""Stateful invariants of the three contracts together (hypothesis.stateful on brownie's chain).

Random sequences of: register a style, opt out / in, mint, mint with a seed, change the platform
share, withdraw the platform balance, post a root, veto it, let it mature, claim (honest, forged,
or against a root still in its challenge window). A Python model follows every step (the money
formula of indexer/money.py, a toy attribution drawn from the token hash, trees from
indexer/merkle.py) and after each step the chain must agree with it:

* no wei is created or lost: the core holds platform balance + pending pools, the distributor
  holds deposits - claims, platform + pools == the sum of prices, deposits == pools swept;
* nobody claims more than their cumulative entitlement, and the claims stay within the claimable
  root's total, which stays within the deposits;
* a token's hash never changes and is never zero; a hash is never minted twice in a project.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from brownie import ZERO_ADDRESS, chain, web3
from eth_abi import encode
from eth_utils import keccak
from helpers import MODEL_ID, SETTINGS, reverts_with, rpc
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3 import Web3

from indexer.ledger import money
from indexer.ledger.merkle import StandardMerkleTree

CHALLENGE_DELAY = 1000  # seconds; far longer than a run, so only the `wait` rule matures a root
KEYWORDS = ["monet", "water", "lilies", "dawn", "impression", "haystacks"]
PROJECTS = [  # (prompt, price in wei, max supply, preview minting)
    ("monet water lilies at dawn", 10**15 + 7, 40, False),
    ("water impression of a harbour at dawn", 123_456_789_012_345, 40, True),
    ("dawn haystacks", 0, 3, True),  # free and nearly sold out
]


def prompt_words(prompt: str) -> list[str]:
    """docs/interfaces.md: maximal runs of [a-z0-9-] in the lower-cased prompt, each word once."""
    return list(dict.fromkeys(re.findall(r"[a-z0-9-]+", prompt.lower())))


def toy_attribution(words: list[str], token_hash: bytes) -> list[money.WordShare]:
    """Shares drawn from the token hash, summing to exactly 1,000,000 (largest remainder)."""
    weights = [token_hash[i % 32] + 1 for i in range(len(words))]
    total = sum(weights)
    exact = [w * money.PPM for w in weights]
    ppm = [e // total for e in exact]
    by_remainder = sorted(range(len(words)), key=lambda i: (-(exact[i] % total), i))
    for i in by_remainder[: money.PPM - sum(ppm)]:
        ppm[i] += 1
    return [money.WordShare(w, p) for w, p in zip(words, ppm, strict=True)]


@dataclass
class Root:
    epoch: int
    tree: StandardMerkleTree | None  # None: no root yet
    total: int
    entitlement: dict[str, int] = field(default_factory=dict)


st_keywords = st.lists(st.sampled_from(KEYWORDS), min_size=1, max_size=2, unique=True)
st_index = st.integers(min_value=0, max_value=63)
st_project = st.sampled_from([1, 2, 3])
st_seed = st.integers(min_value=0, max_value=3)
st_bps = st.sampled_from([0, 1, 333, 1000])
st_forge = st.sampled_from([False, False, False, True])


@dataclass(frozen=True)
class World:
    """The deployed contracts and who plays which part (deployed once, reverted to per run)."""

    registry: Any
    distributor: Any
    core: Any
    owner: Any
    settler: Any
    guardian: Any
    platform: Any
    anyone: Any  # sends claims for others; never a payee
    artists: list
    authors: list  # per project
    collectors: list
    views: SimpleNamespace  # plain web3.py for the checks (see `_views`)


@pytest.fixture(scope="module")
def world(accounts, StyleRegistry, PayoutDistributor, ArtCore) -> World:
    owner, settler, guardian, curator, platform = accounts[:5]
    registry = StyleRegistry.deploy(owner, 0, {"from": owner})
    distributor = PayoutDistributor.deploy(
        owner, settler, guardian, CHALLENGE_DELAY, {"from": owner}
    )
    core = ArtCore.deploy("StyleLedger", "STYLE", owner, platform, distributor, {"from": owner})
    distributor.setCore(core, {"from": owner})
    authors = [accounts[7], accounts[6], accounts[7]]  # accounts[6] both authors and paints
    for (prompt, price, supply, preview), author in zip(PROJECTS, authors, strict=True):
        core.createProject(
            f"project {prompt[:10]}",
            prompt,
            MODEL_ID,
            SETTINGS,
            price,
            supply,
            preview,
            {"from": author},
        )
    return World(
        registry=registry,
        distributor=distributor,
        core=core,
        owner=owner,
        settler=settler,
        guardian=guardian,
        platform=platform,
        anyone=curator,
        artists=[accounts[5], accounts[6]],
        authors=authors,
        collectors=[accounts[8], accounts[9]],
        views=_views(core, distributor),
    )


def _views(core, distributor) -> SimpleNamespace:
    """A plain web3.py client on the same chain, for the invariant reads: it can batch them into
    one request (a loaded ganache answers ~30 ms per request), and skips brownie's wrappers."""
    w3 = Web3(Web3.HTTPProvider(web3.provider.endpoint_uri))
    return SimpleNamespace(
        w3=w3,
        core=w3.eth.contract(address=core.address, abi=core.abi),
        distributor=w3.eth.contract(address=distributor.address, abi=distributor.abi),
    )


def _shallow(fn) -> None:
    """Run `fn` in a fresh thread. brownie 1.22's chain.revert/snapshot call inspect.stack() to
    decide whether to warn, which costs ~10 ms per frame: hypothesis's call stack is deep."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


class Invariants(RuleBasedStateMachine):
    """One run: the chain back at the deployment snapshot, the model empty."""

    def __init__(self, world: World) -> None:
        super().__init__()
        _shallow(chain.revert)  # brownie's: it also forgets the reverted transactions (nonces)
        self.world = world
        self.styles: dict[int, dict] = {}  # style id -> {"payout", "keywords", "active"}
        self.holder: dict[str, int] = {}  # keyword -> style id
        self.bps = 1000
        self.prices = 0
        self.platform_cut = 0
        self.pools = 0
        self.platform_withdrawn = 0
        self.minted: dict[int, int] = {1: 0, 2: 0, 3: 0}
        self.hashes: dict[int, bytes] = {}  # token id -> hash
        self.project_hashes: dict[int, set[bytes]] = {1: set(), 2: set(), 3: set()}
        self.seeds_used: set[tuple[int, str, int]] = set()
        self.entries: list[tuple[str, int]] = []  # (account, wei) of every creator entry
        self.claimed: dict[str, int] = {}
        self.current = Root(0, None, 0)
        self.previous = Root(0, None, 0)
        self.pending = False
        self.last_epoch = 0  # vetoed epochs count: epochs only increase
        self.steps = 0
        self.checked_at = -1  # block height of the last check

    @initialize(mints=st.integers(min_value=1, max_value=3))
    def start(self, mints) -> None:
        """A few sales to settle; no claim before the first root, no platform balance before
        the first sale."""
        self._claim(str(self.world.artists[0]), 1, [])
        with reverts_with("ArtCoreNothingToWithdraw"):
            self.world.core.withdrawPlatformBalance.call(
                self.world.platform, {"from": self.world.platform}
            )
        for _ in range(mints):
            self.mint(project=1, index=0)

    # ── registry ────────────────────────────────────────────────────────────────────────────────

    @rule(keywords=st_keywords, index=st_index)
    def register(self, keywords, index) -> None:
        artist = self.world.artists[index % 2]
        taken = [k for k in keywords if k in self.holder]
        if taken:
            with reverts_with("StyleRegistryKeywordTaken", taken[0], self.holder[taken[0]]):
                self.world.registry.registerStyle.call("s", keywords, artist, "", {"from": artist})
            return
        tx = self.world.registry.registerStyle("s", keywords, artist, "", {"from": artist})
        style_id = tx.events["StyleRegistered"]["styleId"]
        assert style_id == len(self.styles) + 1
        self.styles[style_id] = {"owner": artist, "payout": str(artist), "active": True}
        for k in keywords:
            self.holder[k] = style_id

    @precondition(lambda self: self.styles)
    @rule(index=st_index)
    def toggle_opt_out(self, index) -> None:
        style_id = index % len(self.styles) + 1
        style = self.styles[style_id]
        if style["active"]:
            self.world.registry.optOut(style_id, {"from": style["owner"]})
        else:
            self.world.registry.optIn(style_id, {"from": style["owner"]})
        style["active"] = not style["active"]

    # ── core ────────────────────────────────────────────────────────────────────────────────────

    @rule(project=st_project, index=st_index)
    def mint(self, project, index) -> None:
        collector = self.world.collectors[index % 2]
        price = PROJECTS[project - 1][1]
        if self._sold_out(project):
            with reverts_with("ArtCoreProjectSoldOut"):
                self.world.core.mint.call(project, {"from": collector, "value": price})
            return
        with reverts_with("ArtCoreWrongPayment", project, price, price + 1):
            self.world.core.mint.call(project, {"from": collector, "value": price + 1})
        tx = self.world.core.mint(project, {"from": collector, "value": price})
        self._record_mint(tx, project, collector, price)

    @rule(project=st_project, seed=st_seed, index=st_index)
    def mint_with_seed(self, project, seed, index) -> None:
        collector = self.world.collectors[index % 2]
        _, price, _, preview = PROJECTS[project - 1]
        expected_hash = keccak(
            encode(
                ["address", "uint256", "uint256", "address"],
                [str(self.world.core), project, seed, str(collector)],
            )
        )
        if not preview:
            with reverts_with("ArtCorePreviewMintDisabled", project):
                self.world.core.mintWithSeed.call(
                    project, seed, {"from": collector, "value": price}
                )
            return
        if self._sold_out(project):
            with reverts_with("ArtCoreProjectSoldOut"):
                self.world.core.mintWithSeed.call(
                    project, seed, {"from": collector, "value": price}
                )
            return
        if (project, str(collector), seed) in self.seeds_used:
            with reverts_with("ArtCoreHashAlreadyMinted", project, expected_hash):
                self.world.core.mintWithSeed.call(
                    project, seed, {"from": collector, "value": price}
                )
            return
        tx = self.world.core.mintWithSeed(project, seed, {"from": collector, "value": price})
        token_hash = self._record_mint(tx, project, collector, price)
        assert token_hash == expected_hash
        assert tx.events["MintedWithSeed"]["seed"] == seed
        self.seeds_used.add((project, str(collector), seed))

    @rule(bps=st_bps)
    def set_platform_bps(self, bps) -> None:
        self.world.core.setPlatformBps(bps, {"from": self.world.owner})
        self.bps = bps

    @precondition(lambda self: self.platform_cut > self.platform_withdrawn)
    @rule()
    def withdraw_platform(self) -> None:
        balance = self.platform_cut - self.platform_withdrawn
        before = self.world.owner.balance()
        self.world.core.withdrawPlatformBalance(self.world.owner, {"from": self.world.platform})
        assert self.world.owner.balance() - before == balance
        self.platform_withdrawn += balance
        with reverts_with("ArtCoreNothingToWithdraw"):
            self.world.core.withdrawPlatformBalance.call(
                self.world.platform, {"from": self.world.platform}
            )

    # ── distributor ─────────────────────────────────────────────────────────────────────────────

    @precondition(lambda self: self.entries)
    @rule(mature=st.booleans())
    def post_root(self, mature) -> None:
        """Settle: every entitlement so far in one tree; `mature` also waits out the delay."""
        epoch = self.last_epoch + 1
        entitlement = money.cumulative(self.entries)
        total = sum(entitlement.values())
        assert total == self.pools  # the money formula hands out every pool wei, no more
        if self.pending:
            with reverts_with("PayoutDistributorRootPending"):
                self.world.distributor.postRoot.call(
                    epoch, "0x" + "11" * 32, total, "", {"from": self.world.settler}
                )
            return
        tree = StandardMerkleTree.of(sorted(entitlement.items()))
        tx = self.world.distributor.postRoot(
            epoch, tree.root, total, f"ipfs://{epoch}", {"from": self.world.settler}
        )
        posted = tx.events["RootPosted"]
        assert (posted["epoch"], posted["root"], posted["totalCumulative"]) == (
            epoch,
            tree.root,
            total,
        )
        assert posted["claimableAt"] == tx.timestamp + CHALLENGE_DELAY
        self.previous, self.current = self.current, Root(epoch, tree, total, entitlement)
        self.pending = True
        self.last_epoch = epoch
        if mature:
            self.wait()

    @precondition(lambda self: self.pending)
    @rule()
    def veto(self) -> None:
        epoch = self.current.epoch
        tx = self.world.distributor.vetoRoot(epoch, "wrong", {"from": self.world.guardian})
        assert tx.events["RootVetoed"]["root"] == self.current.tree.root
        self.current = self.previous
        self.pending = False

    @precondition(lambda self: self.pending)
    @rule()
    def wait(self) -> None:
        rpc("evm_increaseTime", [CHALLENGE_DELAY + 1])
        rpc("evm_mine")
        self.pending = False
        epoch = self.current.epoch  # now claimable: too late to veto
        with reverts_with("PayoutDistributorNotVetoable", epoch):
            self.world.distributor.vetoRoot.call(epoch, "late", {"from": self.world.guardian})

    @precondition(lambda self: self.current.tree is not None)
    @rule(source=st.sampled_from(["current", "previous"]), index=st_index, forge=st_forge)
    def claim(self, source, index, forge) -> None:
        """Claim a leaf of the newest root (claimable, or still in its challenge window) or of
        the one before, honestly or for one wei more than the leaf says."""
        self._claim_leaf(source, index, forge)

    @precondition(lambda self: self.current.tree is not None)
    @rule(source=st.sampled_from(["current", "previous"]), index=st_index, forge=st_forge)
    def claim_again(self, source, index, forge) -> None:
        """The same as `claim`: a second rule doubles the odds hypothesis picks a claim."""
        self._claim_leaf(source, index, forge)

    def _claim_leaf(self, source: str, index: int, forge: bool) -> None:
        tree = (self.previous if source == "previous" else self.current).tree or self.current.tree
        i = index % len(tree)
        account, cumulative = tree.at(i)
        self._claim(account, cumulative + 1 if forge else cumulative, tree.proof(i))

    # ── invariants ──────────────────────────────────────────────────────────────────────────────

    @invariant()
    def chain_agrees_with_model(self) -> None:
        """Checked after every step that mined a block (expected reverts are calls: no block)."""
        if chain.height == self.checked_at:
            return
        self.checked_at = chain.height
        self.steps += 1
        accounts = sorted(self.claimed)
        token_ids = sorted(self.hashes)
        token_id = token_ids[self.steps % len(token_ids)] if token_ids else None  # one per step
        views = self.world.views
        core, distributor = views.core.functions, views.distributor.functions
        with views.w3.batch_requests() as batch:  # one HTTP round trip for every read
            batch.add(core.ledger())
            batch.add(views.w3.eth.get_balance(views.core.address))
            batch.add(distributor.totalDeposited())
            batch.add(distributor.totalClaimed())
            batch.add(views.w3.eth.get_balance(views.distributor.address))
            batch.add(distributor.claimableRoot())
            for account in accounts:
                batch.add(distributor.claimed(account))
            if token_id is not None:
                batch.add(core.tokenHash(token_id))
            ledger, core_balance, deposited, claimed, balance, claimable, *rest = batch.execute()

        # no wei created or lost
        platform_balance, platform_withdrawn, pending, swept = ledger
        assert self.platform_cut + self.pools == self.prices
        assert platform_balance + platform_withdrawn == self.platform_cut
        assert pending + swept == self.pools
        assert core_balance == platform_balance + pending
        assert deposited == swept  # no royalties in this model: only the core deposits
        assert balance == deposited - claimed
        assert claimed == sum(self.claimed.values())

        # claims within the claimable root, the root within deposits, each account within its
        # cumulative entitlement
        root = self._claimable()
        epoch, root_hash, total = claimable
        assert (epoch, total) == (root.epoch, root.total)
        if root.tree is not None:
            assert root_hash == root.tree.root_bytes
        assert claimed <= total <= deposited
        earned = money.cumulative(self.entries)
        for account, on_chain in zip(accounts, rest, strict=False):
            assert on_chain == self.claimed[account]
            assert on_chain <= root.entitlement.get(account, 0) <= earned[account]

        # a token's hash never changes and is never zero
        if token_id is not None:
            assert rest[-1] == self.hashes[token_id] != bytes(32)

    def teardown(self) -> None:
        for token_id, token_hash in self.hashes.items():
            assert self.world.views.core.functions.tokenHash(token_id).call() == token_hash

    # ── model helpers ───────────────────────────────────────────────────────────────────────────

    def _claim(self, account: str, cumulative: int, proof: list[str]) -> None:
        """Claim for `account` (sent by a third party) and expect what the model says."""
        root = self._claimable()
        already = self.claimed.get(account, 0)
        claim = self.world.distributor.claim
        args = (account, cumulative, proof, {"from": self.world.anyone})
        if root.tree is None:
            with reverts_with("PayoutDistributorNoClaimableRoot"):
                claim.call(*args)
        elif cumulative <= already:
            with reverts_with("PayoutDistributorNothingToClaim", account, cumulative, already):
                claim.call(*args)
        elif not root.tree.verify((account, cumulative), proof):
            with reverts_with("PayoutDistributorInvalidProof", account, cumulative):
                claim.call(*args)
        else:
            payee = next(a for a in [*self.world.artists, *self.world.authors] if a == account)
            before = payee.balance()
            tx = claim(*args)
            assert payee.balance() - before == cumulative - already
            assert tx.events["Claimed"]["amount"] == cumulative - already
            self.claimed[account] = cumulative

    def _sold_out(self, project: int) -> bool:
        return self.minted[project] >= PROJECTS[project - 1][2]

    def _claimable(self) -> Root:
        return self.previous if self.pending else self.current

    def _record_mint(self, tx, project: int, collector, price: int) -> bytes:
        event = tx.events["Mint"]
        token_id = project * 1_000_000 + self.minted[project]
        token_hash = bytes(event["hash"])
        assert (event["to"], event["tokenId"], event["projectId"], event["price"]) == (
            collector,
            token_id,
            project,
            price,
        )
        assert token_hash != bytes(32), "a token hash is never zero"
        assert token_hash not in self.project_hashes[project], "a hash is minted once per project"
        assert token_id not in self.hashes
        self.project_hashes[project].add(token_hash)
        self.hashes[token_id] = token_hash
        self.minted[project] += 1

        words = prompt_words(PROJECTS[project - 1][0])
        styles = {
            word: money.StyleAtBlock(
                self.holder[word],
                self.styles[self.holder[word]]["payout"],
                money.StyleStatus.ACTIVE
                if self.styles[self.holder[word]]["active"]
                else money.StyleStatus.OPTED_OUT,
            )
            for word in words
            if word in self.holder
        }
        # the registry, queried after the mint (same state), agrees with the model
        ids, payouts, active = self.world.registry.resolveKeywords(words)
        for word, style_id, payout, is_active in zip(words, ids, payouts, active, strict=True):
            style = styles.get(word)
            assert (style_id, payout, is_active) == (
                (style.style_id, style.payout, style.status is money.StyleStatus.ACTIVE)
                if style
                else (0, ZERO_ADDRESS, False)
            )

        split = money.split_sale(
            price,
            self.bps,
            toy_attribution(words, token_hash),
            styles,
            author=str(self.world.authors[project - 1]),
            platform=str(self.world.platform),
        )
        assert split.platform + split.creator_pool == price
        self.prices += price
        self.platform_cut += split.platform
        self.pools += split.creator_pool
        self.entries += [
            (e.account, e.amount) for e in split.entries if e.role is not money.Role.PLATFORM
        ]
        return token_hash


def test_invariants(world: World) -> None:
    # Plain hypothesis rather than brownie's `state_machine` fixture, which brownie 1.22 breaks
    # (compiled with mypyc: "_BrownieStateMachine object expected"). max_examples and
    # stateful_step_count come from brownie-config.yaml's profile; the `target` phase is left out
    # (its Pareto optimisation re-runs examples for minutes and finds nothing new here).
    chain.snapshot()
    run_state_machine_as_test(
        lambda: Invariants(world),
        settings=settings(phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]),
    )
