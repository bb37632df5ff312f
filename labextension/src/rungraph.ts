/**
 * The run view's Graph tab: the run as the backend's graph route describes it
 * (`GET runs/<name>/graph`, server/_run_graph.py), drawn by graph.ts.
 *
 * - A workflow's nodes and edges as compiled; a node that has not run is outlined, a node
 *   in a case not taken is marked skipped, and each case edge says whether it was taken.
 * - A map node or a fan-out group is one node with its members counted by phase; + (or a
 *   click) expands it into its members (those the server listed, up to 1,000) and - folds
 *   it again. What is expanded survives live updates.
 * - A click (or Enter) on a node with an action opens the action's detail below the
 *   graph (the Actions tab's own detail); a node without one (a conditional, a node not
 *   run) gets a summary.
 * - Live: the view re-reads the graph on the run's action events (throttled by the view);
 *   a redraw keeps the scroll position, the focused node and the selection.
 */
import type { components } from './api';
import { PanelClient } from './client';
import { button, clear, h } from './dom';
import { drawGraph, DrawEdge, DrawnGraph, DrawNode } from './graph';

type Schemas = components['schemas'];
export type RunGraph = Schemas['RunGraph'];
export type GraphNode = Schemas['GraphNode'];

const SHORT: Record<string, string> = {
  QUEUED: 'queued',
  RUNNING: 'running',
  SUCCEEDED: 'ok',
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  ABORTED: 'aborted'
};
const ITEM = '::'; // an expanded member's id: <group id>::<action>

/** "10 ok · 1 failed · 2 running" (most urgent first). */
export function countsText(counts: Record<string, number>): string {
  const order = ['FAILED', 'TIMED_OUT', 'RUNNING', 'QUEUED', 'ABORTED', 'SUCCEEDED'];
  return order
    .filter(p => counts[p])
    .map(p => `${counts[p]} ${SHORT[p]}`)
    .join(' · ');
}

function takenCase(n: GraphNode): string {
  const taken = n.cases.find(c => c.taken);
  if (taken) {
    return `took ${taken.label}`;
  }
  return n.cases.some(c => c.taken === false) ? 'took no case' : 'not decided';
}

function subtitle(n: GraphNode): string {
  const state = n.phase ?? (n.skipped ? 'skipped' : 'not run');
  const where = n.node ? `${n.node} · ` : '';
  switch (n.kind) {
    case 'map':
    case 'group':
      return `${n.kind === 'map' ? where : ''}${n.total.toLocaleString()} items · ${countsText(n.counts) || 'none yet'}`;
    case 'branch':
      return `${where}${n.skipped ? 'skipped' : takenCase(n)}`;
    case 'workflow':
      return `${where}sub-workflow · ${state}`;
    case 'root':
      return `run · ${state}`;
    default:
      return `${where}${state}`;
  }
}

