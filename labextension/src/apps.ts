/**
 * Apps: the sidebar's list (state and reason at a glance) and a main-area view of one app:
 * its state and why, its URL, its parameters with the run each RunOutput resolved to, its
 * logs, and Stop / Start. Apps have no event stream, so both poll while shown (the view
 * every 2 s while the app is changing state, else at the refresh interval).
 */
import { showDialog, Dialog } from '@jupyterlab/apputils';

import { PanelClient } from './client';
import { copyLinkButton, keyTarget } from './links';
import { listItem, PolledSection, PolledView } from './polled';
import {
  button,
  clear,
  formatAgo,
  formatTime,
  h,
  metaList,
  notice,
  phaseBadge,
  richText,
  runLink
} from './dom';
import { asApiError, errorNotice, loadingNotice } from './states';
import { App, AppList, Key } from './types';

const CHANGING = new Set(['PENDING', 'DEPLOYING']);

function urlLink(url: string): HTMLElement {
  // The app's own page, in a new browser tab, told nothing about JupyterLab.
  return h(
    'a',
    { class: 'fnb-Link', href: url, target: '_blank', rel: 'noopener noreferrer' },
    url
  );
}

export class AppsSection extends PolledSection<AppList> {
  constructor(
    client: PanelClient,
    private openApp: (key: Key) => void
  ) {
    super(client, 'apps');
  }

  protected fetch(): Promise<AppList> {
    return this.client.api('get', 'apps', { query: { limit: 1000 } });
  }

  protected render(page: AppList): void {
    const active = page.items.filter(a => a.state === 'ACTIVE').length;
    this.summary.textContent = `${page.items.length} app${page.items.length === 1 ? '' : 's'} · ${active} active`;
    if (!page.items.length) {
      this.state.appendChild(
        notice(
          'empty',
          'No apps yet',
          richText(
            'Deploy one from a notebook: `fl.UnionRemote().deploy_app(AppEnvironment(...))` ' +
              '(`from flyte_nb.app import AppEnvironment`).'
          )
        )
      );
      return;
    }
    const now = Date.now() / 1000;
    for (const app of page.items) {
      this.list.appendChild(
        listItem(
          { 'data-app': app.name },
          app.name,
          phaseBadge(app.state),
          [
            h('span', { class: 'fnb-RunRow-task' }, app.reason ?? app.endpoint),
            h('span', {}, `rev ${app.revision}`),
            h('span', {}, formatAgo(app.deployed_at, now))
          ],
          () => this.openApp({ project: app.project, domain: app.domain, name: app.name })
        )
      );
    }
  }
}

export class AppView extends PolledView {
  private app: App | null = null;
  private header: HTMLElement;
  private body: HTMLElement;
  private logs: HTMLElement;
  private after = 0;
  private seen: string | null = null;

  constructor(
    private client: PanelClient,
    readonly key: Key,
    private openRun: (name: string) => void,
    refreshInterval: number,
    /** The app's state changed here: the sidebar re-reads its list at once (it lagged a
     * refresh interval behind this view). */
    private changed: () => void = () => undefined
  ) {
    super(refreshInterval);
    this.title.label = key.name;
    this.title.caption = `flyte_nb app ${key.project}/${key.domain}/${key.name}`;
    this.header = h('div', { class: 'fnb-RunHeader' }, loadingNotice(`app ${key.name}`));
    this.body = h('div', {});
    this.logs = h('pre', { class: 'fnb-Logs', 'aria-label': 'App logs' });
    this.node.append(
      this.header,
      h('div', { class: 'fnb-RunBody' }, this.body, h('h3', {}, 'Logs'), this.logs)
    );
  }

  async load(): Promise<void> {
    const path = { ...this.key };
    try {
      this.app = await this.client.api('get', 'apps/{project}/{domain}/{name}', { path });
      const logs = await this.client.api('get', 'apps/{project}/{domain}/{name}/logs', {
        path,
        query: { after: this.after, limit: 10000 }
      });
      for (const line of logs.items) {
        this.after = Math.max(this.after, line.id);
        this.logs.appendChild(
          line.stream === 'stderr'
            ? h('span', { class: 'fnb-Logs-stderr' }, line.text)
            : document.createTextNode(line.text)
        );
      }
      if (logs.items.length) {
        this.logs.scrollTop = this.logs.scrollHeight;
      }
    } catch (err) {
      clear(this.header);
      this.header.appendChild(errorNotice(this.client, asApiError(err), () => void this.load()));
      throw err;
    }
    if (this.seen !== null && this.seen !== this.app.state) {
      this.changed();
    }
    this.seen = this.app.state;
    this.render(this.app);
    // A changing app is watched closely; a settled one at the refresh interval.
    if (CHANGING.has(this.app.state)) {
      window.setTimeout(() => this.isVisible && void this.load().catch(() => undefined), 2000);
    }
  }

