/**
 * The action tree as a flat list of rows, and the window of it that is drawn: the logic of
 * the virtualized tree (treeview.ts), kept free of the DOM so node tests reach it.
 *
 * Why it looks like this:
 * - The server sends the tree in depth-first order (parents right before their subtrees),
 *   so depth, folding and "has a failure under it" all come from one pass over plain
 *   objects: O(n) for 10,000 actions, where the old renderer built 10,001 DOM rows and
 *   walked every row's ancestors.
 * - A filter keeps the matches and their ancestors (for context) and ignores folding, as
 *   before: a search must find an action inside a folded node.
 * - The "+ N more" line of a parent cut by the server is a row of its own, after the
 *   parent's subtree, so it scrolls with the rows like any other.
 * - Rows have one fixed height, so the window at any scroll offset is arithmetic.
 */
import type { Action, ActionTree } from './types';

export interface ActionRowData {
  kind: 'action';
  action: Action;
  depth: number;
  /** Has children (read or counted past the cut). */
  parent: boolean;
  /** Its children are folded away (never while filtering). */
  folded: boolean;
  /** "#3": the fourth child of its parent that runs this task (maps, loops). */
  sibling?: number;
}

export interface MoreRowData {
  kind: 'more';
  /** The parent whose children past the cut are only counted, by phase. */
  parent: string;
  counts: Record<string, number>;
  depth: number;
}

export type TreeRow = ActionRowData | MoreRowData;

export interface FlattenOptions {
  /** Actions whose children are folded away. */
  collapsed?: ReadonlySet<string>;
  /** Only matching actions are shown, with their ancestors. */
  filter?: (action: Action) => boolean;
}

/** A filter by phase and by text in the name, short name, task or group; none for blanks. */
export function actionFilter(text: string, phase: string): ((a: Action) => boolean) | undefined {
  const needle = text.trim().toLowerCase();
  if (!needle && !phase) {
    return undefined;
  }
  return a =>
    (!phase || a.phase === phase) &&
    (!needle ||
      a.name.toLowerCase().includes(needle) ||
      (a.short_name ?? '').toLowerCase().includes(needle) ||
      a.task_name.toLowerCase().includes(needle) ||
      (a.group ?? '').toLowerCase().includes(needle));
}

/** Position of each action among its siblings that run the same task, where it repeats. */
function siblingIndex(items: Action[]): Map<string, number> {
  const count = new Map<string, number>();
  const key = (a: Action) => `${a.parent}\u0000${a.task_name}`;
  for (const a of items) {
    count.set(key(a), (count.get(key(a)) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  const index = new Map<string, number>();
  for (const a of items) {
    if (a.parent && (count.get(key(a)) ?? 0) > 1) {
      const i = seen.get(key(a)) ?? 0;
      index.set(a.name, i);
      seen.set(key(a), i + 1);
    }
  }
  return index;
}

/** The rows to draw, in order: shown actions and the "+ N more" lines. */
export function flattenTree(tree: ActionTree, options: FlattenOptions = {}): TreeRow[] {
  const items = tree.items;
  const collapsed = options.collapsed ?? new Set<string>();
  const depth = new Map<string, number>();
  const parents = new Set<string>();
  for (const a of items) {
    depth.set(a.name, a.parent && depth.has(a.parent) ? depth.get(a.parent)! + 1 : 0);
    if (a.parent) {
      parents.add(a.parent);
    }
  }
  // Which actions show: with a filter the matches and their ancestors (a reverse pass
  // marks a match's parent before the parent is reached), else all not under a fold.
  const shown = new Set<string>();
  if (options.filter) {
    for (let i = items.length - 1; i >= 0; i--) {
      const a = items[i];
      if (shown.has(a.name) || options.filter(a)) {
        shown.add(a.name);
        if (a.parent) {
          shown.add(a.parent);
        }
      }
    }
  } else {
    const hidden = new Set<string>(); // under a folded ancestor
    for (const a of items) {
      if (a.parent && (hidden.has(a.parent) || collapsed.has(a.parent))) {
        hidden.add(a.name);
      } else {
        shown.add(a.name);
      }
    }
  }
  const sibling = siblingIndex(items);
  const rows: TreeRow[] = [];
  const open: [string, number][] = []; // shown parents with children past the cut
  const close = (level: number) => {
    while (open.length && open[open.length - 1][1] >= level) {
      const [parent, d] = open.pop()!;
      rows.push({ kind: 'more', parent, counts: tree.hidden[parent], depth: d + 1 });
    }
  };
  for (const a of items) {
    if (!shown.has(a.name)) {
      continue;
    }
    const d = depth.get(a.name) ?? 0;
    close(d);
    const parent = parents.has(a.name) || Boolean(tree.hidden[a.name]);
    const folded = !options.filter && parent && collapsed.has(a.name);
    rows.push({
      kind: 'action',
      action: a,
      depth: d,
      parent,
      folded,
      sibling: sibling.get(a.name)
    });
    if (tree.hidden[a.name] && !folded && !options.filter) {
      open.push([a.name, d]);
    }
  }
  close(0);
  return rows;
}

/** Index of the action's row, or -1 when it is not shown. */
export function rowOf(rows: TreeRow[], name: string): number {
  return rows.findIndex(r => r.kind === 'action' && r.action.name === name);
}

/**
 * The rows to build, [first, last] inclusive (last < first when there are none): those
 * in the viewport and `overscan` more on each side, so a small scroll shows rows that
 * already exist.
 */
export function windowRange(
  scrollTop: number,
  height: number,
  rowHeight: number,
  total: number,
  overscan: number
): [number, number] {
  if (total <= 0) {
    return [0, -1];
  }
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total - 1, Math.ceil((scrollTop + height) / rowHeight) - 1 + overscan);
  return [Math.min(first, total - 1), Math.max(last, Math.min(first, total - 1))];
}

/** The scroll offset that brings row `index` into view, moving as little as possible. */
export function scrollToShow(
  index: number,
  scrollTop: number,
  height: number,
  rowHeight: number
): number {
  const top = index * rowHeight;
  if (top < scrollTop) {
    return top;
  }
  if (top + rowHeight > scrollTop + height) {
    return Math.max(0, top + rowHeight - height);
  }
  return scrollTop;
}

/** The row a navigation key moves to from `at` (-1: none focused), or null for other keys. */
export function keyTarget(key: string, at: number, total: number): number | null {
  if (total <= 0) {
    return null;
  }
  switch (key) {
    case 'ArrowDown':
      return Math.min(at + 1, total - 1);
    case 'ArrowUp':
      return Math.max(at - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    default:
      return null;
  }
}
