/**
 * The only way the widget builds DOM: elements from `createElement`, text from text nodes.
 * Strings (from the server, the page's configuration or translations) are never parsed as
 * markup, so none of them can inject HTML or script (docs/security.md K2).
 */

export type Child = Node | string | number | null | undefined | false | Child[];

type Handler = (event: Event) => void;

export interface Props {
  class?: string | undefined;
  /** Attributes set with `setAttribute`; `false`/`null`/`undefined` leave them out, `true` sets "". */
  attrs?: Record<string, string | number | boolean | null | undefined>;
  on?: Partial<Record<keyof HTMLElementEventMap, Handler>>;
}

/** Creates an element with attributes, listeners and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  for (const [name, value] of Object.entries(props?.attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, handler] of Object.entries(props?.on ?? {})) {
    if (handler) el.addEventListener(type, handler);
  }
  append(el, children);
  return el;
}

/** Appends children: nodes as they are, strings and numbers as text, falsy values skipped. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (typeof child === 'string' || typeof child === 'number')
      parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child);
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

let sequence = 0;

/** A document-unique id for label/description wiring. */
export function uniqueId(prefix: string): string {
  sequence++;
  return `gh-${prefix}-${sequence}`;
}
