"""Stateful trust invariants (issue 12): no key redirects earnings faster than the delay, and no
sequence stops future roots (hypothesis.stateful on brownie's chain, like test_invariants.py).

Random sequences, by any key, of: register a style (with a style adapter or not), replace its
keywords (moves and frees), free and re-register a keyword in ONE transaction through a contract
wallet, propose / accept / cancel a payout, opt out / in, set or clear a style's adapter; a
curator's suspend, reinstate, revoke and cancel; the clock moving; and on
the distributor: posts with any epoch number (next, repeated, far ahead), vetoes, the admin
appointing a settler and removing the guardian, the appointed settler posting. Calls are made
whatever the state: a refused one must revert with a named error, never a bare revert.

After every step:

* for every keyword, the address it pays (its style's payout, unless opted out) changes to
  another address only through a payout change proposed at least the delay before, or at least
  the delay after it last paid the old one (a moved or freed keyword cools down);
* the epochs posted are exactly 1, 2, ..., n (none skipped): the next root can always be posted;
* a style's adapter changes only by its owner's hand while the style is active, and nothing else
  (keyword moves, payouts, curator actions) changes it; setting one redirects no keyword (the
  first point);
* a root posted by a settler the admin appointed is at least the delay after its appointment,
  and a guardian the admin removed can veto every root posted within two delays of its removal.

Steps: anvil runs 200 examples x 50 steps = 10,000 steps (8-10 minutes on 2 cores, hence its own
timeout); ganache, several times slower per call, runs 20 x 25 = 500 (STYLELEDGER_TRUST_EXAMPLES /
STYLELEDGER_TRUST_STEPS override both).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Any

import pytest
from brownie import chain, network, web3
from brownie.exceptions import VirtualMachineError
from helpers import rpc
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from test_invariants import _shallow

_UNIQUE = itertools.count(1)
DELAY = 1000  # the registry's payout delay and the distributor's challenge delay, seconds
KEYWORDS = ["checks", "dots", "pop-art", "k2"]
ROOT = "0x" + "11" * 32

st_keywords = st.lists(st.sampled_from(KEYWORDS), min_size=1, max_size=2, unique=True)
st_key = st.integers(min_value=0, max_value=3)  # which of the four keys acts
st_style = st.integers(min_value=1, max_value=4)
st_sleep = st.sampled_from([1, 10, DELAY // 2, DELAY - 5, DELAY + 1, 2 * DELAY])
st_adapter = st.integers(min_value=0, max_value=2)  # 0: none (clears)
NO_ADAPTER = ("0x" + "00" * 32,) * 2


def adapter_values(n: int) -> tuple[str, str, str]:
    """Adapter ``n``'s (id, works root, works URI); 0: all zero, the cleared adapter."""
    return (f"0x{n:064x}", f"0x{n and n + 16:064x}", f"ipfs://works-{n}" if n else "")


@dataclass(frozen=True)
class World:
    registry: Any
    distributor: Any
    wallet: Any  # BatchCaller: one transaction, several calls
    owner: Any
    settler: Any
    guardian: Any
    curator: Any
    keys: list  # artists and thieves alike


@pytest.fixture(scope="module")
def trust_world(accounts, StyleRegistry, PayoutDistributor, BatchCaller) -> World:
    owner, settler, guardian, curator = accounts[:4]
    registry = StyleRegistry.deploy(owner, DELAY, {"from": owner})
    registry.grantRole(registry.CURATOR_ROLE(), curator, {"from": owner})
    distributor = PayoutDistributor.deploy(owner, settler, guardian, DELAY, {"from": owner})
    return World(
        registry=registry,
        distributor=distributor,
        wallet=BatchCaller.deploy({"from": owner}),
        owner=owner,
        settler=settler,
        guardian=guardian,
        curator=curator,
        keys=[accounts[5], accounts[6], accounts[7], accounts[8]],
    )


def _named_revert(exc: VirtualMachineError) -> None:
    msg = (exc.revert_msg or "").split(":")[0]
    assert msg and msg != "revert", f"bare revert: {exc.revert_msg!r}"


class TrustMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        _shallow(chain.revert)
        self.w = world
        self.styles = 0
        self.pays: dict[str, tuple[str | None, int | None, int]] = {}  # kw -> (payer, style, seen)
        self.last_payer: dict[str, tuple[str, int, int]] = {}  # kw -> (payer, style, last seen)
        self.proposed: dict[int, tuple[str, int]] = {}  # style -> (payout, proposed at)
        self.accepted: dict[int, tuple[str, int]] = {}  # style -> (payout, proposed at)
        self.posted = 0
        self.appointed: dict[str, int] = {}  # settler -> appointed at
        self.removed_at: int | None = None  # guardian removed at
        self.pending_root_at: int | None = None
        self.adapters: dict[int, tuple[str, str]] = {}  # style -> (adapter id, works root)

    def _send(self, fn, *args, sender) -> Any:
        # A gas price never used before: a replayed step would otherwise resend a transaction of
        # the same hash as one a snapshot revert dropped, which brownie then waits for forever.
        try:
            return fn(*args, {"from": sender, "gas_price": 2 * 10**9 + next(_UNIQUE)})
        except VirtualMachineError as exc:
            _named_revert(exc)
            return None

    # ── registry, any key ───────────────────────────────────────────────────────────────────────

    @rule(keywords=st_keywords, key=st_key, payee=st_key, adapter=st_adapter)
    def register(self, keywords, key, payee, adapter) -> None:
        reg, args = self.w.registry, ("s", keywords, self.w.keys[payee], "")
        if adapter:
            values = adapter_values(adapter)
            tx = self._send(reg.registerStyleWithAdapter, *args, *values, sender=self.w.keys[key])
        else:
            tx = self._send(reg.registerStyle, *args, sender=self.w.keys[key])
        if tx is not None:
            self.styles += 1
            if adapter:
                self.adapters[tx.events["StyleRegistered"]["styleId"]] = values[:2]

    @rule(style=st_style, keywords=st_keywords, key=st_key)
    def update_keywords(self, style, keywords, key) -> None:
        self._send(self.w.registry.updateKeywords, style, keywords, sender=self.w.keys[key])

    @rule(style=st_style, keywords=st_keywords, key=st_key, payee=st_key)
    def free_and_register_in_one_transaction(self, style, keywords, key, payee) -> None:
        """The wallet owns a style; it frees keywords and registers them elsewhere at once."""
        reg = self.w.registry
        if style > self.styles or reg.styleOf(style)[0] != self.w.wallet:
            tx = self._send(self.w.wallet.run, [reg], [reg.registerStyle.encode_input(
                "w", keywords, self.w.wallet, "")], [0], sender=self.w.keys[key])  # fmt: skip
            self.styles += tx is not None
            return
        keep = [k for k in KEYWORDS if k not in keywords][:1]
        data = [reg.updateKeywords.encode_input(style, keep),
                reg.registerStyle.encode_input("t", keywords, self.w.keys[payee], "")]  # fmt: skip
        tx = self._send(self.w.wallet.run, [reg, reg], data, [0, 0], sender=self.w.keys[key])
        self.styles += tx is not None

    @rule(style=st_style, key=st_key, payee=st_key)
    def propose_payout(self, style, key, payee) -> None:
        tx = self._send(self.w.registry.proposePayout, style, self.w.keys[payee],
                        sender=self.w.keys[key])  # fmt: skip
        if tx is not None:
            self.proposed[style] = (str(self.w.keys[payee]), tx.timestamp)

    @rule(style=st_style, key=st_key)
    def accept_payout(self, style, key) -> None:
        tx = self._send(self.w.registry.acceptPayout, style, sender=self.w.keys[key])
        if tx is not None:
            self.accepted[style] = self.proposed.pop(style)

    @rule(style=st_style, key=st_key)
    def cancel_payout(self, style, key) -> None:
        if self._send(self.w.registry.cancelPayout, style, sender=self.w.keys[key]) is not None:
            self.proposed.pop(style, None)

    @rule(style=st_style, key=st_key)
    def toggle_opt_out(self, style, key) -> None:
        if self._send(self.w.registry.optOut, style, sender=self.w.keys[key]) is None:
            self._send(self.w.registry.optIn, style, sender=self.w.keys[key])

    @rule(style=st_style, key=st_key, adapter=st_adapter)
    def set_adapter(self, style, key, adapter) -> None:
        """Any key sets or clears a style's adapter: only its owner, only while it is active."""
        reg, sender = self.w.registry, self.w.keys[key]
        exists = style <= reg.styleCount()
        if exists:  # nothing since the last set (keyword moves, payouts, curators) changed it
            assert tuple(str(v) for v in reg.styleAdapter(style)) == self.adapters.get(
                style, NO_ADAPTER
            )
        allowed = exists and reg.isActive(style) and reg.styleOf(style)[0] == sender
        values = adapter_values(adapter)
        tx = self._send(reg.setStyleAdapter, style, *values, sender=sender)
        assert (tx is not None) == allowed
        if tx is not None:
            self.adapters[style] = values[:2]

    # ── registry, the curator ───────────────────────────────────────────────────────────────────

    @rule(style=st_style, action=st.sampled_from(["suspend", "reinstate", "revoke", "cancel"]))
    def curator(self, style, action) -> None:
        reg, sender = self.w.registry, self.w.curator
        if action == "suspend":
            if self._send(reg.suspend, style, "r", sender=sender) is not None:
                self.proposed.pop(style, None)
        elif action == "reinstate":
            self._send(reg.reinstate, style, "r", sender=sender)
        elif action == "revoke":
            self._send(reg.revokeKeywords, style, "r", sender=sender)
        else:
            assert self._send(reg.cancelPayout, style, sender=sender) is None

    @rule(seconds=st_sleep)
    def sleep(self, seconds) -> None:
        rpc("evm_increaseTime", [seconds])
        rpc("evm_mine")

    # ── distributor ─────────────────────────────────────────────────────────────────────────────

    @rule(offset=st.sampled_from([1, 1, 1, 0, 2, 2**40]), appointed=st.booleans())
    def post_root(self, offset, appointed) -> None:
        d = self.w.distributor
        sender = self.w.keys[0] if appointed else self.w.settler
        tx = self._send(d.postRoot, self.posted + offset, ROOT, 0, "", sender=sender)
        if tx is None:
            return
        assert offset == 1, "only the next epoch can be posted"
        self.posted += 1
        self.pending_root_at = tx.timestamp
        if appointed:
            assert tx.timestamp >= self.appointed[str(sender)] + DELAY
        if self.removed_at is not None and tx.timestamp < self.removed_at + 2 * DELAY:
            d.vetoRoot.call(self.posted, "still vetoable", {"from": self.w.guardian})

    @rule()
    def veto(self) -> None:
        self._send(self.w.distributor.vetoRoot, self.posted, "v", sender=self.w.guardian)

    @rule(grant=st.booleans())
    def admin_roles(self, grant) -> None:
        d, owner = self.w.distributor, self.w.owner
        if grant:
            tx = self._send(d.grantRole, d.SETTLER_ROLE(), self.w.keys[0], sender=owner)
            if tx is not None and "SettlerActiveFrom" in tx.events:
                self.appointed[str(self.w.keys[0])] = tx.timestamp
        else:
            tx = self._send(d.revokeRole, d.GUARDIAN_ROLE(), self.w.guardian, sender=owner)
            if tx is not None and "GuardianVetoesUntil" in tx.events:
                self.removed_at = tx.timestamp

    # ── invariants ──────────────────────────────────────────────────────────────────────────────

    @invariant()
    def no_redirect_inside_the_delay(self) -> None:
        now = web3.eth.get_block("latest")["timestamp"]
        ids, payouts, active = self.w.registry.resolveKeywords(KEYWORDS)
        for keyword, style, payout, is_active in zip(KEYWORDS, ids, payouts, active, strict=True):
            suspended = style != 0 and self.w.registry.styleOf(style)[3]
            payer = str(payout) if style != 0 and (is_active or suspended) else None
            if payer is None:
                continue
            previous = self.last_payer.get(keyword)
            if previous is not None and previous[0] != payer:
                old, old_style, last_seen = previous
                via_payout_change = (
                    old_style == style
                    and self.accepted.get(style, ("", 0))[0] == payer
                    and self.accepted[style][1] + DELAY <= now
                )
                assert via_payout_change or now >= last_seen + DELAY, (
                    f"{keyword!r} moved from {old} to {payer} {now - last_seen}s after it last paid"
                )
            self.last_payer[keyword] = (payer, style, now)

    @invariant()
    def future_roots_stay_possible(self) -> None:
        assert self.w.distributor.lastPostedEpoch() == self.posted


def _counts() -> tuple[int, int]:
    examples, steps = (200, 50) if network.show_active() == "anvil" else (20, 25)
    return (
        int(os.environ.get("STYLELEDGER_TRUST_EXAMPLES", examples)),
        int(os.environ.get("STYLELEDGER_TRUST_STEPS", steps)),
    )


# 10,000 steps take 8-10 minutes on a loaded 2-core machine: more than the suite's 600 s timeout.
@pytest.mark.timeout(1800)
def test_trust_invariants(trust_world: World) -> None:
    examples, steps = _counts()
    chain.snapshot()
    run_state_machine_as_test(
        lambda: TrustMachine(trust_world),
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        ),
    )
