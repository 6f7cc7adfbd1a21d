// StyleLedger's page: reads the indexer's API, writes through the browser wallet (EIP-1193).
// Every on-chain string (names, prompts, keywords) reaches the DOM through textContent only.
import { ethers } from "/static/vendor/ethers.min.js";

const state = { config: null, provider: null, signer: null, account: null, chainOk: false };

// ---------------------------------------------------------------- helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const $ = (selector) => document.querySelector(selector);

function log(message, kind = "info") {
  const line = h("div", { class: `log-${kind}` }, message);
  $("#log").prepend(line);
  while ($("#log").childElementCount > 6) $("#log").lastElementChild.remove();
}

async function api(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? "");
    const error = new Error(`${path}: ${response.status} ${detail}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

const eth = (wei) => ethers.formatEther(BigInt(wei));
const short = (address) => (address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function explainError(error) {
  return error?.shortMessage || error?.info?.error?.message || error?.reason || error?.message || String(error);
}

function contract(name) {
  const entry = state.config?.contracts?.[name];
  if (!entry) throw new Error(`the deployment has no ${name}`);
  if (!state.signer) throw new Error("connect a wallet first");
  return new ethers.Contract(entry.address, entry.abi, state.signer);
}

async function send(label, promise) {
  log(`${label}: waiting for the wallet…`);
  const tx = await promise;
  log(`${label}: sent ${short(tx.hash)}, waiting for a block…`);
  const receipt = await tx.wait();
  log(`${label}: confirmed in block ${receipt.blockNumber}`, "ok");
  return receipt;
}

// ---------------------------------------------------------------- wallet

async function connect() {
  if (!window.ethereum) {
    log("No browser wallet found (window.ethereum). Install one to mint, register or claim.", "error");
    return;
  }
  try {
    state.provider = new ethers.BrowserProvider(window.ethereum);
    await state.provider.send("eth_requestAccounts", []);
    const network = await state.provider.getNetwork();
    const wanted = BigInt(state.config.chainId);
    if (network.chainId !== wanted) {
      try {
        await window.ethereum.request({
          method: "wallet_switchEthereumChain",
          params: [{ chainId: ethers.toQuantity(wanted) }],
        });
        state.provider = new ethers.BrowserProvider(window.ethereum);
      } catch (error) {
        log(`Wrong network: wallet is on chain ${network.chainId}, StyleLedger on ${wanted}.`, "error");
        return;
      }
    }
    state.signer = await state.provider.getSigner();
    state.account = ethers.getAddress(await state.signer.getAddress());
    state.chainOk = true;
    $("#account").textContent = short(state.account);
    $("#account").title = state.account;
    $("#connect").textContent = "Connected";
    $("#connect").disabled = true;
    document.body.classList.add("connected");
    log(`Connected ${state.account}`, "ok");
    await Promise.all([loadProjects(), loadStyles(), loadEarnings()]);
  } catch (error) {
    log(`Could not connect: ${explainError(error)}`, "error");
  }
}

// ---------------------------------------------------------------- projects, previews, mints

function randomSeed() {
  return ethers.toBigInt(ethers.randomBytes(8)).toString();
}

function projectCard(project) {
  const cover = h("img", {
    class: "cover",
    alt: project.name,
    width: 192,
    height: 192,
    src: project.cover_image ?? "",
    hidden: !project.cover_image,
  });
  const thumbs = h("div", { class: "thumbs" });
  const seedInput = h("input", { class: "seed", value: randomSeed(), size: 22, "aria-label": "seed" });
  const preview = h("img", { class: "preview", alt: "preview", width: 128, height: 128, hidden: true });
  const previewHash = h("div", { class: "mono small muted preview-hash" });

  const doPreview = async () => {
    if (!state.account) return log("Connect a wallet: previews are made for your own address.", "error");
    const url = `/projects/${project.project_id}/preview?seed=${encodeURIComponent(seedInput.value.trim())}&minter=${state.account}`;
    const response = await fetch(url);
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      return log(`Preview: ${response.status} ${JSON.stringify(body.detail ?? "")}`, "error");
    }
    preview.src = URL.createObjectURL(await response.blob());
    preview.hidden = false;
    previewHash.textContent = `hash ${response.headers.get("X-Token-Hash") ?? ""}`;
  };

  const doMint = async (withSeed) => {
    try {
      const core = contract("ArtCore");
      const value = BigInt(project.price_wei);
      const call = withSeed
        ? core.mintWithSeed(project.project_id, BigInt(seedInput.value.trim()), { value })
        : core.mint(project.project_id, { value });
      const receipt = await send(withSeed ? "Mint with seed" : "Mint", call);
      const minted = receipt.logs
        .map((entry) => { try { return core.interface.parseLog(entry); } catch { return null; } })
        .find((parsed) => parsed?.name === "Mint");
      if (minted) {
        const tokenId = minted.args.tokenId.toString();
        log(`Minted token ${tokenId}; waiting for the indexer to render it…`);
        await waitForToken(tokenId);
      }
      await Promise.all([loadProjects(), loadStyles(), loadEarnings()]);
    } catch (error) {
      log(`Mint failed: ${explainError(error)}`, "error");
    }
  };

  const facts = h(
    "p",
    { class: "small" },
    `${eth(project.price_wei)} ETH · ${project.invocations}/${project.max_supply} minted`,
    project.active ? "" : " · paused",
  );
  const card = h(
    "article",
    { class: "card", dataset: { projectId: project.project_id }, "data-testid": `project-${project.project_id}` },
    cover,
    h("h3", {}, project.name),
    h("p", { class: "prompt" }, `“${project.prompt}”`),
    facts,
    h("p", { class: "small muted" }, `by ${short(project.author)} · model ${project.model_id.slice(0, 10)}…`),
    thumbs,
    h("div", { class: "actions" }, h("button", { type: "button", class: "mint", onclick: () => doMint(false) }, "Mint")),
  );
  if (project.preview_mint) {
    card.append(
      h(
        "div",
        { class: "preview-box" },
        h("label", { class: "small" }, "seed ", seedInput),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "secondary", onclick: () => { seedInput.value = randomSeed(); } }, "Random"),
          h("button", { type: "button", class: "do-preview", onclick: doPreview }, "Preview"),
          h("button", { type: "button", class: "mint-seed", onclick: () => doMint(true) }, "Mint this seed"),
        ),
        preview,
        previewHash,
      ),
    );
  }
  api(`/projects/${project.project_id}?limit=12`)
    .then((detail) => {
      for (const token of detail.tokens.items.filter((t) => t.image)) {
        thumbs.append(
          h("a", { href: `#token/${token.token_id}`, title: `token ${token.token_id}`, class: "thumb-link" },
            h("img", { class: "thumb", alt: `token ${token.token_id}`, width: 48, height: 48, src: token.image, loading: "lazy" })),
        );
      }
    })
    .catch((error) => log(explainError(error), "error"));
  return card;
}

