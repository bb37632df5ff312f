/**
 * The Actions tab's tree, virtualized like the runs list (runlist.ts): only the rows in
 * view, and OVERSCAN more on each side, exist in the DOM.
 *
 * Why it looks like this:
 * - What to show (folding, filter, "+ N more" lines) is a flat array of plain rows
 *   (treerows.ts); a search or a fold recomputes it in O(n) and redraws ~40 rows, where
 *   drawing every row cost 10,001 DOM rows per search on a 10,000-action run.
 * - Rows have one fixed height and sit absolutely in a spacer as tall as all of them, so
 *   the scroll bar has its true size and a row's place is arithmetic.
 * - One element lives across live updates: `update` keeps the scroll offset and the focused
 *   row (bug B4: a rebuild threw a reader back to the top).
 * - Clicks and keys are handled once on the tree (delegation), not per row. Arrow keys,
 *   Home and End move focus over the flat array; a row outside the window is scrolled in
 *   and built before it is focused. When the focused row scrolls out (and so leaves the
 *   DOM), the tree itself keeps focus and remembers which row had it.
 * - The tree says how many action rows it shows in `data-rows` (tests, benchmarks).
 */
import { elapsed, formatDuration, h, phaseBadge } from './dom';
import {
  ActionRowData,
  flattenTree,
  FlattenOptions,
  keyTarget,
  MoreRowData,
  rowOf,
  scrollToShow,
  TreeRow,
  windowRange
} from './treerows';
import type { ActionTree } from './types';

export const TREE_ROW_HEIGHT = 28;
export const OVERSCAN = 10;

export interface TreeViewHandlers {
  onSelect: (name: string) => void;
  onToggle: (name: string) => void;
  /** The "+ N more" lines offer to read every child. */
  onShowAll: () => void;
}

export interface TreeViewState extends FlattenOptions {
  selected: string | null;
  /** Gate actions waiting for someone's answer: marked "waiting for you". */
  waiting: ReadonlySet<string>;
}

export class ActionTreeView {
  readonly node: HTMLElement;
  private spacer: HTMLElement;
  private rows: TreeRow[] = [];
  private built = new Map<number, HTMLElement>();
  private state: TreeViewState = { selected: null, waiting: new Set() };
  private filtering = false;
  /** The action whose row has (or last had) the focus. */
  private focusName: string | null = null;
  /** A row to scroll to once the tree has a height (it was revealed while hidden). */
  private pending: number | null = null;

  constructor(private handlers: TreeViewHandlers) {
    this.node = h('div', {
      class: 'fnb-Tree',
      role: 'tree',
      'aria-label': 'Actions',
      tabindex: -1
    });
    this.spacer = h('div', { class: 'fnb-Tree-spacer', style: 'position:relative' });
    this.node.appendChild(this.spacer);
    this.node.addEventListener('scroll', () => this.render(false));
    this.node.addEventListener('click', event => this.onClick(event));
    this.node.addEventListener('keydown', event => this.onKey(event));
    this.node.addEventListener('focusin', event => {
      const name = (event.target as HTMLElement).dataset?.action;
      if (name) {
        this.focusName = name;
      }
    });
    new ResizeObserver(() => {
      if (this.pending !== null && this.node.clientHeight > 0) {
        this.scrollTo(this.pending);
      } else {
        this.render(false);
      }
    }).observe(this.node);
  }

  /** Show `tree` under `state`, keeping the scroll offset and the focused row. */
  update(tree: ActionTree, state: TreeViewState): void {
    this.state = state;
    this.filtering = Boolean(state.filter);
    this.rows = flattenTree(tree, state);
    const actions = this.rows.reduce((n, r) => n + (r.kind === 'action' ? 1 : 0), 0);
    this.node.dataset.rows = String(actions);
    this.render(true);
  }

  /** Scroll the row of `name` into view and build it; the row, or null when not shown. */
  reveal(name: string, focus = false): HTMLElement | null {
    const index = rowOf(this.rows, name);
    if (index < 0) {
      return null;
    }
    this.scrollTo(index);
    const row = this.built.get(index) ?? null;
    if (focus) {
      row?.focus({ preventScroll: true });
    }
    return row;
  }

  private scrollTo(index: number): void {
    this.pending = this.node.clientHeight > 0 ? null : index;
    const top = scrollToShow(index, this.node.scrollTop, this.node.clientHeight, TREE_ROW_HEIGHT);
    if (top !== this.node.scrollTop) {
      this.node.scrollTop = top;
    }
    this.render(false);
  }

  /** Make the DOM rows match the window (`force`: rebuild the rows that stay too). */
  private render(force: boolean): void {
    const empty = this.filtering && !this.rows.length;
    this.spacer.style.height = `${Math.max(this.rows.length, empty ? 1 : 0) * TREE_ROW_HEIGHT}px`;
    const [first, last] = windowRange(
      this.node.scrollTop,
      this.node.clientHeight,
      TREE_ROW_HEIGHT,
      this.rows.length,
      OVERSCAN
    );
    const hadFocus =
      this.node.contains(document.activeElement) && document.activeElement !== this.node;
    for (const [index, el] of this.built) {
      if (force || index < first || index > last) {
        el.remove();
        this.built.delete(index);
      }
    }
    this.spacer.querySelector(':scope > .fnb-Tree-none')?.remove();
    if (empty) {
      this.spacer.appendChild(
        h(
          'div',
          { class: 'fnb-ActionRow fnb-Muted fnb-Tree-none', style: place(0, 0) },
          'No action matches.'
        )
      );
    }
    // The rows kept are one run of indexes: new ones go before or after it, so the DOM
    // order is the tree order (screen readers, and a locator's "first").
    const kept = this.built.size ? Math.min(...this.built.keys()) : Infinity;
    const before: HTMLElement[] = [];
    const after: HTMLElement[] = [];
    for (let index = first; index <= last; index++) {
      if (!this.built.has(index)) {
        const el = this.build(this.rows[index], index);
        (index < kept ? before : after).push(el);
        this.built.set(index, el);
      }
    }
    this.spacer.prepend(...before);
    this.spacer.append(...after);
    if (hadFocus && !this.node.contains(document.activeElement)) {
      // The focused row was rebuilt or scrolled out: focus its new row, else the tree.
      const at = this.focusName ? rowOf(this.rows, this.focusName) : -1;
      (this.built.get(at) ?? this.node).focus({ preventScroll: true });
    }
  }

