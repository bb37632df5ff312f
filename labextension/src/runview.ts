/**
 * The main-area view of one run: header (phase, times, abort, copy to notebook), and tabs
 * for the action tree, the timeline, inputs and outputs, logs, and decks and reports.
 *
 * Live while the run is live *and* the view is visible: the run's event stream (phase,
 * action and doc events; the proxy leaves log lines out, the Logs tab follows its own
 * stream) triggers throttled re-reads of what changed, and a slower poll with back-off covers
 * a lost stream. A finished run, or a hidden view, holds no connection.
 */
import { showDialog, Dialog, Notification } from '@jupyterlab/apputils';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { ApiError, EventFeed, PanelClient, Poller } from './client';
import {
  button,
  clear,
  elapsed,
  formatDuration,
  formatTime,
  h,
  metaList,
  notice,
  phaseBadge,
  richText
} from './dom';
import {
  renderAttempts,
  renderCounts,
  renderError,
  renderTimeline,
  renderValues
} from './runparts';
import { copyLinkButton, runTarget } from './links';
import { WrittenIn } from './gotocell';
import { LogsPane } from './logview';
import { phaseWhy } from './phases';
import { DocsPane } from './runpanes';
import { GraphPane } from './rungraph';
import { runArtifacts, runValues } from './runtabs';
import { Gates } from './rungates';
import { RunActions, waitingChip } from './runactions';
import { failureHidden, firstFailed, TreeControls } from './runtree';
import { asApiError, errorNotice, loadingNotice } from './states';
import { Action, ActionTree, isLive, Key, Run, Values } from './types';

type Tab = 'actions' | 'graph' | 'timeline' | 'values' | 'logs' | 'docs' | 'artifacts';
const TABS: [Tab, string][] = [
  ['actions', 'Actions'],
  ['graph', 'Graph'],
  ['timeline', 'Timeline'],
  ['values', 'Inputs & outputs'],
  ['logs', 'Logs'],
  ['docs', 'Decks & reports'],
  ['artifacts', 'Artifacts']
];

export function snippet(name: string): string {
  return `import flyte_nb as fl\n\nfl.init()\nrun = fl.remote.Run.get(${JSON.stringify(name)})\nrun`;
}

export interface RunViewOptions {
  client: PanelClient;
  name: string;
  refreshInterval: number;
  /** Put code into the user's notebook; resolves to where it went, or null if nowhere. */
  insertCode: (code: string) => Promise<string | null>;
  /** Open an artifact's view (lineage links). */
  openArtifact: (key: Key) => void;
  /** An action to show first (a link to it). */
  action?: string | null;
}

export class RunView extends Widget {
  readonly runName: string;
  private client: PanelClient;
  private run: Run | null = null;
  private tree: ActionTree | null = null;
  private tab: Tab = 'actions';
  private selected: string | null = null;
  private header: HTMLElement;
  private tabs: HTMLElement;
  private body: HTMLElement;
  private logs: LogsPane;
  private docs: DocsPane;
  private written: WrittenIn; // where the task was defined, "Go to cell"
  private feed: EventFeed;
  private poller: Poller;
  private timers = new Map<string, number>();
  private ticker = 0;
  private insertCode: RunViewOptions['insertCode'];
  private openArtifact: RunViewOptions['openArtifact'];
  private dirty = new Set<Tab>();
  private detailKey = '';
  private frames = (blob: string) => this.client.frameHead(blob);
  private gates: Gates;
  private acts: RunActions; // Re-run, Re-run with edits, Recover
  private controls: TreeControls; // the Actions tab's own state, kept across updates
  private graph: GraphPane; // the Graph tab (rungraph.ts), kept across updates

