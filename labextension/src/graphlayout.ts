/**
 * A layered layout for directed graphs, written for the run graph: left to right, one
 * column per layer.
 *
 * Why our own (and not dagre or elk): the graphs are small to medium (a workflow's nodes,
 * a run's groups; 1,000 nodes at most by the time a view draws them), and a run graph needs
 * only the two classic steps, which fit in a page and cost nothing in the bundle:
 * - layers by longest path from the sources (a node sits one column right of its
 *   rightmost predecessor), computed in topological order; an edge that would close a
 *   cycle (none should) is ignored for layering, so a bad graph still draws;
 * - order within a layer by barycentres: a few sweeps right (each node placed at the
 *   mean position of its predecessors) and left (of its successors), which untangles
 *   fan-outs and workflows well enough to read.
 * Long edges get no dummy nodes: they are drawn as curves over the columns between.
 * Everything is O(nodes + edges) per sweep, so 1,000 nodes lay out in a few milliseconds.
 */

export interface LayoutInput {
  /** Node ids, in the order that breaks ties (the server's order: call order). */
  nodes: string[];
  edges: { source: string; target: string }[];
  nodeWidth: number;
  nodeHeight: number;
  /** Space between columns and between rows. */
  gapX: number;
  gapY: number;
  /** Barycentre sweeps (each one right, then left). */
  sweeps?: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Layout {
  /** Top-left corner of each node. */
  position: Map<string, Point>;
  layer: Map<string, number>;
  /** Node ids per layer, top to bottom. */
  layers: string[][];
  width: number;
  height: number;
}

/** Longest-path layering in topological order (Kahn); cycle edges are left out. */
function layering(nodes: string[], edges: LayoutInput['edges']): Map<string, number> {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const out = new Map<string, string[]>();
  const indegree = new Map<string, number>(nodes.map(n => [n, 0]));
  for (const e of edges) {
    if (!index.has(e.source) || !index.has(e.target) || e.source === e.target) {
      continue;
    }
    (out.get(e.source) ?? out.set(e.source, []).get(e.source)!).push(e.target);
    indegree.set(e.target, indegree.get(e.target)! + 1);
  }
  const layer = new Map<string, number>(nodes.map(n => [n, 0]));
  const queue = nodes.filter(n => indegree.get(n) === 0);
  const queued = new Set(queue);
  let head = 0;
  for (;;) {
    while (head < queue.length) {
      const n = queue[head++];
      for (const m of out.get(n) ?? []) {
        layer.set(m, Math.max(layer.get(m)!, layer.get(n)! + 1));
        const d = indegree.get(m)! - 1;
        indegree.set(m, d);
        if (d === 0 && !queued.has(m)) {
          queue.push(m);
          queued.add(m);
        }
      }
    }
    // A cycle leaves nodes with predecessors never done: release the first one.
    const stuck = queue.length < nodes.length ? nodes.find(n => !queued.has(n)) : undefined;
    if (stuck === undefined) {
      break;
    }
    indegree.set(stuck, 0);
    queue.push(stuck);
    queued.add(stuck);
  }
  return layer;
}

function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) {
    sum += v;
  }
  return sum / values.length;
}

/** Reorder `layer` by the mean position of each node's neighbours in the layer before. */
function sweep(layer: string[], neighbours: Map<string, string[]>, pos: Map<string, number>): void {
  const key = new Map<string, number>();
  layer.forEach((n, i) => {
    const near = (neighbours.get(n) ?? []).map(m => pos.get(m)).filter(p => p !== undefined);
    key.set(n, near.length ? mean(near) : i);
  });
  layer.sort((a, b) => key.get(a)! - key.get(b)! || pos.get(a)! - pos.get(b)!);
  layer.forEach((n, i) => pos.set(n, i));
}

export function layout(input: LayoutInput): Layout {
  const { nodes, edges, nodeWidth, nodeHeight, gapX, gapY } = input;
  const layer = layering(nodes, edges);
  const layers: string[][] = [];
  for (const n of nodes) {
    const l = layer.get(n)!;
    while (layers.length <= l) {
      layers.push([]);
    }
    layers[l].push(n);
  }
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  for (const e of edges) {
    if (layer.has(e.source) && layer.has(e.target)) {
      (preds.get(e.target) ?? preds.set(e.target, []).get(e.target)!).push(e.source);
      (succs.get(e.source) ?? succs.set(e.source, []).get(e.source)!).push(e.target);
    }
  }
  const pos = new Map<string, number>();
  layers.forEach(l => l.forEach((n, i) => pos.set(n, i)));
  for (let s = 0; s < (input.sweeps ?? 4); s++) {
    for (let l = 1; l < layers.length; l++) {
      sweep(layers[l], preds, pos);
    }
    for (let l = layers.length - 2; l >= 0; l--) {
      sweep(layers[l], succs, pos);
    }
  }
  // Columns are centred on the tallest one.
  const rows = Math.max(1, ...layers.map(l => l.length));
  const position = new Map<string, Point>();
  layers.forEach((l, x) => {
    const offset = ((rows - l.length) * (nodeHeight + gapY)) / 2;
    l.forEach((n, y) => {
      position.set(n, { x: x * (nodeWidth + gapX), y: offset + y * (nodeHeight + gapY) });
    });
  });
  return {
    position,
    layer,
    layers,
    width: Math.max(0, layers.length * (nodeWidth + gapX) - gapX),
    height: Math.max(0, rows * (nodeHeight + gapY) - gapY)
  };
}