  private build(row: TreeRow, index: number): HTMLElement {
    return row.kind === 'more' ? moreRow(row, index) : this.actionRow(row, index);
  }

  private actionRow(row: ActionRowData, index: number): HTMLElement {
    const a = row.action;
    const toggle = row.parent
      ? h(
          'span',
          {
            class: 'fnb-Toggle',
            role: 'button',
            title: row.folded ? 'Expand' : 'Collapse',
            'aria-label': row.folded ? 'Expand' : 'Collapse'
          },
          row.folded ? '▸' : '▾'
        )
      : h('span', { class: 'fnb-Toggle' });
    return h(
      'div',
      {
        class: `fnb-ActionRow${a.name === this.state.selected ? ' fnb-mod-selected' : ''}`,
        role: 'treeitem',
        tabindex: 0,
        'data-action': a.name,
        'data-phase': a.phase,
        'data-index': index,
        'aria-level': row.depth + 1,
        'aria-expanded': row.parent ? String(!row.folded) : undefined,
        style: place(index, row.depth)
      },
      toggle,
      phaseBadge(a.phase),
      h('span', { class: 'fnb-ActionRow-name' }, a.short_name || a.task_name),
      row.sibling !== undefined
        ? h(
            'span',
            { class: 'fnb-Chip', title: 'index among its siblings running this task' },
            `#${row.sibling}`
          )
        : null,
      h('span', { class: 'fnb-Muted' }, a.name),
      a.group ? h('span', { class: 'fnb-Chip' }, a.group) : null,
      a.attempts > 1
        ? h('span', { class: 'fnb-Chip fnb-Chip-warn' }, `${a.attempts} attempts`)
        : null,
      a.cache_hit ? h('span', { class: 'fnb-Chip' }, 'cache hit') : null,
      this.state.waiting.has(a.name)
        ? h('span', { class: 'fnb-Waiting' }, 'waiting for you')
        : null,
      h(
        'span',
        { class: 'fnb-ActionRow-duration' },
        formatDuration(elapsed(a.started_at, a.ended_at))
      )
    );
  }

  private rowAt(target: EventTarget | null): ActionRowData | null {
    const el = (target as HTMLElement | null)?.closest?.<HTMLElement>(
      '.fnb-ActionRow[data-action]'
    );
    const row = el && this.node.contains(el) ? this.rows[Number(el.dataset.index)] : undefined;
    return row?.kind === 'action' ? row : null;
  }

  private onClick(event: MouseEvent): void {
    const target = event.target as HTMLElement;
    if (target.closest('.fnb-ActionRow-hidden button')) {
      this.handlers.onShowAll();
      return;
    }
    const row = this.rowAt(target);
    if (!row) {
      return;
    }
    if (row.parent && target.closest('.fnb-Toggle')) {
      this.handlers.onToggle(row.action.name);
    } else {
      this.handlers.onSelect(row.action.name);
    }
  }

  private onKey(event: KeyboardEvent): void {
    const row = this.rowAt(event.target);
    if (row && event.key === 'Enter') {
      this.handlers.onSelect(row.action.name);
      return;
    }
    if (row?.parent && (event.key === 'ArrowLeft' || event.key === 'ArrowRight')) {
      if ((event.key === 'ArrowLeft') === !row.folded) {
        event.preventDefault();
        this.handlers.onToggle(row.action.name);
      }
      return;
    }
    const el = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
    const at = el
      ? Number(el.dataset.index)
      : this.focusName
        ? rowOf(this.rows, this.focusName)
        : -1;
    const next = keyTarget(event.key, at, this.rows.length);
    if (next === null) {
      return;
    }
    event.preventDefault();
    this.scrollTo(next);
    this.built.get(next)?.focus({ preventScroll: true });
  }
}

/** A row's place: its offset in the spacer and its indent. */
function place(index: number, depth: number): string {
  return (
    `position:absolute;left:0;right:0;top:${index * TREE_ROW_HEIGHT}px;` +
    `height:${TREE_ROW_HEIGHT}px;box-sizing:border-box;padding-left:${8 + depth * 16}px`
  );
}

function moreRow(row: MoreRowData, index: number): HTMLElement {
  const n = Object.values(row.counts).reduce((a, b) => a + b, 0);
  const phases = Object.entries(row.counts)
    .map(([p, c]) => `${c} ${p}`)
    .join(', ');
  return h(
    'div',
    {
      class: 'fnb-ActionRow fnb-ActionRow-hidden',
      tabindex: -1,
      'data-index': index,
      style: place(index, row.depth)
    },
    `+ ${n.toLocaleString()} more (${phases}) `,
    h('button', { class: 'fnb-Button fnb-Button-link', type: 'button' }, 'show all')
  );
}