async function loadProjects() {
  const list = $("#project-list");
  try {
    const page = await api("/projects?limit=50");
    list.replaceChildren(...page.items.map(projectCard));
    if (!page.items.length) list.append(h("p", { class: "muted" }, "No projects yet."));
  } catch (error) {
    log(`Projects: ${explainError(error)}`, "error");
  }
}

async function waitForToken(tokenId, timeoutMs = 120_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const token = await api(`/tokens/${tokenId}`);
      if (token.rendered) {
        location.hash = `#token/${tokenId}`;
        return token;
      }
    } catch (error) {
      if (error.status !== 404) throw error;
    }
    await sleep(1000);
  }
  log(`Token ${tokenId} is not rendered yet; it will appear once the indexer catches up.`);
  return null;
}

// ---------------------------------------------------------------- token view

async function showToken(tokenId) {
  const view = $("#token-view");
  try {
    const [meta, attribution] = await Promise.all([
      api(`/tokens/${tokenId}`),
      api(`/tokens/${tokenId}/attribution`).catch((error) => (error.status === 404 ? null : Promise.reject(error))),
    ]);
    $("#token-title").textContent = meta.name;
    $("#token-image").src = meta.image;
    $("#token-overlay").src = `/tokens/${tokenId}/overlay.png`;
    $("#token-overlay").hidden = !attribution;
    const facts = $("#token-facts");
    facts.replaceChildren();
    const fact = (term, value, mono = false) => facts.append(h("dt", {}, term), h("dd", { class: mono ? "mono" : "" }, value));
    fact("project", meta.project_name);
    fact("prompt", meta.prompt);
    fact("owner", meta.owner ?? "", true);
    fact("token hash", meta.token_hash, true);
    fact("pixel hash", meta.pixel_hash ?? "not rendered yet", true);
    fact("model id", meta.model_id, true);
    if (attribution) fact("creator pool", `${eth(attribution.creator_pool_wei)} ETH`);

    const body = $("#token-attribution tbody");
    body.replaceChildren();
    for (const word of attribution?.words ?? []) {
      body.append(
        h("tr", { "data-word": word.word },
          h("td", { class: "mono" }, word.word),
          h("td", {}, h("img", { class: "heat", alt: `heat map of ${word.word}`, width: 64, height: 64, src: word.heatmap })),
          h("td", {}, word.area.toFixed(3)),
          h("td", {}, word.intensity.toFixed(3)),
          h("td", {}, `${(word.ppm / 10_000).toFixed(2)} %`),
          h("td", { class: "mono", title: word.payee ?? "" },
            word.style_id ? `style #${word.style_id} → ${short(word.payee)}` : `author ${short(word.payee)}`),
          h("td", { class: "mono" }, word.amount_wei),
        ),
      );
    }
    view.hidden = false;
    view.scrollIntoView({ behavior: "instant", block: "start" });
  } catch (error) {
    log(`Token ${tokenId}: ${explainError(error)}`, "error");
  }
}

