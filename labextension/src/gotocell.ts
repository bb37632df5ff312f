/**
 * "Written in": where a run's task was defined, and "Go to cell".
 *
 * The kernel records the defining cell when the task is defined (notebook path, cell id,
 * execution count and the cell's source then; `flyte_nb/tasks/_where.py`), or the module
 * and line of a task written in a file; `GET runs/<name>/source` answers it. "Go to cell"
 * opens the notebook through JupyterLab's document manager (the `docmanager:open`
 * command: an open notebook is revealed, not opened twice), finds the cell by its id
 * (nbformat 4.5 ids persist in the file, so they survive reloads, moves and edits of
 * other cells), makes it the active cell and scrolls it to the middle. When the cell's
 * text differs from what ran, or the cell is gone, a dialog says so and shows the
 * recorded source, so the reader still sees the code that ran.
 *
 * The kernel knows the notebook's absolute path (Jupyter server's `JPY_SESSION_NAME`);
 * JupyterLab opens paths relative to the server's root (`serverRoot` in the page config),
 * so the path is made relative here, and a notebook outside that root is named, not
 * guessed at.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import type { components } from './api';
import { PanelClient } from './client';
import { relativeToRoot, sameSource } from './consoleutil';
import { button, clear, h } from './dom';

export type SourceLocation = components['schemas']['SourceLocation'];
type RunSource = components['schemas']['RunSource'];

/** What "Go to cell" found: the cell as it ran, a changed cell, or none. */
export type CellFound = 'same' | 'changed' | 'missing';

type CellOpener = (path: string, where: SourceLocation) => Promise<CellFound>;

let opener: CellOpener | null = null;

/** Install the opener that uses this JupyterLab's document manager (index.ts, once). */
export function setCellOpener(app: JupyterFrontEnd): void {
  opener = async (path, where) => {
    const panel: any = await app.commands.execute('docmanager:open', { path });
    if (!panel?.content?.widgets) {
      throw new Error(`${path} did not open as a notebook`);
    }
    await panel.context?.ready;
    await panel.revealed;
    app.shell.activateById(panel.id);
    const notebook = panel.content;
    const cells: any[] = notebook.widgets;
    let index = where.cell_id ? cells.findIndex(c => c.model.id === where.cell_id) : -1;
    if (index < 0 && where.cell_source) {
      index = cells.findIndex(c => sameSource(c.model.sharedModel.getSource(), where.cell_source));
    }
    if (index < 0) {
      return 'missing';
    }
    const cell = cells[index];
    notebook.activeCellIndex = index;
    notebook.mode = 'command';
    if (typeof notebook.scrollToCell === 'function') {
      await notebook.scrollToCell(cell, 'center');
    } else {
      cell.node.scrollIntoView({ block: 'center' });
    }
    cell.node.classList.add('fnb-GoneTo');
    window.setTimeout(() => cell.node.classList.remove('fnb-GoneTo'), 2000);
    return sameSource(cell.model.sharedModel.getSource(), where.cell_source) ? 'same' : 'changed';
  };
}

/** A dialog body (a Lumino widget) holding these nodes. */
function bodyOf(...children: HTMLElement[]): Widget {
  return new Widget({ node: h('div', { class: 'fnb-CellChanged' }, ...children) });
}

function recorded(where: SourceLocation): HTMLElement {
  return h('pre', { class: 'fnb-Value fnb-RecordedSource' }, where.cell_source ?? '(not recorded)');
}

/** Open the run's defining cell; say so (with the recorded source) when it changed. */
export async function goToCell(where: SourceLocation): Promise<CellFound | null> {
  const root = PageConfig.getOption('serverRoot');
  const path = where.notebook ? relativeToRoot(where.notebook, root) : null;
  if (!opener || path === null) {
    await showDialog({
      title: 'Cannot open the notebook',
      body: bodyOf(
        h(
          'p',
          {},
          where.notebook
            ? `${where.notebook} is outside this Jupyter server's folder (${root}).`
            : 'The kernel did not say which notebook it ran (not started by Jupyter server).'
        ),
        h('p', {}, 'The cell that defined the task, as it ran:'),
        recorded(where)
      ),
      buttons: [Dialog.okButton()]
    });
    return null;
  }
  let found: CellFound;
  try {
    found = await opener(path, where);
  } catch (err) {
    await showDialog({
      title: `Cannot open ${path}`,
      body: bodyOf(h('p', {}, String((err as Error).message ?? err)), recorded(where)),
      buttons: [Dialog.okButton()]
    });
    return null;
  }
  if (found !== 'same') {
    await showDialog({
      title:
        found === 'changed'
          ? 'This cell has changed since the run'
          : `The cell is no longer in ${path}`,
      body: bodyOf(
        h(
          'p',
          {},
          found === 'changed'
            ? `The cell (In [${where.execution_count ?? ' '}] when it ran) was edited afterwards. ` +
                'What ran:'
            : 'It was deleted, or the notebook was not saved after it was added. What ran:'
        ),
        recorded(where)
      ),
      buttons: [Dialog.okButton()]
    });
  }
  return found;
}

/** The run header's "Written in" line: loaded once per run view, kept across redraws. */
export class WrittenIn {
  readonly node: HTMLElement;

  constructor(
    private client: PanelClient,
    private run: string
  ) {
    this.node = h('div', { class: 'fnb-WrittenIn' });
    void this.load();
  }

  async load(): Promise<void> {
    let answer: RunSource;
    try {
      answer = await this.client.api('get', 'runs/{name}/source', { path: { name: this.run } });
    } catch {
      return; // an older backend: nothing to show
    }
    this.render(answer.source ?? null);
  }

  private render(where: SourceLocation | null): void {
    clear(this.node);
    if (!where) {
      return;
    }
    if (where.kind === 'module') {
      this.node.append(
        h('span', { class: 'fnb-Muted' }, 'written in '),
        h(
          'code',
          { title: `${where.file ?? ''}:${where.line ?? ''}` },
          `${where.module}:${where.line} (${where.function})`
        )
      );
      return;
    }
    const root = PageConfig.getOption('serverRoot');
    const nb = where.notebook
      ? (relativeToRoot(where.notebook, root) ?? where.notebook)
      : 'a notebook';
    const count = where.execution_count ? `In [${where.execution_count}]` : 'a cell';
    this.node.append(
      h('span', { class: 'fnb-Muted' }, 'written in '),
      h('code', { title: where.notebook ?? '' }, nb),
      h('span', { class: 'fnb-Muted' }, ` · ${count} · ${where.function} `),
      button('Go to cell', () => void goToCell(where), {
        class: 'fnb-Button fnb-GoToCell',
        title: 'Open the notebook at the cell that defined this task'
      }),
      h(
        'details',
        { class: 'fnb-CellSource' },
        h('summary', {}, 'the cell as it ran'),
        recorded(where)
      )
    );
  }
}
