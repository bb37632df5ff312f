/**
 * Artifacts: the sidebar's list (one entry per artifact name, newest written first) and a
 * main-area view of one artifact: its partitions, its versions, and each version's lineage,
 * linking to the run that produced it and the runs that read it.
 */

import { PanelClient } from './client';
import { copyLinkButton, keyTarget } from './links';
import { listItem, PolledSection, PolledView } from './polled';
import { button, clear, formatAgo, formatTime, h, listOr, notice, richText, runLink } from './dom';
import { renderValues } from './runparts';
import { asApiError, errorNotice, loadingNotice } from './states';
import {
  ArtifactList,
  ArtifactPartitions,
  ArtifactVersion,
  ArtifactVersionList,
  Key,
  Lineage
} from './types';
import { lineageGraph } from './lineagegraph';

const PAGE = 100;

export function artifactLink(
  v: ArtifactVersion,
  openArtifact: (key: Key) => void,
  text = `${v.name}@${v.version}`
): HTMLElement {
  const link = h(
    'a',
    { class: 'fnb-Link', href: '#', 'data-artifact-link': v.name, title: v.uri },
    text
  );
  link.addEventListener('click', e => {
    e.preventDefault();
    openArtifact({ project: v.project, domain: v.domain, name: v.name });
  });
  return link;
}

function partitionText(v: ArtifactVersion): string {
  const parts = Object.entries(v.partitions).map(([k, val]) => `${k}=${val}`);
  if (v.time_partition !== null) {
    parts.push(`time=${formatTime(v.time_partition)}`);
  }
  return parts.join(', ');
}

export class ArtifactsSection extends PolledSection<ArtifactList> {
  private text: HTMLInputElement;
  private shown = PAGE;
  private debounce = 0;

  constructor(
    client: PanelClient,
    private openArtifact: (key: Key) => void
  ) {
    const text = h('input', {
      class: 'fnb-Input fnb-Filter-text',
      type: 'search',
      placeholder: 'Filter by artifact name',
      'aria-label': 'Filter by artifact name'
    });
    super(client, 'artifacts', h('div', { class: 'fnb-Filters' }, text));
    this.text = text;
    this.text.addEventListener('input', () => {
      window.clearTimeout(this.debounce);
      this.debounce = window.setTimeout(() => {
        this.shown = PAGE;
        void this.load().catch(() => undefined);
      }, 250);
    });
  }

  protected fetch(): Promise<ArtifactList> {
    return this.client.api('get', 'artifacts', {
      query: { q: this.text.value.trim(), limit: this.shown }
    });
  }

  protected render(page: ArtifactList): void {
    this.summary.textContent = `${page.total.toLocaleString()} artifact${page.total === 1 ? '' : 's'}`;
    if (!page.items.length) {
      this.state.appendChild(
        this.text.value.trim()
          ? notice('empty', 'No artifacts match this filter')
          : notice(
              'empty',
              'No artifacts yet',
              richText(
                'A task makes one when its output is annotated with an artifact: ' +
                  '`Model = fl.Artifact(name="model")`, then `-> Annotated[T, Model]`.'
              )
            )
      );
      return;
    }
    const now = Date.now() / 1000;
    for (const a of page.items) {
      this.list.appendChild(
        listItem(
          { 'data-artifact': a.name },
          a.name,
          h('span', { class: 'fnb-Chip' }, `${a.versions} version${a.versions === 1 ? '' : 's'}`),
          [
            h('span', { class: 'fnb-RunRow-task' }, a.latest.preview || a.latest.type),
            h('span', {}, formatAgo(a.latest.created_at, now)),
            a.partition_keys.length ? h('span', {}, a.partition_keys.join(', ')) : null
          ],
          () => this.openArtifact({ project: a.project, domain: a.domain, name: a.name })
        )
      );
    }
    if (page.total > page.items.length) {
      this.list.appendChild(
        button(`Show ${Math.min(PAGE, page.total - page.items.length)} more`, () => {
          this.shown += PAGE;
          void this.load().catch(() => undefined);
        })
      );
    }
  }
}

/** One artifact: partitions to filter by, versions, and the selected version's lineage. */
export class ArtifactView extends PolledView {
  private header: HTMLElement;
  private filters: HTMLElement;
  private versions: HTMLElement;
  private detail: HTMLElement;
  // one value per partition key; the filters combine (every key must match)
  private partitions = new Map<string, string>();
  private selected: string | null = null;

  constructor(
    private client: PanelClient,
    readonly key: Key,
    private openRun: (name: string) => void,
    refreshInterval: number
  ) {
    super(refreshInterval);
    this.title.label = key.name;
    this.title.caption = `flyte_nb artifact ${key.project}/${key.domain}/${key.name}`;
    this.header = h('div', { class: 'fnb-RunHeader' }, loadingNotice(`artifact ${key.name}`));
    this.filters = h('div', { class: 'fnb-DocList' });
    this.versions = h('div', {});
    this.detail = h('div', { class: 'fnb-ActionDetail' });
    this.node.append(
      this.header,
      h('div', { class: 'fnb-RunBody' }, this.filters, this.versions, this.detail)
    );
  }

