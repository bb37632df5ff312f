/**
 * Pieces of the run view that only draw: the timeline, value tables and an error box (the
 * action tree is treeview.ts). Each takes API shapes and returns DOM; the view owns loading and live state.
 */
import { elapsed, formatDuration, formatTime, h, phaseBadge } from './dom';
import type { Action, ActionTree, Run } from './types';
import { renderFile } from './preview';

/** Per phase counts over the whole run (the tree may show only part of it). */
export function renderCounts(tree: ActionTree): HTMLElement {
  return h(
    'div',
    { class: 'fnb-Counts' },
    `${tree.total.toLocaleString()} action${tree.total === 1 ? '' : 's'}: `,
    ...Object.entries(tree.counts).map(([phase, n]) =>
      h('span', { class: `fnb-Count fnb-Phase-${phase}` }, `${n.toLocaleString()} ${phase}`)
    )
  );
}

/** A Gantt chart of the shown actions: queued time pale, running time in the phase colour. */
export function renderTimeline(run: Run, tree: ActionTree): HTMLElement {
  const now = Date.now() / 1000;
  const t0 = run.created_at;
  const t1 = Math.max(
    run.ended_at ?? now,
    ...tree.items.map(a => a.ended_at ?? (a.started_at ? now : a.created_at))
  );
  const span = Math.max(t1 - t0, 1e-3);
  const pct = (t: number) => `${(((t - t0) / span) * 100).toFixed(3)}%`;
  const box = h(
    'div',
    { class: 'fnb-Timeline' },
    h(
      'div',
      { class: 'fnb-Timeline-axis' },
      h('span', {}, formatTime(t0)),
      h('span', {}, `${formatDuration(span)} in all`)
    )
  );
  for (const a of tree.items) {
    const track = h('div', { class: 'fnb-Timeline-track' });
    const start = a.started_at ?? now;
    track.appendChild(
      h('div', {
        class: 'fnb-Timeline-queued',
        style: `left:${pct(a.created_at)};width:calc(${pct(start)} - ${pct(a.created_at)})`
      })
    );
    if (a.started_at !== null) {
      const end = a.ended_at ?? now;
      track.appendChild(
        h('div', {
          class: `fnb-Timeline-bar fnb-Phase-${a.phase}`,
          style: `left:${pct(a.started_at)};width:max(2px, calc(${pct(end)} - ${pct(a.started_at)}))`,
          title: `${a.name} ${a.phase}: ${formatDuration(end - a.started_at)}`
        })
      );
    }
    box.appendChild(
      h(
        'div',
        { class: 'fnb-Timeline-row', 'data-action': a.name },
        h('span', { class: 'fnb-Timeline-label', title: a.name }, a.short_name || a.name),
        track
      )
    );
  }
  return box;
}

/** The Python type name of a scalar as JSON carries it. */
function pythonType(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    default:
      return v === null ? 'None' : 'object';
  }
}

/** The first rows of a stored table (the server extension reads the parquet blob). */
export interface FrameHead {
  columns: string[];
  rows: unknown[][];
  total: number;
}

/** Reads a table's first rows by its blob id; views pass `client.frameHead`. */
export type FrameLoader = (blob: string) => Promise<FrameHead>;

/**
 * A DataFrame / StructuredDataset value (`{"$sd": blob, "columns", "rows"}`): its shape at
 * once, then its first rows as a table when `load` brings them. Its encoding is an
 * implementation detail and was shown as such.
 */
