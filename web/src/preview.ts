// A preview slot: one seed, its image, and nothing else. The image shown is always the one
// rendered for the seed shown beside it: a newer request supersedes (and aborts) an older one,
// and a response for a seed that is no longer in the box is dropped, however late it comes.
import { ApiError, png } from "./api";
import { h, Message } from "./dom";

const UINT256_MAX = 2n ** 256n - 1n;

export function parseSeed(text: string): bigint | null {
  const t = text.trim();
  if (!/^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(t)) return null;
  const value = BigInt(t);
  return value <= UINT256_MAX ? value : null;
}

/** A fresh seed to try: short enough to read on a button (any uint256 is accepted). */
export function randomSeed(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0] % 1_000_000);
}

export type Fetcher = (seed: bigint, signal: AbortSignal) => Promise<{ url: string; hash: string | null }>;

export class PreviewSlot {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  readonly button: HTMLButtonElement;
  readonly message: Message;
  private readonly img: HTMLImageElement;
  private readonly caption: HTMLElement;
  private readonly placeholder: HTMLElement;
  private generation = 0;
  private controller: AbortController | null = null;
  /** The seed whose image is on screen (null: none). */
  shownSeed: bigint | null = null;
  shownHash: string | null = null;
  busy = false;
  onShown: () => void = () => undefined;

  constructor(readonly index: number, seed: string, private readonly fetcher: Fetcher, withButton = true) {
    const id = `seed-${Math.random().toString(36).slice(2)}`;
    this.input = h("input", { id, class: "seed", inputmode: "numeric", value: seed, autocomplete: "off", spellcheck: "false" });
    this.button = h("button", { type: "button", class: "secondary do-preview" }, "Preview");
    this.button.addEventListener("click", () => void this.render());
    this.img = h("img", { class: "preview", alt: "", width: 128, height: 128 });
    this.img.hidden = true;
    this.placeholder = h("div", { class: "placeholder", "aria-hidden": "true" }, "no preview yet");
    this.caption = h("figcaption", { class: "preview-caption" });
    this.message = new Message(`preview-message-${index}`);
    this.input.addEventListener("input", () => this.invalidate());
    this.el = h(
      "div",
      { class: "slot", "data-slot": index },
      h("figure", null, this.placeholder, this.img, this.caption),
      h("label", { for: id }, `Seed ${index + 1}`),
      h("div", { class: "row" }, this.input, withButton ? this.button : null),
      this.message.el,
    );
  }

  /** What rendered the image changed (settings, minter): drop it and anything in flight. */
  reset(text = "not previewed"): void {
    this.generation++;
    this.controller?.abort();
    this.setBusy(false, 0n);
    this.shownSeed = null;
    this.shownHash = null;
    this.img.hidden = true;
    this.placeholder.hidden = false;
    this.placeholder.textContent = text;
    this.caption.textContent = "";
    this.onShown();
  }

  /** The box changed: what is on screen no longer belongs to it. */
  invalidate(): void {
    const seed = parseSeed(this.input.value);
    if (seed !== null && seed === this.shownSeed) return;
    this.img.hidden = true;
    this.placeholder.hidden = false;
    this.placeholder.textContent = seed === null ? "not a seed" : "not previewed";
    this.caption.textContent = "";
    this.shownSeed = null;
    this.shownHash = null;
    this.button.disabled = false;
    this.onShown();
  }

