/**
 * A live run's gates that wait for someone, in the run view's header: an approval is
 * answered here (Approve / Reject, each confirmed); an input gets the line of code that
 * sets it from a notebook (its value is typed data, which a text box would guess at).
 * Answers go through the proxy's one other allowed POST, `runs/<name>/signals/<gate>`.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';

import { PanelClient } from './client';
import { button, h } from './dom';
import { asApiError } from './states';
import type { Signal, SignalList } from './types';

export class Gates {
  /** The gates waiting now (WAITING), as last read. */
  signals: Signal[] = [];

  constructor(
    private client: PanelClient,
    private runName: string,
    /** Called after an answer: the run moves on (or fails). */
    private answered: () => void
  ) {}

  /** Re-read them; none on error (gates are extras: the view must not fail over them). */
  async read(): Promise<void> {
    try {
      const list = await this.client.get<SignalList>(
        `runs/${encodeURIComponent(this.runName)}/signals`
      );
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
        row.append(h('code', { class: 'fnb-Snippet' }, code));
      }
      box.appendChild(row);
    }
    return box;
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
      await this.client.post(
        `runs/${encodeURIComponent(this.runName)}/signals/${encodeURIComponent(signal.name)}`,
        {},
        { approved, by: 'the JupyterLab panel' }
      );
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
