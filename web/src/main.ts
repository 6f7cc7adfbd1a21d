// StyleLedger's wallet app: boot, the wallet header and network banner, the hash router.
import "./style.css";
import { get, type Health } from "./api";
import { loadConfig, config } from "./config";
import { h, clear, Message } from "./dom";
import { addr } from "./format";
import { renderArtist } from "./views/artist";
import { renderAuthor } from "./views/author";
import { renderEarnings } from "./views/earnings";
import { renderMine, renderProject, renderProjects, renderToken } from "./views/collector";
import { connect, disconnect, discover, ensureChain, onWalletChange, restore, state } from "./wallet";
import { describe } from "./errors";
import { currentGeneration, nextGeneration } from "./nav";

const main = document.getElementById("main")!;
const walletBox = document.getElementById("wallet")!;
const network = document.getElementById("network")!;
const walletMessage = new Message("wallet-message");
const networkMessage = new Message("network-message");


function renderWallet(): void {
  const children: Node[] = [];
  if (state.account) {
    const wrong = state.chainId !== config().chainId;
    children.push(
      h("span", { class: wrong ? "chain chain-wrong" : "chain", "data-testid": "chain" }, wrong ? `chain ${state.chainId}` : config().chainName),
      h("span", { id: "account", "data-testid": "account", title: state.account }, addr(state.account)),
      h("button", { type: "button", class: "secondary", id: "disconnect", onclick: () => disconnect() }, "Disconnect"),
    );
  } else if (state.wallets.length > 1) {
    for (const wallet of state.wallets) {
      children.push(
        h("button", { type: "button", class: "connect", "data-rdns": wallet.info.rdns, onclick: () => doConnect(wallet) },
          wallet.info.icon ? h("img", { src: wallet.info.icon, alt: "", width: 16, height: 16 }) : null, `Connect ${wallet.info.name}`),
      );
    }
  } else {
    children.push(h("button", { type: "button", id: "connect", onclick: () => doConnect() }, "Connect wallet"));
  }
  clear(walletBox, children, walletMessage.el);
  document.body.classList.toggle("connected", !!state.account);
}

async function doConnect(wallet?: (typeof state.wallets)[number]): Promise<void> {
  walletMessage.hide();
  try {
    await connect(wallet);
  } catch (error) {
    walletMessage.show("error", describe(error));
  }
}

function renderNetwork(): void {
  const want = config();
  if (!state.account || state.chainId === want.chainId) {
    network.replaceChildren();
    network.hidden = true;
    return;
  }
  network.hidden = false;
  const button = h("button", { type: "button", id: "switch-chain" }, `Switch to ${want.chainName}`);
  button.addEventListener("click", async () => {
    networkMessage.hide();
    try {
      await ensureChain();
    } catch (error) {
      networkMessage.show("error", describe(error));
    }
  });
  clear(
    network,
    h("p", { "data-testid": "wrong-chain" }, `Your wallet is on chain ${state.chainId}; StyleLedger runs on ${want.chainName} (chain ${want.chainId}). Sending switches it first.`),
    button,
    networkMessage.el,
  );
}

async function route(): Promise<void> {
  const gen = nextGeneration();
  const [name, arg] = (location.hash.slice(1) || "projects").split("/");
  document.querySelectorAll("nav a").forEach((a) => a.toggleAttribute("aria-current", a.getAttribute("href") === `#${name}`));
  const view = h("div", { class: "view", "data-view": name });
  clear(main, view);
  try {
    switch (name) {
      case "project": await renderProject(view, arg, gen); break;
      case "token": await renderToken(view, arg, gen); break;
      case "mine": await renderMine(view, gen); break;
      case "artist": await renderArtist(view, gen); break;
      case "author": await renderAuthor(view, gen, arg); break;
      case "earnings": await renderEarnings(view); break;
      default: await renderProjects(view);
    }
  } catch (error) {
    if (gen === currentGeneration()) clear(view, h("p", { class: "msg msg-error" }, describe(error)));
  }
  if (gen === currentGeneration()) document.body.dataset.view = name;
}

async function health(): Promise<void> {
  const el = document.getElementById("health")!;
  try {
    const hl = await get<Health>("/health");
    const lag = hl.lag ?? 0;
    el.textContent = hl.indexed_head === null
      ? " · the indexer has not run yet (styleledger index)"
      : ` · indexed block ${hl.indexed_head}${lag > 5 ? ` (${lag} behind)` : ""}, ${hl.render_queue_depth} render(s) queued`;
  } catch {
    el.textContent = " · API unreachable";
  }
}

async function boot(): Promise<void> {
  try {
    await loadConfig();
  } catch (error) {
    clear(main, h("p", { class: "msg msg-error" }, `This server has no deployment yet: ${describe(error)}`));
    document.body.dataset.ready = "1";
    return;
  }
  discover();
  onWalletChange((why) => {
    renderWallet();
    renderNetwork();
    if (why !== "chainChanged" && why !== "discovered") void route();
  });
  renderWallet();
  await restore();
  renderNetwork();
  window.addEventListener("hashchange", () => void route());
  await route();
  void health();
  setInterval(health, 10_000);
  document.body.dataset.ready = "1";
}

void boot();
