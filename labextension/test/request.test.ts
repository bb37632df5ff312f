/**
 * The typed request helper: paths filled and escaped at run time, and (checked by `tsc`
 * when these tests compile) a path, parameter or body the backend does not take refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PanelClient } from '../src/client';
import { fillPath } from '../src/request';

test('fillPath puts each parameter in as one escaped segment', () => {
  assert.equal(fillPath('runs/{name}/tree', { name: 'r1' }), 'runs/r1/tree');
  assert.equal(
    fillPath('runs/{name}/actions/{action}/docs/{kind}/{doc_name}', {
      name: 'r1',
      action: 'a0',
      kind: 'deck',
      doc_name: 'a/b?c d'
    }),
    'runs/r1/actions/a0/docs/deck/a%2Fb%3Fc%20d'
  );
  assert.equal(fillPath('runs'), 'runs');
});

test('fillPath says which parameter is missing', () => {
  assert.throws(() => fillPath('apps/{project}/{domain}/{name}', { project: 'p' }), {
    message: 'the path apps/{project}/{domain}/{name} needs its {domain} parameter'
  });
});

/** Never called: the compiler checks these calls against api.ts. */
export function typed(client: PanelClient): void {
  void client.api('get', 'runs/{name}/tree', { path: { name: 'r1' }, query: { max_children: 5 } });
  void client.api('post', 'runs/{name}/abort', { path: { name: 'r1' }, query: { reason: 'x' } });
  void client.api('get', 'runs', { query: { limit: 10 } });
  void client
    .api('get', 'runs/{name}', { path: { name: 'r1' } })
    .then(run => run.phase.toLowerCase());
  // @ts-expect-error: the backend has no such route
  void client.api('get', 'runz', {});
  // @ts-expect-error: a route without its path parameter
  void client.api('get', 'runs/{name}', {});
  // @ts-expect-error: GET only: the backend takes no POST there
  void client.api('post', 'runs/{name}/tree', { path: { name: 'r1' } });
  // @ts-expect-error: a query parameter the route does not take
  void client.api('get', 'runs', { query: { limt: 10 } });
  void client
    .api('get', 'runs/{name}', { path: { name: 'r1' } })
    // @ts-expect-error: the answer is a run, which has no `phaze`
    .then(run => run.phaze);
}
