/**
 * The Runs tab of the sidebar: filters, the virtualized list, and its live updates.
 *
 * Live updates run only while the tab is visible (the panel calls setActive): the
 * backend's event stream, narrowed to run phase changes by the proxy (`kinds=run`), patches
 * rows as runs start and end; a slower refresh (the `refreshInterval` setting) catches
 * what the stream does not carry (action counts, runs recorded by kernels in local mode),
 * and backs off while the backend is unreachable. Hidden, the tab holds no connection and
 * sets no timer.
 */
import { EventFeed, PanelClient, Poller } from './client';
import { clear, h, richText, notice, button } from './dom';
import { CompareBar } from './comparebar';
import { RunListView } from './runlist';
import { asApiError, errorNotice, loadingNotice } from './states';
import { isLive, PHASES, RunQuery } from './types';
import type { LiveEvent } from './types';

const RANGES: [string, string][] = [
  ['', 'Any time'],
  ['3600', 'Last hour'],
  ['86400', 'Last 24 hours'],
  ['604800', 'Last 7 days'],
  ['2592000', 'Last 30 days'],
  ['custom', 'Custom range…']
];

const SORTS: [string, string][] = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['-ended_at', 'Recently ended'],
  ['-duration', 'Longest'],
  ['duration', 'Shortest'],
  ['name', 'Name'],
  ['task_name', 'Task'],
  ['phase', 'Phase']
];

function select(label: string, options: [string, string][], cls: string): HTMLSelectElement {
  const el = h('select', { class: `fnb-Select ${cls}`, 'aria-label': label, title: label });
  for (const [value, text] of options) {
    el.appendChild(h('option', { value }, text));
  }
  return el;
}

export class RunsSection {
  readonly node: HTMLElement;
  readonly list: RunListView;
  private text: HTMLInputElement;
  private phase: HTMLSelectElement;
  private range: HTMLSelectElement;
  private since: HTMLInputElement;
  private until: HTMLInputElement;
  private sort: HTMLSelectElement;
  private summary: HTMLElement;
  private state: HTMLElement;
  private feed: EventFeed;
  private poller: Poller;
  private ticker = 0;
  private refreshTimer = 0;
  private debounce = 0;
  private active = false;
  private started = false;

  constructor(
    private client: PanelClient,
    openRun: (name: string) => void
  ) {
    this.text = h('input', {
      class: 'fnb-Input fnb-Filter-text',
      type: 'search',
      placeholder: 'Filter by run or task name',
      'aria-label': 'Filter by run or task name'
    });
    this.phase = select(
      'Phase',
      [
        ['', 'All phases'],
        ['live', 'Queued or running'],
        ...PHASES.map(p => [p, p] as [string, string])
      ],
      'fnb-Filter-phase'
    );
    this.range = select('Time range', RANGES, 'fnb-Filter-range');
    this.since = h('input', { class: 'fnb-Input', type: 'datetime-local', 'aria-label': 'From' });
    this.until = h('input', { class: 'fnb-Input', type: 'datetime-local', 'aria-label': 'Until' });
    const custom = h(
      'div',
      { class: 'fnb-Filter-custom', hidden: true },
      'From ',
      this.since,
      ' to ',
      this.until
    );
    this.sort = select('Sort', SORTS, 'fnb-Filter-sort');
    this.summary = h('div', { class: 'fnb-Summary', 'aria-live': 'polite' });
    this.state = h('div', { class: 'fnb-State' });
    this.list = new RunListView(client);
    this.list.onOpen = openRun;
    this.list.onLoad = error => this.loaded(error);
    const compare = new CompareBar(this.list);
    this.node = h(
      'div',
      { class: 'fnb-Section fnb-Runs' },
      h(
        'div',
        { class: 'fnb-Filters' },
        this.text,
        h('div', { class: 'fnb-Filters-row' }, this.phase, this.range, this.sort),
        custom
      ),
      this.summary,
      compare.node,
      // The state (loading, empty, the backend-down banner) sits above the list, in the
      // flow: laid over the list, the banner hid its first rows.
      h('div', { class: 'fnb-ListBox' }, this.state, this.list.node)
    );
    this.text.addEventListener('input', () => {
      window.clearTimeout(this.debounce);
      this.debounce = window.setTimeout(() => this.reload(), 250);
    });
    for (const el of [this.phase, this.sort, this.since, this.until]) {
      el.addEventListener('change', () => this.reload());
    }
    this.range.addEventListener('change', () => {
      custom.hidden = this.range.value !== 'custom';
      this.reload();
    });
    this.feed = new EventFeed(
      client,
      'events',
      () => ({ kinds: 'run' }),
      (kind, data) => this.onEvent(kind, data),
      () => {
        this.showSummary();
        if (this.active && this.list.total !== null) {
          // Dropped: re-read, so a backend that went away says so (the banner); back:
          // catch up on what happened meanwhile.
          this.scheduleRefresh();
        }
      }
    );
    this.poller = new Poller(() => this.list.refresh(), 10);
  }

