/**
 * Pure helpers of the console parts (no DOM, no JupyterLab imports), so node's test runner
 * checks them (test/console.test.ts): log times, notebook paths, cell sources.
 */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Wall-clock time of a log line, to the millisecond ("14:03:07.125"). */
export function clock(epoch: number): string {
  const d = new Date(epoch * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `abs` as a path under the server's root (`root`), or null when it is outside. */
export function relativeToRoot(abs: string, root: string): string | null {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const base = norm(root);
  const path = norm(abs);
  if (!base || base === '/') {
    return path.replace(/^\/+/, '');
  }
  if (path.startsWith(`${base}/`)) {
    return path.slice(base.length + 1);
  }
  return null;
}

/** Two cell sources are the same code when they differ only in trailing whitespace. */
export function sameSource(a: string, b: string | null | undefined): boolean {
  return b !== null && b !== undefined && a.replace(/\s+$/, '') === b.replace(/\s+$/, '');
}
