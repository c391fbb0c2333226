import type { Kysely } from 'kysely';

/**
 * Per-project abuse limits, set from the CLI. Both columns are nullable and default to null,
 * which means "none of its own": existing projects keep exactly the behaviour they had. They
 * live on the project row because authentication already reads it (one join, no extra query).
 * SQLite adds one column per ALTER TABLE.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('projects').addColumn('rate_limit', 'text').execute();
  await db.schema.alterTable('projects').addColumn('number_quota', 'integer').execute();
}