  set refreshInterval(seconds: number) {
    this.poller.interval = seconds;
  }

  /** Live updates and timers run only while the tab is shown. */
  setActive(active: boolean): void {
    if (active === this.active) {
      return;
    }
    this.active = active;
    if (!active) {
      this.feed.stop();
      this.poller.stop();
      window.clearInterval(this.ticker);
      return;
    }
    if (!this.started) {
      this.started = true;
      this.reload();
    }
    this.feed.start();
    this.poller.start(this.list.total !== null); // first load: reload() already asked
    this.ticker = window.setInterval(() => {
      if (this.list.visibleRuns().some(r => isLive(r.phase))) {
        this.list.render(); // live durations tick
      }
    }, 1000);
  }

  /** Start over: the backend or the endpoint setting changed. */
  restart(): void {
    this.feed.stop();
    if (this.active) {
      this.feed.start();
    }
    this.reload();
  }

  query(): RunQuery {
    const query: RunQuery = { sort: this.sort.value };
    const text = this.text.value.trim();
    if (text) {
      query.q = text;
    }
    if (this.phase.value === 'live') {
      query.phase = ['QUEUED', 'RUNNING'];
    } else if (this.phase.value) {
      query.phase = [this.phase.value];
    }
    if (this.range.value === 'custom') {
      const since = Date.parse(this.since.value);
      const until = Date.parse(this.until.value);
      if (!isNaN(since)) {
        query.since = since / 1000;
      }
      if (!isNaN(until)) {
        query.until = until / 1000;
      }
    } else if (this.range.value) {
      query.since = Date.now() / 1000 - Number(this.range.value);
    }
    return query;
  }

  private filtered(): boolean {
    return Boolean(this.text.value.trim() || this.phase.value || this.range.value);
  }

  private clearFilters(): void {
    this.text.value = '';
    this.phase.value = '';
    this.range.value = '';
    this.since.value = '';
    this.until.value = '';
    (this.node.querySelector('.fnb-Filter-custom') as HTMLElement).hidden = true;
    this.reload();
  }

  reload(): void {
    clear(this.state);
    this.state.appendChild(loadingNotice('runs'));
    this.list.reset(this.query()).catch(() => undefined); // errors arrive via onLoad
  }

  private loaded(error?: unknown): void {
    clear(this.state);
    if (error) {
      const err = asApiError(error);
      if (this.list.total === null) {
        this.state.appendChild(errorNotice(this.client, err, () => this.restart()));
      } else {
        this.state.appendChild(
          h('div', { class: 'fnb-Banner', role: 'alert' }, richText(err.message))
        );
      }
      this.summary.textContent = '';
      return;
    }
    if (this.list.total === 0) {
      this.state.appendChild(
        this.filtered()
          ? notice(
              'empty',
              'No runs match these filters',
              button('Clear filters', () => this.clearFilters())
            )
          : notice(
              'empty',
              'No runs yet',
              richText(
                'Run a task from a notebook (`fl.init()`, then `fl.run(task, ...)`): it shows ' +
                  'here as it starts, and its phase changes live.'
              )
            )
      );
    }
    this.showSummary();
  }

  private showSummary(): void {
    const total = this.list.total;
    if (total === null) {
      this.summary.textContent = '';
      return;
    }
    const count = `${total.toLocaleString()} run${total === 1 ? '' : 's'}`;
    const live = this.feed.connected ? 'live' : `refreshing every ${this.poller.delay} s`;
    this.summary.textContent = `${count} · ${live}`;
    this.summary.classList.toggle('fnb-Summary-live', this.feed.connected);
  }

  private onEvent(kind: string, data: LiveEvent): void {
    // Only run events; not a run's whole view (a watcher of one run gets it first).
    if (kind !== 'run' || !('kind' in data) || data.kind !== 'run') {
      return;
    }
    const known = this.list.patch(data.run, {
      phase: data.phase,
      action_count: data.actions,
      waiting: data.waiting ?? []
    });
    if (!known || !isLive(data.phase)) {
      this.scheduleRefresh(); // a new run, or an ended one (its end time and duration)
    }
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) {
      return;
    }
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = 0;
      this.list.refresh().catch(() => undefined);
    }, 300);
  }
}
