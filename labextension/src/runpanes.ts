/**
 * The run view's two streaming panes: logs (read, then followed while the run is live) and
 * decks/reports (each in a sandboxed iframe).
 *
 * Decks are HTML written by user code and every library it renders, so they are shown
 * only in an iframe with `sandbox="allow-scripts"` and never `allow-same-origin`: scripts
 * run (plotly needs them) in an opaque origin, unable to read JupyterLab's DOM, cookies or
 * its Jupyter token, or to call the panel's API. `srcdoc` keeps the HTML out of any URL.
 */
import { ApiError, PanelClient } from './client';
import { append, button, clear, h, notice, richText } from './dom';
import { asApiError, errorNotice, loadingNotice } from './states';
import type { Doc, DocContent, DocList, LogLine, LogList } from './types';

const MAX_LOG_CHARS = 2_000_000;

export class LogsPane {
  readonly node: HTMLElement;
  private out: HTMLElement;
  private action: HTMLSelectElement;
  private follow: HTMLInputElement;
  private status: HTMLElement;
  private controller: AbortController | null = null;
  private chars = 0;
  private live = false;

  constructor(
    private client: PanelClient,
    private run: string
  ) {
    this.action = h('select', { class: 'fnb-Select', 'aria-label': 'Action' });
    this.action.appendChild(h('option', { value: '' }, 'All actions'));
    this.follow = h('input', { type: 'checkbox', checked: true });
    this.status = h('span', { class: 'fnb-Muted' });
    this.out = h('pre', { class: 'fnb-Logs', tabindex: 0, 'aria-label': 'Logs' });
    this.node = h(
      'div',
      { class: 'fnb-Pane fnb-LogsPane' },
      h(
        'div',
        { class: 'fnb-Toolbar' },
        this.action,
        h('label', { class: 'fnb-Check' }, this.follow, ' Follow'),
        this.status
      ),
      this.out
    );
    this.action.addEventListener('change', () => void this.open(this.live));
    this.follow.addEventListener('change', () => void this.open(this.live));
  }

