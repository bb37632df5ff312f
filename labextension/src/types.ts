/**
 * The backend's shapes, taken from the generated OpenAPI types (api.ts, made by
 * scripts/gen_api.py): when the backend's models change, regenerating api.ts makes the
 * compiler point at every place the panel must follow.
 */
import type { components, paths } from './api';

type Schemas = components['schemas'];

export type Run = Schemas['RunModel'];
export type RunList = Schemas['RunList'];
export type Action = Schemas['ActionModel'];
export type ActionTree = Schemas['ActionTree'];
export type LogLine = Schemas['LogLine'];
export type LogList = Schemas['LogList'];
export type Doc = Schemas['DocModel'];
export type DocList = Schemas['DocList'];
export type DocContent = Schemas['DocContent'];
export type Values = Schemas['Values'];
export type RunQuery = NonNullable<paths['/api/v1/runs']['get']['parameters']['query']>;
export type RunArtifacts = Schemas['RunArtifacts'];

export type ArtifactSummary = Schemas['ArtifactSummary'];
export type ArtifactList = Schemas['ArtifactList'];
export type ArtifactVersion = Schemas['ArtifactVersionModel'];
export type ArtifactVersionList = Schemas['ArtifactVersionList'];
export type ArtifactPartitions = Schemas['ArtifactPartitions'];
export type Lineage = Schemas['Lineage'];

export type Signal = Schemas['SignalModel'];
export type SignalList = Schemas['SignalList'];

export type RerunForm = Schemas['RerunForm'];
export type FormField = Schemas['FormField'];
export type Comparison = Schemas['Comparison'];
export type CompareRow = Schemas['CompareRow'];

/**
 * The live events of `GET /api/v1/events` (flyte_nb.wire's event shapes), told apart by
 * their `kind`; a watcher of one run gets the run's whole view first, which has none.
 */
export type RunEvent = Schemas['RunEvent'];
export type ActionEvent = Schemas['ActionEvent'];
export type LogEvent = Schemas['LogEvent'];
export type DocEvent = Schemas['DocEvent'];
export type LiveEvent =
  | RunEvent
  | ActionEvent
  | LogEvent
  | DocEvent
  | Schemas['ArtifactEvent']
  | Schemas['AppEvent']
  | Schemas['OverflowEvent']
  | Schemas['RunView'];

export type App = Schemas['AppModel'];
export type AppList = Schemas['AppList'];
export type AppLogs = Schemas['AppLogs'];

/** How artifacts and apps are addressed: /{project}/{domain}/{name}. */
export interface Key {
  project: string;
  domain: string;
  name: string;
}

export function keyPath(key: Key): string {
  return [key.project, key.domain, key.name].map(encodeURIComponent).join('/');
}

/** The server extension's own answer (not a backend route): GET /flyte-nb/status. */
export interface PanelStatus {
  connected: boolean;
  endpoint?: string;
  source?: string;
  backend_version?: string | null;
  message?: string | null;
  panel_version: string;
}

export const PHASES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'] as const;

export function isLive(phase: string): boolean {
  return phase === 'QUEUED' || phase === 'RUNNING';
}
