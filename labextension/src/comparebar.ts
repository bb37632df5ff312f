/**
 * Picking runs to compare, above the runs list: how many are ticked, Compare (two or
 * more) and Clear. Compare opens the comparison by its link target
 * (`compare/<run>/<run>...`), the way every in-page link opens a view.
 */
import { button, h } from './dom';
import { openTarget } from './runactions';
import type { RunListView } from './runlist';

export const MAX_COMPARED = 10; // the backend's limit (backend/_compare.py)

export function compareTarget(names: string[]): string {
  return ['compare', ...names].map(encodeURIComponent).join('/');
}

export class CompareBar {
  readonly node: HTMLElement;
  private count: HTMLElement;
  private compare: HTMLButtonElement;

  constructor(private list: RunListView) {
    this.count = h('span', { class: 'fnb-Muted', 'aria-live': 'polite' });
    this.compare = button('Compare', () => this.open(), {
      class: 'fnb-Button fnb-Button-primary fnb-CompareBar-compare',
      title: 'Inputs, outputs, durations and task versions side by side'
    });
    this.node = h(
      'div',
      { class: 'fnb-CompareBar', hidden: true },
      this.count,
      this.compare,
      button('Clear', () => this.clear(), { class: 'fnb-Button fnb-CompareBar-clear' })
    );
    list.onPick = () => this.update();
  }

  private update(): void {
    const n = this.list.picked.size;
    this.node.hidden = n === 0;
    this.count.textContent =
      n < 2 ? `${n} run picked: pick another to compare` : `${n} runs picked`;
    this.compare.disabled = n < 2 || n > MAX_COMPARED;
    this.compare.title =
      n > MAX_COMPARED ? `At most ${MAX_COMPARED} runs at once` : 'Compare the picked runs';
  }

  private open(): void {
    openTarget(compareTarget([...this.list.picked]));
  }

  private clear(): void {
    this.list.picked.clear();
    this.list.render(true);
    this.update();
  }
}
