// The artist: register a style (keywords checked as they type), train a style adapter from their
// works and register or update a style with it (views/adapters.ts), my styles, opt out (with a
// sentence and a confirmation) or in, propose and accept a payout change after the delay.
import { getAddress, isAddress, type Address, type Hex } from "viem";
import { get, type AccountStyle, type Paged, type Style } from "../api";
import { eventsOf, read, send } from "../chain";
import { h, clear, Message } from "../dom";
import { addr, duration, when } from "../format";
import { currentGeneration } from "../nav";
import { keywordProblem, splitKeywords } from "../keywords";
import { state } from "../wallet";
import { adapterFact, trainAdapterPanel } from "./adapters";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The last outcome per style, shown again on the card redrawn after it. */
const flash = new Map<number, Node[]>();
const keep = (styleId: number, message: Message) => flash.set(styleId, [...message.el.childNodes].map((n) => n.cloneNode(true)));

export async function renderArtist(view: HTMLElement, gen: number): Promise<void> {
  const styles = await get<Paged<Style>>("/styles?limit=500");
  const taken = new Map<string, number>();
  for (const s of styles.items) for (const k of s.keywords) taken.set(k, s.style_id);
  const delay = Number(await read<bigint>("StyleRegistry", "payoutDelay"));
  const maxKeywords = Number(await read<bigint>("StyleRegistry", "MAX_KEYWORDS"));
  const list = h("div", { id: "my-styles", "data-testid": "my-styles" });
  const refresh = async (styleId?: number) => {
    if (styleId !== undefined) await untilListed(styleId, gen);
    if (currentGeneration() === gen) await renderMyStyles(list, delay, gen);
  };
  clear(view, h("h1", null, "Artist"), registerForm(taken, maxKeywords, list, gen),
    trainAdapterPanel({ taken, maxKeywords, gen, refresh }), h("h2", null, "My styles"), list);
  await renderMyStyles(list, delay, gen);
}

function registerForm(taken: Map<string, number>, maxKeywords: number, list: HTMLElement, gen: number): HTMLElement {
  const message = new Message("register-message");
  const name = h("input", { id: "style-name", name: "name", required: true, maxlength: 64, placeholder: "Neon Dreams", autocomplete: "off" });
  const keywords = h("input", { id: "style-keywords", name: "keywords", required: true, placeholder: "neon, glow", autocomplete: "off", spellcheck: "false", "aria-describedby": "keyword-checks" });
  const payout = h("input", { id: "style-payout", name: "payout", placeholder: "your connected account", autocomplete: "off", spellcheck: "false", "aria-describedby": "payout-check" });
  const uri = h("input", { id: "style-uri", name: "uri", placeholder: "ipfs://… (optional)", autocomplete: "off" });
  const checks = h("ul", { id: "keyword-checks", class: "checks", "aria-live": "polite", "data-testid": "keyword-checks" });
  const payoutCheck = h("p", { id: "payout-check", class: "field-msg", "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, "Register style");
  const words = () => splitKeywords(keywords.value);
  const validate = (): boolean => {
    const list = words();
    const seen = new Set<string>();
    clear(checks, list.map((w) => {
      const problem = seen.has(w) ? "listed twice" : keywordProblem(w, taken, new Set());
      seen.add(w);
      return h("li", { class: problem ? "bad" : "good", "data-keyword": w }, problem ? `✗ “${w}”: ${problem}` : `✓ “${w}”`);
    }));
    if (list.length > maxKeywords) checks.append(h("li", { class: "bad" }, `✗ at most ${maxKeywords} keywords`));
    const p = payout.value.trim();
    const payoutOk = p === "" || isAddress(p, { strict: false });
    payoutCheck.textContent = payoutOk ? "" : "✗ not an address (0x + 40 hex digits; names are not resolved)";
    payoutCheck.className = payoutOk ? "field-msg" : "field-msg bad";
    const ok = list.length > 0 && list.length <= maxKeywords && !checks.querySelector(".bad") && payoutOk && name.value.trim() !== "";
    submit.disabled = !ok;
    return ok;
  };
  keywords.addEventListener("input", validate);
  payout.addEventListener("input", validate);
  name.addEventListener("input", validate);
  const form = h("form", { id: "register-style", class: "panel", autocomplete: "off", novalidate: true },
    h("h2", null, "Register a style"),
    h("label", { for: "style-name" }, "Name"), name,
    h("label", { for: "style-keywords" }, "Keywords (comma or space separated)"), keywords, checks,
    h("label", { for: "style-payout" }, "Payout address"), payout, payoutCheck,
    h("label", { for: "style-uri" }, "Metadata URI"), uri,
    h("p", { class: "muted small" }, "A keyword is 2–32 bytes of a–z, 0–9 and single “-” between them, and names at most one active style. Prompts that use it pay your payout address its share of each image it shaped."),
    submit, message.el,
  );
  submit.disabled = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!validate()) return;
    const to = payout.value.trim() ? getAddress(payout.value.trim()) : (state.account as Address | null);
    if (!to) {
      message.show("error", "Connect a wallet first: it will own the style.");
      return;
    }
    const receipt = await send({ contract: "StyleRegistry", functionName: "registerStyle", args: [name.value.trim(), words(), to, uri.value.trim()], label: "Register style" }, message, submit);
    if (!receipt) return;
    const [registered] = eventsOf(receipt, "StyleRegistry", "StyleRegistered");
    const styleId = Number(registered?.args.styleId ?? 0);
    for (const k of words()) taken.set(k, styleId);
    message.show("ok", `Style #${styleId} registered. `, "It appears below once the indexer has it.");
    const delay = Number(await read<bigint>("StyleRegistry", "payoutDelay"));
    await untilListed(styleId, gen);
    if (currentGeneration() === gen) await renderMyStyles(list, delay, gen);
  });
  return form;
}

