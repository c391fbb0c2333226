import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * PostgreSQL compresses a row's longest values once the row passes about 2 KB, and a number
 * with both its renderings (migrations 005 and 010) is about 2.7 KB: every import compressed
 * its Relay record and every get and list page decompressed it again, in the database's
 * share of the CPU, to save about 650 bytes a row. Rows up to a page's size now stay as they
 * are. Rows written before keep their compressed value until their next write.
 *
 * SQLite never compresses: nothing to do there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter table phone_numbers set (toast_tuple_target = 8160)`.execute(db);
}
