/**
 * A live run's gates that wait for someone, in the run view's header: an approval is
 * answered here (Approve / Reject, each confirmed); an input gets a box for its typed
 * value (a gate's type is int, float, str or bool: a select for a bool, text otherwise,
 * sent as JSON and checked by the backend, whose message shows under the box), with the
 * line of code that sets it from a notebook. Answers go through the proxy's allowed POST
 * `runs/<name>/signals/<gate>`.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';

import { PanelClient } from './client';
import { button, h } from './dom';
import { asApiError } from './states';
import type { Signal } from './types';

export class Gates {
  /** The gates waiting now (WAITING), as last read. */
  signals: Signal[] = [];
  /** Each input gate's box, Set button and error line, kept across redraws. */
  private boxes = new Map<string, HTMLElement[]>();

  constructor(
    private client: PanelClient,
    private runName: string,
    /** Called after an answer: the run moves on (or fails). */
    private answered: () => void
  ) {}

  /** Re-read them; none on error (gates are extras: the view must not fail over them). */
  async read(): Promise<void> {
    try {
      const list = await this.client.api('get', 'runs/{name}/signals', {
        path: { name: this.runName }
      });
      this.signals = list.items.filter(s => s.state === 'WAITING');
    } catch {
      this.signals = [];
    }
  }

  render(): HTMLElement | null {
    if (!this.signals.length) {
      return null;
    }
    const box = h('div', { class: 'fnb-Gates', role: 'region', 'aria-label': 'Gates' });
    for (const signal of this.signals) {
      const row = h(
        'div',
        { class: 'fnb-Gate', 'data-signal': signal.name },
        h('span', { class: 'fnb-Gate-title' }, `Gate ${signal.name}`),
        h('span', { class: 'fnb-Muted' }, ` (${signal.kind}, action ${signal.action_name}) `)
      );
      if (signal.kind === 'approve') {
        row.append(
          button('Approve', () => void this.answer(signal, true), {
            class: 'fnb-Button fnb-Button-primary'
          }),
          button('Reject', () => void this.answer(signal, false), {
            class: 'fnb-Button fnb-Button-danger'
          })
        );
      } else {
        const code =
          `fl.UnionRemote().set_input(${JSON.stringify(signal.name)}, ` +
          `${JSON.stringify(this.runName)}, <${signal.type}>)`;
        let parts = this.boxes.get(signal.name);
        if (!parts) {
          parts = this.inputBox(signal); // kept: the header is redrawn every second
          this.boxes.set(signal.name, parts);
        }
        row.append(...parts, h('code', { class: 'fnb-Snippet' }, code));
      }
      box.appendChild(row);
    }
    return box;
  }

  /** A box for an input gate's value, its Set button and where an error shows. */
  private inputBox(signal: Signal): HTMLElement[] {
    const label = `Value for ${signal.name} (${signal.type})`;
    const box: HTMLInputElement | HTMLSelectElement =
      signal.type === 'bool'
        ? h(
            'select',
            { class: 'fnb-Select fnb-GateValue', 'aria-label': label },
            h('option', { value: 'true' }, 'true'),
            h('option', { value: 'false' }, 'false')
          )
        : h('input', {
            class: 'fnb-Input fnb-GateValue',
            type: 'text',
            'aria-label': label,
            placeholder: signal.type,
            spellcheck: false
          });
    const error = h('span', { class: 'fnb-FieldError', role: 'alert' });
    const set = async () => {
      error.textContent = '';
      try {
        await this.client.api('post', 'runs/{name}/signals/{signal}', {
          path: { name: this.runName, signal: signal.name },
          body: { value: encodeValue(signal.type, box.value), by: 'the JupyterLab panel' }
        });
      } catch (err) {
        error.textContent = asApiError(err).message;
        return;
      }
      this.answered();
    };
    box.addEventListener('keydown', event => {
      if ((event as KeyboardEvent).key === 'Enter') {
        void set();
      }
    });
    return [
      box,
      button('Set', () => void set(), { class: 'fnb-Button fnb-Button-primary fnb-GateSet' }),
      error
    ];
  }

  private async answer(signal: Signal, approved: boolean): Promise<void> {
    const verb = approved ? 'Approve' : 'Reject';
    const answer = await showDialog({
      title: `${verb} gate ${signal.name} of run ${this.runName}?`,
      body: approved
        ? 'The run goes on past the gate.'
        : 'The gate fails with FlyteDisapprovedException, and the run with it.',
      buttons: [
        Dialog.cancelButton(),
        approved ? Dialog.okButton({ label: verb }) : Dialog.warnButton({ label: verb })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await this.client.api('post', 'runs/{name}/signals/{signal}', {
        path: { name: this.runName, signal: signal.name },
        body: { approved, by: 'the JupyterLab panel' }
      });
    } catch (err) {
      await showDialog({
        title: `Could not ${verb.toLowerCase()}`,
        body: asApiError(err).message,
        buttons: [Dialog.okButton()]
      });
    }
    this.answered();
  }
}

/**
 * A typed gate value as the JSON the backend checks: numbers and bools as written (when
 * they are JSON), anything else as a string, so "abc" for an int gate comes back as the
 * backend's own "expects a int" message rather than a guess made here.
 */
export function encodeValue(type: string, text: string): string {
  const trimmed = text.trim();
  if (type !== 'str' && trimmed !== '') {
    try {
      JSON.parse(trimmed);
      return trimmed;
    } catch {
      // not JSON: sent as a string, which the backend refuses with its message
    }
  }
  return JSON.stringify(type === 'str' ? text : trimmed);
}