  constructor(options: RunViewOptions) {
    super();
    this.runName = options.name;
    this.client = options.client;
    this.insertCode = options.insertCode;
    this.openArtifact = options.openArtifact;
    this.addClass('fnb-RunView');
    this.title.label = options.name;
    this.title.caption = `flyte_nb run ${options.name}`;
    this.title.closable = true;
    this.header = h('div', { class: 'fnb-RunHeader' }, loadingNotice(`run ${options.name}`));
    this.tabs = h('div', { class: 'fnb-Tabs', role: 'tablist' });
    this.body = h('div', { class: 'fnb-RunBody' });
    this.node.append(this.header, this.tabs, this.body);
    this.logs = new LogsPane(this.client, this.runName);
    this.docs = new DocsPane(this.client, this.runName);
    this.graph = new GraphPane({
      client: this.client,
      runName: this.runName,
      renderDetail: (action, box) => this.renderAction(action, box)
    });
    this.written = new WrittenIn(this.client, this.runName);
    this.feed = new EventFeed(
      this.client,
      'events',
      () => ({ run: this.runName, kinds: 'run,action,doc' }),
      (kind, data) => this.onEvent(kind, data)
    );
    this.poller = new Poller(() => this.refresh(), options.refreshInterval);
    this.controls = new TreeControls({
      redraw: () => void this.redrawTree(),
      reload: () => void this.renderBody(false),
      firstFailure: () => void this.firstFailure(),
      select: name => void this.selectAction(name)
    });
    this.gates = new Gates(
      this.client,
      this.runName,
      () => void this.refresh().catch(() => undefined)
    );
    this.acts = new RunActions(this.client, this.runName);
    this.renderTabs();
    this.selected = options.action ?? null;
    void this.refresh()
      .then(() => (options.action ? this.showAction(options.action) : undefined))
      .catch(() => undefined);
  }

  set refreshInterval(seconds: number) {
    this.poller.interval = seconds;
  }

  get live(): boolean {
    return this.run !== null && isLive(this.run.phase);
  }

  /** Show one tab (also used by the tests' and users' deep links). */
  selectTab(tab: Tab): void {
    if (tab !== 'logs') {
      this.logs.stop();
    }
    this.tab = tab;
    this.renderTabs();
    void this.renderBody(true);
  }

  protected onAfterShow(_msg: Message): void {
    this.updateActivity();
  }

  protected onBeforeHide(_msg: Message): void {
    this.feed.stop();
    this.poller.stop();
    window.clearInterval(this.ticker);
    this.ticker = 0;
  }

  protected onAfterAttach(_msg: Message): void {
    this.updateActivity();
  }

  protected onBeforeDetach(_msg: Message): void {
    this.onBeforeHide(_msg);
    this.logs.stop();
  }

  dispose(): void {
    this.feed.stop();
    this.poller.stop();
    this.logs.stop();
    window.clearInterval(this.ticker);
    this.timers.forEach(t => window.clearTimeout(t));
    super.dispose();
  }

  /** Start or stop live updates to match: visible and the run still live. */
  private updateActivity(): void {
    if (this.isVisible && this.live) {
      this.feed.start();
      this.poller.start(false);
      if (!this.ticker) {
        this.ticker = window.setInterval(() => this.renderHeader(), 1000);
      }
    } else {
      this.feed.stop();
      this.poller.stop();
      window.clearInterval(this.ticker);
      this.ticker = 0;
    }
  }

  /** Re-read the run, then what the current tab shows. */
  async refresh(): Promise<void> {
    try {
      this.run = await this.client.get<Run>(`runs/${encodeURIComponent(this.runName)}`);
      if (isLive(this.run.phase)) {
        await this.gates.read();
      } else {
        this.gates.signals = [];
      }
    } catch (err) {
      this.showFailure(asApiError(err));
      throw err;
    }
    this.title.className = `fnb-RunTab-${this.run.phase}`;
    this.renderHeader();
    await this.renderBody(false);
    this.updateActivity();
  }

  private showFailure(err: ApiError): void {
    clear(this.header);
    clear(this.body);
    if (err.status === 404 && err.code === 'not_found') {
      this.header.appendChild(
        notice(
          'error',
          `No run named ${this.runName}`,
          richText(
            'This backend has no such run: it may be recorded under another home folder ' +
              '(`FLYTE_NB_HOME`) or on another backend.'
          )
        )
      );
      return;
    }
    this.header.appendChild(
      errorNotice(this.client, err, () => void this.refresh().catch(() => undefined))
    );
  }