  async render(): Promise<void> {
    const seed = parseSeed(this.input.value);
    if (seed === null) {
      this.message.show("error", "A seed is a whole number from 0 to 2^256 − 1 (decimal or 0x-hex).");
      return;
    }
    this.message.hide();
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const gen = ++this.generation;
    this.setBusy(true, seed);
    try {
      const result = await this.fetcher(seed, controller.signal);
      if (gen !== this.generation || parseSeed(this.input.value) !== seed) {
        URL.revokeObjectURL(result.url); // a newer request or another seed owns this slot now
        return;
      }
      await new Promise<void>((resolve) => {
        this.img.onload = () => resolve();
        this.img.onerror = () => resolve();
        this.img.src = result.url;
      });
      if (gen !== this.generation) return;
      this.img.alt = `Preview of seed ${seed}`;
      this.img.dataset.seed = seed.toString();
      this.img.hidden = false;
      this.placeholder.hidden = true;
      this.shownSeed = seed;
      this.shownHash = result.hash;
      this.caption.replaceChildren(
        h("span", { class: "seed-shown" }, `seed ${seed}`),
        result.hash ? h("span", { class: "mono preview-hash", title: result.hash }, ` hash ${result.hash.slice(0, 10)}…`) : "",
      );
    } catch (error) {
      if (controller.signal.aborted || gen !== this.generation) return;
      const text = error instanceof ApiError && error.status === 429 && error.retryAfter !== undefined
        ? `Too many previews at once: retry in ${error.retryAfter} s.`
        : error instanceof Error ? error.message : String(error);
      this.message.show("error", text);
      this.placeholder.textContent = "no preview";
    } finally {
      if (gen === this.generation) {
        this.setBusy(false, seed);
        this.onShown();
      }
    }
  }

  private setBusy(busy: boolean, seed: bigint): void {
    this.busy = busy;
    this.el.setAttribute("aria-busy", String(busy));
    this.el.classList.toggle("busy", busy);
    this.button.disabled = busy;
    if (busy) {
      this.img.hidden = true;
      this.placeholder.hidden = false;
      this.placeholder.textContent = `rendering seed ${seed}…`;
      this.caption.textContent = "";
      this.shownSeed = null;
    }
  }
}

export function previewFetcher(path: (seed: bigint) => string): Fetcher {
  return (seed, signal) => png(path(seed), { signal });
}

export type ManyFetcher = (seeds: bigint[], signal: AbortSignal) => Promise<{ url: string; hash: string | null }[]>;
export const MAX_SEEDS_PER_REQUEST = 8; // the server's limit (one batch render)

/** Slots that ask in the same task ("Preview all", a settings change) share one request for all
 * their seeds, which the server renders as one batch (each image the one a single preview of its
 * seed gets); a slot asking alone goes through `single`. A slot that aborts gets its rejection
 * at once; the request itself is aborted only when every slot in it has. */
export function batchedFetcher(single: Fetcher, many: ManyFetcher): Fetcher {
  type Ask = { seed: bigint; signal: AbortSignal; resolve: (r: { url: string; hash: string | null }) => void; reject: (e: unknown) => void };
  let asked: Ask[] = [];
  const send = (group: Ask[]): void => {
    if (group.length === 1) {
      const [a] = group;
      single(a.seed, a.signal).then(a.resolve, a.reject);
      return;
    }
    const controller = new AbortController();
    let open = group.length;
    for (const a of group) {
      const onAbort = () => {
        a.reject(new DOMException("aborted", "AbortError"));
        if (--open === 0) controller.abort();
      };
      if (a.signal.aborted) onAbort();
      else a.signal.addEventListener("abort", onAbort, { once: true });
    }
    many(group.map((a) => a.seed), controller.signal).then(
      (results) => group.forEach((a, i) => (a.signal.aborted ? URL.revokeObjectURL(results[i].url) : a.resolve(results[i]))),
      (error) => group.forEach((a) => a.reject(error)),
    );
  };
  return (seed, signal) =>
    new Promise((resolve, reject) => {
      asked.push({ seed, signal, resolve, reject });
      if (asked.length > 1) return;
      queueMicrotask(() => {
        const all = asked;
        asked = [];
        for (let i = 0; i < all.length; i += MAX_SEEDS_PER_REQUEST) send(all.slice(i, i + MAX_SEEDS_PER_REQUEST));
      });
    });
}
