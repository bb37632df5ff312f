/**
 * Acting on a finished (or running) backend run from its view: Re-run with the same
 * inputs, Re-run with edited inputs (a form built from the task's interface) and Recover
 * (a new run that reuses every action that succeeded and runs only what failed or never
 * ran: the same start as `Run.recover()` / `fl.recover(run)` / `UnionRemote.recover`).
 *
 * Why it looks like this:
 * - The backend checks edited values against the task's interface and says what is wrong
 *   with which input (`input 'n': expects an int, got 'abc'`), so the form sends what its
 *   boxes hold and shows the answer next to the box: one set of rules, in Python, for the
 *   panel and `Run.rerun(inputs=...)` alike.
 * - The form is one node kept across header redraws (a live run's header is redrawn every
 *   second), so what was typed survives them.
 * - The new run opens through `data-flyte-nb-open`, the path every in-page link takes, so
 *   this module needs no handle on JupyterLab's commands.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';

import { ApiError, PanelClient } from './client';
import { button, clear, h } from './dom';
import { runTarget } from './links';
import { asApiError } from './states';
import type { FormField, RerunForm, Run } from './types';

const ENDED = ['FAILED', 'ABORTED', 'TIMED_OUT'];

/**
 * "waiting for you": a live run (or one of its actions) held at a gate until someone
 * answers. The phase stays RUNNING, as the backend records it; this says why nothing moves.
 */
export function waitingChip(gates: string[] | null | undefined): HTMLElement | null {
  if (!gates || !gates.length) {
    return null;
  }
  return h(
    'span',
    {
      class: 'fnb-Waiting',
      title: `waiting for an answer at ${gates.length === 1 ? 'gate' : 'gates'} ${gates.join(', ')}`
    },
    'waiting for you'
  );
}

/** Open a panel target (`run/<name>`, ...) the way an in-page link does. */
export function openTarget(target: string): void {
  const link = h('a', { 'data-flyte-nb-open': target, href: '#', hidden: true });
  document.body.appendChild(link);
  link.click();
  link.remove();
}

export class RunActions {
  /** The re-run form, when open (empty otherwise); placed under the header's title. */
  readonly panel: HTMLElement;
  private fields: FormField[] = [];
  private boxes = new Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>();
  private initial = new Map<string, string>();

  constructor(
    private client: PanelClient,
    private runName: string
  ) {
    this.panel = h('div', { class: 'fnb-RerunBox' });
  }

  /** The header's buttons for `run` (none for a run that ran in a kernel). */
  buttons(run: Run): HTMLElement[] {
    if (run.mode !== 'backend') {
      return [];
    }
    const out: HTMLElement[] = [
      button('Re-run', () => void this.rerunSame(), {
        class: 'fnb-Button fnb-Rerun',
        title: 'Start this run again with the same inputs'
      }),
      button('Re-run with edits…', () => void this.toggleForm(), {
        class: 'fnb-Button fnb-RerunEdit',
        title: "Start this run again with some inputs changed (a form from the task's inputs)"
      })
    ];
    if (ENDED.includes(run.phase)) {
      out.push(
        button('Recover', () => void this.recover(), {
          class: 'fnb-Button fnb-Button-primary fnb-Recover',
          title: 'A new run that reuses every action that succeeded and runs only the rest'
        })
      );
    }
    return out;
  }

  private path(what: string): string {
    return `runs/${encodeURIComponent(this.runName)}/${what}`;
  }

  private async rerunSame(): Promise<void> {
    const answer = await showDialog({
      title: `Re-run ${this.runName}?`,
      body: 'A new run of the same task with the same inputs starts on the backend.',
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Re-run' })]
    });
    if (answer.button.accept) {
      await this.start('rerun', {}, 'Re-run');
    }
  }

  private async recover(): Promise<void> {
    const answer = await showDialog({
      title: `Recover ${this.runName}?`,
      body:
        'A new run starts from the same inputs: every action that succeeded here is reused, ' +
        'and only what failed or never ran runs again.',
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Recover' })]
    });
    if (answer.button.accept) {
      await this.start('recover', {}, 'Recovery');
    }
  }

  /** POST `what`; open the new run, or say why not. Returns the error, if any. */
  private async start(what: string, body: unknown, label: string): Promise<ApiError | null> {
    let run: Run;
    try {
      run = await this.client.post<Run>(this.path(what), {}, body);
    } catch (err) {
      const error = asApiError(err);
      if (what === 'rerun' && this.panel.firstChild) {
        return error; // the form shows it next to its box
      }
      await showDialog({
        title: `${label} did not start`,
        body: error.message,
        buttons: [Dialog.okButton()]
      });
      return error;
    }
    Notification.success(`${label} of ${this.runName} started: ${run.name}`, { autoClose: 5000 });
    openTarget(runTarget(run.name));
    return null;
  }

