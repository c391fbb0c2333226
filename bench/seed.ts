import { isDeepStrictEqual } from 'node:util';
import type SQLite from 'better-sqlite3';
import pg from 'pg';
import { generateSecret } from '../src/auth/token-secret.js';
import { ALL_CAPABILITIES_MASK } from '../src/domain/capabilities.js';
import { numberFacts } from '../src/domain/phone-number.js';
import { newPhoneNumberRow, type PhoneNumberRow } from '../src/domain/phone-number-record.js';
import { checkStockEntry } from '../src/domain/stock-entry.js';
import { reversed, type StockEntry, stockProjectId, stockRow, type StockRow } from '../src/domain/stock.js';
import { newRowId } from '../src/domain/uuid-v7.js';
import { unnestInsert } from '../src/storage/postgres/phone-numbers.js';
import { parseDatabaseUrl } from '../src/storage/database-url.js';
import { migrateToLatest, openDatabase } from '../src/storage/open-database.js';
import { STOCK_COLUMNS } from '../src/storage/stock-store.js';
import { openStore } from '../src/storage/store.js';
import { bootstrap } from '../src/tenancy/tenancy-service.js';
import { kyselyTenancyStore } from '../src/storage/kysely/tenancy-store.js';
import { type Inventory, MAX_SEED, numberAt, seededId } from './inventory.js';
import { MAX_STOCK, STOCK_AREAS, stockFieldsAt, stockNumberAt } from './stock.js';

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

/** What a stock load put in a seeded database's Space. */
export interface StockSeed {
  readonly rows: number;
  readonly areaCodes: number;
  readonly seconds: number;
  /** How the rows were written, for the report. */
  readonly method: string;
}

/**
 * Fills the Space of a database seedDatabase made with `count` stock numbers (stock.ts),
 * before its server starts, straight into the database as seedDatabase writes numbers: rows
 * built by stockRow, the function a stock load (`numberspace stock add`) builds them with,
 * with ids from newRowId as the load's, and the Space's stock project as the load creates it.
 * Entries of one area code differ only in their number, so each area code's entry is checked
 * by checkStockEntry once and its row built once; every derived row is compared with what
 * checkStockEntry and stockRow make of it on a sample. Afterwards the store itself counts the
 * stock and searches it, so a load the server would not see fails here.
 */
export async function seedStock(databaseUrl: string, count: number): Promise<StockSeed> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_STOCK) throw new RangeError(`cannot stock ${count} numbers (1 to ${MAX_STOCK})`);
  const started = performance.now();
  const spaceId = await onlySpace(databaseUrl);
  const now = new Date().toISOString();
  const location = parseDatabaseUrl(databaseUrl);
  const rows = stockRows(spaceId, count, now);
  const method = location.kind === 'sqlite' ? await stockSqlite(location, spaceId, now, rows) : await stockPostgres(databaseUrl, spaceId, now, rows);
  const store = openStore(databaseUrl, { poolSize: 1 });
  try {
    const counted = await store.stock.count(spaceId);
    if (counted !== count) throw new Error(`the stock holds ${counted} numbers, not the ${count} loaded`);
    // By area code (the national-number index) and by digits inside the first number (the trigram index).
    for (const [startsWith, contains] of [[STOCK_AREAS[0]!.areaCode, null], [null, stockNumberAt(0).slice(-7, -1)]] as const) {
      const found = await store.stock.search({ spaceId, numberType: 'longcode', country: null, startsWith, contains, endsWith: null, region: null, city: null, withCapabilities: 0, withoutCapabilities: 0, limit: 1 });
      if (found.length !== 1) throw new Error(`a search of the loaded stock (${startsWith === null ? `contains ${contains}` : `area code ${startsWith}`}) found nothing`);
    }
  } finally {
    await store.close();
  }
  return { rows: count, areaCodes: Math.min(STOCK_AREAS.length, count), seconds: (performance.now() - started) / 1000, method };
}

async function onlySpace(databaseUrl: string): Promise<string> {
  const opened = openDatabase(parseDatabaseUrl(databaseUrl));
  try {
    const spaces = await kyselyTenancyStore(opened.db).listSpaces();
    if (spaces.length !== 1) throw new Error(`a seeded database has one Space; this one has ${spaces.length}`);
    return spaces[0]!.id;
  } finally {
    await opened.db.destroy();
  }
}

