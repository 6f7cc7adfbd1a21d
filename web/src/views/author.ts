// The prompt author: create a project (every setting checked against what the generator and
// ArtCore accept, as one types) with a live preview of a few seeds before paying gas; edit it
// until the first mint; pause; my projects.
import { parseEther, type Hex } from "viem";
import { get, png, pngs, type AccountProject, type GeneratorInfo, type Paged, type ProjectDetail, type Style } from "../api";
import { eventsOf, read, send } from "../chain";
import { h, clear, Message } from "../dom";
import { eth, ethText } from "../format";
import { currentGeneration } from "../nav";
import { batchedFetcher, PreviewSlot, type Fetcher } from "../preview";
import { state } from "../wallet";
import { adapterPicker } from "./adapters";

const WORD = /[a-z0-9]+(-[a-z0-9]+)*/g;

interface Field { input: HTMLInputElement | HTMLSelectElement; check: HTMLElement; problem: () => string | null; note?: () => string | null }

export async function renderAuthor(view: HTMLElement, gen: number, arg?: string): Promise<void> {
  const info = await get<GeneratorInfo>("/drafts/generator");
  const maxRoyalty = Number(await read<bigint>("ArtCore", "MAX_ROYALTY_BPS"));
  const defaultRoyalty = Number(await read<bigint>("ArtCore", "DEFAULT_ROYALTY_BPS"));
  const perProject = Number(await read<bigint>("ArtCore", "TOKENS_PER_PROJECT"));
  const maxAdapters = Number(await read<bigint>("ArtCore", "MAX_ADAPTERS"));
  const styles = (await get<Paged<Style>>("/styles?limit=500")).items;
  let editing: ProjectDetail | null = null;
  let editingRoyalty = defaultRoyalty;
  if (arg && /^[0-9]+$/.test(arg)) {
    editing = await get<ProjectDetail>(`/projects/${arg}?limit=1`);
    const mine = state.account ? await get<AccountProject[]>(`/accounts/${state.account}/projects?limit=500`) : [];
    editingRoyalty = mine.find((p) => p.project_id === editing!.project_id)?.royalty_bps ?? defaultRoyalty;
  }
  const list = h("div", { id: "my-projects", "data-testid": "my-projects" });
  clear(view, h("h1", null, "Prompt author"), projectForm(info, { maxRoyalty, defaultRoyalty, perProject, editing, editingRoyalty, styles, maxAdapters }, gen), h("h2", null, "My projects"), list);
  await renderMyProjects(list, gen);
}

interface Limits { maxRoyalty: number; defaultRoyalty: number; perProject: number; editing: ProjectDetail | null; editingRoyalty: number; styles: Style[]; maxAdapters: number }