  setActions(names: string[]): void {
    const have = new Set([...this.action.options].map(o => o.value));
    for (const name of names) {
      if (!have.has(name)) {
        this.action.appendChild(h('option', { value: name }, name));
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
    clear(this.out);
    this.chars = 0;
    this.status.textContent = 'loading…';
    const action = this.action.value || undefined;
    let page: LogList;
    try {
      page = await this.client.get<LogList>(`runs/${encodeURIComponent(this.run)}/logs`, {
        action,
        limit: 100000
      });
    } catch (err) {
      this.status.textContent = asApiError(err).message;
      return;
    }
    this.append(page.items);
    if (!page.items.length) {
      this.status.textContent = live ? 'no output yet' : 'no output';
    } else {
      this.status.textContent = '';
    }
    if (!live || !this.follow.checked) {
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    this.status.textContent = 'following';
    try {
      await this.client.stream(
        `runs/${encodeURIComponent(this.run)}/logs/follow`,
        { action, after: page.next_after },
        (kind, data) => {
          if (kind === 'log') {
            this.append([data as LogLine]);
            this.status.textContent = 'following';
          } else if (kind === 'end') {
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
    }
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
  }

  private append(lines: LogLine[]): void {
    const stick = this.out.scrollTop + this.out.clientHeight >= this.out.scrollHeight - 4;
    const frag = document.createDocumentFragment();
    for (const line of lines) {
      this.chars += line.text.length;
      if (line.stream === 'stderr') {
        frag.appendChild(h('span', { class: 'fnb-Logs-stderr' }, line.text));
      } else {
        frag.appendChild(document.createTextNode(line.text));
      }
    }
    this.out.appendChild(frag);
    while (this.chars > MAX_LOG_CHARS && this.out.firstChild) {
      this.chars -= (this.out.firstChild.textContent ?? '').length;
      this.out.removeChild(this.out.firstChild);
    }
    if (stick) {
      this.out.scrollTop = this.out.scrollHeight;
    }
  }
}

function docKey(d: { action: string; kind: string; name: string }): string {
  return `${d.action}\u0000${d.kind}\u0000${d.name}`;
}

export class DocsPane {
  readonly node: HTMLElement;
  private list: HTMLElement;
  private frameBox: HTMLElement;
  private selected: string | null = null;
  private docs: Doc[] = [];
  private shownAt = new Map<string, number>(); // doc key -> updated_at on screen
  /** Only this action's docs (null: the whole run's). */
  action: string | null = null;

  constructor(
    private client: PanelClient,
    private run: string
  ) {
    this.list = h('div', { class: 'fnb-DocList', role: 'tablist' });
    this.frameBox = h('div', { class: 'fnb-DocFrameBox' });
    this.node = h('div', { class: 'fnb-Pane fnb-DocsPane' }, this.list, this.frameBox);
  }

  /** (Re)read the docs index; reload the shown doc if it was published again. */
  async load(): Promise<void> {
    let page: DocList;
    try {
      const path =
        this.action === null
          ? `runs/${encodeURIComponent(this.run)}/docs`
          : `runs/${encodeURIComponent(this.run)}/actions/${encodeURIComponent(this.action)}/docs`;
      page = await this.client.get<DocList>(path);
    } catch (err) {
      clear(this.list);
      clear(this.frameBox);
      this.frameBox.appendChild(errorNotice(this.client, asApiError(err), () => void this.load()));
      return;
    }
    this.docs = page.items;
    this.renderList();
    if (!this.docs.length) {
      clear(this.frameBox);
      this.frameBox.appendChild(
        notice(
          'empty',
          this.action ? `Action ${this.action} has no decks or reports` : 'No decks or reports yet',
          richText(
            'Tasks publish them with `fl.Deck(name, html)`, `@env.task(report=True)` and ' +
              '`fl.report.log(...)`, or `enable_deck=True`; they appear here as they are published.'
          ),
          this.action ? button('Show the whole run', () => this.filter(null)) : null
        )
      );
      return;
    }
    const current = this.docs.find(d => docKey(d) === this.selected) ?? this.docs[0];
    if (this.shownAt.get(docKey(current)) !== current.updated_at) {
      await this.show(current);
    }
  }

  /** Show only one action's docs (null: the whole run's); `load()` reads them. */
  setAction(action: string | null): void {
    this.action = action;
    this.selected = null;
    this.shownAt.clear();
  }

  filter(action: string | null): void {
    this.setAction(action);
    void this.load();
  }

  private renderList(): void {
    clear(this.list);
    if (this.action !== null) {
      append(
        this.list,
        h('span', { class: 'fnb-Muted' }, `action ${this.action}: `),
        button('all actions', () => this.filter(null), { class: 'fnb-Button fnb-Button-link' })
      );
    }
    for (const doc of this.docs) {
      const key = docKey(doc);
      const tab = button(
        `${doc.name}${doc.kind === 'report' ? ' (report)' : ''} · ${doc.action}`,
        () => void this.show(doc),
        {
          class: `fnb-DocTab${key === this.selected ? ' fnb-mod-selected' : ''}`,
          role: 'tab',
          'aria-selected': String(key === this.selected),
          'data-doc': doc.name,
          title: doc.source_run
            ? `from the cache: run ${doc.source_run}, action ${doc.source_action}`
            : `${doc.kind} of action ${doc.action}, attempt ${doc.attempt}`
        }
      );
      this.list.appendChild(tab);
    }
  }

  private async show(doc: Doc): Promise<void> {
    this.selected = docKey(doc);
    this.renderList();
    clear(this.frameBox);
    this.frameBox.appendChild(loadingNotice(doc.name));
    let content: DocContent;
    try {
      content = await this.client.get<DocContent>(
        `runs/${encodeURIComponent(this.run)}/actions/${encodeURIComponent(doc.action)}` +
          `/docs/${doc.kind}/${encodeURIComponent(doc.name)}`
      );
    } catch (err) {
      clear(this.frameBox);
      this.frameBox.appendChild(
        errorNotice(
          this.client,
          err instanceof ApiError ? err : asApiError(err),
          () => void this.show(doc)
        )
      );
      return;
    }
    if (this.selected !== docKey(doc)) {
      return; // another doc was picked meanwhile
    }
    this.shownAt.set(docKey(doc), content.updated_at);
    clear(this.frameBox);
    this.frameBox.appendChild(sandboxedFrame(content.html, `${doc.kind} ${doc.name}`));
  }
}

/** Untrusted HTML in an opaque-origin frame: scripts run, but cannot reach this page. */
export function sandboxedFrame(html: string, title: string): HTMLIFrameElement {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.setAttribute('referrerpolicy', 'no-referrer');
  frame.className = 'fnb-DocFrame';
  frame.title = title;
  frame.srcdoc = html;
  return frame;
}
