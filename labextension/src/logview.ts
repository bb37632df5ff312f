/**
 * The run view's Logs tab: logs people can read.
 *
 * Each stored row (`LogLine`: action, attempt, stream, time, text of whole lines) becomes
 * one row per line with its time, a stdout/stderr mark and, in the all-actions view, the
 * action it came from (task short name and action name, not only a random id). A line
 * is put where an action's attempt starts ("attempt 2 of …"), and a failed attempt's
 * traceback is put in place, after that attempt's last line, read from the action's
 * attempt log: a reader sees the output and the error that ended it together. A search box
 * keeps the lines that match (case-insensitive, counted); Download saves what was read as a
 * text file with the same labels.
 *
 * Why rows, not one text node: each line needs its own labels, search hides rows without
 * re-rendering, and the cap (`MAX_LINES`, oldest dropped first) bounds the DOM of a task
 * that prints in a loop. Action labels and errors come from the actions' summary (one
 * request) and, for failed or retried actions, the full action (at most `MAX_DETAILS`):
 * the logs of a 10,000-action run cost one extra request, not 10,000.
 */
import { PanelClient } from './client';
import { clock } from './consoleutil';
import { button, clear, h } from './dom';
import { asApiError } from './states';
import type { Action, LogLine, LogList } from './types';

const MAX_LINES = 50_000;
const MAX_DETAILS = 50;

type ErrorInfo = { type?: string; message?: string; traceback?: string };

interface AttemptEnd {
  action: string;
  attempt: number;
  at: number;
  error: ErrorInfo;
}

export class LogsPane {
  readonly node: HTMLElement;
  private out: HTMLElement;
  private action: HTMLSelectElement;
  private follow: HTMLInputElement;
  private search: HTMLInputElement;
  private status: HTMLElement;
  private matches: HTMLElement;
  private controller: AbortController | null = null;
  private live = false;
  private lines = 0;
  private labels = new Map<string, string>(); // action name -> "short · a3"
  private seen = new Map<string, number>(); // action -> last attempt shown
  private pending: AttemptEnd[] = []; // failed attempts not yet placed
  private placed = new Set<string>();
  private text: string[] = []; // what Download saves
  private generation = 0;

  constructor(
    private client: PanelClient,
    private run: string
  ) {
    this.action = h('select', { class: 'fnb-Select', 'aria-label': 'Action' });
    this.action.appendChild(h('option', { value: '' }, 'All actions'));
    this.follow = h('input', { type: 'checkbox', checked: true });
    this.search = h('input', {
      class: 'fnb-Input fnb-LogSearch',
      type: 'search',
      placeholder: 'Search logs',
      'aria-label': 'Search logs'
    });
    this.status = h('span', { class: 'fnb-Muted', role: 'status' });
    this.matches = h('span', { class: 'fnb-Muted fnb-LogMatches' });
    this.out = h('div', {
      class: 'fnb-Logs fnb-LogLines',
      tabindex: 0,
      role: 'log',
      'aria-label': 'Logs'
    });
    this.node = h(
      'div',
      { class: 'fnb-Pane fnb-LogsPane' },
      h(
        'div',
        { class: 'fnb-Toolbar' },
        this.action,
        this.search,
        this.matches,
        h('label', { class: 'fnb-Check' }, this.follow, ' Follow'),
        button('Download', () => this.download(), {
          class: 'fnb-Button fnb-LogDownload',
          title: 'Save these logs as a text file'
        }),
        this.status
      ),
      this.out
    );
    this.action.addEventListener('change', () => void this.open(this.live));
    this.follow.addEventListener('change', () => void this.open(this.live));
    this.search.addEventListener('input', () => this.applySearch());
  }

  setActions(names: string[]): void {
    const have = new Set([...this.action.options].map(o => o.value));
    for (const name of names) {
      if (!have.has(name)) {
        this.action.appendChild(h('option', { value: name }, this.labels.get(name) ?? name));
      }
    }
  }

  showAction(name: string): void {
    this.setActions([name]);
    this.action.value = name;
  }

