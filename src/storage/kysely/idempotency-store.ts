import { type Kysely, sql } from 'kysely';
import { idempotencyRow, type IdempotencyStore } from '../idempotency-store.js';
import type { Database } from '../schema.js';

export function kyselyIdempotencyStore(db: Kysely<Database>): IdempotencyStore {
  return {
    async find(projectId, operation, key) {
      const row = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('operation', '=', operation)
        .where('key', '=', key)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return { projectId: row.project_id, operation: row.operation, key: row.key, requestHash: row.request_hash, status: Number(row.status), body: row.body, createdAt: row.created_at };
    },
    async save(answer) {
      const result = await db.insertInto('idempotency_keys').values(idempotencyRow(answer)).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async purge(before, limit) {
      // In small batches by the created_at index: each is a short write, never a long lock.
      const result = await sql`delete from idempotency_keys where (project_id, operation, key) in (select project_id, operation, key from idempotency_keys where created_at < ${before} order by created_at limit ${limit})`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
  };
}
