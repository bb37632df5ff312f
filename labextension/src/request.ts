/**
 * Backend requests typed by the backend's OpenAPI document (api.ts, generated from it): a
 * route is named by its documented path below `/api/v1/` ('runs/{name}/tree'), and its path
 * parameters, query, body and answer all come from that route's entry. A path the backend
 * does not serve, a missing or unknown parameter, or a body of the wrong shape fails `tsc`
 * (test/request.test.ts holds such cases), so the panel cannot drift from the backend.
 *
 * Pure types and one pure function (no JupyterLab import), so the unit tests run it in Node.
 */
import type { paths } from './api';

export type Method = 'get' | 'post';

type Route<P extends string> = `/api/v1/${P}` extends keyof paths ? paths[`/api/v1/${P}`] : never;

/** The backend's paths below `/api/v1/` that answer `M`. */
export type ApiPath<M extends Method> = {
  [K in keyof paths]: [NonNullable<paths[K][M]>] extends [never]
    ? never
    : K extends `/api/v1/${infer P}`
      ? P
      : never;
}[keyof paths];

/** The OpenAPI operation of `M path`. */
export type Operation<M extends Method, P extends ApiPath<M>> = NonNullable<Route<P>[M]>;

type Parameters<O> = O extends { parameters: infer X } ? X : never;
type PathParameters<O> = Parameters<O> extends { path: infer X } ? X : never;
type QueryOf<O> = Parameters<O> extends { query?: infer X } ? X : never;
type JsonOf<X> = X extends { content: { 'application/json': infer T } } ? T : never;

/** What a call passes: `path` when the route has parameters, `body` when it takes one. */
export type Options<O> = ([PathParameters<O>] extends [never]
  ? { path?: never }
  : { path: PathParameters<O> }) & { query?: QueryOf<O> } & (O extends {
    requestBody: { content: { 'application/json': infer B } };
  }
    ? { body: B }
    : { body?: never });

/** The route's JSON answer (its 200 or 201 response). */
export type Answer<O> = O extends { responses: infer R }
  ? JsonOf<R[Extract<keyof R, 200 | 201>]>
  : never;

/** `template` with each `{name}` replaced by its parameter, escaped as one path segment. */
export function fillPath(template: string, parameters: object = {}): string {
  const given = parameters as Record<string, unknown>;
  return template.replace(/\{(\w+)\}/g, (_match, key: string) => {
    const value = given[key];
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`the path ${template} needs its {${key}} parameter`);
    }
    return encodeURIComponent(String(value));
  });
}