  // -- the form --------------------------------------------------------------------------
  private async toggleForm(): Promise<void> {
    if (this.panel.firstChild) {
      clear(this.panel);
      return;
    }
    let form: RerunForm;
    try {
      form = await this.client.api('get', 'runs/{name}/rerun', { path: { name: this.runName } });
    } catch (err) {
      await showDialog({
        title: 'No re-run form',
        body: asApiError(err).message,
        buttons: [Dialog.okButton()]
      });
      return;
    }
    this.fields = form.fields;
    this.boxes.clear();
    this.initial.clear();
    const rows = this.fields.map(f => this.fieldRow(f));
    const status = h('div', { class: 'fnb-RerunForm-status', role: 'alert' });
    const node = h(
      'form',
      { class: 'fnb-RerunForm', 'aria-label': `Re-run ${this.runName} with edited inputs` },
      h('div', { class: 'fnb-RerunForm-title' }, 'Re-run with edited inputs'),
      rows.length
        ? h('div', { class: 'fnb-RerunForm-fields' }, ...rows)
        : 'This task has no inputs.',
      status,
      h(
        'div',
        { class: 'fnb-RerunForm-buttons' },
        button('Start run', () => void this.submit(status), {
          class: 'fnb-Button fnb-Button-primary fnb-RerunForm-submit'
        }),
        button('Cancel', () => clear(this.panel))
      )
    );
    node.addEventListener('submit', event => {
      event.preventDefault();
      void this.submit(status);
    });
    this.panel.appendChild(node);
    this.boxes.values().next().value?.focus();
  }

  private fieldRow(field: FormField): HTMLElement {
    const id = `fnb-rerun-${this.runName}-${field.name}`;
    const label = h(
      'label',
      { class: 'fnb-RerunForm-label', for: id },
      field.name,
      h('span', { class: 'fnb-Muted' }, ` ${field.type}${field.optional ? ' (optional)' : ''}`)
    );
    const error = h('div', { class: 'fnb-FieldError', 'data-error-for': field.name });
    if (!field.editable) {
      return h(
        'div',
        { class: 'fnb-RerunForm-row', 'data-input': field.name },
        label,
        h('span', { class: 'fnb-Muted', title: 'kept as it was' }, `kept: ${show(field.value)}`),
        error
      );
    }
    const box = control(field, id);
    this.boxes.set(field.name, box);
    this.initial.set(field.name, box.value);
    box.addEventListener('input', () => {
      error.textContent = '';
      box.removeAttribute('aria-invalid');
    });
    return h('div', { class: 'fnb-RerunForm-row', 'data-input': field.name }, label, box, error);
  }

  private async submit(status: HTMLElement): Promise<void> {
    const edits: Record<string, string | null> = {};
    const kinds = new Map(this.fields.map(f => [f.name, f.kind]));
    for (const [name, box] of this.boxes) {
      if (box.value !== this.initial.get(name)) {
        // An empty box clears an optional input; an empty str is a value of its own.
        edits[name] = box.value === '' && kinds.get(name) !== 'str' ? null : box.value;
      }
    }
    status.textContent = '';
    for (const el of Array.from(this.panel.querySelectorAll('.fnb-FieldError'))) {
      el.textContent = '';
    }
    const error = await this.start('rerun', { inputs: edits }, 'Re-run');
    if (!error) {
      clear(this.panel);
      return;
    }
    const match = /^input '([^']+)': (.*)$/s.exec(error.message);
    const where = match
      ? this.panel.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(match[1])}"]`)
      : null;
    if (match && where) {
      where.textContent = match[2];
      this.boxes.get(match[1])?.setAttribute('aria-invalid', 'true');
      this.boxes.get(match[1])?.focus();
    }
    status.textContent = error.message;
  }
}

/** The value as the form shows it (text). */
function show(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The box that edits one input, holding the run's value. */
function control(
  field: FormField,
  id: string
): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  const common = { id, class: 'fnb-Input fnb-RerunForm-box', name: field.name };
  if (field.kind === 'bool' || field.kind === 'enum') {
    const select = h('select', { ...common, class: 'fnb-Select fnb-RerunForm-box' });
    const options =
      field.kind === 'bool' ? ['true', 'false'] : (field.choices ?? []).map(c => c.label);
    if (field.optional) {
      select.appendChild(h('option', { value: '' }, '(none)'));
    }
    for (const option of options) {
      select.appendChild(h('option', { value: option }, option));
    }
    select.value = show(field.value);
    return select;
  }
  if (field.kind === 'list' || field.kind === 'dict') {
    const area = h('textarea', {
      ...common,
      rows: 2,
      spellcheck: false,
      placeholder: field.kind === 'list' ? '[1, 2, 3]' : '{"key": "value"}'
    });
    area.value = show(field.value);
    return area;
  }
  const input = h('input', {
    ...common,
    type: 'text',
    inputmode: field.kind === 'int' ? 'numeric' : field.kind === 'float' ? 'decimal' : undefined,
    spellcheck: false
  });
  input.value = show(field.value);
  return input;
}
