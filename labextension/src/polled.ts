/**
 * Views and sidebar tabs that poll: artifacts and apps have no event stream.
 */

/**
 * A main-area view that re-reads its data at the refresh interval while it is visible
 * (artifacts and apps have no event stream), and holds no timer while hidden or closed.
 */
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { PanelClient, Poller } from './client';
import { arrowKeys, clear, h } from './dom';
import type { Section } from './panel';
import { asApiError, errorNotice, loadingNotice } from './states';

export abstract class PolledView extends Widget {
  private poller: Poller;

  constructor(refreshInterval: number) {
    super();
    this.addClass('fnb-RunView');
    this.title.closable = true;
    this.poller = new Poller(() => this.load(), refreshInterval);
  }

  /** Read and draw everything; reject on failure, so the poller backs off. */
  abstract load(): Promise<void>;

  set refreshInterval(seconds: number) {
    this.poller.interval = seconds;
  }

  protected onAfterShow(_msg: Message): void {
    this.poller.start();
  }

  protected onAfterAttach(_msg: Message): void {
    if (this.isVisible) {
      this.poller.start();
    }
  }

  protected onBeforeHide(_msg: Message): void {
    this.poller.stop();
  }

  protected onBeforeDetach(_msg: Message): void {
    this.poller.stop();
  }

  dispose(): void {
    this.poller.stop();
    super.dispose();
  }
}

/**
 * A sidebar tab that lists things read with one request (artifacts, apps): re-read at the
 * refresh interval while the tab is shown, with the shared loading and error states.
 */
export abstract class PolledSection<T> implements Section {
  readonly node: HTMLElement;
  protected list: HTMLElement;
  protected state: HTMLElement;
  protected summary: HTMLElement;
  private poller: Poller;
  private started = false;

  constructor(
    protected client: PanelClient,
    private what: string,
    ...top: HTMLElement[]
  ) {
    this.summary = h('div', { class: 'fnb-Summary' });
    this.state = h('div', {});
    this.list = h('div', { class: 'fnb-SimpleList', role: 'list' });
    arrowKeys(this.list, '.fnb-Item');
    this.node = h('div', { class: 'fnb-Section' }, ...top, this.summary, this.state, this.list);
    this.poller = new Poller(() => this.load(), 10);
  }

  /** One read of what the tab lists. */
  protected abstract fetch(): Promise<T>;

  /** Fill the summary, the list (cleared) and, when empty, the state. */
  protected abstract render(data: T): void;

  set refreshInterval(seconds: number) {
    this.poller.interval = seconds;
  }

  setActive(active: boolean): void {
    if (!active) {
      this.poller.stop();
      return;
    }
    if (!this.started) {
      this.started = true;
      this.state.appendChild(loadingNotice(this.what));
    }
    this.poller.start();
  }

  restart(): void {
    if (this.started) {
      void this.load().catch(() => undefined);
    }
  }

  async load(): Promise<void> {
    let data: T;
    try {
      data = await this.fetch();
    } catch (err) {
      clear(this.state);
      clear(this.list);
      this.state.appendChild(errorNotice(this.client, asApiError(err), () => this.restart()));
      throw err; // the poller backs off
    }
    // The list is rebuilt on each poll: keep the keyboard focus on the same item, or a
    // reader moving with the arrow keys would lose their place every refresh.
    const focused = focusedItem(this.list);
    clear(this.state);
    clear(this.list);
    this.render(data);
    if (focused) {
      this.list.querySelector<HTMLElement>(focused)?.focus({ preventScroll: true });
    }
  }
}

/** A selector for the list item that has the focus (by its first data attribute), if any. */
function focusedItem(list: HTMLElement): string | null {
  const active = document.activeElement;
  const item =
    active instanceof HTMLElement && list.contains(active) ? active.closest('.fnb-Item') : null;
  const attr = item ? Array.from(item.attributes).find(a => a.name.startsWith('data-')) : undefined;
  return attr ? `.fnb-Item[${attr.name}="${CSS.escape(attr.value)}"]` : null;
}

/** A two-line list entry that opens something on click or Enter. */
export function listItem(
  attrs: Record<string, string>,
  title: string,
  badge: HTMLElement,
  meta: (HTMLElement | null)[],
  open: () => void
): HTMLElement {
  const row = h(
    'div',
    { class: 'fnb-Item', role: 'listitem', tabindex: 0, ...attrs },
    h('div', { class: 'fnb-RunRow-line' }, h('span', { class: 'fnb-RunRow-name' }, title), badge),
    h('div', { class: 'fnb-RunRow-line fnb-RunRow-meta' }, ...meta)
  );
  row.addEventListener('click', open);
  row.addEventListener('keydown', e => e.key === 'Enter' && open());
  return row;
}
