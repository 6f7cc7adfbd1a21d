// A tiny DOM builder: h("div", { class: "x", onclick }, child, ...) -> HTMLElement.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A message line that belongs to one form or card: shown next to what caused it. */
export class Message {
  readonly el: HTMLElement;
  constructor(testid: string) {
    this.el = h("p", { class: "msg", role: "status", "aria-live": "polite", "data-testid": testid });
    this.el.hidden = true;
  }
  show(kind: "info" | "ok" | "error" | "busy", ...content: (Child | Child[])[]): void {
    this.el.className = `msg msg-${kind}`;
    this.el.dataset.kind = kind;
    clear(this.el, ...content);
    this.el.hidden = false;
  }
  hide(): void {
    this.el.hidden = true;
    this.el.replaceChildren();
    delete this.el.dataset.kind;
  }
}
