// Style adapters in the app (issue 14). The artist: upload works with a caption each, start a
// training job on the server, watch its progress, see the sample grid, then register a style with
// the adapter (registerStyleWithAdapter) or set it on one of their styles (setStyleAdapter), one
// transaction each. The prompt author: pick registered styles' adapters (up to ArtCore's
// MAX_ADAPTERS, in the order picked) for a project.
import { getAddress, isAddress, type Address, type Hex } from "viem";
import { ApiError, get, type AccountStyle, type Style } from "../api";
import { eventsOf, send } from "../chain";
import { h, clear, Message } from "../dom";
import { txLink } from "../format";
import { KEYWORD, keywordProblem, splitKeywords } from "../keywords";
import { currentGeneration } from "../nav";
import { state } from "../wallet";

export interface AdapterJob {
  job_id: string; status: "queued" | "running" | "done" | "failed"; keyword: string; works: number;
  works_root: Hex; base_model_id: Hex; step: number; steps: number; loss: number | null; queued_ahead: number;
  error: string | null; adapter_id: Hex | null; works_uri: string | null; samples: string | null; train_s: number | null;
}

const JOB_KEY = "styleledger.adapter-job"; // the job this browser watches, across reloads
const ACCEPT = "image/png,image/jpeg,image/webp";

/** Whether ``caption`` holds ``keyword`` as a word (the server applies the full rule). */
function holdsKeyword(caption: string, keyword: string): boolean {
  return (caption.toLowerCase().match(/[a-z0-9-]+/g) ?? []).some((w) => w.replace(/^-+|-+$/g, "") === keyword);
}

