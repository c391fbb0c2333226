import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Number stock: numbers the platform holds that no customer has yet, kept as phone_numbers
 * rows of a hidden per-Space stock project (see storage/stock-store.ts). Being rows of the same
 * table is what lets the database itself keep a number in stock or active in one project,
 * never both: the partial unique index of migration 001 covers both.
 *
 * Every number gains where it is (region, city, rate center, LATA) and when it was bought.
 * Stock rows also carry their Space, their national significant number and that number
 * reversed; a purchase clears those three, so the search indexes below, partial on
 * stock_space_id, hold stock rows only and cost imports nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const column of ['region', 'city', 'rate_center', 'lata', 'purchased_at', 'stock_space_id']) {
    await db.schema.alterTable('phone_numbers').addColumn(column, 'text').execute();
  }
  // Digit strings compared byte by byte: prefix searches are index ranges whatever the
  // database's collation.
  const digits = postgres ? sql`text collate "C"` : sql`text`;
  await db.schema.alterTable('phone_numbers').addColumn('national', digits).execute();
  await db.schema.alterTable('phone_numbers').addColumn('national_reversed', digits).execute();

  const stockIndex = (name: string, columns: string[]) =>
    db.schema.createIndex(name).on('phone_numbers').columns(columns).where(sql.ref('stock_space_id'), 'is not', null).execute();
  // areacode and starts_with: a range of national numbers, in the order searches answer.
  await stockIndex('phone_numbers_stock_national', ['stock_space_id', 'number_type', 'national', 'number']);
  // ends_with: a range of reversed national numbers.
  await stockIndex('phone_numbers_stock_reversed', ['stock_space_id', 'number_type', 'national_reversed']);
  // region (a city is a filter within its region), in answer order like the national index:
  // with the number last, a region's range needs no sort of the numbers that share a national
  // number, and SQLite, which has no statistics, then prefers it to reading the national index
  // in order, testing each row's region (at a million numbers, 0.2 ms instead of 335 ms for a
  // region whose area codes come late in national order).
  await stockIndex('phone_numbers_stock_region', ['stock_space_id', 'number_type', 'region', 'national', 'number']);
  // The countries a Space has stock in, read by skipping from one country to the next.
  await stockIndex('phone_numbers_stock_country', ['stock_space_id', 'country_code']);

  // contains: a trigram index of national numbers, which each engine has its own way of keeping.
  if (postgres) {
    const schema = await trigramSchema(db);
    await sql`create index phone_numbers_stock_trigrams on phone_numbers using gin (national ${sql.id(schema)}.gin_trgm_ops) where stock_space_id is not null`.execute(db);
    // A region lies in one country. Told so, the planner no longer multiplies the two filters of
    // a Compatibility search (country and region) as if independent: it thought a Canadian
    // region's city search would find fewer numbers than the page asks for, read the whole
    // region and sorted it (34 ms at a million numbers) instead of reading it in order (1 ms).
    await sql`create statistics phone_numbers_country_region (dependencies) on country_code, region from phone_numbers`.execute(db);
  } else {
    // A contentless FTS5 table keyed by the row's rowid, kept by triggers so no write can
    // forget it: a row enters it when it enters stock and leaves when it leaves.
    await sql`create virtual table stock_trigrams using fts5(national, tokenize = 'trigram', content = '', contentless_delete = 1)`.execute(db);
    await sql`create trigger stock_trigrams_insert after insert on phone_numbers when new.stock_space_id is not null
      begin insert into stock_trigrams (rowid, national) values (new.rowid, new.national); end`.execute(db);
    await sql`create trigger stock_trigrams_leave after update of stock_space_id on phone_numbers
      when old.stock_space_id is not null and new.stock_space_id is null
      begin delete from stock_trigrams where rowid = old.rowid; end`.execute(db);
    await sql`create trigger stock_trigrams_enter after update of stock_space_id on phone_numbers
      when old.stock_space_id is null and new.stock_space_id is not null
      begin insert into stock_trigrams (rowid, national) values (new.rowid, new.national); end`.execute(db);
    await sql`create trigger stock_trigrams_delete after delete on phone_numbers when old.stock_space_id is not null
      begin delete from stock_trigrams where rowid = old.rowid; end`.execute(db);
  }
}

/**
 * The schema pg_trgm lives in, creating it in `public` if the database does not have it yet.
 * An extension belongs to one schema of the database: created in the installation's own
 * schema, it would vanish (and take other installations' indexes with it) were that schema
 * dropped, so it goes to `public`, and its operator class is named with its schema. An
 * advisory lock makes migrations of several installations at once create it once.
 */
async function trigramSchema(db: Kysely<unknown>): Promise<string> {
  await sql`select pg_advisory_xact_lock(hashtext('numberspace:pg_trgm'))`.execute(db);
  const installed = async () =>
    (await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db)).rows[0]?.schema;
  const found = await installed();
  if (found !== undefined) return found;
  const hasPublic = (await sql`select 1 from pg_namespace where nspname = 'public'`.execute(db)).rows.length > 0;
  if (hasPublic) await sql`create extension pg_trgm with schema public`.execute(db);
  else await sql`create extension pg_trgm`.execute(db);
  return (await installed())!;
}