function projectForm(info: GeneratorInfo, limits: Limits, gen: number): HTMLElement {
  const e = limits.editing;
  const model0 = info.models[0];
  const message = new Message("project-form-message");
  const inputs: Record<string, HTMLInputElement | HTMLSelectElement> = {};
  const fields: Field[] = [];
  const make = (name: string, label: string, el: HTMLInputElement | HTMLSelectElement, problem: () => string | null, note?: () => string | null) => {
    el.id = `project-${name}`;
    el.setAttribute("name", name);
    const check = h("p", { class: "field-msg", id: `project-${name}-check`, "aria-live": "polite" });
    el.setAttribute("aria-describedby", check.id);
    inputs[name] = el;
    fields.push({ input: el, check, problem, note });
    return h("div", { class: "field" }, h("label", { for: el.id }, label), el, check);
  };
  const v = (name: string) => inputs[name].value.trim();
  const int = (name: string) => (/^[0-9]+$/.test(v(name)) ? Number(v(name)) : NaN);
  const model = () => info.models.find((m) => m.model_id === v("model_id").replace(/^0x/, "").toLowerCase());
  const modelSelect = info.models.length
    ? h("select", null, info.models.map((m) => h("option", { value: m.model_id }, `${m.name} (${m.model_id.slice(0, 10)}…, ${m.image_size} px)`)))
    : h("input", { placeholder: "0x… sha256 of the model's weights", spellcheck: "false" });
  if (e && !info.models.some((m) => m.model_id === e.model_id.replace(/^0x/, ""))) {
    if (modelSelect instanceof HTMLSelectElement) modelSelect.append(h("option", { value: e.model_id }, `${e.model_id.slice(0, 12)}… (not on this server)`));
  }
  const schedulers = h("select", null, info.schedulers.map((s) => h("option", { value: s }, s)));
  const form = h("form", { id: "create-project", class: "panel", novalidate: true },
    h("h2", null, e ? `Edit project #${e.project_id} (before its first mint)` : "Create a project"),
    h("div", { class: "grid" },
      make("name", "Name", h("input", { maxlength: 64, placeholder: "Neon City", value: e?.name ?? "" }), () => (v("name").length >= 1 && v("name").length <= 64 ? null : "1–64 characters")),
      make("prompt", "Prompt", h("input", { placeholder: "red stripes circle on blue dots background", value: e?.prompt ?? "", spellcheck: "false" }),
        () => (inputs.prompt.value.match(WORD) ? null : "needs at least one word of a–z, 0–9, “-”"),
        () => {
          const m = model();
          if (!m?.keywords.length) return null;
          const unknown = (inputs.prompt.value.toLowerCase().match(WORD) ?? []).filter((w) => !m.keywords.includes(w) && !adapters.keywords().includes(w) && !["on", "background"].includes(w));
          return unknown.length ? `the model was not trained on: ${unknown.join(", ")}` : null;
        }),
      make("model_id", "Model", modelSelect, () => (/^(0x)?[0-9a-fA-F]{64}$/.test(v("model_id")) ? null : "a model id is 64 hex digits"),
        () => (info.models.length && !model() ? "this server cannot render it: no preview" : null)),
      make("steps", "Steps", h("input", { type: "number", min: info.min_steps, max: info.max_steps, value: e?.settings.steps ?? model0?.default_steps ?? 20 }),
        () => (int("steps") >= info.min_steps && int("steps") <= info.max_steps ? null : `a whole number from ${info.min_steps} to ${info.max_steps}`)),
      make("guidance", "Guidance", h("input", { type: "number", step: "0.01", min: info.min_guidance, max: info.max_guidance, value: e?.settings.guidance ?? model0?.default_guidance ?? 7.5 }),
        () => { const g = Number(v("guidance")); return v("guidance") !== "" && g >= info.min_guidance && g <= info.max_guidance && Math.abs(g * 100 - Math.round(g * 100)) < 1e-6 ? null : `${info.min_guidance}–${info.max_guidance}, two decimals at most`; }),
      make("width", "Width (px)", h("input", { type: "number", step: info.side_multiple, min: info.min_side, max: info.max_side, value: e?.settings.width ?? model0?.image_size ?? 128 }),
        () => side(int("width"), info), () => (model() && int("width") !== model()!.image_size ? `the model was trained at ${model()!.image_size} px` : null)),
      make("height", "Height (px)", h("input", { type: "number", step: info.side_multiple, min: info.min_side, max: info.max_side, value: e?.settings.height ?? model0?.image_size ?? 128 }),
        () => side(int("height"), info)),
      make("scheduler", "Scheduler", schedulers, () => (info.schedulers.includes(v("scheduler")) ? null : "not a scheduler the generator has")),
      make("price", "Price (ETH)", h("input", { inputmode: "decimal", value: e ? ethText(e.price_wei).replace(" ETH", "") : "0.01" }), () => { try { return parseEther(v("price")) >= 0n && v("price") !== "" ? null : "a price in ETH"; } catch { return "a price in ETH, like 0.01"; } },
        () => { try { return `${parseEther(v("price"))} wei`; } catch { return null; } }),
      make("supply", "Supply", h("input", { type: "number", min: 1, max: limits.perProject, value: e?.max_supply ?? 100 }),
        () => (int("supply") >= 1 && int("supply") <= limits.perProject ? null : `a whole number from 1 to ${limits.perProject}`)),
      make("royalty", "Royalty (basis points)", h("input", { type: "number", min: 0, max: limits.maxRoyalty, value: e ? limits.editingRoyalty : limits.defaultRoyalty }),
        () => (int("royalty") >= 0 && int("royalty") <= limits.maxRoyalty ? null : `0 to ${limits.maxRoyalty} (${limits.maxRoyalty / 100} %)`),
        () => (Number.isFinite(int("royalty")) ? `${int("royalty") / 100} % of resales, split like sales` : null)),
    ),
  );
  (inputs.scheduler as HTMLSelectElement).value = e?.settings.scheduler ?? model0?.default_scheduler ?? info.schedulers[0];
  if (e) inputs.model_id.value = e.model_id.replace(/^0x/, "");
  // the registered styles' adapters the project renders with, in the order ticked: those trained
  // on the form's model only, re-checked when the model changes
  const adapters = adapterPicker(limits.styles, limits.maxAdapters, e?.adapters ?? [], () => v("model_id"), () => { validate(); schedulePreview(); });
  const preview = h("input", { type: "checkbox", id: "project-preview-mint", name: "preview_mint" });
  preview.checked = e?.preview_mint ?? true;
  form.append(h("div", { class: "check-row" }, preview, h("label", { for: "project-preview-mint" }, "Preview minting: collectors preview seeds for free and mint the one they like")), adapters.el);

  // the live preview of a few seeds of the unsaved settings
  const renderFields = ["prompt", "model_id", "steps", "guidance", "width", "height", "scheduler"];
  const settingsBody = () => ({
    prompt: inputs.prompt.value, model_id: v("model_id"), steps: int("steps"), guidance: Number(v("guidance")),
    width: int("width"), height: int("height"), scheduler: v("scheduler"), adapters: adapters.picked(),
  });
  // seeds are uint256: written into the JSON as bare digits, never through a float
  const withSeeds = (key: string, seeds: bigint[]) =>
    JSON.stringify({ ...settingsBody(), [key]: "__SEEDS__" }).replace('"__SEEDS__"', key === "seed" ? seeds[0].toString() : `[${seeds.join(",")}]`);
  const post = (body: string, signal: AbortSignal) => ({ method: "POST", signal, headers: { "Content-Type": "application/json" }, body });
  const fetcher: Fetcher = batchedFetcher(
    (seed, signal) => png("/drafts/preview", post(withSeeds("seed", [seed]), signal)),
    (seeds, signal) => pngs("/drafts/previews", post(withSeeds("seeds", seeds), signal)),
  );
  const slots = [1, 2, 3].map((s, i) => new PreviewSlot(i, String(s), fetcher, false));
  const previewNote = h("p", { class: "muted small", id: "draft-note" });
  form.append(h("section", { class: "draft-previews", "data-testid": "draft-previews", "aria-label": "Live preview" },
    h("h3", null, "Live preview (free, before any gas)"), previewNote, h("div", { class: "slots" }, slots.map((s) => s.el))));

  const submit = h("button", { type: "submit" }, e ? "Save changes" : "Create project");
  form.append(submit, message.el);

  let timer: number | undefined;
  const validate = (): boolean => {
    let ok = true;
    for (const f of fields) {
      const problem = f.problem();
      const note = problem ? null : f.note?.() ?? null;
      f.check.textContent = problem ? `✗ ${problem}` : note ?? "";
      f.check.className = problem ? "field-msg bad" : "field-msg";
      f.input.setAttribute("aria-invalid", String(!!problem));
      if (problem) ok = false;
    }
    submit.disabled = !ok;
    return ok;
  };
  const renderOk = () => renderFields.every((n) => !fields.find((f) => f.input === inputs[n])!.problem()) && (!info.models.length || !!model());
  const schedulePreview = () => {
    window.clearTimeout(timer);
    slots.forEach((s) => s.reset(renderOk() ? "waiting…" : "fix the settings to preview"));
    if (!renderOk()) {
      previewNote.textContent = "Fix the settings above to see previews.";
      return;
    }
    previewNote.textContent = "Samples of these settings (seeds below); tokens get their own hashes at mint.";
    timer = window.setTimeout(() => slots.forEach((s) => void s.render()), 600);
  };
  form.addEventListener("input", (event) => {
    const target = event.target as HTMLElement;
    if (target === inputs.model_id) adapters.refit(); // before the checks and the preview, which read the picks
    validate();
    if (renderFields.some((n) => inputs[n] === target)) schedulePreview();
    else if (target.classList.contains("seed")) {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => slots.forEach((s) => { if (s.shownSeed === null) void s.render(); }), 600);
    }
  });
  form.addEventListener("change", (event) => {
    if (event.target === inputs.model_id && adapters.refit()) schedulePreview();
    validate();
  });
  validate();
  schedulePreview();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!validate()) return;
    const modelId = ("0x" + v("model_id").replace(/^0x/, "").toLowerCase()) as Hex;
    const s = settingsBody();
    const settings = { steps: s.steps, guidanceX100: Math.round(s.guidance * 100), width: s.width, height: s.height, scheduler: s.scheduler };
    const price = parseEther(v("price"));
    const supply = BigInt(int("supply"));
    const royalty = BigInt(int("royalty"));
    let projectId: bigint;
    if (!e) {
      const details = [v("name"), inputs.prompt.value, modelId, settings, price, supply, preview.checked];
      const pinned = adapters.picked(); // with adapters: the same project and its adapters in one transaction
      const receipt = await send(pinned.length
        ? { contract: "ArtCore", functionName: "createProjectWithAdapters", args: [...details, pinned], label: "Create project" }
        : { contract: "ArtCore", functionName: "createProject", args: details, label: "Create project" }, message, submit);
      if (!receipt) return;
      projectId = BigInt(eventsOf(receipt, "ArtCore", "ProjectCreated")[0]?.args.projectId as bigint);
      if (royalty !== BigInt(limits.defaultRoyalty)) {
        if (!(await send({ contract: "ArtCore", functionName: "updateProjectRoyaltyBps", args: [projectId, royalty], label: "Set royalty" }, message, submit))) return;
      }
    } else {
      projectId = BigInt(e.project_id);
      if (!(await send({ contract: "ArtCore", functionName: "updateProjectDetails", args: [projectId, v("name"), inputs.prompt.value, modelId, settings], label: "Save details" }, message, submit))) return;
      const pinned = adapters.picked();
      if (pinned.join() !== (e.adapters ?? []).join() && !(await send({ contract: "ArtCore", functionName: "updateProjectAdapters", args: [projectId, pinned], label: "Save adapters" }, message, submit))) return;
      if (price !== BigInt(e.price_wei) && !(await send({ contract: "ArtCore", functionName: "updateProjectPrice", args: [projectId, price], label: "Save price" }, message, submit))) return;
      if (supply !== BigInt(e.max_supply) && !(await send({ contract: "ArtCore", functionName: "updateProjectMaxSupply", args: [projectId, supply], label: "Save supply" }, message, submit))) return;
      if (preview.checked !== e.preview_mint && !(await send({ contract: "ArtCore", functionName: "setProjectPreviewMint", args: [projectId, preview.checked], label: "Save preview minting" }, message, submit))) return;
      if (royalty !== BigInt(limits.editingRoyalty) && !(await send({ contract: "ArtCore", functionName: "updateProjectRoyaltyBps", args: [projectId, royalty], label: "Save royalty" }, message, submit))) return;
    }
    message.show("ok", `Project #${projectId} ${e ? "saved" : "created"}. `, h("a", { href: `#project/${projectId}` }, "Open its page"), " (it lists once the indexer has it).");
    const list = document.getElementById("my-projects");
    if (list) {
      for (let i = 0; i < 60 && currentGeneration() === gen; i++) {
        const mine = await get<AccountProject[]>(`/accounts/${state.account}/projects?limit=500`);
        if (mine.some((p) => BigInt(p.project_id) === projectId)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      if (currentGeneration() === gen) await renderMyProjects(list, gen);
    }
  });
  return form;
}

