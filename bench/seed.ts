import type SQLite from 'better-sqlite3';
import pg from 'pg';
import { generateSecret } from '../src/auth/token-secret.js';
import { ALL_CAPABILITIES_MASK } from '../src/domain/capabilities.js';
import { numberFacts } from '../src/domain/phone-number.js';
import { newPhoneNumberRow, type PhoneNumberRow } from '../src/domain/phone-number-record.js';
import { unnestInsert } from '../src/storage/postgres/phone-numbers.js';
import { parseDatabaseUrl } from '../src/storage/database-url.js';
import { migrateToLatest, openDatabase } from '../src/storage/open-database.js';
import { bootstrap } from '../src/tenancy/tenancy-service.js';
import { kyselyTenancyStore } from '../src/storage/kysely/tenancy-store.js';
import { type Inventory, MAX_SEED, numberAt, seededId } from './inventory.js';

/**
 * Fills a fresh database before its server starts: the schema (through numberspace's own
 * migrations), the tenancy the server's bootstrap would create for the given credentials,
 * and `count` active numbers in that project. Rows are built by newPhoneNumberRow, exactly
 * as an import builds them, but written straight into the database in large batches:
 * importing a million numbers over HTTP would take longer than the whole benchmark.
 */
export interface SeedResult {
  readonly inventory: Inventory;
  readonly rows: number;
  readonly seconds: number;
  /** How the rows were written, for the report. */
  readonly method: string;
}

/** Rows per transaction: big enough that commits cost nothing, small enough to keep memory flat. */
const BATCH_ROWS = 10_000;
/** Creation times end a day before the run, so numbers imported during it list first, as new imports do. */
const SPREAD_MS = 365 * 24 * 3600 * 1000;

export async function seedDatabase(databaseUrl: string, count: number): Promise<SeedResult> {
  if (!Number.isInteger(count) || count < 0 || count > MAX_SEED) throw new RangeError(`cannot seed ${count} numbers (0 to ${MAX_SEED})`);
  const started = performance.now();
  const inventory: Inventory = { projectId: crypto.randomUUID(), apiToken: generateSecret(), count, salt: crypto.randomUUID() };
  const opened = openDatabase(parseDatabaseUrl(databaseUrl));
  try {
    await migrateToLatest(opened.db);
    await bootstrap(
      { store: kyselyTenancyStore(opened.db), clock: () => new Date(), newId: () => crypto.randomUUID() },
      { projectId: inventory.projectId, apiToken: inventory.apiToken },
    );
  } finally {
    await opened.db.destroy();
  }
  const rows = seedRows(inventory);
  let method: string;
  if (opened.kind === 'sqlite') {
    method = await insertSqlite(parseDatabaseUrl(databaseUrl), rows);
  } else {
    method = await insertPostgres(databaseUrl, rows);
  }
  return { inventory, rows: count, seconds: (performance.now() - started) / 1000, method };
}

/**
 * The seeded rows, oldest first, created over the year before the run. All +1 555 numbers
 * get the same facts, so they are worked out once and checked on a sample instead of
 * parsing a million numbers.
 */
function* seedRows(inventory: Inventory): Generator<PhoneNumberRow[]> {
  const facts = numberFacts(numberAt(0));
  for (const probe of [1, 4_999_999, Math.max(0, inventory.count - 1)]) {
    const f = numberFacts(numberAt(probe));
    if (f.countryCode !== facts.countryCode || f.numberClass !== facts.numberClass) {
      throw new Error(`seed numbers are not uniform: ${numberAt(probe)} classifies differently from ${numberAt(0)}`);
    }
  }
  if (facts.numberClass === 'toll-free') throw new Error(`${numberAt(0)} classifies as toll-free; the seed imports longcodes`);
  const end = Date.now() - 24 * 3600 * 1000;
  const start = end - SPREAD_MS;
  const step = inventory.count > 1 ? SPREAD_MS / (inventory.count - 1) : 0;
  for (let first = 0; first < inventory.count; first += BATCH_ROWS) {
    const batch: PhoneNumberRow[] = [];
    for (let i = first; i < Math.min(first + BATCH_ROWS, inventory.count); i++) {
      batch.push(
        newPhoneNumberRow({
          id: seededId(inventory.salt, i),
          projectId: inventory.projectId,
          number: numberAt(i),
          numberType: 'longcode',
          capabilities: ALL_CAPABILITIES_MASK,
          countryCode: facts.countryCode,
          now: new Date(Math.round(start + i * step)).toISOString(),
        }),
      );
    }
    yield batch;
  }
}

/** SQLite caps bound parameters per statement at 32766; 60 rows of 47 columns stays well under. */
const SQLITE_ROWS_PER_STATEMENT = 60;

async function insertSqlite(location: ReturnType<typeof parseDatabaseUrl>, batches: Iterable<PhoneNumberRow[]>): Promise<string> {
  const { sqlite, db } = openDatabase(location);
  const handle = sqlite as SQLite.Database;
  // The seed is rebuilt on every run, so it need not survive a crash; the server reopens the
  // file with its own durability settings.
  handle.pragma('synchronous = OFF');
  // Random UUID keys land all over the primary-key index; with SQLite's 2 MB default cache
  // nearly every insert would reread a page. 512 MB holds the indexes of a million rows.
  handle.pragma('cache_size = -524288');
  let columns: (keyof PhoneNumberRow)[] | undefined;
  let many: SQLite.Statement | undefined;
  let one: SQLite.Statement | undefined;
  const values = (row: PhoneNumberRow) => columns!.map((c) => row[c]);
  try {
    for (const batch of batches) {
      if (columns === undefined) {
        columns = Object.keys(batch[0]!) as (keyof PhoneNumberRow)[];
        const tuple = `(${columns.map(() => '?').join(',')})`;
        const head = `insert into phone_numbers (${columns.join(',')}) values `;
        many = handle.prepare(head + Array.from({ length: SQLITE_ROWS_PER_STATEMENT }, () => tuple).join(','));
        one = handle.prepare(head + tuple);
      }
      handle.transaction(() => {
        let i = 0;
        for (; i + SQLITE_ROWS_PER_STATEMENT <= batch.length; i += SQLITE_ROWS_PER_STATEMENT) {
          many!.run(batch.slice(i, i + SQLITE_ROWS_PER_STATEMENT).flatMap(values));
        }
        for (; i < batch.length; i++) one!.run(values(batch[i]!));
      })();
    }
    // Leave a compact main file, not a WAL the server would first have to checkpoint.
    handle.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await db.destroy();
  }
  return `better-sqlite3, ${SQLITE_ROWS_PER_STATEMENT}-row INSERT statements, one transaction per ${BATCH_ROWS} rows, synchronous=OFF while seeding`;
}

async function insertPostgres(databaseUrl: string, batches: Iterable<PhoneNumberRow[]>): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const batch of batches) {
      // Columns that are null in every row are left to their default (null), which keeps
      // the statement small; a column newPhoneNumberRow ever fills is sent automatically.
      const columns = (Object.keys(batch[0]!) as (keyof PhoneNumberRow)[]).filter((c) => batch.some((r) => r[c] !== null));
      const insert = unnestInsert('phone_numbers', columns, batch);
      await client.query('begin');
      await client.query(insert.sql, [...insert.parameters]);
      await client.query('commit');
    }
    // A real table of this size would long since have been analysed by autovacuum.
    await client.query('analyze phone_numbers');
  } finally {
    await client.end();
  }
  return `pg, one INSERT … SELECT FROM unnest(arrays) per ${BATCH_ROWS} rows in its own transaction, then ANALYZE`;
}