/** A stock row's values in STOCK_COLUMNS order: the columns a stock load inserts. */
type StockValues = unknown[];

/**
 * Stock rows 0 to count - 1 in batches of values. Each area code's row is built once and
 * copied with the four columns a number changes (id, number, national, national_reversed).
 */
function* stockRows(spaceId: string, count: number, now: string): Generator<StockValues[]> {
  const at = (column: (typeof STOCK_COLUMNS)[number]) => STOCK_COLUMNS.indexOf(column);
  const [ID, NUMBER, NATIONAL, REVERSED] = [at('id'), at('number'), at('national'), at('national_reversed')];
  const exact = (i: number, id: string): StockValues => {
    const fields = stockFieldsAt(i);
    const checked = checkStockEntry(fields);
    if (!checked.ok) throw new Error(`stock entry ${i} (${fields.number}): ${checked.problem}`);
    const row = stockRow(spaceId, checked.entry, id, now);
    const unknown = Object.keys(row).filter((c) => !(STOCK_COLUMNS as readonly string[]).includes(c));
    if (unknown.length > 0 || Object.keys(row).length !== STOCK_COLUMNS.length) throw new Error(`a stock row's columns are not STOCK_COLUMNS (${unknown.join(', ')})`);
    return STOCK_COLUMNS.map((c) => row[c as keyof StockRow]);
  };
  const templates = new Map<number, StockValues>();
  const derived = (i: number, id: string): StockValues => {
    const area = i % STOCK_AREAS.length;
    let template = templates.get(area);
    if (template === undefined) templates.set(area, (template = exact(i, id)));
    const number = stockNumberAt(i);
    const national = number.slice(2);
    const values = template.slice();
    values[ID] = id;
    values[NUMBER] = number;
    values[NATIONAL] = national;
    values[REVERSED] = reversed(national);
    return values;
  };
  for (const probe of [0, 1, STOCK_AREAS.length, 123_457, count - 1]) {
    if (probe >= count) continue;
    if (!isDeepStrictEqual(derived(probe, 'probe'), exact(probe, 'probe'))) throw new Error(`stock entry ${probe} (${stockNumberAt(probe)}) is not the row a stock load would write`);
  }
  for (let first = 0; first < count; first += BATCH_ROWS) {
    const batch: StockValues[] = [];
    for (let i = first; i < Math.min(first + BATCH_ROWS, count); i++) batch.push(derived(i, newRowId()));
    yield batch;
  }
}

/**
 * SQLite: the table's indexes and the stock's insert trigger (the one filling the trigram
 * table) are set aside while the rows go in, then re-created from their own definitions in
 * sqlite_master and the trigram table filled in one statement, just as the trigger would have
 * filled it: the schema ends as the migrations made it. Building each index once over the
 * loaded table takes a fraction of inserting into seven of them row by row.
 */
async function stockSqlite(location: ReturnType<typeof parseDatabaseUrl>, spaceId: string, now: string, batches: Iterable<StockValues[]>): Promise<string> {
  const { sqlite, db } = openDatabase(location);
  const handle = sqlite as SQLite.Database;
  handle.pragma('synchronous = OFF');
  handle.pragma('cache_size = -524288');
  // The index builds sort in memory, on a second thread.
  handle.pragma('temp_store = MEMORY');
  handle.pragma('threads = 2');
  try {
    const setAside = handle
      .prepare(`select type, name, sql from sqlite_master where tbl_name = 'phone_numbers' and sql is not null and (type = 'index' or (type = 'trigger' and name = 'stock_trigrams_insert'))`)
      .all() as { type: 'index' | 'trigger'; name: string; sql: string }[];
    if (!setAside.some((o) => o.name === 'stock_trigrams_insert')) throw new Error('no stock_trigrams_insert trigger: the schema is not the one this seed knows');
    handle.transaction(() => {
      handle.prepare(`insert into projects (id, space_id, name, created_at) values (?, ?, 'stock', ?) on conflict do nothing`).run(stockProjectId(spaceId), spaceId, now);
      for (const o of setAside) handle.exec(`drop ${o.type} ${o.name}`);
    })();
    const tuple = `(${STOCK_COLUMNS.map(() => '?').join(',')})`;
    const head = `insert into phone_numbers (${STOCK_COLUMNS.join(',')}) values `;
    const many = handle.prepare(head + Array.from({ length: SQLITE_ROWS_PER_STATEMENT }, () => tuple).join(','));
    const one = handle.prepare(head + tuple);
    for (const batch of batches) {
      handle.transaction(() => {
        let i = 0;
        for (; i + SQLITE_ROWS_PER_STATEMENT <= batch.length; i += SQLITE_ROWS_PER_STATEMENT) many.run(batch.slice(i, i + SQLITE_ROWS_PER_STATEMENT).flat());
        for (; i < batch.length; i++) one.run(batch[i]!);
      })();
    }
    handle.transaction(() => {
      for (const o of setAside) handle.exec(o.sql);
      handle.exec('insert into stock_trigrams (rowid, national) select rowid, national from phone_numbers where stock_space_id is not null');
    })();
    handle.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await db.destroy();
  }
  return `better-sqlite3, ${SQLITE_ROWS_PER_STATEMENT}-row INSERT statements, one transaction per ${BATCH_ROWS} rows, synchronous=OFF, the table's indexes and the trigram trigger set aside while loading and re-created from their definitions after it, the trigram table filled in one statement`;
}

