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

import html
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from indexer.demo import DemoError

WEI_PER_ETH = 10**18


@dataclass
class PayoutRow:
    address: str
    name: str
    role: str
    tokens: int
    earned: int  # ledger
    received: int  # claims / platform withdrawal, from the chain's logs
    paid: int  # value sent (mints), from the chain
    gas: int  # wei spent on gas, from the chain
    balance_change: int  # from the chain

    @property
    def reconciled(self) -> bool:
        return self.balance_change == self.received - self.paid - self.gas

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reconciled": self.reconciled}


@dataclass
class ChainFlows:
    """What the chain says each account sent, spent on gas and received, over a block range."""

    paid: dict[str, int] = field(default_factory=dict)
    gas: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    txs: int = 0


def chain_flows(chain: Any, accounts: set[str], first: int, last: int) -> ChainFlows:
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


def ledger_by_account(session: Any) -> dict[str, dict[str, Any]]:
    """Per account: earned wei, roles and the tokens it earned from (all kinds of entries)."""
    from indexer.db.ledger_models import LedgerEntry

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


def payout_rows(ctx: Any, session: Any, start_block: int, start_balances: dict[str, int]):
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


def check_sums(ctx: Any, session: Any, rows: list[PayoutRow]) -> list[tuple[str, bool]]:
    """The reconciliation the demo promises; each as (what, holds)."""
    from indexer.db.ledger_models import EpochLeaf

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


def verify_tokens(ctx: Any, session: Any) -> list[dict[str, Any]]:
    """Re-render tokens from chain data (hash read from ArtCore, project from its events)."""
    from generator import RenderSettings
    from generator.models import default_search_paths
    from indexer.demo_story import chain_render_settings
    from indexer.render_worker import load_render_input
    from indexer.verify import chain_token_hash, verify_token

    mints = ctx.result.mints
    picks = [next((m for m in mints if m.seed is None), mints[0])]
    picks.append(next((m for m in mints if m.seed is not None), mints[-1]))
    core = ctx.chain.deployment.contracts["ArtCore"]
    out = []
    for m in picks[: ctx.options.verify_tokens]:
        chain_hash = chain_token_hash(ctx.chain.w3, core.address, core.abi, m.token_id)
        # the render's inputs as the chain states them, against those the indexer rendered with
        on_chain = chain_render_settings(ctx.chain.core, m.project_id)
        indexed = RenderSettings(**load_render_input(session, m.token_id).settings)
        if RenderSettings(**on_chain) != indexed:
            raise DemoError(f"token {m.token_id}: indexed settings {indexed} != chain {on_chain}")
        v = verify_token(
            session,
            m.token_id,
            data_dir=ctx.out_dir / "data",
            model_paths=[ctx.model_dir, *default_search_paths()],
            chain_hash=chain_hash,
        )
        out.append(v.to_dict())
        ctx.console.print(
            f"  token {m.token_id}: hash and settings read from the chain, pixels {v.verdict} "
            f"({v.actual_pixel_hash[:18]}...), shares {'match' if v.shares_match else 'DIFFER'}"
        )
    return out


def report(ctx: Any, factory: Any, start_block: int, start_balances: dict[str, int]) -> None:
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


