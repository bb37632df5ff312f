/**
 * The Actions tab's controls and its tree, kept across live updates: find by task or name
 * and phase, fold (per node or all), "show all" past the 200-children cut, and where the
 * first failure is. The run view owns reading; these say what to draw, and the virtualized
 * tree (treeview.ts) draws it.
 */
import { button, h } from './dom';
import { actionFilter, FlattenOptions } from './treerows';
import { ActionTreeView } from './treeview';
import { Action, ActionTree, PHASES } from './types';

const failed = (phase: string) => phase === 'FAILED' || phase === 'TIMED_OUT';

export interface TreeHandlers {
  /** Draw the tree again from what was last read (a filter or a fold changed). */
  redraw: () => void;
  /** Read the tree again (`full` changed). */
  reload: () => void;
  firstFailure: () => void;
  /** An action was picked (click or Enter). */
  select: (name: string) => void;
}

export class TreeControls {
  readonly node: HTMLElement;
  readonly collapsed = new Set<string>();
  /** Every child read and drawn, not the first 200 per parent. */
  full = false;
  private text: HTMLInputElement;
  private phase: HTMLSelectElement;
  /** The tree, one element for the view's life (its scroll and focus survive updates). */
  readonly view: ActionTreeView;

  constructor(private handlers: TreeHandlers) {
    this.view = new ActionTreeView({
      onSelect: name => handlers.select(name),
      onToggle: name => this.toggle(name),
      onShowAll: () => {
        this.full = true;
        handlers.reload();
      }
    });
    this.text = h('input', {
      class: 'fnb-Input fnb-TreeFilter-text',
      type: 'search',
      placeholder: 'Find actions by task or name',
      'aria-label': 'Find actions by task or name'
    });
    this.phase = h('select', { class: 'fnb-Select fnb-TreeFilter-phase', 'aria-label': 'Phase' });
    for (const [value, label] of [['', 'All phases'], ...PHASES.map(p => [p, p])]) {
      this.phase.appendChild(h('option', { value }, label));
    }
    let debounce = 0;
    this.text.addEventListener('input', () => {
      window.clearTimeout(debounce);
      debounce = window.setTimeout(() => handlers.redraw(), 200);
    });
    this.phase.addEventListener('change', () => handlers.redraw());
    this.node = h(
      'div',
      { class: 'fnb-Toolbar fnb-TreeTools' },
      this.text,
      this.phase,
      button('First failure', () => handlers.firstFailure(), {
        class: 'fnb-Button fnb-TreeTools-failure',
        title: 'Select the first failed action, unfolding and unfiltering what hides it'
      }),
      button('Collapse all', () => this.foldAll(true)),
      button('Expand all', () => this.foldAll(false))
    );
  }

  /** The last tree read, for folding all. */
  tree: ActionTree | null = null;

  /** What to show: the folds and the filter as typed. */
  options(): FlattenOptions {
    return { collapsed: this.collapsed, filter: actionFilter(this.text.value, this.phase.value) };
  }

  /** Draw `tree` with the current folds and filter, `selected` marked. */
  draw(tree: ActionTree, selected: string | null, waiting: ReadonlySet<string>): void {
    this.tree = tree;
    this.view.update(tree, { ...this.options(), selected, waiting });
  }

  /** Fold or unfold one node. */
  toggle(name: string): void {
    if (!this.collapsed.delete(name)) {
      this.collapsed.add(name);
    }
    this.handlers.redraw();
  }

  /** Nothing filtered or folded: every action shows (a link to one, the first failure). */
  reset(): void {
    this.text.value = '';
    this.phase.value = '';
    this.collapsed.clear();
  }

  /** Unfold the ancestors of `name` in `tree`. */
  reveal(tree: ActionTree, name: string): void {
    const byName = new Map(tree.items.map(a => [a.name, a]));
    for (let p = byName.get(name)?.parent ?? null; p; p = byName.get(p)?.parent ?? null) {
      this.collapsed.delete(p);
    }
  }

  private foldAll(fold: boolean): void {
    this.collapsed.clear();
    if (fold && this.tree) {
      for (const a of this.tree.items) {
        if (a.parent) {
          this.collapsed.add(a.parent);
        }
      }
    }
    this.handlers.redraw();
  }
}

/** Whether failures hide past the cut (counted, not read). */
export function failureHidden(tree: ActionTree): boolean {
  return Object.values(tree.hidden).some(c => Object.keys(c).some(failed));
}

/** The first failed action in tree order. */
export function firstFailed(tree: ActionTree): Action | undefined {
  return tree.items.find(a => failed(a.phase));
}