function renderFrame(v: Record<string, any>, load?: FrameLoader): HTMLElement {
  const columns: string[] = Array.isArray(v.columns) ? v.columns.map(String) : [];
  const rows = typeof v.rows === 'number' ? `${v.rows.toLocaleString()} rows × ` : '';
  const box = h(
    'div',
    { class: 'fnb-Frame' },
    h(
      'div',
      { class: 'fnb-Muted' },
      `table: ${rows}${columns.length} column${columns.length === 1 ? '' : 's'}`
    )
  );
  if (typeof v.$sd !== 'string') {
    box.appendChild(
      h('div', { class: 'fnb-Muted' }, v.uri ? `stored at ${v.uri}` : 'not stored here')
    );
    return box;
  }
  if (!load) {
    return box;
  }
  const slot = h('div', { class: 'fnb-Muted' }, 'loading the first rows…');
  box.appendChild(slot);
  load(v.$sd).then(
    head => {
      const table = h('table', { class: 'fnb-Table fnb-FrameTable' });
      table.appendChild(h('tr', {}, ...head.columns.map(c => h('th', {}, c))));
      for (const row of head.rows) {
        table.appendChild(
          h(
            'tr',
            {},
            ...row.map(cell =>
              h('td', { class: 'fnb-Mono' }, typeof cell === 'string' ? cell : JSON.stringify(cell))
            )
          )
        );
      }
      const more =
        head.total > head.rows.length
          ? h(
              'div',
              { class: 'fnb-Muted' },
              `first ${head.rows.length} of ${head.total.toLocaleString()} rows`
            )
          : null;
      slot.replaceWith(table, ...(more ? [more] : []));
    },
    (err: unknown) => {
      slot.textContent = `could not read its rows: ${err instanceof Error ? err.message : String(err)}`;
    }
  );
  return box;
}

/** Encoded values (flyte_nb.types): scalars, `{"$json", "type"}`, `{"$blob", "type", "repr"}`
 * and tables (`{"$sd", ...}`, their first rows read through `loadFrame`). */
export function renderValues(
  values: Record<string, any>,
  empty: string,
  loadFrame?: FrameLoader
): HTMLElement {
  const names = Object.keys(values);
  if (!names.length) {
    return h('p', { class: 'fnb-Muted' }, empty);
  }
  const table = h('table', { class: 'fnb-Table' });
  table.appendChild(h('tr', {}, h('th', {}, 'name'), h('th', {}, 'type'), h('th', {}, 'value')));
  for (const name of names) {
    const v = values[name];
    let type: string;
    let shown: HTMLElement;
    if (v && typeof v === 'object' && '$json' in v) {
      type = String(v.type ?? 'json');
      shown = h('pre', { class: 'fnb-Value' }, JSON.stringify(v.$json, null, 2));
    } else if (v && typeof v === 'object' && '$sd' in v) {
      type = String(v.type ?? 'table').replace(/^.*\./, '');
      shown = renderFrame(v, loadFrame);
    } else if (v && typeof v === 'object' && '$file' in v) {
      type = String(v.type ?? 'File').replace(/^.*\./, '');
      shown = renderFile(v); // its text or image (preview.ts)
    } else if (v && typeof v === 'object' && '$blob' in v) {
      type = String(v.type ?? 'object');
      shown = h(
        'div',
        {},
        h('pre', { class: 'fnb-Value' }, String(v.repr ?? '')),
        h(
          'div',
          { class: 'fnb-Muted' },
          'stored as a blob: load it in a notebook with the snippet above'
        )
      );
    } else {
      type = pythonType(v);
      shown = h('pre', { class: 'fnb-Value' }, JSON.stringify(v));
    }
    table.appendChild(
      h('tr', {}, h('td', {}, name), h('td', { class: 'fnb-Muted' }, type), h('td', {}, shown))
    );
  }
  return table;
}

export function renderError(error: Record<string, any> | null | undefined): HTMLElement | null {
  if (!error) {
    return null;
  }
  return h(
    'div',
    { class: 'fnb-ErrorBox', role: 'alert' },
    h('div', { class: 'fnb-ErrorBox-title' }, `${error.type ?? 'Error'}: ${error.message ?? ''}`),
    error.traceback ? h('pre', { class: 'fnb-Value' }, String(error.traceback)) : null
  );
}

/** One action's attempts: when each ran, how it ended, and why. */
export function renderAttempts(action: Action): HTMLElement {
  const table = h('table', { class: 'fnb-Table' });
  table.appendChild(
    h('tr', {}, ...['attempt', 'phase', 'started', 'duration', 'error'].map(t => h('th', {}, t)))
  );
  for (const entry of action.attempt_log) {
    const e = entry as Record<string, any>;
    table.appendChild(
      h(
        'tr',
        {},
        h('td', {}, String(e.attempt)),
        h('td', {}, e.phase ? phaseBadge(String(e.phase)) : phaseBadge('RUNNING')),
        h('td', {}, formatTime(e.started_at)),
        h('td', {}, formatDuration(elapsed(e.started_at, e.ended_at))),
        h('td', {}, e.error ? `${e.error.type ?? ''}: ${e.error.message ?? ''}` : '')
      )
    );
  }
  return table;
}
