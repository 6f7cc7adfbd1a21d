// Earnings: what this account's styles and prompts earned over time (a chart per epoch),
// what was claimed when, and the claim itself.
import type { Address } from "viem";
import { ApiError, get, type ClaimTicket, type Earnings, type History } from "../api";
import { read, send } from "../chain";
import { h, clear, Message } from "../dom";
import { eth, ethText, txLink } from "../format";
import { state } from "../wallet";

const SVG = "http://www.w3.org/2000/svg";

function chart(history: History): Element {
  const points = history.epochs.map((e) => ({ x: e.epoch, y: Number(BigInt(e.cumulative_wei) / 10n ** 9n) / 1e9 }));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 320 120");
  svg.setAttribute("role", "img");
  svg.setAttribute("class", "chart");
  const label = points.length
    ? `Cumulative earnings per epoch: ${points.map((p) => `epoch ${p.x} ${p.y} ETH`).join(", ")}`
    : "No settled epoch yet";
  svg.setAttribute("aria-label", label);
  const title = document.createElementNS(SVG, "title");
  title.textContent = label;
  svg.append(title);
  if (!points.length) return svg;
  const max = Math.max(...points.map((p) => p.y), 1e-18);
  const step = 300 / Math.max(points.length, 1);
  let d = "M 10 110";
  points.forEach((p, i) => {
    const y = 110 - (p.y / max) * 100;
    d += ` L ${10 + i * step} ${y} L ${10 + (i + 1) * step} ${y}`;
  });
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("class", "line");
  svg.append(path);
  return svg;
}

export async function renderEarnings(view: HTMLElement): Promise<void> {
  clear(view, h("h1", null, "Earnings"));
  if (!state.account) {
    view.append(h("p", { class: "muted", "data-testid": "connect-first" }, "Connect a wallet to see what your styles and prompts have earned."));
    return;
  }
  const account = state.account as Address;
  const [earnings, history] = await Promise.all([get<Earnings>(`/accounts/${account}/earnings`), get<History>(`/accounts/${account}/history`)]);
  let ticket: ClaimTicket | null = null;
  try {
    ticket = await get<ClaimTicket>(`/accounts/${account}/claim`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  // what the chain says was claimed beats the indexer's copy, which may lag
  const claimedOnChain = ticket ? await read<bigint>("PayoutDistributor", "claimed", [account]) : 0n;
  const claimable = ticket ? BigInt(ticket.cumulative_wei) - claimedOnChain : 0n;
  const ready = ticket && (ticket.claimable_at === null || ticket.claimable_at <= Date.now() / 1000);
  const message = new Message("claim-message");
  const button = h("button", { type: "button", id: "claim", "data-testid": "claim" }, claimable > 0n ? `Claim ${ethText(claimable)}` : "Nothing to claim");
  button.disabled = !(claimable > 0n && ready);
  button.addEventListener("click", async () => {
    if (!ticket) return;
    const receipt = await send({ contract: "PayoutDistributor", functionName: "claim", args: [account, BigInt(ticket.cumulative_wei), ticket.proof], label: "Claim" }, message, button);
    if (receipt) {
      button.textContent = "Nothing to claim";
      button.disabled = true;
      claimableEl.replaceChildren(eth(0n, "claimable"));
    }
  });
  const claimableEl = h("dd", null, eth(claimable > 0n ? claimable : 0n, "claimable"));
  view.append(
    h("section", { class: "panel", "data-testid": "earnings" },
      h("dl", { class: "facts big" },
        h("dt", null, "claimable now"), claimableEl,
        h("dt", null, "claimed"), h("dd", null, eth(claimedOnChain > BigInt(earnings.claimed_wei) ? claimedOnChain : earnings.claimed_wei, "claimed")),
        h("dt", null, "settled (latest epoch)"), h("dd", null, eth(earnings.cumulative_wei)),
        h("dt", null, "pending (next epoch)"), h("dd", null, eth(earnings.pending_wei, "pending")),
      ),
      ticket && !ready && ticket.claimable_at ? h("p", { class: "muted" }, `Epoch ${ticket.epoch} becomes claimable at ${new Date(ticket.claimable_at * 1000).toLocaleString()}.`) : null,
      h("div", { class: "row" }, button), message.el,
    ),
    h("h2", null, "Over time"),
    chart(history),
    h("h2", null, "Claims"),
    history.claims.length
      ? h("ul", { class: "claims", "data-testid": "claims" }, history.claims.map((c) => h("li", null, eth(c.amount_wei), ` in block ${c.block_number} `, txLink(c.tx_hash))))
      : h("p", { class: "muted" }, "No claim yet."),
    h("h2", null, "Per token"),
    earnings.tokens.length
      ? h("ul", { class: "lines" }, earnings.tokens.map((t) => h("li", null,
          t.token_id !== null ? h("a", { href: `#token/${t.token_id}` }, `token ${t.token_id}`) : `project ${t.project_id} royalties`,
          ` · ${t.role}${t.style_id ? ` (style #${t.style_id})` : ""} · `, eth(t.amount_wei), t.epoch === null ? " · pending" : ` · epoch ${t.epoch}`)))
      : h("p", { class: "muted" }, "Nothing earned yet."),
  );
}