  private later(key: string, ms: number, fn: () => void): void {
    if (this.timers.has(key)) {
      return;
    }
    this.timers.set(
      key,
      window.setTimeout(() => {
        this.timers.delete(key);
        fn();
      }, ms)
    );
  }

  private onEvent(kind: string, data: any): void {
    if (kind === 'run') {
      if (this.run && data?.phase) {
        this.run.phase = data.phase;
        this.renderHeader();
      }
      this.later('run', 250, () => void this.refresh().catch(() => undefined));
    } else if (kind === 'action') {
      this.dirty.add('actions').add('timeline');
      // A gate starting or ending is an action event: re-read what waits for an answer.
      this.later(
        'signals',
        500,
        () =>
          void this.gates.read().then(() => {
            this.renderHeader();
            void this.redrawTree(); // its "waiting for you" marks
          })
      );
      if (this.tab === 'actions' || this.tab === 'timeline' || this.tab === 'graph') {
        this.later('tree', 500, () => void this.renderBody(false));
      }
    } else if (kind === 'doc') {
      this.dirty.add('docs');
      if (this.tab === 'docs') {
        this.later('docs', 300, () => void this.docs.load());
      }
    }
  }

  private renderTabs(): void {
    clear(this.tabs);
    for (const [tab, label] of TABS) {
      const el = button(label, () => this.selectTab(tab), {
        class: `fnb-Tab${tab === this.tab ? ' fnb-mod-selected' : ''}`,
        role: 'tab',
        'aria-selected': String(tab === this.tab),
        'data-tab': tab
      });
      this.tabs.appendChild(el);
    }
  }

  /** The root action's phase, as last read (a run is RUNNING while its root is queued). */
  private rootPhase(): string | undefined {
    return this.tree?.items.find(a => a.parent === null)?.phase;
  }

  private renderHeader(): void {
    const run = this.run;
    if (!run) {
      return;
    }
    // Boxes in the header (a gate's value, the re-run form) are kept nodes: give the one
    // being typed in its focus back after the redraw (a live run's, every second).
    const typing = document.activeElement as HTMLInputElement | null;
    const kept = typing && this.header.contains(typing) ? typing : null;
    const caret =
      kept && 'selectionStart' in kept ? [kept.selectionStart, kept.selectionEnd] : null;
    clear(this.header);
    const actions = h('div', { class: 'fnb-RunHeader-actions' });
    if (isLive(run.phase)) {
      const abort = button('Abort', () => void this.abort(), {
        class: 'fnb-Button fnb-Button-danger'
      });
      actions.appendChild(abort);
    }
    actions.append(...this.acts.buttons(run));
    actions.appendChild(
      button('Copy to notebook', () => void this.copy(), { title: snippet(run.name) })
    );
    actions.appendChild(copyLinkButton(() => runTarget(run.name)));
    actions.appendChild(button('Refresh', () => void this.refresh().catch(() => undefined)));
    const meta: [string, string][] = [
      ['task', run.task_name],
      ['project', `${run.project} / ${run.domain}`],
      ['created', formatTime(run.created_at)],
      ['started', formatTime(run.started_at)],
      ['ended', formatTime(run.ended_at)],
      ['duration', formatDuration(run.duration ?? elapsed(run.started_at, run.ended_at))],
      ['actions', run.action_count.toLocaleString()],
      ['mode', run.mode]
    ];
    this.header.append(
      h(
        'div',
        { class: 'fnb-RunHeader-title' },
        h('h2', {}, run.name),
        phaseBadge(run.phase),
        phaseWhy(this.rootPhase() ?? run.phase) ?? '', // a queued root says why
        waitingChip(run.waiting),
        actions
      ),
      this.acts.panel,
      metaList(meta),
      h(
        'code',
        { class: 'fnb-Snippet', title: 'Find this run again from any notebook' },
        `fl.remote.Run.get(${JSON.stringify(run.name)})`
      ),
      this.written.node,
      renderError(run.error) ?? '',
      (isLive(run.phase) && this.gates.render()) || ''
    );
    if (kept?.isConnected) {
      kept.focus();
      if (caret && caret[0] !== null) {
        kept.setSelectionRange(caret[0], caret[1]);
      }
    }
  }

