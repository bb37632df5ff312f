/**
 * What each phase means for the reader, said where the phase is shown (a badge's tooltip
 * and accessible name; next to a live run's badge in its view). A run that sits in QUEUED
 * looks stuck unless it says what it waits for: the backend starts at most as many actions
 * at once as it has workers (children of runs already going first), so a queued run is
 * waiting for one of those, not broken.
 */
export const PHASE_WHY: Record<string, string> = {
  QUEUED:
    'waiting for a free worker: the backend runs as many actions at once as it has workers, ' +
    'children of runs in progress first',
  RUNNING: 'an action is executing, or waiting for its children or a gate',
  SUCCEEDED: 'finished; its outputs are stored',
  FAILED: 'an action raised and had no retries left',
  ABORTED: 'stopped by a user or by its parent',
  TIMED_OUT: 'ran past its timeout'
};

/** "PHASE: why", the tooltip and accessible name of a phase badge. */
export function phaseTitle(phase: string): string {
  const why = PHASE_WHY[phase];
  return why ? `${phase}: ${why}` : phase;
}

/** The reason a queued run waits, as visible text (null for other phases). */
export function phaseWhy(phase: string): HTMLElement | null {
  if (phase !== 'QUEUED') {
    return null;
  }
  const el = document.createElement('span'); // not dom.ts's h(): dom.ts imports this module
  el.className = 'fnb-Phase-why';
  el.textContent = `queued: ${PHASE_WHY.QUEUED}`;
  return el;
}