/** Wait (up to 30 s) until the indexer lists ``styleId`` among the account's styles. */
async function untilListed(styleId: number, gen: number): Promise<void> {
  for (let i = 0; i < 60 && currentGeneration() === gen; i++) {
    const mine = await get<AccountStyle[]>(`/accounts/${state.account}/styles`);
    if (mine.some((s) => s.style_id === styleId)) return;
    await sleep(500);
  }
}

async function renderMyStyles(list: HTMLElement, delay: number, gen: number): Promise<void> {
  if (!state.account) {
    clear(list, h("p", { class: "muted", "data-testid": "connect-first" }, "Connect a wallet to see and manage the styles it registered."));
    return;
  }
  const mine = await get<AccountStyle[]>(`/accounts/${state.account}/styles`);
  if (currentGeneration() !== gen) return;
  if (!mine.length) {
    clear(list, h("p", { class: "muted" }, "This account has registered no style yet."));
    return;
  }
  const cards = await Promise.all(mine.map((s) => styleCard(s, delay, () => renderMyStyles(list, delay, gen))));
  if (currentGeneration() === gen) clear(list, cards);
}

async function styleCard(style: AccountStyle, delay: number, refresh: () => Promise<void>): Promise<HTMLElement> {
  const id = BigInt(style.style_id);
  const [, payout, optedOut, suspended] = await read<[Address, Address, boolean, boolean]>("StyleRegistry", "styleOf", [id]);
  const [pending, effectiveAt] = await read<[Address, bigint]>("StyleRegistry", "pendingPayout", [id]);
  const [adapterId] = await read<[Hex, Hex]>("StyleRegistry", "styleAdapter", [id]);
  const status = suspended ? "suspended" : optedOut ? "opted out" : "active";
  const message = new Message(`style-${style.style_id}-message`);
  const card = h("article", { class: "card style-card", "data-style-id": style.style_id },
    h("h3", null, `#${style.style_id} ${style.name}`),
    h("p", null, style.keywords.map((k) => h("span", { class: "kw" }, k))),
    h("dl", { class: "facts" },
      h("dt", null, "status"), h("dd", { class: `status status-${status.replace(" ", "_")}`, "data-testid": "style-status" }, status),
      h("dt", null, "payout"), h("dd", null, addr(payout)),
      adapterFact(adapterId),
    ),
  );
  const actions = h("div", { class: "row" });
  card.append(actions);
  if (!suspended && !optedOut) {
    const out = h("button", { type: "button", class: "secondary opt-out" }, "Opt out…");
    out.addEventListener("click", () => {
      const confirmBtn = h("button", { type: "button", class: "danger confirm-opt-out" }, "Yes, opt out");
      const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
      const box = h("div", { class: "confirm", role: "alertdialog", "aria-label": "Confirm opting out", "data-testid": "opt-out-confirm" },
        h("p", null, "Opting out stops attribution for mints made after it: your keywords' share of new tokens goes to their prompt authors instead. What this style already earned stays claimable, and you can opt in again later."),
        h("div", { class: "row" }, confirmBtn, cancel));
      cancel.addEventListener("click", () => { box.remove(); out.disabled = false; });
      confirmBtn.addEventListener("click", async () => {
        if (await send({ contract: "StyleRegistry", functionName: "optOut", args: [id], label: "Opt out" }, message, confirmBtn)) { keep(style.style_id, message); await refresh(); }
      });
      out.disabled = true;
      card.insertBefore(box, message.el);
    });
    actions.append(out);
  } else if (optedOut && !suspended) {
    const inBtn = h("button", { type: "button", class: "secondary opt-in" }, "Opt in again");
    inBtn.addEventListener("click", async () => {
      if (await send({ contract: "StyleRegistry", functionName: "optIn", args: [id], label: "Opt in" }, message, inBtn)) { keep(style.style_id, message); await refresh(); }
    });
    actions.append(inBtn);
  }
  const hasPending = pending !== "0x0000000000000000000000000000000000000000";
  if (hasPending) {
    const ready = Date.now() / 1000 > Number(effectiveAt); // and in a later block than the proposal
    const accept = h("button", { type: "button", class: "accept-payout" }, "Accept payout change");
    accept.addEventListener("click", async () => {
      if (await send({ contract: "StyleRegistry", functionName: "acceptPayout", args: [id], label: "Accept payout" }, message, accept)) { keep(style.style_id, message); await refresh(); }
    });
    const cancel = h("button", { type: "button", class: "secondary cancel-payout" }, "Cancel change");
    cancel.addEventListener("click", async () => {
      if (await send({ contract: "StyleRegistry", functionName: "cancelPayout", args: [id], label: "Cancel payout change" }, message, cancel)) { keep(style.style_id, message); await refresh(); }
    });
    card.append(h("p", { class: "pending", "data-testid": "pending-payout" }, "Payout change to ", addr(pending), ready ? " is ready to accept." : ` waits for the delay: it can be accepted from ${when(Number(effectiveAt))}.`), h("div", { class: "row" }, accept, cancel));
  } else {
    const inputId = `payout-${style.style_id}`;
    const input = h("input", { id: inputId, class: "new-payout", placeholder: "0x… new payout address", autocomplete: "off", spellcheck: "false" });
    const propose = h("button", { type: "button", class: "secondary propose-payout" }, "Propose payout change");
    propose.addEventListener("click", async () => {
      const value = input.value.trim();
      if (!isAddress(value, { strict: false })) {
        message.show("error", "Not an address: 0x + 40 hex digits (names are not resolved).");
        return;
      }
      if (await send({ contract: "StyleRegistry", functionName: "proposePayout", args: [id, getAddress(value)], label: "Propose payout change" }, message, propose)) { keep(style.style_id, message); await refresh(); }
    });
    card.append(h("label", { for: inputId }, "New payout address"), h("div", { class: "row" }, input, propose),
      h("p", { class: "muted small", "data-testid": "payout-delay" }, `A change takes effect only after the payout delay (${duration(delay)}), so you and the curator can react.`));
  }
  card.append(message.el);
  const last = flash.get(style.style_id);
  if (last) {
    message.show("ok", last);
    flash.delete(style.style_id);
  }
  return card;
}