  private async renderBody(switched: boolean): Promise<void> {
    const run = this.run;
    if (!run) {
      return;
    }
    const tab = this.tab;
    if (switched) {
      clear(this.body);
      this.body.appendChild(loadingNotice(TABS.find(t => t[0] === tab)![1].toLowerCase()));
    }
    try {
      if (tab === 'actions' || tab === 'timeline') {
        this.tree = await this.client.get<ActionTree>(`runs/${encodeURIComponent(run.name)}/tree`, {
          max_children: this.controls.full ? 10000 : 200
        });
        this.logs.setActions(this.tree.items.map(a => a.name));
        if (this.tab !== tab) {
          return;
        }
        if (tab === 'timeline') {
          const top = this.body.scrollTop;
          clear(this.body);
          this.body.append(renderCounts(this.tree), renderTimeline(run, this.tree));
          this.body.scrollTop = top;
        } else {
          await this.drawActions(this.tree, switched);
        }
      } else if (tab === 'graph') {
        if (!this.body.contains(this.graph.node)) {
          clear(this.body);
          this.body.appendChild(this.graph.node);
        }
        await this.graph.load();
      } else if (tab === 'values') {
        await this.renderValues(run);
      } else if (tab === 'artifacts') {
        await this.renderArtifacts(run);
      } else if (tab === 'logs') {
        if (switched || !this.body.contains(this.logs.node)) {
          clear(this.body);
          this.body.appendChild(this.logs.node);
          void this.logs.open(isLive(run.phase));
        }
      } else if (tab === 'docs') {
        if (!this.body.contains(this.docs.node)) {
          clear(this.body);
          this.body.appendChild(this.docs.node);
        }
        if (switched || this.dirty.has('docs') || !isLive(run.phase)) {
          await this.docs.load();
        }
      }
      this.dirty.delete(tab);
    } catch (err) {
      clear(this.body);
      this.body.appendChild(
        errorNotice(this.client, asApiError(err), () => void this.renderBody(true))
      );
    }
  }

  /** Show one action (a link to it): the Actions tab, with the action selected. */
  async showAction(name: string): Promise<void> {
    if (this.tab !== 'actions') {
      this.tab = 'actions';
      this.renderTabs();
    }
    this.controls.reset();
    this.selected = name;
    this.detailKey = '';
    await this.renderBody(true);
    if (this.tree && !this.tree.items.some(a => a.name === name) && !this.controls.full) {
      this.controls.full = true; // past the cut: read every child
      await this.renderBody(false);
    }
    this.controls.view.reveal(name); // the tree draws only rows in view: scroll to it
  }

  private async selectAction(name: string): Promise<void> {
    this.selected = name;
    this.detailKey = '';
    await this.renderBody(false);
  }

  /** Draw the tree again from what was last read (a filter or a fold changed). */
  private async redrawTree(): Promise<void> {
    if (this.tree && this.tab === 'actions') {
      await this.drawActions(this.tree, false);
    }
  }

  /** Select the first failed action in tree order, wherever it hides. */
  private async firstFailure(): Promise<void> {
    if (this.tree && !this.controls.full && failureHidden(this.tree)) {
      this.controls.full = true; // the first failure may be past the cut: read every child
      await this.renderBody(false);
    }
    const first = this.tree ? firstFailed(this.tree) : undefined;
    if (!this.tree || !first) {
      Notification.info('No action failed in this run', { autoClose: 3000 });
      return;
    }
    this.controls.reset();
    await this.selectAction(first.name);
    this.controls.view.reveal(first.name, true)?.scrollIntoView({ block: 'nearest' });
  }

