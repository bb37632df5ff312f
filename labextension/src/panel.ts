/**
 * The left-sidebar panel: Runs, Artifacts and Apps tabs over one PanelClient.
 *
 * Only the shown tab of a shown panel is active (live stream, polling, ticking); the panel
 * also counts as hidden while the browser tab is in the background, so a forgotten
 * JupyterLab tab does not keep streaming events.
 */
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { PanelClient } from './client';
import { button, clear, h } from './dom';
import { RunsSection } from './runs';

/** What a tab of the panel provides. */
export interface Section {
  readonly node: HTMLElement;
  setActive(active: boolean): void;
  restart(): void;
}

export class FlytePanel extends Widget {
  readonly runs: RunsSection;
  private sections: Map<string, [string, Section]>;
  private current = 'runs';
  private tabs: HTMLElement;
  private body: HTMLElement;
  private footer: HTMLElement;
  private onVisibility = () => this.updateActivity();
  private statusTimer = 0;

  constructor(
    private client: PanelClient,
    openRun: (name: string) => void,
    extra: [string, string, Section][] = []
  ) {
    super();
    this.id = 'flyte-nb-panel';
    this.addClass('fnb-Panel');
    this.title.caption = 'flyte_nb: runs, artifacts and apps';
    this.runs = new RunsSection(client, openRun);
    this.sections = new Map<string, [string, Section]>([
      ['runs', ['Runs', this.runs]],
      ...extra.map(([id, label, section]) => [id, [label, section]] as [string, [string, Section]])
    ]);
    this.tabs = h('div', { class: 'fnb-Tabs', role: 'tablist' });
    this.body = h('div', { class: 'fnb-Panel-body' });
    this.footer = h('div', { class: 'fnb-Footer', role: 'status' });
    this.node.append(
      h(
        'div',
        { class: 'fnb-Panel-header' },
        h('span', { class: 'fnb-Panel-title' }, 'flyte_nb'),
        button('⟳', () => this.restart(), { class: 'fnb-Button fnb-Button-icon', title: 'Reload' })
      ),
      this.tabs,
      this.body,
      this.footer
    );
    this.showTab(this.current);
    client.onBackendChange(() => this.statusSoon());
  }

  /** Re-read the footer's backend status shortly (changes come in bursts). */
  private statusSoon(): void {
    if (this.statusTimer) {
      return;
    }
    this.statusTimer = window.setTimeout(() => {
      this.statusTimer = 0;
      void this.showStatus();
    }, 200);
  }

  /** Switch tabs (by id: runs, artifacts, apps). */
  showTab(id: string): void {
    const entry = this.sections.get(id);
    if (!entry) {
      return;
    }
    this.sections.get(this.current)?.[1].setActive(false);
    this.current = id;
    clear(this.tabs);
    for (const [key, [label]] of this.sections) {
      this.tabs.appendChild(
        button(label, () => this.showTab(key), {
          class: `fnb-Tab${key === id ? ' fnb-mod-selected' : ''}`,
          role: 'tab',
          'aria-selected': String(key === id),
          'data-tab': key
        })
      );
    }
    clear(this.body);
    this.body.appendChild(entry[1].node);
    this.updateActivity();
  }

  /** The backend or the endpoint setting changed: read everything again. */
  restart(): void {
    for (const [, section] of this.sections.values()) {
      section.restart();
    }
    void this.showStatus();
  }

  protected onAfterShow(_msg: Message): void {
    document.addEventListener('visibilitychange', this.onVisibility);
    this.updateActivity();
    void this.showStatus();
  }

  /** Restored already open on page load: shown without a show message. */
  protected onAfterAttach(msg: Message): void {
    if (this.isVisible) {
      this.onAfterShow(msg);
    }
  }

  protected onBeforeHide(_msg: Message): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    for (const [, section] of this.sections.values()) {
      section.setActive(false);
    }
  }

  private updateActivity(): void {
    const visible = this.isVisible && document.visibilityState === 'visible';
    for (const [key, [, section]] of this.sections) {
      section.setActive(visible && key === this.current);
    }
  }

  private async showStatus(): Promise<void> {
    try {
      const status = await this.client.status();
      this.footer.textContent = status.connected
        ? `backend ${status.endpoint} · ${status.source}`
        : 'no backend';
      this.footer.dataset.connected = String(status.connected);
      this.footer.title = status.message ?? '';
      this.footer.classList.toggle('fnb-Footer-warn', Boolean(status.message) || !status.connected);
    } catch {
      this.footer.textContent = 'Jupyter server unreachable';
    }
  }
}
