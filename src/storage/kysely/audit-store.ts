import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { AuditStore } from '../tenant-records.js';

export function kyselyAuditStore(db: Kysely<Database>): AuditStore {
  return {
    async list(projectId, since) {
      let q = db.selectFrom('audit_events').selectAll().where('project_id', '=', projectId);
      if (since !== undefined) q = q.where('at', '>=', since);
      return q.orderBy('at').orderBy('id').execute();
    },
  };
}