/** What the server says, as boxes and lines, with `expanded` groups opened. */
export function drawable(
  graph: RunGraph,
  expanded: Set<string>
): { nodes: DrawNode[]; edges: DrawEdge[] } {
  const nodes: DrawNode[] = [];
  const edges: DrawEdge[] = [];
  const cases = new Map<string, Map<string, boolean | null>>();
  for (const n of graph.nodes) {
    const many = n.kind === 'map' || n.kind === 'group';
    const open = many && expanded.has(n.id) && n.items.length > 0;
    nodes.push({
      id: n.id,
      title: n.group && n.kind === 'group' ? `${n.label} (${n.group})` : n.label,
      subtitle: subtitle(n),
      phase: n.phase,
      variant: n.skipped
        ? 'skipped'
        : many
          ? 'group'
          : n.kind === 'branch'
            ? 'branch'
            : n.phase
              ? null
              : 'pending',
      tooltip: [
        n.label,
        n.task_name,
        n.node ? `node ${n.node}` : '',
        n.action ? `action ${n.action}` : '',
        subtitle(n)
      ]
        .filter(Boolean)
        .join('\n'),
      data: {
        kind: n.kind,
        skipped: String(n.skipped),
        action: n.action ?? '',
        node: n.node ?? ''
      },
      expandable: many && n.items.length > 0,
      expanded: open
    });
    if (n.kind === 'branch') {
      cases.set(n.id, new Map(n.cases.map(c => [c.label, c.taken])));
    }
    if (open) {
      for (const item of n.items) {
        const id = `${n.id}${ITEM}${item.action}`;
        nodes.push({
          id,
          title: `${n.label} ${item.label}`,
          subtitle: item.phase,
          phase: item.phase,
          data: { kind: 'item', action: item.action, skipped: 'false', node: '' }
        });
        edges.push({ source: n.id, target: id, kind: 'child' });
      }
      if (n.total > n.items.length) {
        const id = `${n.id}${ITEM}more`;
        nodes.push({
          id,
          title: `+ ${(n.total - n.items.length).toLocaleString()} more`,
          subtitle: 'in the Actions tab',
          variant: 'pending',
          data: { kind: 'more', action: '', skipped: 'false', node: '' }
        });
        edges.push({ source: n.id, target: id, kind: 'child' });
      }
    }
  }
  for (const e of graph.edges) {
    const taken = e.kind === 'case' ? cases.get(e.source)?.get(e.label ?? '') : undefined;
    const mark = taken === true ? ' ✓ taken' : taken === false ? ' · skipped' : '';
    edges.push({
      source: e.source,
      target: e.target,
      kind: e.kind,
      label: e.label ? `${e.label}${mark}` : null,
      data:
        e.kind === 'case'
          ? { taken: taken === null || taken === undefined ? '' : String(taken) }
          : undefined
    });
  }
  return { nodes, edges };
}

export interface GraphPaneOptions {
  client: PanelClient;
  runName: string;
  /** Draw an action's detail into `box` (the Actions tab's). */
  renderDetail: (action: string, box: HTMLElement) => Promise<void>;
}

export class GraphPane {
  readonly node: HTMLElement;
  graph: RunGraph | null = null;
  private drawn: DrawnGraph | null = null;
  private expanded = new Set<string>();
  private selected: string | null = null;
  private box: HTMLElement;
  private detail: HTMLElement;
  private summary: HTMLElement;
  private detailKey = '';
  /** When the last graph was drawn (ms): what a benchmark reads. */
  lastDraw = 0;

  constructor(private options: GraphPaneOptions) {
    this.summary = h('span', { class: 'fnb-Muted fnb-GraphSummary' });
    this.box = h('div', { class: 'fnb-GraphBox' });
    this.detail = h('div', { class: 'fnb-ActionDetail fnb-GraphDetail' });
    this.node = h(
      'div',
      { class: 'fnb-GraphPane' },
      h(
        'div',
        { class: 'fnb-Toolbar fnb-GraphTools' },
        button('Expand groups', () => this.foldAll(false), {
          title: 'Show every member of each map and group'
        }),
        button('Collapse groups', () => this.foldAll(true)),
        this.summary
      ),
      this.box,
      this.detail
    );
  }

  /** Read the graph again and draw it. */
  async load(): Promise<void> {
    const graph = await this.options.client.api('get', 'runs/{name}/graph', {
      path: { name: this.options.runName }
    });
    this.draw(graph);
    await this.refreshDetail();
  }

