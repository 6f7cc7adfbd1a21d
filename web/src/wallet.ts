// The wallet: EIP-6963 discovery beside window.ethereum, the connected account and chain, and
// the events (accountsChanged, chainChanged, disconnect) that keep them current.
import { getAddress, numberToHex, type Address, type EIP1193Provider } from "viem";
import { config } from "./config";

export interface WalletInfo { uuid: string; name: string; icon: string; rdns: string }
export interface Discovered { info: WalletInfo; provider: EIP1193Provider }

interface State {
  wallets: Discovered[];
  current: Discovered | null;
  account: Address | null;
  chainId: number | null;
}

export const state: State = { wallets: [], current: null, account: null, chainId: null };
const listeners = new Set<(why: string) => void>();

export function onWalletChange(listener: (why: string) => void): void {
  listeners.add(listener);
}

function changed(why: string): void {
  for (const listener of listeners) listener(why);
}

export class NoWalletError extends Error {
  constructor() {
    super("No wallet found in this browser: install one (MetaMask, Rabby, Coinbase Wallet…) and reload.");
  }
}

export class WrongChainError extends Error {
  constructor(readonly actual: number | null) {
    const want = config();
    super(
      `Your wallet is on chain ${actual ?? "unknown"}, not ${want.chainName} (chain ${want.chainId}), ` +
        "and did not switch: switch network in the wallet and try again.",
    );
  }
}

/** Listen for EIP-6963 announcements; window.ethereum is kept as a fallback entry. */
export function discover(): void {
  window.addEventListener("eip6963:announceProvider", (event: Event) => {
    const detail = (event as CustomEvent<Discovered>).detail;
    if (!detail?.provider || state.wallets.some((w) => w.info.uuid === detail.info.uuid)) return;
    state.wallets = [...state.wallets.filter((w) => w.info.rdns !== "injected"), detail];
    changed("discovered");
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  const injected = (window as unknown as { ethereum?: EIP1193Provider }).ethereum;
  if (injected && state.wallets.length === 0) {
    state.wallets.push({
      info: { uuid: "injected", name: "Browser wallet", icon: "", rdns: "injected" },
      provider: injected,
    });
  }
}

const handlers = {
  accountsChanged: (accounts: string[]) => {
    state.account = accounts.length ? getAddress(accounts[0]) : null;
    if (!state.account) localStorage.removeItem("styleledger.wallet");
    changed("accountsChanged");
  },
  chainChanged: (chainId: string) => {
    state.chainId = Number(chainId);
    changed("chainChanged");
  },
  disconnect: () => {
    state.account = null;
    state.chainId = null;
    changed("disconnect");
  },
};

function attach(wallet: Discovered): void {
  if (state.current && state.current !== wallet) {
    const old = state.current.provider;
    old.removeListener("accountsChanged", handlers.accountsChanged);
    old.removeListener("chainChanged", handlers.chainChanged);
    old.removeListener("disconnect", handlers.disconnect);
  }
  if (state.current !== wallet) {
    wallet.provider.on("accountsChanged", handlers.accountsChanged);
    wallet.provider.on("chainChanged", handlers.chainChanged);
    wallet.provider.on("disconnect", handlers.disconnect);
  }
  state.current = wallet;
}

export async function connect(wallet?: Discovered, silent = false): Promise<Address> {
  const chosen = wallet ?? state.current ?? state.wallets[0];
  if (!chosen) throw new NoWalletError();
  attach(chosen);
  const accounts = (await chosen.provider.request({
    method: silent ? "eth_accounts" : "eth_requestAccounts",
  })) as string[];
  if (!accounts.length) throw new Error("The wallet shared no account.");
  state.account = getAddress(accounts[0]);
  state.chainId = Number(await chosen.provider.request({ method: "eth_chainId" }));
  localStorage.setItem("styleledger.wallet", chosen.info.rdns);
  changed("connected");
  return state.account;
}

export function disconnect(): void {
  state.account = null;
  localStorage.removeItem("styleledger.wallet");
  changed("disconnect");
}

/** Reconnect without a prompt if this browser connected before. */
export async function restore(): Promise<void> {
  const rdns = localStorage.getItem("styleledger.wallet");
  const wallet = state.wallets.find((w) => w.info.rdns === rdns);
  if (!wallet) return;
  try {
    await connect(wallet, true);
  } catch {
    /* the wallet forgot us: stay disconnected */
  }
}

function code(error: unknown): number | undefined {
  return (error as { code?: number })?.code;
}

/** The wallet on the deployment's chain, asking it to switch (and to add the chain, 4902). */
export async function ensureChain(): Promise<void> {
  const wallet = state.current;
  if (!wallet) throw new NoWalletError();
  const want = config();
  const read = async () => Number(await wallet.provider.request({ method: "eth_chainId" }));
  let current = await read();
  if (current === want.chainId) {
    state.chainId = current;
    return;
  }
  const chainId = numberToHex(want.chainId);
  try {
    await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  } catch (error) {
    if (code(error) !== 4902) throw error;
    await wallet.provider.request({
      method: "wallet_addEthereumChain",
      params: [
        {
          chainId,
          chainName: want.chainName,
          rpcUrls: [want.rpcUrl],
          nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
          ...(want.explorerUrl ? { blockExplorerUrls: [want.explorerUrl] } : {}),
        },
      ],
    });
    await wallet.provider
      .request({ method: "wallet_switchEthereumChain", params: [{ chainId }] })
      .catch(() => undefined);
  }
  current = await read();
  state.chainId = current;
  if (current !== want.chainId) throw new WrongChainError(current);
  changed("chainChanged");
}

/** The account the wallet sends from now (it may have changed since the page rendered). */
export async function currentAccount(): Promise<Address> {
  const wallet = state.current;
  if (!wallet) throw new NoWalletError();
  const accounts = (await wallet.provider.request({ method: "eth_accounts" })) as string[];
  if (!accounts.length) return connect(wallet);
  const account = getAddress(accounts[0]);
  if (account !== state.account) {
    state.account = account;
    changed("accountsChanged");
  }
  return account;
}
