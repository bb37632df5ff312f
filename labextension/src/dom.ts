/**
 * Small DOM helpers: the panel builds plain DOM (no framework), so that the virtualized
 * run list controls exactly which nodes exist.
 */
import { phaseTitle } from './phases';

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) {
      continue;
    }
    if (key === 'class') {
      el.className = String(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(el: Node): void {
  while (el.firstChild) {
    el.removeChild(el.firstChild);
  }
}

export function button(
  label: string,
  onClick: () => void,
  attrs: Record<string, string | number | boolean | undefined> = {}
): HTMLButtonElement {
  const el = h('button', { class: 'fnb-Button', type: 'button', ...attrs }, label);
  el.addEventListener('click', onClick);
  return el;
}

/** Seconds as "850 ms", "12.3 s", "4 m 05 s", "2 h 03 m". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '–';
  }
  // Compare what is printed, not the raw value: 0.9996 s rounds to "1000 ms", which is
  // "1.0 s", and 59.97 s to "60.0 s", which is "1 m 00 s".
  if (Math.round(seconds * 1000) < 1000) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (Math.round(seconds * 10) < 600) {
    return `${seconds.toFixed(1)} s`;
  }
  const s = Math.round(seconds);
  if (s < 3600) {
    return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  }
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

export function formatTime(epoch: number | null | undefined): string {
  if (epoch === null || epoch === undefined) {
    return '–';
  }
  return new Date(epoch * 1000).toLocaleString();
}

/** "just now", "5 m ago", "3 h ago", then the date. */
export function formatAgo(epoch: number | null | undefined, now = Date.now() / 1000): string {
  if (epoch === null || epoch === undefined) {
    return '–';
  }
  const d = Math.max(0, now - epoch);
  if (d < 10) {
    return 'just now';
  }
  if (d < 3600) {
    return d < 60 ? `${Math.floor(d)} s ago` : `${Math.floor(d / 60)} m ago`;
  }
  if (d < 86400) {
    return `${Math.floor(d / 3600)} h ago`;
  }
  return new Date(epoch * 1000).toLocaleDateString();
}

/** Elapsed seconds of something that may still run (now when it has not ended). */
export function elapsed(
  started: number | null | undefined,
  ended: number | null | undefined
): number | null {
  if (started === null || started === undefined) {
    return null;
  }
  return (ended ?? Date.now() / 1000) - started;
}

export function phaseBadge(phase: string): HTMLElement {
  const title = phaseTitle(phase); // says why a run waits (phases.ts)
  return h('span', { class: `fnb-Phase fnb-Phase-${phase}`, title, 'aria-label': title }, phase);
}

/** A message block for the empty, loading and error states. */
export function notice(
  kind: 'empty' | 'loading' | 'error',
  title: string,
  ...body: Child[]
): HTMLElement {
  return h(
    'div',
    { class: `fnb-Notice fnb-Notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('div', { class: 'fnb-Notice-title' }, title),
    ...body
  );
}

/** Text with `code` spans for the parts in backticks (messages name commands that way). */
export function richText(text: string): HTMLElement {
  const el = h('p', { class: 'fnb-Notice-text' });
  text.split('`').forEach((part, i) => {
    if (part) {
      append(el, i % 2 ? h('code', {}, part) : part);
    }
  });
  return el;
}

/** A link that opens a run's view (`openRun`), for lineage and app parameters. */
export function runLink(name: string, openRun: (name: string) => void): HTMLElement {
  const link = h(
    'a',
    { class: 'fnb-Link', href: '#', 'data-run-link': name, title: `open run ${name}` },
    name
  );
  link.addEventListener('click', e => {
    e.preventDefault();
    openRun(name);
  });
  return link;
}

/** Labelled facts (task, started, ...) that wrap to the view's width. */
export function metaList(items: [string, string | HTMLElement][]): HTMLElement {
  return h(
    'div',
    { class: 'fnb-Meta' },
    ...items.map(([key, value]) =>
      h(
        'div',
        { class: 'fnb-Meta-item' },
        h('span', { class: 'fnb-Meta-key' }, key),
        h('span', { class: 'fnb-Meta-value', 'data-field': key }, value)
      )
    )
  );
}

/** A bulleted list, or a muted line saying why there is nothing to list. */
export function listOr(cls: string, items: HTMLElement[], empty: string): HTMLElement {
  return items.length ? h('ul', { class: cls }, ...items) : h('p', { class: 'fnb-Muted' }, empty);
}

/**
 * Arrow keys move the focus among `container`'s items (`selector`): Up/Down one item,
 * Home/End to the ends. Lists and trees are reachable without a mouse that way.
 */
export function arrowKeys(container: HTMLElement, selector: string): void {
  container.addEventListener('keydown', event => {
    const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End'];
    if (!keys.includes(event.key)) {
      return;
    }
    const items = Array.from(container.querySelectorAll<HTMLElement>(selector));
    if (!items.length) {
      return;
    }
    const at = items.indexOf(document.activeElement as HTMLElement);
    let next = at;
    if (event.key === 'ArrowDown') {
      next = Math.min(at + 1, items.length - 1);
    } else if (event.key === 'ArrowUp') {
      next = Math.max(at - 1, 0);
    } else {
      next = event.key === 'Home' ? 0 : items.length - 1;
    }
    event.preventDefault();
    items[next].focus();
    items[next].scrollIntoView({ block: 'nearest' });
  });
}
