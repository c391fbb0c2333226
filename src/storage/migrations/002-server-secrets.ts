import type { Kysely } from 'kysely';

/**
 * Secrets every node of one installation must share (the page-token signing key). They live
 * in the database because that is the one thing all nodes already agree on; a key per process
 * would make a page token minted by one node fail on the next.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
