/**
 * Runs side by side (main area): inputs, outputs, durations, task versions and per-task
 * calls and time, one column per run, the rows that differ highlighted.
 *
 * The backend decides what differs (`GET /api/v1/compare?runs=...`, `backend/_compare.py`):
 * values are compared as stored, so two runs that read the same file compare equal without
 * the panel fetching it, and durations differ only past a spread worth a look. This view
 * only draws, with "Only differences" to hide the rest. Opened from the runs list (tick two
 * or more rows, then Compare) or by a link, `?flyte-nb=compare/<run>/<run>...`.
 */
import { Widget } from '@lumino/widgets';

import { PanelClient } from './client';
import { clear, formatDuration, h, phaseBadge } from './dom';
import { runTarget } from './links';
import { asApiError, errorNotice, loadingNotice } from './states';
import type { CompareRow, Comparison } from './types';

const SECTIONS: [string, string][] = [
  ['run', 'Run'],
  ['inputs', 'Inputs'],
  ['outputs', 'Outputs'],
  ['tasks', 'Tasks (calls and time)']
];

export class CompareView extends Widget {
  readonly names: string[];
  private body: HTMLElement;
  private only: HTMLInputElement;
  private data: Comparison | null = null;

  constructor(
    private client: PanelClient,
    names: string[]
  ) {
    super();
    this.names = names;
    this.addClass('fnb-CompareView');
    this.title.label = `Compare ${names.length} runs`;
    this.title.caption = `flyte_nb: ${names.join(', ')}`;
    this.title.closable = true;
    this.only = h('input', { type: 'checkbox', class: 'fnb-Compare-only' });
    this.only.addEventListener('change', () => this.draw());
    this.body = h('div', { class: 'fnb-Compare-body' }, loadingNotice('the comparison'));
    this.node.append(
      h(
        'div',
        { class: 'fnb-RunHeader' },
        h('h2', {}, `Compare ${names.length} runs`),
        h('label', { class: 'fnb-Compare-toggle' }, this.only, ' Only differences')
      ),
      this.body
    );
    void this.refresh();
  }

  /** The setting every view takes; the runs compared are read once, nothing polls. */
  refreshInterval = 10;

  async refresh(): Promise<void> {
    try {
      this.data = await this.client.api('get', 'compare', { query: { runs: this.names } });
    } catch (err) {
      clear(this.body);
      this.body.appendChild(errorNotice(this.client, asApiError(err), () => void this.refresh()));
      return;
    }
    this.draw();
  }

  private draw(): void {
    const data = this.data;
    if (!data) {
      return;
    }
    clear(this.body);
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col' }, ''),
      ...data.runs.map(run =>
        h(
          'th',
          { scope: 'col', 'data-run': run.name },
          h(
            'a',
            {
              class: 'fnb-Link',
              href: '#',
              'data-flyte-nb-open': runTarget(run.name),
              title: `open run ${run.name}`
            },
            run.name
          ),
          ' ',
          phaseBadge(run.phase)
        )
      )
    );
    const table = h('table', { class: 'fnb-Compare' }, h('thead', {}, head));
    const differing = data.rows.filter(r => r.differs).length;
    for (const [section, title] of SECTIONS) {
      const rows = data.rows.filter(
        r => r.section === section && (!this.only.checked || r.differs)
      );
      if (!rows.length) {
        continue;
      }
      const body = h(
        'tbody',
        { 'data-section': section },
        h(
          'tr',
          { class: 'fnb-Compare-section' },
          h('th', { colspan: data.runs.length + 1, scope: 'colgroup' }, title)
        )
      );
      for (const row of rows) {
        body.appendChild(renderRow(row));
      }
      table.appendChild(body);
    }
    this.body.append(
      h(
        'p',
        { class: 'fnb-Muted fnb-Compare-summary' },
        differing
          ? `${differing} of ${data.rows.length} rows differ (highlighted).`
          : 'These runs do not differ in anything compared.'
      ),
      table
    );
  }
}

function renderRow(row: CompareRow): HTMLElement {
  return h(
    'tr',
    {
      class: `fnb-Compare-row${row.differs ? ' fnb-Compare-differs' : ''}`,
      'data-field': `${row.section}.${row.field}`,
      'data-differs': String(row.differs)
    },
    h(
      'th',
      { scope: 'row' },
      row.field,
      row.differs ? h('span', { class: 'fnb-Sr' }, ' (differs)') : ''
    ),
    ...row.values.map(value => h('td', {}, cell(value, row.unit ?? null)))
  );
}

function cell(value: unknown, unit: string | null): string {
  if (value === null || value === undefined) {
    return '–';
  }
  if (unit === 's' && typeof value === 'number') {
    return formatDuration(value);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