# ───────────────────────────────────────────── the page ───────────────────────────────────────────

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1280px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.6rem 0 1.4rem} .wide{overflow-x:auto} .wide table{font-size:12px} .wide td,.wide th{white-space:nowrap;padding:.25rem .45rem} th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd}
td.n{text-align:right;font-variant-numeric:tabular-nums} th{background:#f4f4f4;text-align:left}
.ok{color:#080} .bad{color:#c00}
.tokens{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1rem}
.token{border:1px solid #ddd;border-radius:8px;padding:.7rem}
.token img{image-rendering:pixelated;border-radius:4px;vertical-align:top}
.imgs{display:flex;gap:.5rem;align-items:flex-start} .img{width:192px;height:192px}
.ovl{height:192px} .meta{color:#555;font-size:12px;word-break:break-all}
.previews{display:flex;flex-wrap:wrap;gap:.6rem} .pv{text-align:center;font-size:12px}
.pv img{width:112px;height:112px;image-rendering:pixelated;border:3px solid transparent}
.pv.chosen img{border-color:#2a2} code{font-size:12px}
"""


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def _copy(src: Path, out_dir: Path, rel: str) -> str:
    dest = out_dir / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return rel


def write_page(
    ctx: Any, session: Any, rows: list[PayoutRow], checks: list[tuple[str, bool]]
) -> Path:
    """out/demo/index.html: self-contained (images copied next to it, relative links)."""
    from indexer.db.ledger_models import Attribution, LedgerEntry, Render

    result, out_dir, e = ctx.result, ctx.out_dir, html.escape
    data_dir = out_dir / "data"
    names = {a: n for a, (n, _r) in result.actors.items()}
    styles = {s.style_id: s for s in result.styles}
    verified = {v["token_id"]: v for v in result.verified}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>StyleLedger demo</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>StyleLedger demo</h1>",
        f"<p class='sub'>chain {result.chain_id} · model <code>{e(result.model_id[:16])}…</code>"
        f" · {len(result.mints)} tokens · epoch {result.epoch.get('number')} root "
        f"<code>{e(str(result.epoch.get('root')))}</code></p>",
        "<p>"
        + " · ".join(f"{e(title)} <b>{sec:.1f} s</b>" for title, sec in result.timings.items())
        + "</p><p class=meta>"
        + " · ".join(
            f"{e(name)} <code>{e(c['address'])}</code>"
            for name, c in result.deployment.get("contracts", {}).items()
        )
        + "</p>",
        "<h2>Who got paid</h2><div class=wide><table><tr><th>account</th><th>role</th><th>tokens</th>"
        "<th>earned (wei)</th><th>received</th><th>paid</th><th>gas</th><th>balance change</th>"
        "<th>reconciled</th></tr>",
    ]
    for r in rows:
        parts.append(
            f"<tr><td>{e(r.name)}<br><code title='{e(r.address)}'>{e(_short(r.address))}</code></td>"
            f"<td>{e(r.role)}</td>"
            f"<td class=n>{r.tokens}</td><td class=n>{r.earned}</td><td class=n>{r.received}</td>"
            f"<td class=n>{r.paid}</td><td class=n>{r.gas}</td><td class=n>{r.balance_change}</td>"
            f"<td class={'ok' if r.reconciled else 'bad'}>{'yes' if r.reconciled else 'NO'}</td></tr>"
        )
    parts.append(
        f"<tr><th>total</th><th></th><th></th><th class=n>{sum(r.earned for r in rows)}</th>"
        f"<th class=n>{sum(r.received for r in rows)}</th><th class=n>{sum(r.paid for r in rows)}"
        f"</th><th class=n>{sum(r.gas for r in rows)}</th><th class=n>"
        f"{sum(r.balance_change for r in rows)}</th><th></th></tr></table></div><ul>"
    )
    parts += [
        f"<li class={'ok' if ok else 'bad'}>{'✓' if ok else '✗'} {e(w)}</li>" for w, ok in checks
    ]
    parts.append("</ul><h2>Styles</h2><ul>")
    for s in result.styles:
        out = f" — opted out before mint {s.opted_out_at_mint}" if s.opted_out_at_mint else ""
        parts.append(
            f"<li>#{s.style_id} <b>{e(s.plan.name)}</b> ({e(names.get(s.owner, s.owner))}): "
            f"{e(', '.join(s.plan.keywords))}{e(out)}</li>"
        )
    parts.append(f"<li>refused: {e(result.refusal)}</li></ul>")
    if result.previews:
        parts.append("<h2>Previews</h2><p>Free, off-chain renders of the exact token each seed "
                     "would give that collector; the framed one was minted.</p><div class=previews>")  # fmt: skip
        for p in result.previews:
            parts.append(
                f"<div class='pv{' chosen' if p.chosen else ''}'><img src='{e(p.image)}' alt=''>"
                f"<br>{e(names.get(p.collector, p.collector))}, seed {p.seed}</div>"
            )
        parts.append("</div>")
    parts.append("<h2>Tokens</h2><div class=tokens>")
    projects = dict(result.projects)
    for m in result.mints:
        render = session.get(Render, m.token_id)
        if render is None:
            continue
        image = _copy(data_dir / render.image_path, out_dir, f"images/token-{m.token_id}.png")
        overlay_src = data_dir / (render.heatmap_dir or "") / "overlay.png"
        overlay = (
            _copy(overlay_src, out_dir, f"images/token-{m.token_id}-overlay.png")
            if render.heatmap_dir and overlay_src.is_file()
            else None
        )
        words = session.scalars(
            select(Attribution).where(Attribution.token_id == m.token_id).order_by(Attribution.ppm.desc())
        ).all()  # fmt: skip
        v = verified.get(m.token_id)
        badge = "" if v is None else (
            f" · <span class={'ok' if v['ok'] else 'bad'}>re-verified: {e(v['verdict'])}</span>"
        )  # fmt: skip
        parts.append(
            f"<div class=token><b>token {m.token_id}</b> · {e(projects[m.project_id].name)} · "
            f"{e(names.get(m.collector, m.collector))} · {m.price / WEI_PER_ETH:g} ETH"
            + (f" · seed {m.seed}" if m.seed is not None else "")
            + badge
            + f"<div class=imgs><img class=img src='{e(image)}' alt='token {m.token_id}'>"
            + (f"<img class=ovl src='{e(overlay)}' alt='heat-map overlay'>" if overlay else "")
            + "</div><table><tr><th>word</th><th>share</th><th>style</th><th>payee</th></tr>"
        )
        for w in words:
            style = styles.get(w.style_id) if w.style_id else None
            label = "—" if style is None else f"#{style.style_id} {style.plan.name}"
            if w.style_status and w.style_status != "active":
                label += f" ({w.style_status})"
            parts.append(
                f"<tr><td>{e(w.word)}</td><td class=n>{w.ppm / 10_000:.2f}%</td><td>{e(label)}</td>"
                f"<td>{e(names.get(w.payee or '', w.payee or ''))}</td></tr>"
            )
        pays = session.execute(
            select(LedgerEntry.account, LedgerEntry.role, LedgerEntry.amount)
            .where(LedgerEntry.token_id == m.token_id)
            .order_by(LedgerEntry.amount.desc())
        ).all()
        paid_to = ", ".join(
            f"{names.get(a, a)} ({role}) {int(amount)} wei" for a, role, amount in pays
        )
        parts.append(
            f"</table><div class=meta>pays: {e(paid_to)}<br>hash {e(m.token_hash)}<br>"
            f"pixels {e(render.pixel_hash)}</div></div>"
        )
    parts.append("</div></body></html>")
    page = out_dir / "index.html"
    page.write_text("\n".join(parts))
    return page
