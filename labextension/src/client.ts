/**
 * The panel's only way to the backend: the Jupyter server extension's proxy under
 * `<base>/flyte-nb/`. Requests go through ServerConnection, so Jupyter's token and XSRF
 * cookie travel with them; the backend's own token stays in the Jupyter server.
 *
 * Errors come back in the backend's one shape, `{"error": {"code", "message"}}`, whether
 * the backend or the proxy wrote them, and become an ApiError whose message says what to do.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { fillPath } from './request';
import type { Answer, ApiPath, Method, Operation, Options } from './request';
import type { FrameHead } from './runparts';
import type { LiveEvent, PanelStatus } from './types';

export type Query = Record<string, string | number | boolean | string[] | null | undefined>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }

  /** No backend to talk to: the panel shows how to start one. */
  get unavailable(): boolean {
    return this.code === 'backend_unavailable' || this.code === 'jupyter_unreachable';
  }
}

export class PanelClient {
  /** The lab setting `backendEndpoint` ('' = the backend `fl.init()` would use). */
  endpoint = '';
  /**
   * Called when the backend may have changed: a request found it gone or back, a live
   * stream opened or dropped, or the panel started one. The panel's footer re-reads the
   * status then, instead of only when it is shown (it went stale both ways).
   */
  private listeners: (() => void)[] = [];
  private reachable: boolean | null = null;

  constructor(readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === null || value === undefined || value === '') {
        continue;
      }
      for (const v of Array.isArray(value) ? value : [value]) {
        params.append(key, String(v));
      }
    }
    const qs = params.toString();
    return URLExt.join(this.settings.baseUrl, 'flyte-nb', path) + (qs ? `?${qs}` : '');
  }

  /** GET or POST `path` (relative to /flyte-nb/) and parse the JSON answer. */
  async request<T>(
    method: 'GET' | 'POST',
    path: string,
    query: Query = {},
    send?: unknown
  ): Promise<T> {
    const init: RequestInit = { method };
    if (send !== undefined) {
      init.body = JSON.stringify(send);
    }
    const response = await this.fetch(path, query, init);
    const text = await response.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const error = errorOf(response.status, body, text);
      if (error.unavailable) {
        this.noteReachable(false);
      }
      throw error;
    }
    if (path.startsWith('api/')) {
      this.noteReachable(true);
    }
    return body as T;
  }

  /** Listen for "the backend may have changed" (see `listeners`). */
  onBackendChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  backendChanged(): void {
    for (const listener of this.listeners) {
      listener();
    }
  }

  /** Note whether the backend answered; a change either way is announced once. */
  noteReachable(reachable: boolean): void {
    if (reachable !== this.reachable) {
      this.reachable = reachable;
      this.backendChanged();
    }
  }

  /**
   * A backend route by its OpenAPI path below `api/v1/`, e.g.
   * `client.api('get', 'runs/{name}/tree', { path: { name }, query: { max_children: 50 } })`:
   * parameters, body and answer are the route's own types (request.ts), so a route or
   * shape the backend does not have fails `tsc`. Prefer it to `get`/`post`.
   */
  api<M extends Method, P extends ApiPath<M>>(
    method: M,
    path: P,
    options: Options<Operation<M, P>>
  ): Promise<Answer<Operation<M, P>>> {
    const {
      path: parameters,
      query,
      body
    } = options as {
      path?: object;
      query?: Query;
      body?: unknown;
    };
    return this.request<Answer<Operation<M, P>>>(
      method === 'get' ? 'GET' : 'POST',
      `api/v1/${fillPath(path, parameters)}`,
      query ?? {},
      body
    );
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', `api/v1/${path}`, query);
  }

  post<T>(path: string, query: Query = {}, body?: unknown): Promise<T> {
    return this.request<T>('POST', `api/v1/${path}`, query, body);
  }

  /** The first rows of a stored table (a value's `$sd` blob), read by the server extension. */
  frameHead(blob: string, limit = 20): Promise<FrameHead> {
    return this.request<FrameHead>('GET', `frame/${encodeURIComponent(blob)}`, { limit });
  }

  status(): Promise<PanelStatus> {
    return this.request<PanelStatus>('GET', 'status');
  }

  async startBackend(): Promise<PanelStatus> {
    const status = await this.request<PanelStatus>('POST', 'backend/start');
    this.backendChanged();
    return status;
  }

  /**
   * Read a server-sent event stream (`api/v1/<path>`), calling `onEvent(kind, data)` per
   * event, until the server ends it (resolves) or `signal` aborts (resolves). Anything
   * else rejects with an ApiError.
   */
  async stream<T = any>(
    path: string,
    query: Query,
    onEvent: (kind: string, data: T) => void,
    signal: AbortSignal,
    onOpen: () => void = () => undefined
  ): Promise<void> {
    let response: Response;
    try {
      response = await this.fetch(`api/v1/${path}`, query, { method: 'GET', signal });
    } catch (err) {
      if (signal.aborted) {
        return;
      }
      throw err;
    }
    if (!response.ok || !response.body) {
      const text = await response.text();
      let body: any = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      throw errorOf(response.status, body, text);
    }
    onOpen();
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          return;
        }
        pending += decoder.decode(value, { stream: true });
        const frames = pending.split('\n\n');
        pending = frames.pop() ?? '';
        for (const frame of frames) {
          let kind = 'message';
          let data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) {
              kind = line.slice(7);
            } else if (line.startsWith('data: ')) {
              data += line.slice(6);
            }
          }
          if (data) {
            onEvent(kind, JSON.parse(data) as T);
          }
        }
      }
    } catch (err) {
      if (signal.aborted) {
        return;
      }
      throw new ApiError(0, 'stream_lost', `lost the live stream: ${String(err)}`);
    } finally {
      reader.releaseLock();
    }
  }

  private async fetch(path: string, query: Query, init: RequestInit): Promise<Response> {
    const headers: Record<string, string> = {};
    if (init.body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    if (this.endpoint) {
      headers['X-Flyte-Nb-Endpoint'] = this.endpoint;
    }
    try {
      return await ServerConnection.makeRequest(
        this.url(path, query),
        { ...init, headers },
        this.settings
      );
    } catch (err) {
      if (init.signal?.aborted) {
        throw err;
      }
      throw new ApiError(
        0,
        'jupyter_unreachable',
        'JupyterLab cannot reach its Jupyter server; check that it still runs, then retry'
      );
    }
  }
}

