import { formatEther } from "viem";
import { h } from "./dom";
import { config } from "./config";

/** "0.0108 ETH" with the exact wei on hover. */
export function eth(wei: bigint | string | number, testid?: string): HTMLElement {
  const value = BigInt(wei);
  return h("span", { class: "eth", title: `${value.toString()} wei`, "data-wei": value.toString(), "data-testid": testid }, ethText(value));
}

export function ethText(wei: bigint | string): string {
  const value = BigInt(wei);
  if (value === 0n) return "0 ETH";
  const [whole, frac = ""] = formatEther(value).split(".");
  const shown = frac.slice(0, 6).replace(/0+$/, "");
  if (!shown && whole === "0") return "< 0.000001 ETH";
  return shown ? `${whole}.${shown} ETH` : `${whole} ETH`;
}

export function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function addr(address: string | null | undefined): HTMLElement {
  if (!address) return h("span", { class: "muted" }, "—");
  return h("span", { class: "mono", title: address }, short(address));
}

/** A link to the transaction on the configured explorer; plain text on dev chains. */
export function txLink(hash: string): HTMLElement {
  const base = config().explorerUrl;
  const label = `tx ${hash.slice(0, 10)}…`;
  if (!base) return h("span", { class: "mono tx", title: hash, "data-tx": hash }, label);
  return h("a", { class: "mono tx", href: `${base}/tx/${hash}`, target: "_blank", rel: "noopener", title: hash, "data-tx": hash }, label);
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

export function when(unix: number): string {
  return new Date(unix * 1000).toLocaleString();
}

export function duration(seconds: number): string {
  if (seconds <= 0) return "no delay";
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}