  /** Draw `graph` in place, keeping the scroll position, focus and selection. */
  draw(graph: RunGraph): void {
    const started = performance.now();
    this.graph = graph;
    const { nodes, edges } = drawable(graph, this.expanded);
    const focused = document.activeElement
      ?.closest?.('.fnb-GraphNode')
      ?.getAttribute('data-node-id');
    const top = this.box.scrollTop;
    const left = this.box.scrollLeft;
    this.drawn = drawGraph(
      nodes,
      edges,
      {
        label: `Graph of run ${this.options.runName}`,
        selected: this.selected,
        onActivate: id => void this.activate(id),
        onToggle: id => this.toggle(id)
      },
      this.box
    );
    if (this.box.scrollTop !== top || this.box.scrollLeft !== left) {
      this.box.scrollTop = top; // a windowed graph redraws its window on the scroll event
      this.box.scrollLeft = left;
    }
    if (focused) {
      this.drawn.reveal(focused)?.focus();
    }
    const groups = graph.nodes.filter(n => n.kind === 'map' || n.kind === 'group').length;
    this.summary.textContent =
      `${graph.nodes.length.toLocaleString()} nodes (${groups} grouped) for ` +
      `${graph.total_actions.toLocaleString()} actions` +
      (graph.truncated ? ' · too many nodes: the rest are in the Actions tab' : '');
    this.box.dataset.draws = String(Number(this.box.dataset.draws ?? 0) + 1);
    this.lastDraw = performance.now() - started;
    this.box.dataset.drawMs = this.lastDraw.toFixed(1); // script time (benchmarks read it)
  }

  private redraw(): void {
    if (this.graph) {
      this.draw(this.graph);
    }
  }

  private toggle(id: string): void {
    if (!this.expanded.delete(id)) {
      this.expanded.add(id);
    }
    this.redraw();
  }

  private foldAll(fold: boolean): void {
    this.expanded.clear();
    if (!fold && this.graph) {
      for (const n of this.graph.nodes) {
        if (n.kind === 'map' || n.kind === 'group') {
          this.expanded.add(n.id);
        }
      }
    }
    this.redraw();
  }

  private find(id: string): { node?: GraphNode; action?: string } {
    const node = this.graph?.nodes.find(n => n.id === id);
    if (node) {
      return { node, action: node.action ?? undefined };
    }
    const cut = id.lastIndexOf(ITEM);
    return cut > 0 ? { action: id.slice(cut + ITEM.length) } : {};
  }

  private async activate(id: string): Promise<void> {
    const { node, action } = this.find(id);
    if (node && (node.kind === 'map' || node.kind === 'group') && node.items.length) {
      this.toggle(id);
      return;
    }
    if (id.endsWith(`${ITEM}more`)) {
      return;
    }
    this.selected = id;
    this.detailKey = '';
    this.redraw();
    this.drawn?.reveal(id)?.focus();
    if (action) {
      await this.refreshDetail();
    } else if (node) {
      this.showSummary(node);
    }
  }

  /** Re-read the selected action's detail when it changed (a live run). */
  private async refreshDetail(): Promise<void> {
    if (!this.selected || !this.graph) {
      return;
    }
    const { node, action } = this.find(this.selected);
    if (!action) {
      if (node) {
        this.showSummary(node);
      }
      return;
    }
    const item = this.graph.nodes.flatMap(n => n.items).find(i => i.action === action);
    const key = `${action}|${node?.phase ?? item?.phase ?? ''}`;
    if (key === this.detailKey) {
      return;
    }
    this.detailKey = key;
    await this.options.renderDetail(action, this.detail);
  }

  private showSummary(node: GraphNode): void {
    clear(this.detail);
    this.detail.append(
      h('h3', {}, `${node.label}${node.node ? ` (${node.node})` : ''}`),
      h(
        'div',
        { class: 'fnb-Muted' },
        `${node.kind === 'branch' ? 'conditional' : node.kind} · ${subtitle(node)}`
      ),
      node.task_name ? h('div', {}, `task ${node.task_name}`) : '',
      node.cases.length
        ? h(
            'ul',
            { class: 'fnb-GraphCases' },
            ...node.cases.map(c =>
              h(
                'li',
                { 'data-taken': c.taken === null ? '' : String(c.taken) },
                `${c.label}: ${c.taken === null ? 'not decided yet' : c.taken ? 'taken' : 'skipped'}`,
                c.fail ? ` (fails: ${c.fail})` : ''
              )
            )
          )
        : '',
      node.skipped
        ? h('p', {}, 'Skipped: it sits in a case of a conditional that was not taken.')
        : '',
      !node.skipped && !node.phase && node.kind !== 'branch'
        ? h('p', {}, 'Not run (yet): no action was started for it.')
        : ''
    );
  }
}
