"""The demo's page, ``out/demo/index.html``: the story's figures, every token with its heat-map
overlay, keyword shares and payees; self-contained (images copied next to it)."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.db.models.ledger import Attribution, LedgerEntry, Render
from indexer.demo.context import StoryContext
from indexer.demo.types import PayoutRow

WEI_PER_ETH = 10**18

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
    ctx: StoryContext, session: Session, rows: list[PayoutRow], checks: list[tuple[str, bool]]
) -> Path:
    """out/demo/index.html: self-contained (images copied next to it, relative links)."""

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
