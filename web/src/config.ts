import type { Abi, Address } from "viem";

export interface AppConfig {
  chainId: number;
  chainName: string;
  rpcUrl: string;
  explorerUrl: string | null;
  contracts: Record<string, { address: Address; abi: Abi }>;
  platformBps: number;
}

let loaded: AppConfig | null = null;

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch("/config.json");
  if (!response.ok) throw new Error(`/config.json: ${response.status} ${await response.text()}`);
  loaded = (await response.json()) as AppConfig;
  return loaded;
}

export function config(): AppConfig {
  if (!loaded) throw new Error("config not loaded");
  return loaded;
}

export function contract(name: "ArtCore" | "StyleRegistry" | "PayoutDistributor") {
  const found = config().contracts[name];
  if (!found) throw new Error(`the deployment has no ${name}`);
  return found;
}
