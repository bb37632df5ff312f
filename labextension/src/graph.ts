/**
 * Draws a directed graph as SVG: boxes coloured by phase, curved edges, keyboard and
 * pointer interaction. Knows nothing of runs: the run graph (rungraph.ts) and an artifact
 * version's lineage (lineagegraph.ts) both describe what to draw in these terms.
 *
 * Why SVG built as one markup string: a 1,000-node graph is ~5,000 elements, and one
 * `innerHTML` parse is several times faster than as many `createElementNS` calls; the text
 * is escaped here, once. Events are delegated to the `<svg>` (two listeners, not one per
 * node), so redrawing a live graph leaves nothing behind.
 *
 * Accessible: each node is a focusable `role="button"` with a label naming its state;
 * arrow keys move between nodes (up and down in a column, left and right to the nearest
 * node of the next column), Enter or Space activates, + and - expand and collapse. Phase
 * fills are the panel's own phase colours (white text at 4.5:1 or more in both themes);
 * nodes without a phase use the theme's text and background colours.
 */
import { layout, Layout } from './graphlayout';

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 44;
const GAP_X = 120; // room for a case label before the arrowhead
const GAP_Y = 14;
const PAD = 12;

export interface DrawNode {
  id: string;
  title: string;
  subtitle?: string;
  /** The phase whose colour fills the box; none: the theme's background. */
  phase?: string | null;
  /** pending: not run yet; skipped: will never run; group: stands for many. */
  variant?: 'pending' | 'skipped' | 'group' | 'branch' | 'value' | null;
  tooltip?: string;
  /** Extra data-* attributes (tests and styles read them). */
  data?: Record<string, string>;
  expandable?: boolean;
  expanded?: boolean;
}

export interface DrawEdge {
  source: string;
  target: string;
  kind: string;
  label?: string | null;
  data?: Record<string, string>;
}

export interface DrawOptions {
  /** What the graph is, for screen readers. */
  label: string;
  selected?: string | null;
  /** Click, Enter or Space on a node. */
  onActivate: (id: string) => void;
  /** + / - or a click on the node's toggle. */
  onToggle?: (id: string) => void;
}

export interface DrawnGraph {
  svg: SVGSVGElement;
  layout: Layout;
  /** Scroll a node into view and return its element (drawn if it was windowed out). */
  reveal: (id: string) => SVGGElement | null;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
};

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c]);
}

