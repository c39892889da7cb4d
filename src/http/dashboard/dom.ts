/**
 * Small DOM helpers. Everything the server sends (actor names, error messages, dead-letter
 * reasons) is untrusted, so text only ever goes in through `textContent`, never as markup.
 */

/** Creates an element with an optional class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Looks up an element the page's HTML must contain; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type))
    throw new Error(`dashboard: #${id} is missing or not a ${type.name}`);
  return node;
}

/** Sets text only when it changed, so unchanged cells cause no layout work or mutation noise. */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Restarts a one-shot CSS animation class even if it is still running from last time. */
export function flash(node: HTMLElement, className: string): void {
  node.classList.remove(className);
  // Reading layout forces the browser to drop the old animation before the class returns.
  void node.offsetWidth;
  node.classList.add(className);
}