  private render(app: App): void {
    clear(this.header);
    const actions = h('div', { class: 'fnb-RunHeader-actions' });
    if (app.desired_state === 'ACTIVE' && app.state !== 'STOPPED') {
      actions.appendChild(
        button('Stop', () => void this.change('stop'), { class: 'fnb-Button fnb-Button-danger' })
      );
    }
    if (app.state === 'STOPPED' || app.state === 'FAILED') {
      actions.appendChild(
        button('Start', () => void this.change('deploy'), {
          class: 'fnb-Button fnb-Button-primary'
        })
      );
    }
    actions.appendChild(copyLinkButton(() => keyTarget('app', this.key)));
    actions.appendChild(button('Refresh', () => void this.load().catch(() => undefined)));
    const meta: [string, string | HTMLElement][] = [
      ['url', urlLink(app.endpoint)],
      ['revision', String(app.revision)],
      ['deployed', formatTime(app.deployed_at)],
      ['active since', formatTime(app.active_at)],
      ['restarts', String(app.restarts)],
      ['pid', app.pid === null ? '–' : String(app.pid)],
      ['project', `${app.project} / ${app.domain}`],
      ['version', app.version ?? '–']
    ];
    this.header.append(
      h(
        'div',
        { class: 'fnb-RunHeader-title' },
        h('h2', {}, app.name),
        phaseBadge(app.state),
        actions
      ),
      app.reason
        ? h(
            'div',
            {
              class: app.state === 'FAILED' ? 'fnb-ErrorBox' : 'fnb-Muted',
              'data-field': 'reason'
            },
            app.reason
          )
        : '',
      metaList(meta)
    );
    clear(this.body);
    const table = h('table', { class: 'fnb-Table fnb-Params' });
    table.appendChild(
      h('tr', {}, ...['parameter', 'type', 'value', 'from', 'run'].map(t => h('th', {}, t)))
    );
    for (const p of app.parameters) {
      table.appendChild(
        h(
          'tr',
          { 'data-parameter': p.name },
          h('td', {}, p.name, p.env_var ? h('div', { class: 'fnb-Muted' }, `$${p.env_var}`) : null),
          h('td', { class: 'fnb-Muted' }, p.type),
          h('td', { class: 'fnb-Mono' }, p.value),
          h('td', { class: 'fnb-Mono fnb-Muted' }, p.source === p.value ? '' : p.source),
          h(
            'td',
            {},
            p.run ? runLink(p.run, this.openRun) : '',
            p.task_name ? h('div', { class: 'fnb-Muted' }, p.task_name) : null
          )
        )
      );
    }
    const argv = Array.isArray((app.spec as any).argv)
      ? ((app.spec as any).argv as string[]).join(' ')
      : '';
    this.body.append(
      h('h3', {}, 'Parameters'),
      app.parameters.length ? table : h('p', { class: 'fnb-Muted' }, 'no parameters'),
      h('h3', {}, 'Command'),
      h('pre', { class: 'fnb-Value' }, argv)
    );
  }

  private async change(what: 'stop' | 'deploy'): Promise<void> {
    if (what === 'stop') {
      const answer = await showDialog({
        title: `Stop app ${this.key.name}?`,
        body: 'Its process is stopped; it stays stopped until you start it again.',
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Stop' })]
      });
      if (!answer.button.accept) {
        return;
      }
    }
    try {
      const path = { ...this.key };
      this.app = await (what === 'stop'
        ? this.client.api('post', 'apps/{project}/{domain}/{name}/stop', { path })
        : this.client.api('post', 'apps/{project}/{domain}/{name}/deploy', { path }));
      this.seen = this.app.state;
      this.render(this.app);
      this.changed();
    } catch (err) {
      await showDialog({
        title: what === 'stop' ? 'Could not stop' : 'Could not start',
        body: asApiError(err).message,
        buttons: [Dialog.okButton()]
      });
    }
    await this.load().catch(() => undefined);
  }
}