// ---------------------------------------------------------------- styles

async function loadStyles() {
  const body = $("#style-list tbody");
  try {
    const page = await api("/styles?limit=100");
    body.replaceChildren(
      ...page.items.map((style) => {
        const mine = state.account && (style.owner === state.account);
        const action = mine && style.status === "active"
          ? h("button", { type: "button", class: "secondary opt-out", onclick: () => optOut(style.style_id) }, "Opt out")
          : mine && style.status === "opted_out"
            ? h("button", { type: "button", class: "secondary opt-in", onclick: () => optIn(style.style_id) }, "Opt in")
            : "";
        return h("tr", { "data-style-id": style.style_id },
          h("td", {}, style.style_id),
          h("td", {}, style.name),
          h("td", { class: "mono" }, style.keywords.join(", ")),
          h("td", { class: `status-${style.status}` }, style.status.replace("_", " ")),
          h("td", {}, style.tokens_attributed),
          h("td", {}, eth(style.earned_wei)),
          h("td", {}, action),
        );
      }),
    );
  } catch (error) {
    log(`Styles: ${explainError(error)}`, "error");
  }
}

async function registerStyle(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  const keywords = String(data.get("keywords")).split(/[\s,]+/).filter(Boolean);
  try {
    const registry = contract("StyleRegistry");
    const payout = String(data.get("payout")).trim() || state.account;
    const receipt = await send("Register style", registry.registerStyle(String(data.get("name")).trim(), keywords, payout, String(data.get("uri")).trim()));
    form.reset();
    await waitForIndexer(receipt, loadStyles);
  } catch (error) {
    log(`Register failed: ${explainError(error)}`, "error");
  }
}

async function optOut(styleId) {
  try {
    const receipt = await send(`Opt out style ${styleId}`, contract("StyleRegistry").optOut(styleId));
    await waitForIndexer(receipt, loadStyles);
  } catch (error) {
    log(`Opt out failed: ${explainError(error)}`, "error");
  }
}

async function optIn(styleId) {
  try {
    const receipt = await send(`Opt in style ${styleId}`, contract("StyleRegistry").optIn(styleId));
    await waitForIndexer(receipt, loadStyles);
  } catch (error) {
    log(`Opt in failed: ${explainError(error)}`, "error");
  }
}

