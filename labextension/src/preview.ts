/**
 * A look inside a stored file value (`{"$file": <sha256>, "name", "size"}`): its first
 * lines as text, or the image itself, read through the server extension's
 * `GET /flyte-nb/preview/<blob>` (`flyte_nb/jupyter/_preview.py`), which decides text or
 * image from the bytes and bounds what it reads. An image arrives as bytes with its own
 * content type and is shown from an object URL, so the request still carries the panel's
 * headers (the backend endpoint setting) that an `<img src>` could not send.
 */
import { ServerConnection } from '@jupyterlab/services';

import { PanelClient } from './client';
import { h } from './dom';

let client: PanelClient | null = null;

/** The client previews read through (index.ts, once). */
export function setPreviewClient(c: PanelClient): void {
  client = c;
}

function sizeText(size: unknown): string {
  const n = Number(size);
  if (!isFinite(n) || n <= 0) {
    return '';
  }
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`;
}

/** A file value: its name and size, then its preview as it loads. */
export function renderFile(v: Record<string, any>): HTMLElement {
  const name = String(v.name ?? 'file');
  const box = h(
    'div',
    { class: 'fnb-Preview' },
    h('div', { class: 'fnb-Muted' }, `file ${name}${v.size ? ` · ${sizeText(v.size)}` : ''}`)
  );
  if (typeof v.$file !== 'string') {
    box.appendChild(
      h('div', { class: 'fnb-Muted' }, v.uri ? `stored at ${v.uri}` : 'not stored here')
    );
    return box;
  }
  if (!client) {
    return box;
  }
  const slot = h('div', { class: 'fnb-Muted' }, 'loading a preview…');
  box.appendChild(slot);
  void load(client, v.$file, name).then(
    node => slot.replaceWith(node),
    err => (slot.textContent = `no preview: ${String(err?.message ?? err)}`)
  );
  return box;
}

async function load(c: PanelClient, blob: string, name: string): Promise<HTMLElement> {
  const headers: Record<string, string> = {};
  if (c.endpoint) {
    headers['X-Flyte-Nb-Endpoint'] = c.endpoint;
  }
  const response = await ServerConnection.makeRequest(
    c.url(`preview/${encodeURIComponent(blob)}`),
    { headers },
    c.settings
  );
  const type = response.headers.get('Content-Type') ?? '';
  if (type.startsWith('image/')) {
    const url = URL.createObjectURL(await response.blob());
    const img = h('img', { class: 'fnb-Preview-image', alt: `preview of ${name}`, src: url });
    img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
    return img;
  }
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body?.error?.message ?? response.statusText);
  }
  if (body.kind === 'text') {
    return h(
      'div',
      {},
      h('pre', { class: 'fnb-Value fnb-Preview-text' }, body.text),
      body.truncated
        ? h(
            'div',
            { class: 'fnb-Muted' },
            `the first ${sizeText(body.text.length)} of ${sizeText(body.size)}`
          )
        : null
    );
  }
  return h(
    'div',
    { class: 'fnb-Muted' },
    body.image
      ? `an image too large to preview (${sizeText(body.size)})`
      : `binary, ${sizeText(body.size)}: load it in a notebook`
  );
}
