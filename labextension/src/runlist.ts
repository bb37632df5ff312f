/**
 * The virtualized runs list: only the rows that intersect the viewport exist in the DOM.
 *
 * Why it looks like this:
 * - Rows have one fixed height, so the row at any scroll offset is known without measuring,
 *   and a spacer as tall as `total` rows gives the scroll bar its true size.
 * - Runs are fetched in pages of PAGE from the API (offset/limit, the filters and sort of
 *   the current query) only when a visible row needs them: 10,000 recorded runs cost the
 *   browser one page per screenful, not 10,000 objects.
 * - No overscan: a scroll event re-renders synchronously, so rows that are not visible are
 *   never built (the benchmark counts DOM rows against visible ones).
 * - A new query bumps `generation`, and answers of older generations are dropped, so a
 *   slow response can never paint stale rows over the new filter's.
 * - Live updates patch a run in place (`patch`) when its phase changes; anything that
 *   changes membership or order (a new run, a run that ended) re-fetches the visible
 *   pages (`refresh`), keeping the rows already shown until the new ones arrive.
 */
import { ApiError, PanelClient } from './client';
import { elapsed, formatAgo, formatDuration, formatTime, h, phaseBadge } from './dom';
import { waitingChip } from './runactions';
import { isLive, Run, RunList as RunPage, RunQuery } from './types';

export const ROW_HEIGHT = 46;
export const PAGE = 100;

export class RunListView {
  readonly node: HTMLElement;
  private spacer: HTMLElement;
  private rows = new Map<number, HTMLElement>();
  private pages = new Map<number, Run[]>();
  private inflight = new Map<number, number>(); // page -> generation asked for
  private generation = 0;
  private query: RunQuery = {};
  total: number | null = null;

  /** Called when a row is opened (click or Enter). */
  onOpen: (name: string) => void = () => undefined;
  /** Called after each successful page load, and with the error of a failed one. */
  onLoad: (error?: ApiError) => void = () => undefined;
  /** Runs ticked for comparing (their names), and the call when that changes. */
  readonly picked = new Set<string>();
  onPick: () => void = () => undefined;

  constructor(private client: PanelClient) {
    this.node = h('div', { class: 'fnb-RunList', role: 'list', tabindex: 0 });
    this.spacer = h('div', { class: 'fnb-RunList-spacer' });
    this.node.appendChild(this.spacer);
    this.node.addEventListener('scroll', () => this.render());
    this.node.addEventListener('keydown', event => this.onKey(event));
    new ResizeObserver(() => this.render()).observe(this.node);
  }

  /** Show the runs of a new query from the top. */
  reset(query: RunQuery): Promise<void> {
    this.query = query;
    this.generation += 1;
    this.pages.clear();
    this.inflight.clear();
    this.total = null;
    for (const row of this.rows.values()) {
      row.remove();
    }
    this.rows.clear();
    this.node.scrollTop = 0;
    return this.load(0);
  }

  /** Re-fetch the visible pages (and the total) for the same query, keeping what is shown. */
  async refresh(): Promise<void> {
    this.generation += 1;
    const [first, last] = this.visibleRange();
    const wanted = new Set<number>([Math.floor(first / PAGE)]);
    if (last >= first) {
      wanted.add(Math.floor(last / PAGE));
    }
    for (const page of this.pages.keys()) {
      if (!wanted.has(page)) {
        this.pages.delete(page);
      }
    }
    this.inflight.clear();
    await Promise.all([...wanted].map(p => this.load(p)));
  }

  /** Apply a live phase change to a run already on a page; false when it is not loaded. */
  patch(name: string, change: Partial<Run>): boolean {
    for (const items of this.pages.values()) {
      const run = items.find(r => r.name === name);
      if (run) {
        Object.assign(run, change);
        this.render(true);
        return true;
      }
    }
    return false;
  }

  /** Runs on the rows currently shown (for the live duration tick). */
  visibleRuns(): Run[] {
    const out: Run[] = [];
    for (const index of this.rows.keys()) {
      const run = this.runAt(index);
      if (run) {
        out.push(run);
      }
    }
    return out;
  }

  /** Arrow keys, Home and End move the focus over rows, built as they scroll into view. */
  private onKey(event: KeyboardEvent): void {
    const total = this.total ?? 0;
    if (!total || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) {
      return;
    }
    let at = -1;
    for (const [index, row] of this.rows) {
      if (row === document.activeElement) {
        at = index;
      }
    }
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? total - 1
          : Math.min(Math.max(at + (event.key === 'ArrowDown' ? 1 : -1), 0), total - 1);
    event.preventDefault();
    const top = next * ROW_HEIGHT;
    if (top < this.node.scrollTop) {
      this.node.scrollTop = top;
    } else if (top + ROW_HEIGHT > this.node.scrollTop + this.node.clientHeight) {
      this.node.scrollTop = top + ROW_HEIGHT - this.node.clientHeight;
    }
    this.render();
    this.rows.get(next)?.focus();
  }

