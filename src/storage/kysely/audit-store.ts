import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { AuditStore } from '../tenant-records.js';

export function kyselyAuditStore(db: Kysely<Database>): AuditStore {
  return {
    async list(projectId, since) {
      let q = db.selectFrom('audit_events').selectAll().where('project_id', '=', projectId);
      if (since !== undefined) q = q.where('at', '>=', since);
      return q.orderBy('at').orderBy('id').execute();
    },
    async page(projectId, { after, limit, actions, numberPrefix }) {
      let q = db.selectFrom('audit_events').selectAll().where('project_id', '=', projectId);
      // The keyset as a range bound on `at` (the index's column) and a tie-break on id.
      if (after !== null) q = q.where('at', '<=', after.at).where((eb) => eb.or([eb('at', '<', after.at), eb('id', '<', after.id)]));
      if (actions !== null) q = q.where('action', 'in', [...actions]);
      // Summaries are JSON written by numberspace: a number event names its number as `"number":"+…"`.
      if (numberPrefix !== null) q = q.where('summary', 'like', `%"number":"${numberPrefix}%`);
      return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    async perDay(projectId, since, actions) {
      const day = sql<string>`substr(at, 1, 10)`;
      const rows = await db
        .selectFrom('audit_events')
        .select([day.as('day'), 'action', (eb) => eb.fn.countAll<string | number>().as('n')])
        .where('project_id', '=', projectId)
        .where('at', '>=', since)
        .where('action', 'in', [...actions])
        .groupBy([day, 'action'])
        .orderBy(day)
        .execute();
      return rows.map((r) => ({ day: r.day, action: r.action, n: Number(r.n) }));
    },
  };
}
