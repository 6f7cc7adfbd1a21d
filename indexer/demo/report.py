"""The end of ``styleledger demo``: who got paid (reconciled with the chain), verification, page.

Figures come from two independent sides and must agree:

* the indexer's ledger (``ledger_entries``): what each account earned, by role, per token;
* the chain alone: each account's balance at the first and last block of the story, the value
  and gas (``gasUsed * effectiveGasPrice``) of every transaction it sent, and what the contracts
  paid it (``Claimed`` and ``PlatformWithdrawn`` logs).

For every account, ``balance change == received - paid - gas``; over all payees, earned wei add
up to what the collectors paid; every payee's claim equals its entitlement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from indexer.db.models.ledger import EpochLeaf, LedgerEntry
from indexer.demo.actors import DemoChain
from indexer.demo.context import StoryContext
from indexer.demo.page import WEI_PER_ETH, write_page
from indexer.demo.types import PayoutRow
from indexer.errors import DemoError
from indexer.render.inputs import chain_project, render_settings


@dataclass
class ChainFlows:
    """What the chain says each account sent, spent on gas and received, over a block range."""

    paid: dict[str, int] = field(default_factory=dict)
    gas: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    txs: int = 0


def chain_flows(chain: DemoChain, accounts: set[str], first: int, last: int) -> ChainFlows:
    flows = ChainFlows()
    w3 = chain.w3
    for number in range(first, last + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            sender = tx["from"]
            if sender not in accounts:
                continue
            receipt = w3.eth.get_transaction_receipt(tx["hash"])
            fee = int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])
            flows.gas[sender] = flows.gas.get(sender, 0) + fee
            flows.paid[sender] = flows.paid.get(sender, 0) + int(tx["value"])
            flows.txs += 1
    for event in chain.distributor.events.Claimed.get_logs(from_block=first, to_block=last):
        account = event["args"]["account"]
        flows.received[account] = flows.received.get(account, 0) + int(event["args"]["amount"])
    for event in chain.core.events.PlatformWithdrawn.get_logs(from_block=first, to_block=last):
        to = event["args"]["to"]
        flows.received[to] = flows.received.get(to, 0) + int(event["args"]["amount"])
    return flows


def ledger_by_account(session: Session) -> dict[str, dict[str, Any]]:
    """Per account: earned wei, roles and the tokens it earned from (all kinds of entries)."""
    out: dict[str, dict[str, Any]] = {}
    rows = session.execute(
        select(LedgerEntry.account, LedgerEntry.role, LedgerEntry.token_id, LedgerEntry.amount)
    )
    for account, role, token_id, amount in rows:
        entry = out.setdefault(account, {"earned": 0, "roles": set(), "tokens": set()})
        entry["earned"] += int(amount)
        entry["roles"].add(role)
        if amount and token_id is not None:
            entry["tokens"].add(token_id)
    return out


def payout_rows(
    ctx: StoryContext, session: Session, start_block: int, start_balances: dict[str, int]
):
    """One row per account of the story that earned, paid or claimed anything."""
    w3 = ctx.chain.w3
    end_block = w3.eth.block_number
    actors = {a.address: a for a in ctx.actors}
    flows = chain_flows(ctx.chain, set(actors), start_block + 1, end_block)
    ledger = ledger_by_account(session)
    minted: dict[str, int] = {}
    for m in ctx.result.mints:
        minted[m.collector] = minted.get(m.collector, 0) + 1
    rows = []
    for address in sorted(set(ledger) | set(flows.paid) | set(flows.received)):
        actor = actors.get(address)
        entry = ledger.get(address, {"earned": 0, "roles": set(), "tokens": set()})
        roles = set(entry["roles"]) | ({"collector"} if address in minted else set())
        role = ", ".join(sorted(roles)) or (actor.role if actor else "?")
        if not roles and actor is not None and actor.role in {"artist", "latecomer"}:
            role = f"{actor.role} (earned nothing)"
        change = 0
        if actor is not None:
            change = w3.eth.get_balance(address, end_block) - start_balances[address]
        rows.append(
            PayoutRow(
                address=address,
                name=actor.name if actor else address,
                role=role,
                tokens=len(entry["tokens"]) or minted.get(address, 0),
                earned=entry["earned"],
                received=flows.received.get(address, 0),
                paid=flows.paid.get(address, 0),
                gas=flows.gas.get(address, 0),
                balance_change=change,
            )
        )
    order = {"platform": 0, "artist": 1, "author": 2, "collector": 3}
    rows.sort(key=lambda r: (min(order.get(p, 4) for p in r.role.split(", ")), r.name))
    return rows, end_block


def eth(wei: int) -> str:
    return f"{wei / WEI_PER_ETH:.6f}"


def check_sums(
    ctx: StoryContext, session: Session, rows: list[PayoutRow]
) -> list[tuple[str, bool]]:
    """The reconciliation the demo promises; each as (what, holds)."""
    result = ctx.result
    paid_for_tokens = sum(m.price for m in result.mints)
    collectors_paid = sum(r.paid for r in rows if "collector" in r.role)
    earned = sum(r.earned for r in rows)
    received = sum(r.received for r in rows)
    leaves = {
        leaf.account: int(leaf.cumulative)
        for leaf in session.scalars(
            select(EpochLeaf).where(EpochLeaf.epoch == result.epoch["number"])
        )
    }
    dist = ctx.chain.distributor.functions
    claimed_on_chain = {a: int(dist.claimed(a).call()) for a in leaves}
    w3 = ctx.chain.w3
    left_in_contracts = w3.eth.get_balance(ctx.chain.distributor.address) + w3.eth.get_balance(
        ctx.chain.core.address
    )
    result.totals = {
        "paid_for_tokens": paid_for_tokens,
        "collectors_paid": collectors_paid,
        "earned": earned,
        "received": received,
        "tree_total": int(result.epoch["total"]),
        "left_in_contracts": left_in_contracts,
    }
    by_account = {r.address: r for r in rows}
    return [
        ("collectors paid exactly the tokens' prices", collectors_paid == paid_for_tokens),
        ("payees' earned wei add up to what collectors paid", earned == paid_for_tokens),
        ("every payee received what it earned", all(r.received == r.earned for r in rows)),
        (
            "every claim equals the entitlement in the tree (and the ledger)",
            all(claimed_on_chain[a] == v == by_account[a].earned for a, v in leaves.items()),
        ),
        ("the tree's total is what was claimed", sum(claimed_on_chain.values()) == result.epoch["total"]),
        ("no wei left in ArtCore and the distributor", left_in_contracts == 0),
        ("every balance change = received - paid - gas", all(r.reconciled for r in rows)),
    ]  # fmt: skip


def print_table(console: Any, rows: list[PayoutRow], checks: list[tuple[str, bool]]) -> None:
    from rich.table import Table

    table = Table(title="Who paid, who earned, who got what (wei)")
    for column in ("account · role", "tokens", "earned", "received", "paid", "gas",
                   "balance change", "ok"):  # fmt: skip
        table.add_column(column, justify="left" if column[0] == "a" else "right", no_wrap=True)
    for r in rows:
        table.add_row(
            f"{r.name} {r.address[:8]} · {r.role}",
            str(r.tokens),
            str(r.earned),
            str(r.received),
            str(r.paid),
            str(r.gas),
            str(r.balance_change),
            "[green]yes[/]" if r.reconciled else "[red]NO[/]",
        )
    table.add_section()
    table.add_row(
        "total", "",
        str(sum(r.earned for r in rows)), str(sum(r.received for r in rows)),
        str(sum(r.paid for r in rows)), str(sum(r.gas for r in rows)),
        str(sum(r.balance_change for r in rows)), "",
    )  # fmt: skip
    console.print(table)
    console.print(
        f"  collectors paid {eth(sum(r.paid for r in rows))} ETH; payees earned "
        f"{eth(sum(r.earned for r in rows))} ETH; ok = balance change == received - paid - gas"
    )
    for what, ok in checks:
        console.print(f"  {'[green]✓[/]' if ok else '[red]✗[/]'} {what}")


def verify_tokens(ctx: StoryContext, session: Session) -> list[dict[str, Any]]:
    """Re-render tokens from chain data (hash read from ArtCore, project from its events)."""
    from generator.models import search_paths
    from indexer.render.inputs import load_render_input
    from indexer.render.verify import chain_token_hash, verify_token

    mints = ctx.result.mints
    picks = [next((m for m in mints if m.seed is None), mints[0])]
    picks.append(next((m for m in mints if m.seed is not None), mints[-1]))
    core = ctx.chain.deployment.contracts["ArtCore"]
    out = []
    for m in picks[: ctx.options.verify_tokens]:
        chain_hash = chain_token_hash(ctx.chain.w3, core.address, core.abi, m.token_id)
        # the render's inputs as the chain states them, against those the indexer rendered with
        on_chain = render_settings(chain_project(ctx.chain.core, m.project_id))
        indexed = load_render_input(session, m.token_id).settings
        if on_chain != indexed:
            raise DemoError(f"token {m.token_id}: indexed settings {indexed} != chain {on_chain}")
        v = verify_token(
            session,
            m.token_id,
            data_dir=ctx.out_dir / "data",
            model_paths=search_paths("", ctx.model_dir),
            chain_hash=chain_hash,
        )
        out.append(v.to_dict())
        ctx.console.print(
            f"  token {m.token_id}: hash and settings read from the chain, pixels {v.verdict} "
            f"({v.actual_pixel_hash[:18]}...), shares {'match' if v.shares_match else 'DIFFER'}"
        )
    return out


def report(
    ctx: StoryContext,
    factory: sessionmaker[Session],
    start_block: int,
    start_balances: dict[str, int],
) -> None:
    with factory() as session:
        rows, _end = payout_rows(ctx, session, start_block, start_balances)
        checks = check_sums(ctx, session, rows)
        ctx.result.payouts = rows
        print_table(ctx.console, rows, checks)
        ctx.console.print("re-verifying tokens from chain data:")
        ctx.result.verified = verify_tokens(ctx, session)
        ctx.result.html = write_page(ctx, session, rows, checks)
    ctx.console.print(f"  wrote {ctx.result.html}")
    failed = [what for what, ok in checks if not ok]
    failed += [f"token {v['token_id']} did not verify" for v in ctx.result.verified if not v["ok"]]
    if failed:
        raise DemoError("the figures do not reconcile: " + "; ".join(failed))
