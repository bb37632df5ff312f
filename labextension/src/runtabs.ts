/**
 * Two tabs of the run view that are read once and drawn: the run's inputs and outputs,
 * and its artifact lineage. Each returns the tab's content; the view shows it if the tab
 * is still the one selected when the answer arrives.
 */
import { artifactLink } from './artifacts';
import { PanelClient } from './client';
import { h, listOr } from './dom';
import { FrameLoader, renderValues } from './runparts';
import { isLive, Key, Run } from './types';

/** Inputs, and outputs once the run succeeded (tables with their first rows). */
export async function runValues(
  client: PanelClient,
  run: Run,
  frames: FrameLoader
): Promise<HTMLElement[]> {
  const path = { name: run.name };
  const inputs = await client.api('get', 'runs/{name}/inputs', { path });
  let outputs: HTMLElement;
  if (run.phase === 'SUCCEEDED') {
    const values = await client.api('get', 'runs/{name}/outputs', { path });
    outputs = renderValues(values.values, 'the run returned nothing', frames);
  } else {
    outputs = h(
      'p',
      { class: 'fnb-Muted' },
      isLive(run.phase)
        ? 'Outputs appear when the run succeeds.'
        : `The run is ${run.phase}: it has no outputs.`
    );
  }
  return [
    h('h3', {}, 'Inputs'),
    renderValues(inputs.values, 'no inputs', frames),
    h('h3', {}, 'Outputs'),
    outputs
  ];
}

/** Lineage from the run's side: the artifact versions it made and the ones it read. */
export async function runArtifacts(
  client: PanelClient,
  run: Run,
  open: (key: Key) => void
): Promise<HTMLElement[]> {
  const found = await client.api('get', 'runs/{name}/artifacts', { path: { name: run.name } });
  return [
    h('h3', {}, 'Produced'),
    listOr(
      'fnb-Lineage-produced',
      found.produced.map(v =>
        h('li', {}, artifactLink(v, open), ` (${v.output ?? ''} of ${v.action ?? ''}) ${v.preview}`)
      ),
      'This run made no artifact versions.'
    ),
    h('h3', {}, 'Consumed'),
    listOr(
      'fnb-Lineage-consumed',
      found.consumed.map(c => h('li', {}, `input ${c.input}: `, artifactLink(c.artifact, open))),
      'No input of this run was read from an artifact.'
    )
  ];
}