function side(value: number, info: GeneratorInfo): string | null {
  if (!(value >= info.min_side && value <= info.max_side)) return `${info.min_side}–${info.max_side} px`;
  return value % info.side_multiple ? `a multiple of ${info.side_multiple}` : null;
}

async function renderMyProjects(list: HTMLElement, gen: number): Promise<void> {
  if (!state.account) {
    clear(list, h("p", { class: "muted", "data-testid": "connect-first" }, "Connect a wallet to see the projects it authored."));
    return;
  }
  const mine = await get<AccountProject[]>(`/accounts/${state.account}/projects?limit=500`);
  if (currentGeneration() !== gen) return;
  if (!mine.length) {
    clear(list, h("p", { class: "muted" }, "This account has created no project yet."));
    return;
  }
  clear(list, mine.map((p) => {
    const message = new Message(`my-project-${p.project_id}-message`);
    const toggle = h("button", { type: "button", class: "secondary toggle-active" }, p.active ? "Pause minting" : "Resume minting");
    toggle.addEventListener("click", async () => {
      const receipt = await send({ contract: "ArtCore", functionName: "setProjectActive", args: [BigInt(p.project_id), !p.active], label: p.active ? "Pause" : "Resume" }, message, toggle);
      if (receipt) {
        p.active = !p.active;
        toggle.textContent = p.active ? "Pause minting" : "Resume minting";
        card.querySelector(".status")!.textContent = p.active ? "minting" : "paused";
      }
    });
    const card = h("article", { class: "card", "data-project-id": p.project_id },
      h("h3", null, h("a", { href: `#project/${p.project_id}` }, `#${p.project_id} ${p.name}`)),
      h("p", { class: "prompt" }, `“${p.prompt}”`),
      h("p", null, eth(p.price_wei), ` · ${p.invocations} / ${p.max_supply} minted · `, h("span", { class: "status" }, p.active ? "minting" : "paused"), ` · royalty ${p.royalty_bps / 100} %`),
      h("div", { class: "row" }, toggle, p.editable ? h("a", { class: "button secondary edit-project", href: `#author/${p.project_id}` }, "Edit") : h("span", { class: "muted small" }, "details fixed since the first mint")),
      message.el,
    );
    return card;
  }));
}
