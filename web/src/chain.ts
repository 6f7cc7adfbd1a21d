// viem clients and the one way the app sends a transaction: connected, on the right chain
// (checked before every send), simulated (so a refusal is decoded before the wallet opens),
// sent, mined; every outcome shown in the Message next to the control that asked.
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  http,
  parseEventLogs,
  type Abi,
  type Address,
  type Chain,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { config, contract } from "./config";
import type { Message } from "./dom";
import { describe } from "./errors";
import { txLink } from "./format";
import { NoWalletError, currentAccount, ensureChain, state } from "./wallet";

let chain: Chain | null = null;
let reader: PublicClient | null = null;

export function appChain(): Chain {
  if (!chain) {
    const c = config();
    chain = defineChain({
      id: c.chainId,
      name: c.chainName,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [c.rpcUrl] } },
      ...(c.explorerUrl ? { blockExplorers: { default: { name: "Explorer", url: c.explorerUrl } } } : {}),
    });
  }
  return chain;
}

/** Reads go to the deployment's RPC, whatever chain the wallet is on. */
export function publicClient(): PublicClient {
  if (!reader) reader = createPublicClient({ chain: appChain(), transport: http(config().rpcUrl), pollingInterval: 500 });
  return reader;
}

export type ContractName = "ArtCore" | "StyleRegistry" | "PayoutDistributor";

export async function read<T>(name: ContractName, functionName: string, args: readonly unknown[] = []): Promise<T> {
  const c = contract(name);
  return (await publicClient().readContract({ address: c.address, abi: c.abi, functionName, args })) as T;
}

export interface SendOptions {
  contract: ContractName;
  functionName: string;
  args: readonly unknown[];
  value?: bigint;
  label: string; // "Mint", "Register style"... used in messages
}

/** Send one transaction; the receipt on success, null after showing why not in ``message``. */
export async function send(options: SendOptions, message: Message, button?: HTMLButtonElement): Promise<TransactionReceipt | null> {
  if (button) button.disabled = true;
  try {
    if (!state.current) throw new NoWalletError();
    message.show("busy", `${options.label}: checking the network…`);
    const account: Address = await currentAccount();
    await ensureChain();
    const c = contract(options.contract);
    const client = publicClient();
    const { request } = await client.simulateContract({
      address: c.address,
      abi: c.abi,
      functionName: options.functionName,
      args: options.args,
      value: options.value,
      account,
    });
    message.show("busy", `${options.label}: confirm in your wallet…`);
    const wallet = createWalletClient({ account, chain: appChain(), transport: custom(state.current.provider) });
    const hash = await wallet.writeContract(request);
    message.show("busy", `${options.label}: sent, waiting for the block… `, txLink(hash));
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${options.label} reverted on-chain.`);
    message.show("ok", `${options.label}: confirmed in block ${receipt.blockNumber}. `, txLink(hash));
    return receipt;
  } catch (error) {
    message.show("error", describe(error));
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

export function eventsOf(receipt: TransactionReceipt, name: ContractName, eventName: string) {
  return parseEventLogs({ abi: contract(name).abi as Abi, logs: receipt.logs, eventName }) as unknown as {
    args: Record<string, unknown>;
  }[];
}
