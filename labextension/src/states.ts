/**
 * The empty, loading and error states every view shares. Each says what to do next: with
 * no backend, how to start one (and a button that does what `fl.init()` does); with a bad
 * setting, which one; otherwise the backend's own message, which names the fix.
 */
import { ApiError, PanelClient } from './client';
import { button, h, notice, richText } from './dom';

export function loadingNotice(what: string): HTMLElement {
  return notice('loading', `Loading ${what}…`, h('div', { class: 'fnb-Spinner' }));
}

export function errorNotice(client: PanelClient, error: ApiError, retry: () => void): HTMLElement {
  if (error.code === 'no_extension') {
    return notice('error', 'The flyte_nb server extension is missing', richText(error.message));
  }
  if (error.code === 'bad_setting') {
    return notice(
      'error',
      'Check the backend endpoint setting',
      richText(error.message),
      richText('Settings → Settings Editor → flyte_nb panel.'),
      button('Retry', retry)
    );
  }
  if (!error.unavailable) {
    return notice('error', 'Could not load', richText(error.message), button('Retry', retry));
  }
  const actions = h('div', { class: 'fnb-Notice-actions' }, button('Retry', retry));
  const body = notice(
    'error',
    'No flyte_nb backend running',
    richText(error.message),
    richText(
      'The panel shows the runs of the backend your notebooks use: `fl.init()` starts it ' +
        'for this machine, `flyte-nb server start` starts it from a terminal.'
    ),
    actions
  );
  if (error.code === 'backend_unavailable' && !client.endpoint) {
    const start = button('Start backend', () => {
      start.disabled = true;
      start.textContent = 'Starting…';
      client.startBackend().then(
        () => retry(),
        (err: unknown) => {
          start.disabled = false;
          start.textContent = 'Start backend';
          const message = err instanceof ApiError ? err.message : String(err);
          actions.appendChild(h('p', { class: 'fnb-Notice-text fnb-Error' }, message));
        }
      );
    });
    start.classList.add('fnb-Button-primary');
    actions.prepend(start);
  }
  return body;
}

/** Any thrown value as an ApiError. */
export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'error', String(err));
}