async function postWorks(keyword: string, works: { file: File; caption: string }[]): Promise<AdapterJob> {
  const body = new FormData();
  body.append("keyword", keyword);
  for (const w of works) {
    body.append("works", w.file, w.file.name);
    body.append("captions", w.caption);
  }
  const response = await fetch("/adapters/jobs", { method: "POST", body, headers: { Accept: "application/json" } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const detail = (await response.json()).detail;
      message = typeof detail === "string" ? detail : detail.map((d: { msg: string }) => d.msg).join("; ");
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as AdapterJob;
}

interface TrainContext {
  taken: Map<string, number>;
  maxKeywords: number;
  gen: number;
  /** Redraw "My styles" after a transaction (once the indexer lists ``styleId``, if given). */
  refresh: (styleId?: number) => Promise<void>;
}

export function trainAdapterPanel(ctx: TrainContext): HTMLElement {
  const message = new Message("train-message");
  const keyword = h("input", { id: "adapter-keyword", name: "keyword", required: true, placeholder: "hatch", autocomplete: "off", spellcheck: "false", "aria-describedby": "adapter-keyword-check" });
  const keywordCheck = h("p", { id: "adapter-keyword-check", class: "field-msg", "aria-live": "polite" });
  const files = h("input", { id: "adapter-files", name: "works", type: "file", multiple: true, accept: ACCEPT });
  const list = h("ol", { id: "adapter-works", class: "works-list", "data-testid": "adapter-works" });
  const start = h("button", { type: "button", id: "start-training" }, "Start training");
  const job = h("div", { id: "adapter-job", "data-testid": "adapter-job", "aria-live": "polite" });
  let works: { file: File; caption: HTMLInputElement; check: HTMLElement; url: string }[] = [];

  const validate = (): boolean => {
    const kw = keyword.value.trim();
    const problem = kw === "" ? "the keyword your style will be paid for" : keywordProblem(kw, new Map(), new Set());
    keywordCheck.textContent = problem ? (kw === "" ? problem : `✗ ${problem}`) : "";
    keywordCheck.className = problem && kw !== "" ? "field-msg bad" : "field-msg";
    let ok = !problem && works.length > 0;
    for (const w of works) {
      const bad = !problem && !holdsKeyword(w.caption.value, kw);
      w.check.textContent = bad ? `✗ the caption must hold the word “${kw}”` : "";
      w.check.className = bad ? "field-msg bad" : "field-msg";
      w.caption.setAttribute("aria-invalid", String(bad));
      if (bad) ok = false;
    }
    start.disabled = !ok;
    return ok;
  };
  let previous = "";
  keyword.addEventListener("input", () => {
    const kw = keyword.value.trim();
    for (const w of works) if (w.caption.value.trim() === previous || w.caption.value.trim() === "") w.caption.value = kw; // untouched captions follow
    previous = kw;
    validate();
  });
  files.addEventListener("change", () => {
    for (const w of works) URL.revokeObjectURL(w.url);
    works = [...(files.files ?? [])].map((file, i) => {
      const id = `adapter-caption-${i}`;
      return { file, url: URL.createObjectURL(file), check: h("p", { class: "field-msg", id: `${id}-check`, "aria-live": "polite" }),
        caption: h("input", { id, class: "caption", value: keyword.value.trim(), autocomplete: "off", spellcheck: "false", "aria-describedby": `${id}-check` }) };
    });
    clear(list, works.map((w, i) => h("li", { class: "work", "data-work": i },
      h("img", { src: w.url, alt: "", width: 64, height: 64, class: "thumb" }),
      h("div", { class: "work-caption" }, h("label", { for: w.caption.id }, `Caption for ${w.file.name}`), w.caption, w.check))));
    for (const w of works) w.caption.addEventListener("input", validate);
    validate();
  });
  start.addEventListener("click", async () => {
    if (!validate()) return;
    start.disabled = true;
    message.show("busy", `Uploading ${works.length} works…`);
    try {
      const posted = await postWorks(keyword.value.trim(), works.map((w) => ({ file: w.file, caption: w.caption.value.trim() })));
      localStorage.setItem(JOB_KEY, posted.job_id);
      message.show("ok", `Training job ${posted.job_id} started: one job trains at a time on this server.`);
      await watch(posted.job_id, job, ctx);
    } catch (error) {
      message.show("error", error instanceof Error ? error.message : String(error));
    } finally {
      validate();
    }
  });
  validate();
  const panel = h("section", { id: "train-adapter", class: "panel", "aria-labelledby": "train-adapter-title" },
    h("h2", { id: "train-adapter-title" }, "Train a style adapter from your works"),
    h("p", { class: "muted small" }, "The platform learns your style from your own works: a keyword embedding and a small LoRA on the base model. Your style's record on-chain then carries the adapter's id and the Merkle root of your works' sha256, the set you consented to; prompts using the keyword pay you like any other."),
    h("label", { for: "adapter-keyword" }, "Keyword the adapter learns"), keyword, keywordCheck,
    h("label", { for: "adapter-files" }, "Your works (PNG, JPEG or WebP; each with a caption holding the keyword)"), files,
    list, start, message.el, job,
  );
  const resumed = localStorage.getItem(JOB_KEY);
  if (resumed) void watch(resumed, job, ctx).catch(() => localStorage.removeItem(JOB_KEY));
  return panel;
}

/** Poll the job into ``box`` until it is done (then offer the transactions) or failed. */
async function watch(jobId: string, box: HTMLElement, ctx: TrainContext): Promise<void> {
  const progress = h("progress", { id: "adapter-progress", max: 1, value: 0, "aria-label": "Training progress" });
  const line = h("p", { class: "job-line", "data-testid": "job-line" });
  clear(box, h("h3", null, `Training job ${jobId}`), progress, line);
  for (;;) {
    if (currentGeneration() !== ctx.gen) return;
    let job: AdapterJob;
    try {
      job = await get<AdapterJob>(`/adapters/jobs/${jobId}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) localStorage.removeItem(JOB_KEY);
      throw error;
    }
    box.dataset.status = job.status;
    progress.max = job.steps;
    progress.value = job.step;
    if (job.status === "queued") line.textContent = `Queued: ${job.queued_ahead} job(s) train before it.`;
    else if (job.status === "running") line.textContent = job.step < job.steps
      ? `Step ${job.step} / ${job.steps}${job.loss === null ? "" : ` · loss ${job.loss.toFixed(4)}`}`
      : `Step ${job.steps} / ${job.steps}: saving the adapter and drawing samples…`;
    else if (job.status === "failed") {
      line.textContent = `Training failed: ${job.error}`;
      line.className = "job-line msg msg-error";
      localStorage.removeItem(JOB_KEY);
      return;
    } else {
      line.textContent = `Done: ${job.steps} steps in ${Math.round(job.train_s ?? 0)} s.`;
      box.append(await finished(job, ctx));
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function finished(job: AdapterJob, ctx: TrainContext): Promise<HTMLElement> {
  const adapterId = job.adapter_id as Hex;
  const worksUri = job.works_uri as string;
  const out = h("div", { class: "adapter-done", "data-testid": "adapter-done", "data-adapter-id": adapterId },
    h("figure", { class: "samples" },
      h("img", { id: "adapter-samples", src: job.samples, alt: `Sample renders: the base model above, with the “${job.keyword}” adapter below` }),
      h("figcaption", { class: "muted small" }, "Top row: the base model; bottom row: the same prompts and seeds with your adapter.")),
    h("dl", { class: "facts" },
      h("dt", null, "adapter id"), h("dd", { class: "mono hash", "data-testid": "adapter-id" }, adapterId),
      h("dt", null, "works root"), h("dd", { class: "mono hash" }, `${job.works_root} (${job.works} works)`),
      h("dt", null, "works list"), h("dd", { class: "hash" }, h("a", { href: worksUri }, worksUri)),
    ),
  );
  // a new style with the adapter: name, keywords (the adapter's first), payout
  const message = new Message("adapter-register-message");
  const name = h("input", { id: "adapter-style-name", maxlength: 64, placeholder: "Hatching by me", autocomplete: "off" });
  const keywords = h("input", { id: "adapter-style-keywords", value: job.keyword, autocomplete: "off", spellcheck: "false", "aria-describedby": "adapter-style-check" });
  const payout = h("input", { id: "adapter-style-payout", placeholder: "your connected account", autocomplete: "off", spellcheck: "false" });
  const check = h("p", { id: "adapter-style-check", class: "field-msg", "aria-live": "polite" });
  const register = h("button", { type: "button", id: "register-with-adapter" }, "Register style with this adapter");
  const validate = (): boolean => {
    const words = splitKeywords(keywords.value);
    const problems: string[] = [];
    if (!words.includes(job.keyword)) problems.push(`the keywords must include “${job.keyword}”, the word the adapter learned`);
    for (const w of words) {
      const problem = keywordProblem(w, ctx.taken, new Set());
      if (problem) problems.push(`“${w}”: ${problem}`);
    }
    if (words.length > ctx.maxKeywords) problems.push(`at most ${ctx.maxKeywords} keywords`);
    const p = payout.value.trim();
    if (p !== "" && !isAddress(p, { strict: false })) problems.push("the payout is not an address (0x + 40 hex digits)");
    check.textContent = problems.length ? `✗ ${problems.join("; ")}` : "";
    check.className = problems.length ? "field-msg bad" : "field-msg";
    const ok = !problems.length && name.value.trim() !== "" && words.every((w) => KEYWORD.test(w));
    register.disabled = !ok;
    return ok;
  };
  for (const el of [name, keywords, payout]) el.addEventListener("input", validate);
  validate();
  register.addEventListener("click", async () => {
    if (!validate()) return;
    const to = payout.value.trim() ? getAddress(payout.value.trim()) : (state.account as Address | null);
    if (!to) return message.show("error", "Connect a wallet first: it will own the style.");
    const words = splitKeywords(keywords.value);
    const receipt = await send({ contract: "StyleRegistry", functionName: "registerStyleWithAdapter",
      args: [name.value.trim(), words, to, "", adapterId, job.works_root, worksUri], label: "Register style with adapter" }, message, register);
    if (!receipt) return;
    const styleId = Number(eventsOf(receipt, "StyleRegistry", "StyleRegistered")[0]?.args.styleId ?? 0);
    for (const w of words) ctx.taken.set(w, styleId);
    message.show("ok", `Style #${styleId} registered with adapter ${adapterId.slice(0, 10)}… in one transaction (`, txLink(receipt.transactionHash), ").");
    await ctx.refresh(styleId);
  });
  out.append(h("h3", null, "Register a style with this adapter"),
    h("label", { for: "adapter-style-name" }, "Style name"), name,
    h("label", { for: "adapter-style-keywords" }, "Keywords"), keywords, check,
    h("label", { for: "adapter-style-payout" }, "Payout address"), payout,
    register, message.el);
  // or the adapter on one of my styles that already has its keyword
  if (state.account) {
    const mine = await get<AccountStyle[]>(`/accounts/${state.account}/styles`);
    const fit = mine.filter((s) => s.status === "active" && s.keywords.includes(job.keyword));
    const buttons = fit.map((s) => {
      const m = new Message(`set-adapter-${s.style_id}-message`);
      const b = h("button", { type: "button", class: "secondary set-adapter", "data-style-id": s.style_id }, `Set adapter on style #${s.style_id}`);
      b.addEventListener("click", async () => {
        if (await send({ contract: "StyleRegistry", functionName: "setStyleAdapter", args: [BigInt(s.style_id), adapterId, job.works_root, worksUri], label: `Set adapter on style #${s.style_id}` }, m, b)) await ctx.refresh();
      });
      return h("div", { class: "row" }, b, h("span", null, `${s.name} (${s.keywords.join(", ")})`), m.el);
    });
    if (buttons.length) out.append(h("h3", null, "Or update one of your styles"), ...buttons);
    else if (mine.length) out.append(h("p", { class: "muted small" }, `None of your active styles has the keyword “${job.keyword}”: a style pays for its own keywords, so the adapter goes on a style that has it.`));
  }
  return out;
}

/** The adapters of registered, active styles for the project form: checkboxes, the order in
 * which they are ticked kept (the order the project loads them), at most ``max``. Only adapters
 * trained on the form's model (``model()``; /styles says each adapter's base model) can be
 * ticked: the others are listed disabled with the reason, since a render refuses them. Call
 * ``refit()`` when the model changes: it unticks what no longer fits, says so, and returns
 * whether it unticked anything. */
export function adapterPicker(styles: Style[], max: number, initial: Hex[], model: () => string, onChange: () => void): { el: HTMLElement; picked: () => Hex[]; keywords: () => string[]; refit: () => boolean } {
  const offered = styles.filter((s) => s.adapter_id && s.status === "active");
  const byId = new Map(offered.map((s) => [s.adapter_id, s]));
  const picked: Hex[] = initial.filter((a) => byId.has(a));
  const note = new Message("adapter-picker-message");
  const hex = (id: string) => id.trim().replace(/^0x/i, "").toLowerCase();
  const short = (id: string) => `0x${hex(id).slice(0, 8)}…`;
  /** Why the adapter of ``s`` cannot go on a project of the form's model; null when it fits. */
  const misfit = (s: Style): string | null => {
    const base = s.adapter_base_model_id;
    if (!base) return "this service does not hold the adapter's files";
    const m = hex(model());
    if (!/^[0-9a-f]{64}$/.test(m)) return `trained on model ${short(base)}; choose the project's model first`;
    return hex(base) === m ? null : `trained on model ${short(base)}, this project renders with ${short(m)}`;
  };
  const order = h("ol", { id: "adapter-order", class: "small", "data-testid": "adapter-order", "aria-live": "polite" });
  const rows = offered.map((s) => {
    const box = h("input", { type: "checkbox", id: `adapter-${s.style_id}`, class: "pick-adapter", value: s.adapter_id, "data-style-id": s.style_id, "aria-describedby": `adapter-${s.style_id}-why` });
    box.checked = picked.includes(s.adapter_id as Hex);
    box.addEventListener("change", () => {
      const id = s.adapter_id as Hex;
      if (box.checked && !picked.includes(id)) picked.push(id);
      if (!box.checked && picked.includes(id)) picked.splice(picked.indexOf(id), 1);
      redraw();
      onChange();
    });
    const why = h("span", { id: `adapter-${s.style_id}-why`, class: "field-msg adapter-why", "data-testid": `adapter-${s.style_id}-why` });
    if (s.adapter_base_model_id) why.title = `trained on model 0x${hex(s.adapter_base_model_id)}`;
    const row = h("div", { class: "check-row", "data-style-id": s.style_id }, box,
      h("div", null,
        h("label", { for: box.id }, `#${s.style_id} ${s.name} — “${s.keywords.join(", ")}” `, h("span", { class: "mono small", title: s.adapter_id }, `${(s.adapter_id as string).slice(0, 10)}…`)),
        why));
    return { s, box, why, row };
  });
  const redraw = () => {
    for (const { s, box, why, row } of rows) {
      const problem = misfit(s);
      box.disabled = problem !== null || (!box.checked && picked.length >= max);
      why.textContent = problem ? `✗ ${problem}` : "";
      why.hidden = problem === null;
      row.dataset.fits = String(problem === null);
    }
    clear(order, picked.map((a) => h("li", { "data-adapter-id": a }, `#${byId.get(a)?.style_id} ${byId.get(a)?.name}`)));
  };
  const refit = (): boolean => {
    const dropped = picked.flatMap((a) => {
      const s = byId.get(a) as Style;
      const problem = misfit(s);
      return problem ? [`#${s.style_id} ${s.name} (${problem})`] : [];
    });
    if (dropped.length) {
      picked.splice(0, picked.length, ...picked.filter((a) => misfit(byId.get(a) as Style) === null));
      for (const { box } of rows) box.checked = picked.includes(box.value as Hex);
      note.show("info", `Unticked ${dropped.join("; ")}: a project renders only with adapters trained on its own model.`);
    }
    redraw();
    return dropped.length > 0;
  };
  refit();
  const el = h("fieldset", { id: "project-adapters", class: "adapters", "data-testid": "project-adapters" },
    h("legend", null, `Style adapters (up to ${max}, loaded in the order you tick them)`),
    offered.length ? h("p", { class: "muted small" }, "Only adapters trained on the project's model can be ticked.") : null,
    offered.length ? rows.map((r) => r.row) : h("p", { class: "muted small" }, "No registered style has an adapter yet."),
    note.el,
    offered.length ? h("p", { class: "muted small" }, "Loading order:") : null, order);
  const keywords = () => picked.flatMap((a) => byId.get(a)?.keywords ?? []);
  return { el, picked: () => [...picked], keywords, refit };
}

/** The adapter a style carries (on-chain, so it shows at once after the transaction). */
export function adapterFact(adapterId: Hex | null): HTMLElement[] {
  const none = !adapterId || /^0x0+$/.test(adapterId);
  return [h("dt", null, "adapter"), h("dd", { class: "mono", "data-testid": "style-adapter", title: none ? undefined : adapterId }, none ? "none" : `${adapterId.slice(0, 10)}…`)];
}