  async load(): Promise<void> {
    const path = { ...this.key };
    let versions: ArtifactVersionList;
    let partitions: ArtifactPartitions;
    try {
      [versions, partitions] = await Promise.all([
        this.client.api('get', 'artifacts/{project}/{domain}/{name}/versions', {
          path,
          query: { partition: [...this.partitions].map(([k, v]) => `${k}=${v}`), limit: 200 }
        }),
        this.client.api('get', 'artifacts/{project}/{domain}/{name}/partitions', { path })
      ]);
    } catch (err) {
      clear(this.header);
      this.header.appendChild(errorNotice(this.client, asApiError(err), () => void this.load()));
      throw err; // the poller backs off
    }
    clear(this.header);
    this.header.append(
      h(
        'div',
        { class: 'fnb-RunHeader-title' },
        h('h2', {}, this.key.name),
        h('span', { class: 'fnb-Muted' }, `${this.key.project} / ${this.key.domain}`),
        h(
          'div',
          { class: 'fnb-RunHeader-actions' },
          copyLinkButton(() => keyTarget('artifact', this.key)),
          button('Refresh', () => void this.load().catch(() => undefined))
        )
      )
    );
    this.renderFilters(partitions);
    this.renderVersions(versions.items);
    const chosen = versions.items.find(v => v.version === this.selected) ?? versions.items[0];
    if (chosen) {
      await this.showVersion(chosen);
    } else {
      clear(this.detail);
    }
  }

  private renderFilters(partitions: ArtifactPartitions): void {
    clear(this.filters);
    const keys = Object.entries(partitions.keys);
    if (!keys.length) {
      return;
    }
    // A value narrows its key (clicked again, it is dropped); values of different keys
    // combine, so `region=eu` and `kind=daily` show the versions that have both.
    const pick = (key: string | null, value?: string) => {
      if (key === null) {
        this.partitions.clear();
      } else if (this.partitions.get(key) === value) {
        this.partitions.delete(key);
      } else {
        this.partitions.set(key, value ?? '');
      }
      void this.load().catch(() => undefined);
    };
    this.filters.appendChild(
      button('all partitions', () => pick(null), {
        class: `fnb-DocTab${this.partitions.size === 0 ? ' fnb-mod-selected' : ''}`,
        'aria-pressed': String(this.partitions.size === 0)
      })
    );
    for (const [key, values] of keys) {
      for (const v of values) {
        const id = `${key}=${v.value}`;
        const on = this.partitions.get(key) === v.value;
        this.filters.appendChild(
          button(`${id} (${v.versions})`, () => pick(key, v.value), {
            class: `fnb-DocTab${on ? ' fnb-mod-selected' : ''}`,
            'data-partition': id,
            'aria-pressed': String(on)
          })
        );
      }
    }
  }

  private renderVersions(items: ArtifactVersion[]): void {
    clear(this.versions);
    if (!items.length) {
      this.versions.appendChild(notice('empty', 'No versions match'));
      return;
    }
    const table = h('table', { class: 'fnb-Table fnb-Versions' });
    table.appendChild(
      h(
        'tr',
        {},
        ...['version', 'created', 'partitions', 'type', 'value', 'produced by'].map(t =>
          h('th', {}, t)
        )
      )
    );
    for (const v of items) {
      const row = h(
        'tr',
        { class: v.version === this.selected ? 'fnb-mod-selected' : '', 'data-version': v.version },
        h('td', { class: 'fnb-Mono' }, v.version),
        h('td', {}, formatTime(v.created_at)),
        h('td', {}, partitionText(v)),
        h('td', { class: 'fnb-Muted' }, v.type),
        h('td', {}, v.preview),
        h(
          'td',
          {},
          v.run ? runLink(v.run, this.openRun) : h('span', { class: 'fnb-Muted' }, 'made by hand')
        )
      );
      row.addEventListener('click', () => void this.showVersion(v));
      table.appendChild(row);
    }
    this.versions.appendChild(table);
  }

  private async showVersion(v: ArtifactVersion): Promise<void> {
    this.selected = v.version;
    for (const row of this.versions.querySelectorAll('tr[data-version]')) {
      row.classList.toggle('fnb-mod-selected', (row as HTMLElement).dataset.version === v.version);
    }
    let lineage: Lineage;
    try {
      lineage = await this.client.api(
        'get',
        'artifacts/{project}/{domain}/{name}/versions/{version}/lineage',
        { path: { ...this.key, version: v.version } }
      );
    } catch (err) {
      clear(this.detail);
      this.detail.appendChild(
        errorNotice(this.client, asApiError(err), () => void this.showVersion(v))
      );
      return;
    }
    clear(this.detail);
    const producer = lineage.producer;
    this.detail.append(
      h('h3', {}, `${v.name}@${v.version}`),
      h(
        'code',
        { class: 'fnb-Snippet', title: 'Read this version in a notebook' },
        `fl.UnionRemote().get_artifact(uri=${JSON.stringify(v.uri)}).get()`
      ),
      v.short_description ? h('p', {}, v.short_description) : '',
      h('h4', {}, 'Value'),
      renderValues({ [v.output ?? 'value']: v.value }, 'no value', blob =>
        this.client.frameHead(blob)
      ),
      h('h4', {}, 'Lineage'),
      lineageGraph(v, lineage, this.openRun),
      h('h4', {}, 'Produced by'),
      producer
        ? h(
            'p',
            { class: 'fnb-Lineage-producer' },
            'run ',
            runLink(producer.run, this.openRun),
            `, action ${producer.action}${producer.output ? `, output ${producer.output}` : ''}`,
            producer.task_name ? ` (${producer.task_name}, ${producer.phase ?? ''})` : ''
          )
        : h('p', { class: 'fnb-Muted' }, 'made by hand (no producing run)'),
      h('h4', {}, 'Consumed by'),
      listOr(
        'fnb-Lineage-consumers',
        lineage.consumers.map(c =>
          h(
            'li',
            {},
            runLink(c.run, this.openRun),
            ` input ${c.input}, ${formatTime(c.consumed_at)}`,
            c.task_name ? ` (${c.task_name}, ${c.phase ?? ''})` : ''
          )
        ),
        'no run has read this version yet'
      ),
      v.card ? h('h4', {}, 'Card') : '',
      v.card ? h('pre', { class: 'fnb-Value' }, v.card) : ''
    );
  }
}
