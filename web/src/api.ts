// The indexer's HTTP API, typed as the app uses it (wei are decimal strings).
import type { Address, Hex } from "viem";

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly retryAfter?: number) {
    super(message);
  }
}

async function fail(response: Response): Promise<never> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (typeof body.detail === "string") message = body.detail;
    else if (Array.isArray(body.detail)) message = body.detail.map((d: { msg: string }) => d.msg).join("; ");
  } catch {
    /* not JSON */
  }
  const retry = Number(response.headers.get("Retry-After") ?? "") || undefined;
  throw new ApiError(response.status, message, retry);
}

export async function get<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) await fail(response);
  return (await response.json()) as T;
}

/** A PNG as an object URL (caller revokes), with the hash it was rendered from. */
export async function png(path: string, init?: RequestInit): Promise<{ url: string; hash: string | null }> {
  const response = await fetch(path, init);
  if (!response.ok) await fail(response);
  const blob = await response.blob();
  return { url: URL.createObjectURL(blob), hash: response.headers.get("X-Token-Hash") };
}

/** Several previews in one request (the server renders the seeds not cached as one batch):
 * each as an object URL (caller revokes) with its hash, in the order asked. */
export async function pngs(path: string, init?: RequestInit): Promise<{ url: string; hash: string | null }[]> {
  const response = await fetch(path, init);
  if (!response.ok) await fail(response);
  const body = (await response.json()) as { previews: PreviewImage[] };
  return body.previews.map((p) => ({ url: URL.createObjectURL(dataUrlBlob(p.image)), hash: p.token_hash }));
}

function dataUrlBlob(dataUrl: string): Blob {
  const [head, data] = dataUrl.split(",", 2);
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: head.slice("data:".length).split(";")[0] });
}

export interface PreviewImage { seed: string; token_hash: Hex; image: string }
export interface Paged<T> { items: T[]; total: number; offset: number; limit: number }
export interface RenderSettingsOut { steps: number; guidance: number; width: number; height: number; scheduler: string }
export interface Project {
  project_id: number; name: string; author: Address; prompt: string; model_id: string; adapters: Hex[];
  settings: RenderSettingsOut; price_wei: string; max_supply: number; invocations: number;
  active: boolean; moderated: boolean; preview_mint: boolean; cover_image: string | null;
}
export interface TokenSummary { token_id: number; invocation: number; owner: Address | null; token_hash: Hex; rendered: boolean; image: string | null }
export interface ProjectDetail extends Project { tokens: Paged<TokenSummary> }
export interface TokenMetadata {
  name: string; token_id: number; project_id: number; project_name: string; prompt: string; model_id: string;
  token_hash: Hex; seed: string | null; owner: Address | null; minted_block: number; rendered: boolean; pixel_hash: string | null; image: string;
}
export type RenderState = "queued" | "rendering" | "done" | "failed";
export interface TokenStatus { token_id: number; state: RenderState; tries: number; error: string | null; image: string | null }
export interface WordAttribution {
  word: string; area: number; intensity: number; contribution: number; ppm: number; style_id: number | null;
  style_status: string | null; payee: Address | null; amount_wei: string | null; heatmap: string;
}
export interface PayeeLine { account: Address; role: string; style_id: number | null; ppm: number | null; amount_wei: string }
export interface TokenAttribution { token_id: number; pixel_hash: string; price_wei: string; creator_pool_wei: string; words: WordAttribution[]; payees: PayeeLine[]; overlay: string }
export interface Style {
  style_id: number; name: string; owner: Address; payout: Address; keywords: string[]; metadata_uri: string;
  adapter_id: Hex | null; works_root: Hex | null; works_uri: string;
  /** The base model the adapter was trained on, as this server finds it; null: it does not hold the adapter. */
  adapter_base_model_id: Hex | null;
  status: "active" | "opted_out" | "suspended"; tokens_attributed: number; earned_wei: string;
}
export interface AccountToken { token_id: number; project_id: number; project_name: string; invocation: number; token_hash: Hex; state: RenderState; image: string | null; price_wei: string; minted_block: number }
export interface AccountStyle { style_id: number; name: string; keywords: string[]; payout: Address; status: Style["status"]; pending_payout: Address | null; pending_payout_effective_at: number | null }
export interface AccountProject { project_id: number; name: string; prompt: string; price_wei: string; max_supply: number; invocations: number; active: boolean; preview_mint: boolean; royalty_bps: number; editable: boolean }
export interface Earnings { account: Address; cumulative_wei: string; pending_wei: string; claimed_wei: string; claimable_wei: string; tokens: { token_id: number | null; project_id: number | null; role: string; style_id: number | null; ppm: number | null; amount_wei: string; epoch: number | null }[] }
export interface ClaimTicket { account: Address; epoch: number; cumulative_wei: string; claimable_wei: string; proof: Hex[]; distributor: Address | null; claimable_at: number | null }
export interface History { account: Address; epochs: { epoch: number; block_number: number; cumulative_wei: string }[]; pending_wei: string; claims: { amount_wei: string; cumulative_wei: string; block_number: number; tx_hash: Hex }[] }
export interface ModelInfo { model_id: string; name: string; image_size: number; default_steps: number; default_guidance: number; default_scheduler: string; keywords: string[] }
export interface GeneratorInfo { schedulers: string[]; min_steps: number; max_steps: number; min_side: number; max_side: number; side_multiple: number; min_guidance: number; max_guidance: number; models: ModelInfo[] }
export interface Health { status: string; chain_id: number | null; chain_head: number | null; indexed_head: number | null; lag: number | null; render_queue_depth: number }