  /**
   * The Actions tab. Drawn once, then updated in place as events arrive: the tree
   * (treeview.ts, virtualized) keeps its element, scroll position and focused row (a
   * rebuild on every event threw a reader scrolling a live run back to the top), the page
   * keeps its scroll, and the selected action's detail is re-read only when it changed.
   */
  private async drawActions(tree: ActionTree, switched: boolean): Promise<void> {
    const waiting = new Set(this.gates.signals.map(s => s.action_name)); // "waiting for you"
    const box = this.controls.view.node;
    let detail = this.body.querySelector<HTMLElement>(':scope > .fnb-ActionDetail');
    const counts = this.body.querySelector<HTMLElement>(':scope > .fnb-Counts');
    if (switched || !this.body.contains(box) || !detail || !counts) {
      clear(this.body);
      detail = h('div', { class: 'fnb-ActionDetail' });
      this.body.append(this.controls.node, renderCounts(tree), box, detail);
      this.controls.draw(tree, this.selected, waiting);
      this.detailKey = '';
    } else {
      const pageTop = this.body.scrollTop;
      counts.replaceWith(renderCounts(tree));
      this.controls.draw(tree, this.selected, waiting);
      this.body.scrollTop = pageTop;
    }
    box.dataset.updates = String(Number(box.dataset.updates ?? 0) + 1);
    const chosen = this.selected ? tree.items.find(a => a.name === this.selected) : undefined;
    const key = chosen
      ? `${chosen.name}|${chosen.phase}|${chosen.attempts}|${chosen.ended_at}`
      : (this.selected ?? '');
    if (this.selected && key !== this.detailKey) {
      this.detailKey = key;
      await this.renderAction(this.selected, detail);
    }
  }

  private async renderAction(name: string, box: HTMLElement): Promise<void> {
    const base = `runs/${encodeURIComponent(this.runName)}/actions/${encodeURIComponent(name)}`;
    const action = await this.client.get<Action>(base);
    const [inputs, outputs] = await Promise.all([
      this.client.get<Values>(`${base}/inputs`),
      this.client.get<Values>(`${base}/outputs`)
    ]);
    clear(box);
    box.append(
      h(
        'div',
        { class: 'fnb-RunHeader-title' },
        h('h3', {}, `${action.short_name || action.task_name} (${action.name})`),
        phaseBadge(action.phase),
        button('Logs', () => {
          this.logs.showAction(name);
          this.selectTab('logs');
        }),
        button('Decks', () => {
          this.docs.setAction(name);
          this.selectTab('docs');
        }),
        copyLinkButton(() => runTarget(this.runName, name))
      ),
      h(
        'div',
        { class: 'fnb-Muted' },
        `task ${action.task_name}${action.cache_hit ? ' · cache hit' : ''}`
      ),
      renderError(action.error) ?? '',
      h('h4', {}, 'Attempts'),
      renderAttempts(action),
      h('h4', {}, 'Inputs'),
      renderValues(inputs.values, 'no inputs', this.frames),
      h('h4', {}, 'Outputs'),
      renderValues(outputs.values, isLive(action.phase) ? 'not yet' : 'no outputs', this.frames)
    );
  }

  private async renderValues(run: Run): Promise<void> {
    const parts = await runValues(this.client, run, this.frames);
    if (this.tab === 'values') {
      clear(this.body);
      this.body.append(...parts);
    }
  }

  private async renderArtifacts(run: Run): Promise<void> {
    const parts = await runArtifacts(this.client, run, this.openArtifact);
    if (this.tab === 'artifacts') {
      clear(this.body);
      this.body.append(...parts);
    }
  }

  private async abort(): Promise<void> {
    const answer = await showDialog({
      title: `Abort run ${this.runName}?`,
      body: 'Its running actions are stopped and it ends ABORTED.',
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Abort' })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await this.client.post<Run>(`runs/${encodeURIComponent(this.runName)}/abort`, {
        reason: 'aborted from the JupyterLab panel'
      });
    } catch (err) {
      await showDialog({
        title: 'Could not abort',
        body: asApiError(err).message,
        buttons: [Dialog.okButton()]
      });
    }
    await this.refresh().catch(() => undefined);
  }

  private async copy(): Promise<void> {
    const code = snippet(this.runName);
    const where = await this.insertCode(code);
    // JupyterLab's own notification: inserting the cell shows the notebook and hides this
    // view, so a note inside the view was never seen.
    if (where) {
      Notification.success(`Added to ${where} (and copied): run = fl.remote.Run.get(…)`, {
        autoClose: 5000
      });
    } else {
      Notification.info('Copied to the clipboard: paste it into a notebook', {
        autoClose: 5000
      });
    }
  }
}
