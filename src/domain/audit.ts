import { newRowId } from './uuid-v7.js';

/** Where a change was asked for: one of the API surfaces, or the operator's CLI. */
export type Surface = 'relay-rest' | 'compatibility' | 'cli' | 'emulator';

/** The request a change comes from, as a surface hands it to a service. */
export interface Origin {
  readonly requestId: string;
  readonly surface: Surface;
}

/** Who made a change: an API token in an HTTP request, or the operator at the CLI (token and request null). */
export interface Actor {
  readonly projectId: string;
  readonly tokenId: string | null;
  readonly requestId: string | null;
  readonly surface: Surface;
}

export type AuditAction = 'number.imported' | 'number.purchased' | 'number.updated' | 'number.released' | 'token.created' | 'token.updated' | 'token.rotated' | 'token.revoked';

/** One recorded change; stored in audit_events. */
export interface AuditEvent {
  id: string;
  at: string;
  project_id: string;
  /** The API token that made the change; null for the operator's CLI. */
  token_id: string | null;
  /** The HTTP request's x-request-id; null for the CLI. */
  request_id: string | null;
  action: string;
  resource_id: string;
  /** JSON object describing the change. Never holds a secret. */
  summary: string;
  /** The surface the change came through; null for events recorded before surfaces were (migration 006). */
  surface: string | null;
}

/** An audit row for a change the actor makes now. The summary must never contain a secret. */
export function auditEvent(
  actor: Actor,
  at: string,
  action: AuditAction,
  resourceId: string,
  summary: Record<string, unknown>,
): AuditEvent {
  return {
    id: newRowId(),
    at,
    project_id: actor.projectId,
    token_id: actor.tokenId,
    request_id: actor.requestId,
    surface: actor.surface,
    action,
    resource_id: resourceId,
    summary: JSON.stringify(summary),
  };
}

/** The attributes an update changed, with their new values. */
export function changedAttributes<T extends object>(before: T, after: Partial<T>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (key !== 'updated_at' && (before as Record<string, unknown>)[key] !== value) changed[key] = value;
  }
  return changed;
}

export const AUDIT_COLUMNS = ['id', 'at', 'project_id', 'token_id', 'request_id', 'action', 'resource_id', 'summary', 'surface'] as const;