function errorOf(status: number, body: any, text: string): ApiError {
  const error = body && typeof body === 'object' ? body.error : null;
  if (error && typeof error.message === 'string') {
    return new ApiError(status, String(error.code ?? 'error'), error.message);
  }
  if (status === 404 && !body) {
    return new ApiError(
      status,
      'no_extension',
      'The flyte_nb server extension is not enabled in this Jupyter server: reinstall ' +
        'flyte_nb in the environment that runs JupyterLab, then restart JupyterLab'
    );
  }
  const detail = body?.message ?? text.slice(0, 300);
  return new ApiError(status, 'error', `HTTP ${status}: ${detail}`);
}

/**
 * A live event stream that reconnects with back-off (1 s doubling to 30 s) while started.
 * `onState` reports whether it is connected, so views can poll while it is not.
 */
export class EventFeed {
  private controller: AbortController | null = null;
  private retry = 1000;
  private timer = 0;
  connected = false;

  constructor(
    private client: PanelClient,
    private path: string,
    private query: () => Query,
    private onEvent: (kind: string, data: LiveEvent) => void,
    private onState: (connected: boolean, error?: ApiError) => void = () => undefined
  ) {}

  get running(): boolean {
    return this.controller !== null;
  }

  start(): void {
    if (this.controller) {
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    void this.loop(controller);
  }

  stop(): void {
    window.clearTimeout(this.timer);
    this.controller?.abort();
    this.controller = null;
    this.setConnected(false);
  }

  private async loop(controller: AbortController): Promise<void> {
    while (!controller.signal.aborted) {
      let error: ApiError | undefined;
      try {
        await this.client.stream(
          this.path,
          this.query(),
          (kind, data) => {
            this.retry = 1000; // data flows: a later drop starts its back-off afresh
            this.onEvent(kind, data);
          },
          controller.signal,
          () => this.setConnected(true)
        );
      } catch (err) {
        error = err instanceof ApiError ? err : new ApiError(0, 'stream_lost', String(err));
      }
      if (controller.signal.aborted) {
        return;
      }
      this.setConnected(false, error);
      await new Promise<void>(resolve => {
        this.timer = window.setTimeout(resolve, this.retry);
      });
      this.retry = Math.min(this.retry * 2, 30000);
    }
  }

  private setConnected(connected: boolean, error?: ApiError): void {
    if (connected !== this.connected && this.controller) {
      this.client.backendChanged(); // a stream that drops or opens: the backend may have moved
    }
    if (connected !== this.connected || error) {
      this.connected = connected;
      this.onState(connected, error);
    }
  }
}

/**
 * A repeating refresh with back-off: `interval` seconds between successful calls, doubling
 * after each failure up to `maxBackoff`; runs only between start() and stop().
 */
export class Poller {
  private timer = 0;
  private failures = 0;
  private active = false;

  constructor(
    private task: () => Promise<void>,
    public interval: number,
    private maxBackoff = 60
  ) {}

  start(now = true): void {
    if (this.active) {
      return;
    }
    this.active = true;
    this.failures = 0;
    this.schedule(now ? 0 : this.interval);
  }

  stop(): void {
    this.active = false;
    window.clearTimeout(this.timer);
  }

  /** Seconds until the next attempt after the current failure streak. */
  get delay(): number {
    return Math.min(this.interval * 2 ** this.failures, Math.max(this.maxBackoff, this.interval));
  }

  private schedule(seconds: number): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.tick(), seconds * 1000);
  }

  private async tick(): Promise<void> {
    if (!this.active) {
      return;
    }
    try {
      await this.task();
      this.failures = 0;
    } catch {
      this.failures += 1;
    }
    if (this.active) {
      this.schedule(this.delay);
    }
  }
}
