import type { Kysely } from 'kysely';

/**
 * Each audit event records the API surface the change came through (relay-rest,
 * compatibility) or cli. Events recorded before this migration keep null: which surface they
 * came through was not kept.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('surface', 'text').execute();
}
