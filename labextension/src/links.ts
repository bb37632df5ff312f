/**
 * Links that travel: every run, action, artifact and app has a URL inside JupyterLab,
 * `<base>/lab?flyte-nb=<target>`, handled by JupyterLab's router (so it works pasted into
 * another browser tab, or sent to a colleague on the same server), where target is
 * `run/<name>`, `run/<name>/<action>`, `artifact/<project>/<domain>/<name>` or
 * `app/<project>/<domain>/<name>` (each part URI-encoded).
 *
 * Inside the page, any element with `data-flyte-nb-open="<target>"` (the notebook
 * widget's "Open in panel") opens its view without reloading JupyterLab.
 */
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';

import { button } from './dom';
import type { Key } from './types';

export const ROUTE_PARAM = 'flyte-nb';

export function runTarget(name: string, action?: string | null): string {
  return ['run', name, ...(action ? [action] : [])].map(encodeURIComponent).join('/');
}

export function keyTarget(kind: 'artifact' | 'app', key: Key): string {
  return [kind, key.project, key.domain, key.name].map(encodeURIComponent).join('/');
}

/** The absolute URL of a target's view in this JupyterLab. */
export function panelUrl(target: string): string {
  const base = URLExt.join(PageConfig.getBaseUrl(), 'lab');
  const absolute = new URL(base, window.location.href).href;
  return `${absolute}?${ROUTE_PARAM}=${target}`;
}

/** A target parsed back: what the router and `data-flyte-nb-open` hand over. */
export type Target =
  | { kind: 'run'; name: string; action: string | null }
  | { kind: 'artifact' | 'app'; key: Key }
  | { kind: 'compare'; names: string[] };

export function parseTarget(target: string): Target | null {
  const parts = target.split('/').map(p => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'run' && parts[1] && parts.length <= 3) {
    return { kind: 'run', name: parts[1], action: parts[2] ?? null };
  }
  if (parts[0] === 'compare' && parts.length >= 3 && parts.slice(1).every(Boolean)) {
    return { kind: 'compare', names: parts.slice(1) }; // compare/<run>/<run>... (compare.ts)
  }
  if ((parts[0] === 'artifact' || parts[0] === 'app') && parts.length === 4 && parts[3]) {
    return {
      kind: parts[0],
      key: { project: parts[1], domain: parts[2], name: parts[3] }
    };
  }
  return null;
}

/** The target named in a location's query string (`?flyte-nb=...`), if any. */
export function targetOfSearch(search: string): string | null {
  const match = /[?&]flyte-nb=([^&#]+)/.exec(search);
  return match ? match[1] : null;
}

/** "Copy link": puts the view's URL on the clipboard and says so. */
export function copyLinkButton(target: () => string): HTMLButtonElement {
  return button(
    'Copy link',
    () => {
      const url = panelUrl(target());
      Clipboard.copyToSystem(url);
      Notification.info(`Link copied: ${url}`, { autoClose: 4000 });
    },
    { class: 'fnb-Button fnb-CopyLink', title: 'A URL that opens this view in JupyterLab' }
  );
}
