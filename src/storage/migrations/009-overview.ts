import { type Kysely, sql } from 'kysely';

/**
 * The console's overview counts a project's active numbers by country and type: an index of
 * exactly those columns answers the count from the index alone, without reading a row, so it
 * costs the same at a million numbers as a scan of a million small index entries, never more.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('phone_numbers_project_counts')
    .on('phone_numbers')
    // released_at is null in every entry; it is in the index because SQLite reads a column the
    // statement names from the row unless the index holds it, partial condition or not.
    .columns(['project_id', 'country_code', 'number_type', 'released_at'])
    .where(sql.ref('released_at'), 'is', null)
    .execute();
}
