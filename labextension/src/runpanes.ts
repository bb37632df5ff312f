/**
 * The run view's decks/reports pane (each in a sandboxed iframe); the logs pane is
 * `logview.ts`.
 *
 * Decks are HTML written by user code and every library it renders, so they are shown
 * only in an iframe with `sandbox="allow-scripts"` and never `allow-same-origin`: scripts
 * run (plotly needs them) in an opaque origin, unable to read JupyterLab's DOM, cookies or
 * its Jupyter token, or to call the panel's API. `srcdoc` keeps the HTML out of any URL.
 */
import { ApiError, PanelClient } from './client';
import { append, button, clear, h, notice, richText } from './dom';
import { asApiError, errorNotice, loadingNotice } from './states';
import type { Doc, DocContent, DocList } from './types';

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
      page = await (this.action === null
        ? this.client.api('get', 'runs/{name}/docs', { path: { name: this.run } })
        : this.client.api('get', 'runs/{name}/actions/{action}/docs', {
            path: { name: this.run, action: this.action }
          }));
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
      content = await this.client.api(
        'get',
        'runs/{name}/actions/{action}/docs/{kind}/{doc_name}',
        { path: { name: this.run, action: doc.action, kind: doc.kind, doc_name: doc.name } }
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