/** At most `n` characters, with an ellipsis when cut (SVG text does not wrap or clip). */
export function fit(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

function dataAttrs(data: Record<string, string> | undefined): string {
  let out = '';
  for (const [k, v] of Object.entries(data ?? {})) {
    out += ` data-${k}="${esc(v)}"`;
  }
  return out;
}

let drawn = 0; // marker ids must be unique in the document

function nodeMarkup(n: DrawNode, x: number, y: number, selected: boolean, clip: string): string {
  const fill = n.phase ? ` fnb-GraphFill-${esc(n.phase)}` : '';
  const classes = [
    'fnb-GraphNode',
    n.variant ? `fnb-GraphNode-${n.variant}` : '',
    n.phase ? 'fnb-GraphNode-filled' : '',
    selected ? 'fnb-mod-selected' : ''
  ]
    .filter(Boolean)
    .join(' ');
  const state = n.phase ?? (n.variant === 'skipped' ? 'skipped' : 'not run');
  const aria = `${n.title}, ${n.subtitle ?? state}${n.expandable ? (n.expanded ? ', expanded' : ', collapsed') : ''}`;
  const toggle = n.expandable
    ? `<text class="fnb-GraphNode-toggle" data-toggle="1" x="${NODE_WIDTH - 16}" y="18">${n.expanded ? '−' : '+'}</text>`
    : '';
  const width = n.expandable ? 24 : 28;
  return (
    `<g class="${classes}" data-node-id="${esc(n.id)}" data-phase="${esc(n.phase ?? '')}"` +
    `${dataAttrs(n.data)} tabindex="0" role="button" aria-label="${esc(aria)}"` +
    `${n.expandable ? ` aria-expanded="${n.expanded ? 'true' : 'false'}"` : ''}` +
    ` transform="translate(${x},${y})">` +
    `<title>${esc(n.tooltip ?? `${n.title}\n${n.subtitle ?? ''}`)}</title>` +
    `<rect class="fnb-GraphNode-box${fill}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="6"/>` +
    `<g clip-path="url(#${clip})"><text class="fnb-GraphNode-title" x="10" y="18">${esc(fit(n.title, width))}</text>` +
    `<text class="fnb-GraphNode-sub" x="10" y="35">${esc(fit(n.subtitle ?? state, 30))}</text></g>` +
    `${toggle}</g>`
  );
}

function edgeMarkup(
  e: DrawEdge,
  from: { x: number; y: number },
  to: { x: number; y: number },
  marker: string
): string {
  const x1 = from.x + NODE_WIDTH;
  const y1 = from.y + NODE_HEIGHT / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_HEIGHT / 2;
  let d: string;
  if (x2 > x1) {
    const mx = (x1 + x2) / 2;
    d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 2},${y2}`;
  } else {
    // Backwards or within a column (a cycle, which a run graph should not have): loop over.
    const top = Math.min(from.y, to.y) - 10;
    d = `M${x1},${y1} C${x1 + 40},${top} ${x2 - 40},${top} ${x2 - 2},${y2}`;
  }
  // Labelled just before the arrowhead: two cases of one conditional end at different
  // rows, so their labels never sit on each other (at the midpoint they did).
  const label = e.label
    ? `<text class="fnb-GraphEdge-label" x="${x2 - 8}" y="${y2 - 5}" text-anchor="end">${esc(fit(e.label, 24))}</text>`
    : '';
  return (
    `<g class="fnb-GraphEdge fnb-GraphEdge-${esc(e.kind)}" data-source="${esc(e.source)}"` +
    ` data-target="${esc(e.target)}" data-kind="${esc(e.kind)}"${dataAttrs(e.data)}>` +
    `<path d="${d}" marker-end="url(#${marker})"/>${label}</g>`
  );
}

/** From this many nodes on, only what is near the visible part is in the DOM. */
export const WINDOW_FROM = 300;
/** Drawn around the visible part of a windowed graph, in pixels. */
const OVERSCAN = 400;
const scrolling = new WeakMap<HTMLElement, AbortController>();

interface Item {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  markup: string;
}

/**
 * Draw `nodes` and `edges` (edges naming unknown nodes are left out) into `scroller`.
 *
 * A big graph is windowed like the runs list: from `WINDOW_FROM` nodes on, only the nodes
 * and edges within `OVERSCAN` px of `scroller`'s visible part are in the DOM, redrawn as it
 * scrolls. A 1,000-node graph's ~6,000 SVG elements made the browser's style and layout
 * pass take ~0.5 s; the window is a few hundred, whatever the graph's size.
 */
export function drawGraph(
  nodes: DrawNode[],
  edges: DrawEdge[],
  options: DrawOptions,
  scroller: HTMLElement
): DrawnGraph {
  const byId = new Map(nodes.map(n => [n.id, n]));
  const shown = edges.filter(e => byId.has(e.source) && byId.has(e.target));
  const placed = layout({
    nodes: nodes.map(n => n.id),
    edges: shown,
    nodeWidth: NODE_WIDTH,
    nodeHeight: NODE_HEIGHT,
    gapX: GAP_X,
    gapY: GAP_Y
  });
  const marker = `fnb-arrow-${++drawn}`;
  const clip = `fnb-clip-${drawn}`; // text stays inside its box (one clip serves every node)
  const items: Item[] = [];
  for (const e of shown) {
    const a = placed.position.get(e.source)!;
    const b = placed.position.get(e.target)!;
    items.push({
      x0: Math.min(a.x, b.x),
      y0: Math.min(a.y, b.y) - 20,
      x1: Math.max(a.x, b.x) + NODE_WIDTH,
      y1: Math.max(a.y, b.y) + NODE_HEIGHT,
      markup: edgeMarkup(e, a, b, marker)
    });
  }
  for (const n of nodes) {
    const p = placed.position.get(n.id)!;
    items.push({
      x0: p.x,
      y0: p.y,
      x1: p.x + NODE_WIDTH,
      y1: p.y + NODE_HEIGHT,
      markup: nodeMarkup(n, p.x, p.y, n.id === options.selected, clip)
    });
  }
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  const width = placed.width + 2 * PAD;
  const height = placed.height + 2 * PAD + 10;
  svg.setAttribute('class', 'fnb-GraphSvg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'group');
  svg.setAttribute('aria-label', options.label);
  svg.dataset.total = String(nodes.length);
  svg.innerHTML =
    `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"` +
    ` markerHeight="7" orient="auto-start-reverse"><path class="fnb-GraphArrow" d="M0,0 L10,5 L0,10 z"/></marker>` +
    `<clipPath id="${clip}"><rect width="${NODE_WIDTH - 6}" height="${NODE_HEIGHT}"/></clipPath></defs>` +
    `<g class="fnb-GraphContent" transform="translate(${PAD},${PAD + 10})"></g>`;
  const content = svg.lastElementChild as SVGGElement;
  const windowed = nodes.length >= WINDOW_FROM;
  svg.dataset.windowed = String(windowed);
  let last = '';
  const render = (): void => {
    let parts: Item[] = items;
    if (windowed) {
      const x0 = scroller.scrollLeft - PAD - OVERSCAN;
      const y0 = scroller.scrollTop - PAD - 10 - OVERSCAN;
      const x1 = x0 + (scroller.clientWidth || 1200) + 2 * OVERSCAN;
      const y1 = y0 + (scroller.clientHeight || 600) + 2 * OVERSCAN;
      const key = [x0, y0, x1, y1].map(v => Math.floor(v / 100)).join(',');
      if (key === last) {
        return; // the same window (a scroll of less than 100 px)
      }
      last = key;
      parts = items.filter(i => i.x1 >= x0 && i.x0 <= x1 && i.y1 >= y0 && i.y0 <= y1);
    }
    const focused = nodeOf(document.activeElement)?.dataset.nodeId;
    content.innerHTML = parts.map(i => i.markup).join('');
    if (focused && svg.contains(document.activeElement) === false) {
      content.querySelector<SVGGElement>(`[data-node-id="${CSS.escape(focused)}"]`)?.focus();
    }
  };
  scrolling.get(scroller)?.abort(); // the listener of the graph drawn here before
  if (windowed) {
    const stop = new AbortController();
    scrolling.set(scroller, stop);
    let frame = 0;
    scroller.addEventListener(
      'scroll',
      () => {
        if (!frame) {
          frame = requestAnimationFrame(() => {
            frame = 0;
            if (svg.isConnected) {
              render();
            }
          });
        }
      },
      { signal: stop.signal, passive: true }
    );
  }
  /** Scroll `id` into view (drawing it if the window left it out). */
  const reveal = (id: string): SVGGElement | null => {
    const p = placed.position.get(id);
    if (p && windowed) {
      const left = p.x + PAD;
      const top = p.y + PAD + 10;
      if (
        left < scroller.scrollLeft ||
        left + NODE_WIDTH > scroller.scrollLeft + scroller.clientWidth
      ) {
        scroller.scrollLeft = left - scroller.clientWidth / 2 + NODE_WIDTH / 2;
      }
      if (
        top < scroller.scrollTop ||
        top + NODE_HEIGHT > scroller.scrollTop + scroller.clientHeight
      ) {
        scroller.scrollTop = top - scroller.clientHeight / 2 + NODE_HEIGHT / 2;
      }
      render();
    }
    return content.querySelector<SVGGElement>(`.fnb-GraphNode[data-node-id="${CSS.escape(id)}"]`);
  };
  scroller.replaceChildren(svg);
  render();
  wire(svg, placed, options, reveal);
  return { svg, layout: placed, reveal };
}

function nodeOf(target: EventTarget | null): SVGGElement | null {
  return (target as Element | null)?.closest?.('.fnb-GraphNode') as SVGGElement | null;
}

/** Pointer and keyboard handling, delegated to the `<svg>`. */
function wire(
  svg: SVGSVGElement,
  placed: Layout,
  options: DrawOptions,
  reveal: (id: string) => SVGGElement | null
): void {
  svg.addEventListener('click', event => {
    const g = nodeOf(event.target);
    if (!g) {
      return;
    }
    const id = g.dataset.nodeId!;
    if ((event.target as Element).closest('[data-toggle]') && options.onToggle) {
      options.onToggle(id);
    } else {
      options.onActivate(id);
    }
  });
  svg.addEventListener('keydown', event => {
    const g = nodeOf(event.target);
    if (!g) {
      return;
    }
    const id = g.dataset.nodeId!;
    const key = event.key;
    if (key === 'Enter' || key === ' ') {
      event.preventDefault();
      options.onActivate(id);
      return;
    }
    if ((key === '+' || key === '-') && options.onToggle && g.hasAttribute('aria-expanded')) {
      const open = g.getAttribute('aria-expanded') === 'true';
      if (open === (key === '-')) {
        event.preventDefault();
        options.onToggle(id);
      }
      return;
    }
    const next = neighbour(placed, id, key);
    if (next !== undefined) {
      event.preventDefault();
      reveal(next)?.focus();
    }
  });
}

/** The node an arrow key moves to from `id`, if any. */
export function neighbour(placed: Layout, id: string, key: string): string | undefined {
  const l = placed.layer.get(id);
  if (l === undefined) {
    return undefined;
  }
  const column = placed.layers[l];
  const i = column.indexOf(id);
  if (key === 'ArrowDown') {
    return column[i + 1];
  }
  if (key === 'ArrowUp') {
    return column[i - 1];
  }
  if (key === 'Home') {
    return column[0];
  }
  if (key === 'End') {
    return column[column.length - 1];
  }
  const other = key === 'ArrowRight' ? l + 1 : key === 'ArrowLeft' ? l - 1 : -1;
  const target = placed.layers[other];
  if (!target?.length) {
    return undefined;
  }
  const y = placed.position.get(id)!.y;
  let best = target[0];
  for (const n of target) {
    if (Math.abs(placed.position.get(n)!.y - y) < Math.abs(placed.position.get(best)!.y - y)) {
      best = n;
    }
  }
  return best;
}