  /** Read the logs from the start; while `live` and Follow is on, keep streaming them. */
  async open(live: boolean): Promise<void> {
    this.stop();
    this.live = live;
    const generation = ++this.generation;
    clear(this.out);
    this.lines = 0;
    this.text = [];
    this.seen.clear();
    this.placed.clear();
    this.pending = [];
    this.status.textContent = 'loading…';
    const action = this.action.value || undefined;
    const runPath = `runs/${encodeURIComponent(this.run)}`;
    let page: LogList;
    try {
      const [logs] = await Promise.all([
        this.client.api('get', 'runs/{name}/logs', {
          path: { name: this.run },
          query: { action, limit: 100000 }
        }),
        this.readActions(action)
      ]);
      page = logs;
    } catch (err) {
      this.status.textContent = asApiError(err).message;
      return;
    }
    if (generation !== this.generation) {
      return; // another action was picked meanwhile
    }
    this.append(page.items);
    this.placeRest(live);
    this.status.textContent = page.items.length ? '' : live ? 'no output yet' : 'no output';
    if (!live || !this.follow.checked) {
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    this.status.textContent = 'following';
    let ended = false;
    try {
      await this.client.stream(
        `${runPath}/logs/follow`,
        { action, after: page.next_after },
        (kind, data) => {
          if (kind === 'log') {
            this.append([data as LogLine]);
            this.status.textContent = 'following';
          } else if (kind === 'end') {
            ended = true;
            this.status.textContent = `run ended ${data?.phase ?? ''}`;
          }
        },
        controller.signal
      );
    } catch (err) {
      this.status.textContent = `stopped following: ${asApiError(err).message}`;
    }
    if (this.controller === controller) {
      this.controller = null;
      if (ended) {
        await this.open(false); // read once more: the failures are known now
      }
    }
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
  }

  /** Labels for every action, and the failed attempts of the shown ones. */
  private async readActions(only: string | undefined): Promise<void> {
    let actions: Action[];
    try {
      actions = (
        await this.client.api('get', 'runs/{name}/actions', {
          path: { name: this.run },
          query: { summary: true }
        })
      ).items;
    } catch {
      return; // labels are a help: the lines are shown without them
    }
    for (const a of actions) {
      this.labels.set(a.name, `${a.short_name || a.task_name} · ${a.name}`);
    }
    for (const option of [...this.action.options]) {
      if (option.value) {
        option.textContent = this.labels.get(option.value) ?? option.value;
      }
    }
    const failing = actions.filter(a => (!only || a.name === only) && (a.attempts > 1 || a.error));
    const details = await Promise.all(
      failing.slice(0, MAX_DETAILS).map(a =>
        this.client
          .api('get', 'runs/{name}/actions/{action}', {
            path: { name: this.run, action: a.name }
          })
          .catch(() => a)
      )
    );
    for (const a of details) {
      const log = (a.attempt_log ?? []) as Record<string, any>[];
      let any = false;
      for (const entry of log) {
        if (entry.error) {
          any = true;
          this.pending.push({
            action: a.name,
            attempt: Number(entry.attempt ?? 1),
            at: Number(entry.ended_at ?? a.ended_at ?? 0),
            error: entry.error as ErrorInfo
          });
        }
      }
      if (!any && a.error) {
        this.pending.push({
          action: a.name,
          attempt: a.attempts || 1,
          at: a.ended_at ?? 0,
          error: a.error
        });
      }
    }
    this.pending.sort((x, y) => x.at - y.at);
  }

  private label(name: string): string {
    return this.labels.get(name) ?? name;
  }

  private append(lines: LogLine[]): void {
    const stick = this.out.scrollTop + this.out.clientHeight >= this.out.scrollHeight - 4;
    const all = !this.action.value;
    const frag = document.createDocumentFragment();
    for (const line of lines) {
      // a failed attempt that ended before this line: its traceback goes first
      while (this.pending.length && this.pending[0].at <= line.ts) {
        this.placeError(frag, this.pending.shift()!);
      }
      const last = this.seen.get(line.action_name);
      if (last !== line.attempt) {
        this.seen.set(line.action_name, line.attempt);
        if (line.attempt > 1 || (!all && last === undefined)) {
          this.separator(frag, line.action_name, line.attempt, line.ts);
        }
      }
      const texts = line.text.replace(/\n$/, '').split('\n');
      for (const text of texts) {
        frag.appendChild(this.row(line, text, all));
        this.text.push(
          `${clock(line.ts)} ${line.stream === 'stderr' ? 'err' : 'out'} ` +
            `[${this.label(line.action_name)} #${line.attempt}] ${text}`
        );
        this.lines++;
      }
    }
    this.out.appendChild(frag);
    while (this.lines > MAX_LINES && this.out.firstChild) {
      this.out.removeChild(this.out.firstChild);
      this.lines--;
      this.text.shift();
    }
    this.applySearch();
    if (stick) {
      this.out.scrollTop = this.out.scrollHeight;
    }
  }

  /** The failed attempts left after the last line (or all, for a run without output). */
  private placeRest(live: boolean): void {
    const frag = document.createDocumentFragment();
    for (const end of this.pending) {
      this.placeError(frag, end);
    }
    this.pending = [];
    this.out.appendChild(frag);
    this.applySearch();
    if (!live) {
      this.out.scrollTop = 0;
    }
  }

  private row(line: LogLine, text: string, all: boolean): HTMLElement {
    const stderr = line.stream === 'stderr';
    return h(
      'div',
      {
        class: `fnb-LogLine${stderr ? ' fnb-Logs-stderr' : ''}`,
        'data-action': line.action_name,
        'data-attempt': line.attempt,
        'data-stream': line.stream
      },
      h(
        'span',
        { class: 'fnb-LogTs', title: new Date(line.ts * 1000).toISOString() },
        clock(line.ts)
      ),
      h(
        'span',
        { class: `fnb-LogStream fnb-LogStream-${stderr ? 'err' : 'out'}`, title: line.stream },
        stderr ? 'err' : 'out'
      ),
      all
        ? h(
            'span',
            {
              class: 'fnb-LogAction',
              title: `action ${line.action_name}, attempt ${line.attempt}`
            },
            this.label(line.action_name)
          )
        : null,
      h('span', { class: 'fnb-LogText' }, text)
    );
  }

  private separator(frag: Node, action: string, attempt: number, ts: number): void {
    const text = `attempt ${attempt} of ${this.label(action)} · ${clock(ts)}`;
    frag.appendChild(
      h('div', { class: 'fnb-LogAttempt', role: 'separator', 'data-action': action }, text)
    );
    this.text.push(`---- ${text} ----`);
  }

  private placeError(frag: Node, end: AttemptEnd): void {
    const key = `${end.action}#${end.attempt}`;
    if (this.placed.has(key)) {
      return;
    }
    this.placed.add(key);
    const title = `${end.error.type ?? 'Error'}: ${end.error.message ?? ''}`;
    const where = `attempt ${end.attempt} of ${this.label(end.action)} failed · ${clock(end.at)}`;
    frag.appendChild(
      h(
        'div',
        {
          class: 'fnb-LogError',
          role: 'note',
          'data-action': end.action,
          'data-attempt': end.attempt
        },
        h('div', { class: 'fnb-LogError-where' }, where),
        h('div', { class: 'fnb-LogError-title' }, title),
        end.error.traceback ? h('pre', { class: 'fnb-LogError-tb' }, end.error.traceback) : null
      )
    );
    this.text.push(
      `---- ${where} ----`,
      title,
      ...(end.error.traceback ? [end.error.traceback] : [])
    );
  }

  /** Hide the rows that do not contain the search text; count the ones that do. */
  private applySearch(): void {
    const needle = this.search.value.trim().toLowerCase();
    let shown = 0;
    for (const el of Array.from(this.out.children) as HTMLElement[]) {
      const hit = !needle || (el.textContent ?? '').toLowerCase().includes(needle);
      el.classList.toggle('fnb-mod-hidden', !hit);
      if (hit && el.classList.contains('fnb-LogLine')) {
        shown++;
      }
    }
    this.matches.textContent = needle
      ? `${shown.toLocaleString()} matching line${shown === 1 ? '' : 's'}`
      : '';
  }

  /** Everything read, as text with its labels, saved by the browser. */
  private download(): void {
    const blob = new Blob([this.text.join('\n') + '\n'], { type: 'text/plain' });
    const url = URL.createObjectURL(blob);
    const a = h('a', {
      href: url,
      download: `${this.run}${this.action.value ? `-${this.action.value}` : ''}.log`
    });
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
