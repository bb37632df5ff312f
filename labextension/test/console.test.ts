/** The console's pure helpers (consoleutil.ts) and what phases say (phases.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { clock, relativeToRoot, sameSource } from '../src/consoleutil';
import { PHASE_WHY, phaseTitle } from '../src/phases';

test('clock prints wall time to the millisecond', () => {
  const at = new Date(2026, 0, 2, 3, 4, 5, 67).getTime() / 1000;
  assert.equal(clock(at), '03:04:05.067');
});

test('a notebook path is made relative to the server root, or refused', () => {
  assert.equal(relativeToRoot('/home/me/work/a.ipynb', '/home/me'), 'work/a.ipynb');
  assert.equal(relativeToRoot('/home/me/work/a.ipynb', '/home/me/'), 'work/a.ipynb');
  assert.equal(relativeToRoot('C:\\Users\\me\\a.ipynb', 'C:\\Users\\me'), 'a.ipynb');
  assert.equal(relativeToRoot('/home/meadow/a.ipynb', '/home/me'), null); // a prefix, not a folder
  assert.equal(relativeToRoot('/elsewhere/a.ipynb', '/home/me'), null);
  assert.equal(relativeToRoot('/srv/a.ipynb', '/'), 'srv/a.ipynb');
});

test('a cell is the same when only trailing whitespace differs', () => {
  assert.ok(sameSource('x = 1\n', 'x = 1'));
  assert.ok(!sameSource('x = 2', 'x = 1'));
  assert.ok(!sameSource('x = 1', null));
});

test('every phase says what it means; a queued one what it waits for', () => {
  for (const phase of ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']) {
    assert.ok(PHASE_WHY[phase], phase);
  }
  assert.match(phaseTitle('QUEUED'), /^QUEUED: waiting for a free worker/);
  assert.equal(phaseTitle('SOMETHING'), 'SOMETHING');
});