// Reload once the indexer has indexed the block of the transaction's receipt.
async function waitForIndexer(receipt, reload, timeoutMs = 30_000) {
  const target = receipt.blockNumber;
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const health = await api("/health").catch(() => null);
    if (health && health.indexed_head !== null && health.indexed_head >= target) break;
    await sleep(500);
  }
  await reload();
}

// ---------------------------------------------------------------- earnings and claims

async function loadEarnings() {
  const box = $("#earnings-body");
  if (!state.account) return;
  try {
    const earnings = await api(`/accounts/${state.account}/earnings`);
    const claimable = BigInt(earnings.claimable_wei);
    const rows = earnings.tokens.slice(0, 20).map((item) =>
      h("tr", {},
        h("td", {}, h("a", { href: `#token/${item.token_id}` }, item.token_id)),
        h("td", {}, item.role),
        h("td", {}, `${(item.ppm / 10_000).toFixed(2)} %`),
        h("td", { class: "mono" }, item.amount_wei)));
    box.replaceChildren(
      h("dl", { class: "facts" },
        h("dt", {}, "entitled (settled)"), h("dd", { "data-testid": "cumulative" }, `${eth(earnings.cumulative_wei)} ETH`),
        h("dt", {}, "pending settlement"), h("dd", {}, `${eth(earnings.pending_wei)} ETH`),
        h("dt", {}, "claimed"), h("dd", { "data-testid": "claimed" }, `${eth(earnings.claimed_wei)} ETH`),
        h("dt", {}, "claimable now"), h("dd", { "data-testid": "claimable" }, `${eth(earnings.claimable_wei)} ETH`)),
      h("button", { type: "button", id: "claim", disabled: claimable === 0n, onclick: claim }, claimable === 0n ? "Nothing to claim" : `Claim ${eth(claimable)} ETH`),
      rows.length
        ? h("table", { class: "small" }, h("thead", {}, h("tr", {}, h("th", {}, "token"), h("th", {}, "as"), h("th", {}, "share"), h("th", {}, "wei"))), h("tbody", {}, rows))
        : h("p", { class: "muted" }, "No settled tokens yet."),
    );
  } catch (error) {
    log(`Earnings: ${explainError(error)}`, "error");
  }
}

async function claim() {
  try {
    const ticket = await api(`/accounts/${state.account}/claim`);
    const receipt = await send(
      `Claim ${eth(ticket.claimable_wei)} ETH`,
      contract("PayoutDistributor").claim(ticket.account, BigInt(ticket.cumulative_wei), ticket.proof),
    );
    await waitForIndexer(receipt, loadEarnings);
  } catch (error) {
    log(`Claim failed: ${explainError(error)}`, "error");
  }
}

// ---------------------------------------------------------------- boot

async function loadHealth() {
  try {
    const health = await api("/health");
    $("#health").textContent = `chain ${health.chain_head ?? "?"} · indexed ${health.indexed_head ?? "?"} · queue ${health.render_queue_depth}`;
  } catch {
    $("#health").textContent = "indexer unreachable";
  }
}

function route() {
  const match = location.hash.match(/^#token\/(\d+)$/);
  if (match) showToken(match[1]);
}

async function main() {
  $("#connect").addEventListener("click", connect);
  $("#register-style").addEventListener("submit", registerStyle);
  $("#token-close").addEventListener("click", () => { $("#token-view").hidden = true; history.replaceState(null, "", "#projects"); });
  window.addEventListener("hashchange", route);
  try {
    state.config = await api("/config.json");
    $("#chain-status").textContent = `chain ${state.config.chainId}`;
  } catch (error) {
    $("#chain-status").textContent = "no deployment";
    log(`No deployment configured: ${explainError(error)}`, "error");
  }
  await Promise.all([loadProjects(), loadStyles(), loadHealth()]);
  setInterval(loadHealth, 5000);
  route();
  document.body.dataset.ready = "1";
}

main();
