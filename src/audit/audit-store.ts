import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { AuditEvent } from './audit.js';

/** Reading the audit trail; rows are written by the stores that make the changes. */
export interface AuditStore {
  /** A project's events, oldest first, from `since` (inclusive) when given. */
  list(projectId: string, since?: string): Promise<AuditEvent[]>;
}

export function kyselyAuditStore(db: Kysely<Database>): AuditStore {
  return {
    async list(projectId, since) {
      let q = db.selectFrom('audit_events').selectAll().where('project_id', '=', projectId);
      if (since !== undefined) q = q.where('at', '>=', since);
      return q.orderBy('at').orderBy('id').execute();
    },
  };
}
