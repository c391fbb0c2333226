import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { kyselyIdempotencyStore } from '../kysely/idempotency-store.js';
import type { IdempotencyStore, IdempotentAnswer } from '../idempotency-store.js';
import type { Database } from '../schema.js';

/**
 * Idempotency answers on SQLite. Every import with a key looks its key up first, so that
 * lookup is one statement prepared once on the server's own connection (Kysely's driver
 * prepares each query anew, which costs more than the lookup itself); the rare writes go
 * through Kysely like every engine's.
 */
export function sqliteIdempotencyStore(handle: SQLite.Database, db: Kysely<Database>): IdempotencyStore {
  const shared = kyselyIdempotencyStore(db);
  let select: SQLite.Statement | undefined;
  return {
    ...shared,
    async find(projectId, operation, key) {
      select ??= handle.prepare('select project_id, operation, key, request_hash, status, body, created_at from idempotency_keys where project_id = ? and operation = ? and key = ?');
      const row = select.get(projectId, operation, key) as
        | { project_id: string; operation: string; key: string; request_hash: string; status: number; body: string; created_at: string }
        | undefined;
      if (row === undefined) return undefined;
      const answer: IdempotentAnswer = { projectId: row.project_id, operation: row.operation, key: row.key, requestHash: row.request_hash, status: row.status, body: row.body, createdAt: row.created_at };
      return answer;
    },
  };
}
