/** The panel's pure formatting helpers (dom.ts) and run-state helpers (types.ts, runtree.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { elapsed, formatAgo, formatDuration } from '../src/dom';
import { failureHidden, firstFailed } from '../src/runtree';
import { isLive, keyPath } from '../src/types';
import type { Action, ActionTree } from '../src/types';

test('formatDuration rounds at what it prints', () => {
  assert.equal(formatDuration(null), '–');
  assert.equal(formatDuration(Number.NaN), '–');
  assert.equal(formatDuration(0.25), '250 ms');
  assert.equal(formatDuration(0.9996), '1.0 s'); // "1000 ms" would be the wrong unit
  assert.equal(formatDuration(12.34), '12.3 s');
  assert.equal(formatDuration(59.97), '1 m 00 s');
  assert.equal(formatDuration(245), '4 m 05 s');
  assert.equal(formatDuration(2 * 3600 + 3 * 60 + 20), '2 h 03 m');
});

test('formatAgo counts back from now', () => {
  const now = 1_000_000;
  assert.equal(formatAgo(undefined, now), '–');
  assert.equal(formatAgo(now - 3, now), 'just now');
  assert.equal(formatAgo(now + 30, now), 'just now'); // a clock ahead is not "in the future"
  assert.equal(formatAgo(now - 42, now), '42 s ago');
  assert.equal(formatAgo(now - 300, now), '5 m ago');
  assert.equal(formatAgo(now - 3 * 3600, now), '3 h ago');
});

test('elapsed runs to now while something has not ended', () => {
  assert.equal(elapsed(null, 5), null);
  assert.equal(elapsed(10, 15.5), 5.5);
  const running = elapsed(Date.now() / 1000 - 60, null);
  assert.ok(running !== null && running >= 60 && running < 3600);
});

test('a run is live while queued or running', () => {
  assert.deepEqual(
    ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'].map(isLive),
    [true, true, false, false, false, false]
  );
});

test('keyPath escapes each part of a key', () => {
  assert.equal(keyPath({ project: 'p', domain: 'd', name: 'a/b c' }), 'p/d/a%2Fb%20c');
});

function action(name: string, phase: string): Action {
  return { name, phase } as Action;
}

test('a tree finds its first failure, also one hidden past the cut', () => {
  const tree = {
    items: [action('a0', 'RUNNING'), action('a1', 'SUCCEEDED'), action('a2', 'FAILED')],
    hidden: { a0: { SUCCEEDED: 3 } }
  } as unknown as ActionTree;
  assert.equal(firstFailed(tree)?.name, 'a2');
  assert.equal(failureHidden(tree), false);
  const cut = { ...tree, hidden: { a0: { SUCCEEDED: 3, FAILED: 1 } } } as unknown as ActionTree;
  assert.equal(failureHidden(cut), true);
  const fine = { items: [action('a0', 'SUCCEEDED')], hidden: {} } as unknown as ActionTree;
  assert.equal(firstFailed(fine), undefined);
});
