import { newRowId } from '../domain/uuid-v7.js';
import type { AuditEventsTable } from '../storage/schema.js';

/** Who made a change: an API token in an HTTP request, or the operator at the CLI (both null). */
export interface Actor {
  readonly projectId: string;
  readonly tokenId: string | null;
  readonly requestId: string | null;
}

export type AuditAction = 'number.imported' | 'number.updated' | 'number.released' | 'token.created' | 'token.rotated' | 'token.revoked';

export type AuditEvent = AuditEventsTable;

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

export const AUDIT_COLUMNS = ['id', 'at', 'project_id', 'token_id', 'request_id', 'action', 'resource_id', 'summary'] as const;