  private pickBox(name: string): HTMLInputElement {
    return pickBox(name, this.picked.has(name), () => {
      if (!this.picked.delete(name)) {
        this.picked.add(name);
      }
      this.onPick();
    });
  }

  private runAt(index: number): Run | undefined {
    return this.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  private visibleRange(): [number, number] {
    const total = this.total ?? 0;
    const top = this.node.scrollTop;
    const height = this.node.clientHeight;
    const first = Math.min(Math.floor(top / ROW_HEIGHT), Math.max(total - 1, 0));
    const last = Math.min(total - 1, Math.ceil((top + height) / ROW_HEIGHT) - 1);
    return [first, last];
  }

  private async load(page: number): Promise<void> {
    const generation = this.generation;
    if (this.inflight.get(page) === generation) {
      return;
    }
    this.inflight.set(page, generation);
    let result: RunPage;
    try {
      result = await this.client.api('get', 'runs', {
        query: { ...this.query, offset: page * PAGE, limit: PAGE }
      });
    } catch (err) {
      if (generation === this.generation) {
        this.inflight.delete(page);
        this.onLoad(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
      }
      throw err; // a refresh's caller (the poller) backs off
    }
    if (generation !== this.generation) {
      return; // an older query's answer
    }
    this.inflight.delete(page);
    this.pages.set(page, result.items);
    this.total = result.total;
    this.render(true);
    this.onLoad();
  }

  /** Make the DOM rows match the viewport (`force`: also redraw rows that stay). */
  render(force = false): void {
    const total = this.total ?? 0;
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    const [first, last] = this.visibleRange();
    for (const [index, row] of this.rows) {
      if (index < first || index > last) {
        row.remove();
        this.rows.delete(index);
      }
    }
    const now = Date.now() / 1000;
    for (let index = first; index <= last; index++) {
      const run = this.runAt(index);
      if (run === undefined && !this.inflight.has(Math.floor(index / PAGE))) {
        this.load(Math.floor(index / PAGE)).catch(() => undefined); // reported via onLoad
      }
      let row = this.rows.get(index);
      const key = run
        ? `${run.name}|${run.phase}|${run.action_count}|${run.ended_at}|${run.waiting.join(',')}|${this.picked.has(run.name)}`
        : '';
      if (row && !force && row.dataset.key === key && !(run && isLive(run.phase))) {
        continue;
      }
      const fresh = renderRow(run, index, now);
      fresh.dataset.key = key;
      if (run) {
        fresh.firstElementChild?.prepend(this.pickBox(run.name));
        fresh.addEventListener('click', () => this.onOpen(run.name));
        fresh.addEventListener('keydown', event => {
          if (event.key === 'Enter') {
            this.onOpen(run.name);
          }
        });
      }
      if (row) {
        row.replaceWith(fresh);
      } else {
        this.spacer.appendChild(fresh);
      }
      row = fresh;
      this.rows.set(index, row);
    }
  }
}

/** The tick that picks a run for comparing (a click on it does not open the run). */
function pickBox(name: string, picked: boolean, toggle: () => void): HTMLInputElement {
  const box = h('input', {
    type: 'checkbox',
    class: 'fnb-RunRow-pick',
    'aria-label': `Pick ${name} to compare`,
    title: 'Pick to compare',
    checked: picked
  });
  box.addEventListener('click', event => event.stopPropagation());
  box.addEventListener('keydown', event => event.stopPropagation());
  box.addEventListener('change', toggle);
  return box;
}

function renderRow(run: Run | undefined, index: number, now: number): HTMLElement {
  const style = `top:${index * ROW_HEIGHT}px;height:${ROW_HEIGHT}px`;
  if (!run) {
    return h('div', { class: 'fnb-RunRow fnb-RunRow-loading', role: 'listitem', style }, '…');
  }
  const duration = run.duration ?? elapsed(run.started_at, run.ended_at);
  const actions = `${run.action_count} action${run.action_count === 1 ? '' : 's'}`;
  return h(
    'div',
    {
      class: `fnb-RunRow fnb-RunRow-${run.phase}`,
      role: 'listitem',
      tabindex: 0,
      style,
      'data-run': run.name,
      title: `${run.name}: ${run.task_name}, ${run.phase}, started ${formatTime(run.started_at ?? run.created_at)}`
    },
    h(
      'div',
      { class: 'fnb-RunRow-line' },
      h('span', { class: 'fnb-RunRow-name' }, run.name),
      phaseBadge(run.phase)
    ),
    h(
      'div',
      { class: 'fnb-RunRow-line fnb-RunRow-meta' },
      waitingChip(run.waiting),
      h('span', { class: 'fnb-RunRow-task' }, run.task_name),
      h('span', { class: 'fnb-RunRow-start' }, formatAgo(run.started_at ?? run.created_at, now)),
      h('span', { class: 'fnb-RunRow-duration' }, formatDuration(duration)),
      h('span', { class: 'fnb-RunRow-actions' }, actions)
    )
  );
}
