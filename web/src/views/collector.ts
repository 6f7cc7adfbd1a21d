// The collector: projects, a project with its tokens and seed previews, mint, my tokens, a token.
import type { Address } from "viem";
import { ApiError, get, pngs, type AccountToken, type Paged, type Project, type ProjectDetail, type TokenAttribution, type TokenMetadata, type TokenStatus } from "../api";
import { eventsOf, read, send } from "../chain";
import { h, clear, Message } from "../dom";
import { addr, eth, ethText, pct } from "../format";
import { currentGeneration } from "../nav";
import { batchedFetcher, PreviewSlot, previewFetcher, randomSeed } from "../preview";
import { state } from "../wallet";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stateBadge(s: string): HTMLElement {
  const text: Record<string, string> = { queued: "queued for rendering", rendering: "rendering…", done: "rendered", failed: "render failed", indexing: "waiting for the indexer" };
  return h("span", { class: `badge badge-${s}`, "data-testid": "token-status", "data-state": s }, text[s] ?? s);
}

function tokenTile(t: { token_id: number; image: string | null; state: string }, label: string): HTMLElement {
  return h(
    "a",
    { class: "tile", href: `#token/${t.token_id}`, "data-token-id": t.token_id },
    t.image ? h("img", { src: t.image, alt: "", width: 128, height: 128, loading: "lazy" }) : h("div", { class: "placeholder" }, stateBadge(t.state)),
    h("span", null, label),
  );
}

async function mintAndOpen(project: Project, message: Message, button: HTMLButtonElement, seed?: bigint): Promise<void> {
  const receipt = await send(
    seed === undefined
      ? { contract: "ArtCore", functionName: "mint", args: [BigInt(project.project_id)], value: BigInt(project.price_wei), label: "Mint" }
      : { contract: "ArtCore", functionName: "mintWithSeed", args: [BigInt(project.project_id), seed], value: BigInt(project.price_wei), label: `Mint seed ${seed}` },
    message,
    button,
  );
  if (!receipt) return;
  const [mint] = eventsOf(receipt, "ArtCore", "Mint");
  if (mint) location.hash = `#token/${mint.args.tokenId}`;
}

// Why the owner's moderation pause stops a mint (ArtCore refuses it: ArtCoreProjectPaused).
const MODERATED = "Paused by the platform's moderation: no mint goes through until the platform owner lifts it.";

function mintButton(project: Project, message: Message): HTMLButtonElement {
  const soldOut = project.invocations >= project.max_supply;
  const button = h("button", { type: "button", class: "mint", "data-testid": `mint-${project.project_id}` },
    project.moderated ? "Minting paused (moderation)" : soldOut ? "Sold out" : `Mint · ${ethText(project.price_wei)}`);
  button.title = project.moderated ? MODERATED : `${project.price_wei} wei`;
  button.disabled = soldOut || project.moderated;
  if (project.moderated) button.setAttribute("aria-describedby", `moderated-${project.project_id}`);
  button.addEventListener("click", () => void mintAndOpen(project, message, button));
  return button;
}

function moderationNote(project: Project): HTMLElement | null {
  return project.moderated
    ? h("p", { class: "msg msg-error", id: `moderated-${project.project_id}`, "data-testid": `moderated-${project.project_id}` }, MODERATED)
    : null;
}

export async function renderProjects(view: HTMLElement): Promise<void> {
  const projects = await get<Paged<Project>>("/projects?limit=100");
  const list = h("div", { class: "cards", id: "project-list", "data-testid": "project-list" });
  clear(view, h("h1", null, "Projects"), list);
  if (!projects.items.length) list.append(h("p", { class: "muted" }, "No project yet: a prompt author creates one under “Prompt author”."));
  for (const p of projects.items) {
    const message = new Message(`project-${p.project_id}-message`);
    list.append(
      h(
        "article",
        { class: "card", "data-testid": `project-${p.project_id}` },
        h("a", { href: `#project/${p.project_id}`, class: "cover-link" },
          p.cover_image ? h("img", { class: "cover", src: p.cover_image, alt: `Latest token of ${p.name}`, width: 256, height: 256 }) : h("div", { class: "placeholder cover" }, "no token rendered yet")),
        h("h2", null, h("a", { href: `#project/${p.project_id}` }, p.name)),
        h("p", { class: "prompt" }, `“${p.prompt}”`),
        h("p", { class: "muted" }, `${p.invocations} / ${p.max_supply} minted`, p.active ? "" : " · paused or sold out", p.preview_mint ? " · choose your seed" : ""),
        h("div", { class: "row" }, mintButton(p, message), h("a", { class: "button secondary", href: `#project/${p.project_id}` }, p.preview_mint ? "Preview seeds" : "Open")),
        moderationNote(p),
        message.el,
      ),
    );
  }
}