async function stockPostgres(databaseUrl: string, spaceId: string, now: string, batches: Iterable<StockValues[]>): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`insert into projects (id, space_id, name, created_at) values ($1, $2, 'stock', $3) on conflict do nothing`, [stockProjectId(spaceId), spaceId, now]);
    for (const batch of batches) {
      const insert = unnestInsert('phone_numbers', STOCK_COLUMNS, batch.map((values) => Object.fromEntries(STOCK_COLUMNS.map((c, i) => [c, values[i]]))));
      await client.query('begin');
      await client.query(insert.sql, [...insert.parameters]);
      await client.query('commit');
    }
    await client.query('analyze phone_numbers');
  } finally {
    await client.end();
  }
  return `pg, one INSERT … SELECT FROM unnest(arrays) of every stock column (the statement a stock load uses) per ${BATCH_ROWS} rows in its own transaction, then ANALYZE`;
}

/** Entries per store call: what `numberspace stock add` hands the store per call. */
const STOCK_CALL_ENTRIES = 1000;
/** Calls in flight at once: on SQLite the writer then always has a batch waiting. */
const STOCK_CALLS_IN_FLIGHT = 4;

/**
 * Adds stock entries `first` to `first + count - 1` to the Space of a database whose server is
 * running, the way `numberspace stock add` loads a file: each entry checked by
 * checkStockEntry, ids from newRowId, store.stock.add a thousand at a time. Between runs only:
 * it keeps a purchase target's stock ahead of its purchases.
 */
export async function topUpStock(databaseUrl: string, first: number, count: number): Promise<StockSeed> {
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > MAX_STOCK) throw new RangeError(`cannot stock entries ${first} to ${first + count} (0 to ${MAX_STOCK})`);
  const started = performance.now();
  const spaceId = await onlySpace(databaseUrl);
  const store = openStore(databaseUrl, { poolSize: STOCK_CALLS_IN_FLIGHT });
  const load = async (at: number) => {
    const entries: StockEntry[] = [];
    for (let i = at; i < Math.min(at + STOCK_CALL_ENTRIES, first + count); i++) {
      const fields = stockFieldsAt(i);
      const checked = checkStockEntry(fields);
      if (!checked.ok) throw new Error(`stock entry ${i} (${fields.number}): ${checked.problem}`);
      entries.push(checked.entry);
    }
    const outcomes = await store.stock.add(spaceId, entries, entries.map(() => newRowId()), new Date().toISOString());
    const refused = outcomes.findIndex((o) => o !== 'added');
    if (refused !== -1) throw new Error(`stock entry ${entries[refused]!.number} was not added: ${outcomes[refused]}`);
  };
  try {
    let next = first;
    const caller = async () => {
      for (let at = next; at < first + count; at = next) {
        next += STOCK_CALL_ENTRIES;
        await load(at);
      }
    };
    await Promise.all(Array.from({ length: STOCK_CALLS_IN_FLIGHT }, caller));
  } finally {
    await store.close();
  }
  return {
    rows: count,
    areaCodes: Math.min(STOCK_AREAS.length, first + count),
    seconds: (performance.now() - started) / 1000,
    method: `store.stock.add, ${STOCK_CALL_ENTRIES} entries per call, ${STOCK_CALLS_IN_FLIGHT} calls in flight`,
  };
}
