/**
 * An artifact version's lineage as a graph (the same renderer as the run graph): the run
 * that produced it, the version, and the runs that read it, each run a node that opens
 * its view (click or Enter). The lists under it stay: they carry the times and names a
 * graph box has no room for.
 */
import { h } from './dom';
import { drawGraph, DrawEdge, DrawNode } from './graph';
import type { ArtifactVersion, Lineage } from './types';

/** `module.task` -> `task` (the box has room for little; the lists below name it in full). */
function short(task: string | null): string | null {
  return task ? task.slice(task.lastIndexOf('.') + 1) : null;
}

export function lineageGraph(
  v: ArtifactVersion,
  lineage: Lineage,
  openRun: (name: string) => void
): HTMLElement {
  const version = `version:${v.version}`;
  const nodes: DrawNode[] = [
    {
      id: version,
      title: v.name,
      subtitle: `@ ${v.version}`,
      variant: 'value',
      data: { kind: 'version' }
    }
  ];
  const edges: DrawEdge[] = [];
  const producer = lineage.producer;
  if (producer) {
    const id = `run:${producer.run}`;
    nodes.unshift({
      id,
      title: producer.run,
      subtitle: [short(producer.task_name), producer.phase].filter(Boolean).join(' · ') || 'run',
      phase: producer.phase,
      data: { kind: 'producer', run: producer.run }
    });
    edges.push({ source: id, target: version, kind: 'data', label: producer.output ?? null });
  }
  for (const c of lineage.consumers) {
    const id = `run:${c.run}`;
    if (!nodes.some(n => n.id === id)) {
      nodes.push({
        id,
        title: c.run,
        subtitle: [short(c.task_name), c.phase].filter(Boolean).join(' · ') || 'run',
        phase: c.phase,
        data: { kind: 'consumer', run: c.run }
      });
    }
    edges.push({ source: version, target: id, kind: 'data', label: c.input });
  }
  const box = h('div', { class: 'fnb-GraphBox' });
  drawGraph(
    nodes,
    edges,
    {
      label: `Lineage of ${v.name}@${v.version}`,
      onActivate: id => {
        if (id.startsWith('run:')) {
          openRun(id.slice(4));
        }
      }
    },
    box
  );
  return h('div', { class: 'fnb-GraphPane fnb-Lineage-graph' }, box);
}