export async function renderProject(view: HTMLElement, arg: string, gen: number): Promise<void> {
  const id = Number(arg);
  let project: ProjectDetail;
  try {
    project = await get<ProjectDetail>(`/projects/${Number.isSafeInteger(id) ? id : -1}?limit=100`);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
      clear(view, h("h1", null, "Unknown project"), h("p", { class: "msg msg-error", "data-testid": "project-unknown" }, `There is no project ${arg}.`));
      return;
    }
    throw error;
  }
  const message = new Message("project-message");
  const s = project.settings;
  clear(
    view,
    h("h1", null, project.name),
    h("p", { class: "prompt" }, `“${project.prompt}”`),
    h("dl", { class: "facts" },
      h("dt", null, "price"), h("dd", null, eth(project.price_wei)),
      h("dt", null, "minted"), h("dd", null, `${project.invocations} / ${project.max_supply}`),
      h("dt", null, "author"), h("dd", null, addr(project.author)),
      h("dt", null, "settings"), h("dd", null, `${s.steps} steps, guidance ${s.guidance}, ${s.width}×${s.height} px, ${s.scheduler}`),
      h("dt", null, "model"), h("dd", { class: "mono", title: project.model_id }, project.model_id.slice(0, 18) + "…"),
    ),
    h("div", { class: "row" }, mintButton(project, message), project.active ? null : h("span", { class: "badge" }, "paused or sold out")),
    moderationNote(project),
    message.el,
  );
  if (project.preview_mint) view.append(previewPanel(project, gen));
  const tokens = h("div", { class: "tiles", "data-testid": "project-tokens" });
  view.append(h("h2", null, "Tokens"), tokens);
  if (!project.tokens.items.length) tokens.append(h("p", { class: "muted" }, "None minted yet."));
  for (const t of project.tokens.items) tokens.append(tokenTile({ ...t, state: t.rendered ? "done" : "queued" }, `#${t.invocation}`));
}

function previewPanel(project: Project, gen: number): HTMLElement {
  const panel = h("section", { class: "panel", id: "previews", "data-testid": "previews" });
  const heading = h("h2", null, "Choose your seed");
  if (!state.account) {
    clear(panel, heading, h("p", { class: "muted", "data-testid": "preview-connect" }, "Connect a wallet: a preview is made for the address that mints it, so a front-runner copying the seed gets another image."));
    return panel;
  }
  const minter = state.account as Address;
  const fetcher = batchedFetcher(
    previewFetcher((seed) => `/projects/${project.project_id}/preview?seed=${seed}&minter=${minter}`),
    (seeds, signal) => pngs(`/projects/${project.project_id}/previews?${seeds.map((s) => `seed=${s}&`).join("")}minter=${minter}`, { signal }),
  );
  const slots = [0, 1, 2, 3].map((i) => new PreviewSlot(i, randomSeed(), fetcher));
  const all = h("button", { type: "button", id: "preview-all" }, "Preview all");
  const fresh = h("button", { type: "button", class: "secondary", id: "new-seeds" }, "New seeds");
  const sync = () => {
    all.disabled = slots.some((s) => s.busy);
    all.setAttribute("aria-busy", String(all.disabled));
  };
  for (const slot of slots) {
    const mint = h("button", { type: "button", class: "mint-seed", disabled: true }, "Mint this seed");
    mint.addEventListener("click", () => {
      if (slot.shownSeed !== null && currentGeneration() === gen) void mintAndOpen(project, slot.message, mint, slot.shownSeed);
    });
    slot.onShown = () => {
      mint.disabled = slot.shownSeed === null;
      mint.textContent = slot.shownSeed === null ? "Mint this seed" : `Mint seed ${slot.shownSeed} · ${ethText(project.price_wei)}`;
      sync();
    };
    slot.el.append(mint);
  }
  all.addEventListener("click", () => slots.forEach((s) => void s.render()));
  fresh.addEventListener("click", () => slots.forEach((s) => { s.input.value = randomSeed(); s.invalidate(); }));
  clear(
    panel,
    heading,
    h("p", { class: "muted" }, `Previews are free and made for ${minter.slice(0, 8)}…: you pay only for the one you mint.`),
    h("div", { class: "row" }, all, fresh),
    h("div", { class: "slots" }, slots.map((s) => s.el)),
  );
  return panel;
}

async function tokenExistsOnChain(id: bigint): Promise<boolean> {
  try {
    await read("ArtCore", "ownerOf", [id]);
    return true;
  } catch {
    return false;
  }
}

