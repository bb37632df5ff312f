/** The virtualized action tree's logic (treerows.ts): flattening, filtering and the window. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  actionFilter,
  flattenTree,
  keyTarget,
  rowOf,
  scrollToShow,
  TreeRow,
  windowRange
} from '../src/treerows';
import type { Action, ActionTree } from '../src/types';

function action(name: string, parent: string | null, task: string, phase = 'SUCCEEDED'): Action {
  return { name, parent, task_name: task, short_name: task, phase, group: null } as Action;
}

/** a0 (fan) > a1 (map) > a1-0, a1-1 (leaf); a0 > a2 (needle, FAILED): depth-first order. */
function small(hidden: ActionTree['hidden'] = {}): ActionTree {
  const items = [
    action('a0', null, 'fan'),
    action('a1', 'a0', 'map'),
    action('a1-0', 'a1', 'leaf'),
    action('a1-1', 'a1', 'leaf'),
    action('a2', 'a0', 'needle', 'FAILED')
  ];
  return { items, hidden, counts: {}, total: items.length };
}

const names = (rows: TreeRow[]) =>
  rows.map(r => (r.kind === 'action' ? r.action.name : `+${r.parent}`));

test('flattenTree keeps depth-first order, depth and sibling indexes', () => {
  const rows = flattenTree(small());
  assert.deepEqual(names(rows), ['a0', 'a1', 'a1-0', 'a1-1', 'a2']);
  const depth = rows.map(r => r.depth);
  assert.deepEqual(depth, [0, 1, 2, 2, 1]);
  const first = rows[2];
  assert.ok(first.kind === 'action' && first.sibling === 0); // two leaves: told apart
  assert.ok(rows[1].kind === 'action' && rows[1].sibling === undefined && rows[1].parent);
});

test('a folded node hides its whole subtree, and is marked folded', () => {
  const rows = flattenTree(small(), { collapsed: new Set(['a1']) });
  assert.deepEqual(names(rows), ['a0', 'a1', 'a2']);
  assert.ok(rows[1].kind === 'action' && rows[1].folded);
  assert.deepEqual(names(flattenTree(small(), { collapsed: new Set(['a0']) })), ['a0']);
});

test('a filter keeps matches and their ancestors, inside folds too', () => {
  const filter = actionFilter('LEAF', '');
  const rows = flattenTree(small(), { collapsed: new Set(['a0', 'a1']), filter });
  assert.deepEqual(names(rows), ['a0', 'a1', 'a1-0', 'a1-1']);
  assert.ok(rows.every(r => r.kind !== 'action' || !r.folded));
  const failed = flattenTree(small(), { filter: actionFilter('', 'FAILED') });
  assert.deepEqual(names(failed), ['a0', 'a2']);
  assert.deepEqual(flattenTree(small(), { filter: actionFilter('nothing', '') }), []);
  assert.equal(actionFilter('  ', ''), undefined); // blanks filter nothing
});

test('children past the cut are one "more" row after the parent subtree', () => {
  const rows = flattenTree(small({ a1: { SUCCEEDED: 5 } }));
  assert.deepEqual(names(rows), ['a0', 'a1', 'a1-0', 'a1-1', '+a1', 'a2']);
  assert.equal(rows[4].depth, 2);
  // Folded or filtered, the line goes with the children it stands for.
  assert.deepEqual(
    names(flattenTree(small({ a1: { SUCCEEDED: 5 } }), { collapsed: new Set(['a1']) })),
    ['a0', 'a1', 'a2']
  );
});

test('a search over 10,000 actions finds the deep ones', () => {
  const items = [action('a0', null, 'fan')];
  for (let i = 0; i < 10_000; i++) {
    items.push(action(`c${i}`, 'a0', i % 1000 === 999 ? 'needle' : 'leaf'));
  }
  const tree = { items, hidden: {}, counts: {}, total: items.length };
  assert.equal(flattenTree(tree).length, 10_001);
  const rows = flattenTree(tree, { filter: actionFilter('needle', '') });
  assert.equal(rows.length, 11);
  assert.equal(rowOf(rows, 'c9999'), 10);
  assert.equal(rowOf(rows, 'c0'), -1);
});

test('the window is the rows in view plus overscan, clamped', () => {
  assert.deepEqual(windowRange(0, 280, 28, 10_000, 10), [0, 19]);
  assert.deepEqual(windowRange(28 * 5000, 280, 28, 10_000, 10), [4990, 5019]);
  assert.deepEqual(windowRange(28 * 9990, 280, 28, 10_000, 10), [9980, 9999]);
  assert.deepEqual(windowRange(0, 280, 28, 3, 10), [0, 2]);
  const [first, last] = windowRange(0, 280, 28, 0, 10);
  assert.ok(last < first); // nothing to draw
});

test('scrollToShow moves as little as possible', () => {
  assert.equal(scrollToShow(3, 0, 280, 28), 0); // already in view
  assert.equal(scrollToShow(20, 0, 280, 28), 21 * 28 - 280); // below: to the bottom edge
  assert.equal(scrollToShow(2, 280, 280, 28), 56); // above: to the top edge
});

test('keyTarget moves one row, or to either end, within bounds', () => {
  assert.equal(keyTarget('ArrowDown', -1, 5), 0);
  assert.equal(keyTarget('ArrowDown', 4, 5), 4);
  assert.equal(keyTarget('ArrowUp', 0, 5), 0);
  assert.equal(keyTarget('End', 0, 5), 4);
  assert.equal(keyTarget('Home', 3, 5), 0);
  assert.equal(keyTarget('Enter', 3, 5), null);
  assert.equal(keyTarget('ArrowDown', -1, 0), null);
});