export async function renderToken(view: HTMLElement, arg: string, gen: number): Promise<void> {
  const valid = /^[0-9]{1,30}$/.test(arg ?? "");
  const title = h("h1", { id: "token-title" }, `Token ${arg}`);
  const status = h("div", { id: "token-state" });
  const body = h("div", { id: "token-view", "data-testid": "token-view" });
  clear(view, title, status, body);
  if (!valid) {
    clear(status, h("p", { class: "msg msg-error", "data-testid": "token-unknown" }, `“${arg}” is not a token id.`));
    return;
  }
  const id = BigInt(arg);
  let shownFacts = false;
  for (let attempt = 0; currentGeneration() === gen; attempt++) {
    let st: TokenStatus | null = null;
    try {
      st = await get<TokenStatus>(`/tokens/${id}/status`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    if (currentGeneration() !== gen) return;
    if (st === null) {
      if (!(await tokenExistsOnChain(id))) {
        clear(status, h("p", { class: "msg msg-error", "data-testid": "token-unknown" }, `Token ${id} does not exist: nobody minted it.`));
        return;
      }
      clear(status, stateBadge("indexing"), h("span", { class: "muted" }, " minted on-chain; the indexer has not seen it yet (is `styleledger index` running?)"));
    } else {
      if (!shownFacts) {
        const meta = await get<TokenMetadata>(`/tokens/${id}`);
        title.textContent = meta.name;
        body.append(facts(meta));
        shownFacts = true;
      }
      if (st.state === "done") {
        clear(status, stateBadge("done"));
        body.append(await attribution(id));
        return;
      }
      clear(status, stateBadge(st.state), st.error ? h("span", { class: "muted" }, ` ${st.error}`) : null,
        st.state === "queued" ? h("span", { class: "muted" }, " the image appears here by itself once a render worker has made it") : null);
      if (st.state === "failed") return;
    }
    await sleep(Math.min(500 + attempt * 250, 2000));
  }
}

function facts(meta: TokenMetadata): HTMLElement {
  return h("dl", { class: "facts", id: "token-facts" },
    h("dt", null, "project"), h("dd", null, h("a", { href: `#project/${meta.project_id}` }, meta.project_name)),
    h("dt", null, "prompt"), h("dd", null, meta.prompt),
    h("dt", null, "owner"), h("dd", null, addr(meta.owner)),
    h("dt", null, "token hash"), h("dd", { class: "mono hash" }, meta.token_hash),
    meta.seed ? [h("dt", null, "seed"), h("dd", { class: "mono hash" }, meta.seed)] : null,
    h("dt", null, "minted in block"), h("dd", null, meta.minted_block),
  );
}

async function attribution(id: bigint): Promise<HTMLElement> {
  const a = await get<TokenAttribution>(`/tokens/${id}/attribution`);
  const rows = a.words.map((w) => {
    let payee: HTMLElement;
    if (w.style_id === null) payee = h("span", null, "prompt author ", addr(w.payee));
    else if (w.style_status === "active") payee = h("span", null, `style #${w.style_id} `, addr(w.payee));
    else payee = h("span", null, `style #${w.style_id} was ${w.style_status?.replace("_", " ")} at mint: `, w.style_status === "suspended" ? "held " : "the prompt author ", addr(w.payee));
    return h("tr", { "data-word": w.word },
      h("th", { scope: "row" }, w.word),
      h("td", null, h("img", { class: "heat", src: w.heatmap, alt: `heat map of “${w.word}”`, width: 64, height: 64, loading: "lazy" })),
      h("td", null, pct(w.contribution)),
      h("td", null, payee),
      h("td", null, w.amount_wei === null ? "—" : eth(w.amount_wei)),
    );
  });
  return h("div", { class: "token-body" },
    h("div", { class: "images" },
      h("figure", null, h("img", { id: "token-image", src: `/tokens/${id}/image.png`, alt: `Token ${id}`, width: 256, height: 256 }), h("figcaption", null, "image")),
      h("figure", null, h("img", { id: "token-overlay", src: a.overlay, alt: `Heat maps of every word over token ${id}`, width: 256, height: 256 }), h("figcaption", null, "where each word shaped it")),
    ),
    h("h2", null, "Who it pays"),
    h("p", { class: "muted" }, "Price ", eth(a.price_wei), ", creator pool ", eth(a.creator_pool_wei), ": each word's share of the pool goes to the style it names, the rest to the prompt author."),
    h("div", { class: "table-wrap" },
      h("table", { id: "token-attribution", "data-testid": "token-attribution" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "word"), h("th", { scope: "col" }, "heat map"), h("th", { scope: "col" }, "share"), h("th", { scope: "col" }, "pays"), h("th", { scope: "col" }, "amount"))),
        h("tbody", null, rows))),
  );
}

export async function renderMine(view: HTMLElement, gen: number): Promise<void> {
  clear(view, h("h1", null, "My tokens"));
  if (!state.account) {
    view.append(h("p", { class: "muted", "data-testid": "connect-first" }, "Connect a wallet to see the tokens it owns."));
    return;
  }
  const grid = h("div", { class: "tiles", id: "my-tokens", "data-testid": "my-tokens" });
  view.append(grid);
  for (let attempt = 0; currentGeneration() === gen; attempt++) {
    const tokens = await get<AccountToken[]>(`/accounts/${state.account}/tokens?limit=200`);
    if (currentGeneration() !== gen) return;
    clear(grid, tokens.length ? tokens.map((t) => tokenTile(t, `${t.project_name} #${t.invocation}`)) : h("p", { class: "muted" }, "This account owns no token yet."));
    if (tokens.every((t) => t.state === "done" || t.state === "failed")) return;
    await sleep(1500);
  }
}
