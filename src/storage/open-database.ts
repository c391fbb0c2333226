import type SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseLocation } from './database-url.js';
import { LATEST_MIGRATION, migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';
import { openSqliteHandle } from './sqlite/handle.js';
import { inProcessWriter, type SqliteWriter, threadWriter } from './sqlite/writer.js';

const READ_CACHE_KB = 16 * 1024;

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size. */
  readonly poolSize?: number;
  /** SQLite `synchronous`: NORMAL survives a process crash, FULL also a power loss. */
  readonly sqliteSynchronous?: 'NORMAL' | 'FULL';
}

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseLocation['kind'];
  /** The raw SQLite handle, for the hot paths that bypass the query builder. */
  readonly sqlite: SQLite.Database | null;
  /** Where SQLite writes of the inventory run (see sqlite/writer.ts); null on PostgreSQL. */
  readonly sqliteWriter: SqliteWriter | null;
  /** The PostgreSQL pool, for its gauges. */
  readonly pool: pg.Pool | null;
}

export function openDatabase(location: DatabaseLocation, options: OpenDatabaseOptions = {}): OpenedDatabase {
  if (location.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: location.url,
      max: options.poolSize ?? 10,
      // Fail a request (503) rather than hang it when PostgreSQL cannot be reached or the pool stays exhausted.
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
    });
    // A connection that drops (PostgreSQL restarted, pg_terminate_backend, a network cut)
    // emits 'error' on its client, and on the pool when idle. Unheard, that event would kill
    // the process; the query in flight, if any, fails on its own and answers 503.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), kind: 'postgres', sqlite: null, sqliteWriter: null, pool };
  }
  const synchronous = options.sqliteSynchronous ?? 'FULL';
  const handle = openSqliteHandle(location.file, synchronous);
  // The serving connection reads numbers at random: with SQLite's default 2 MB cache, a
  // million numbers' B-tree interiors (about 10 MB, a row of two renderings filling most of a
  // page) were reread from the file on every get. 16 MB holds them: a get at a million numbers
  // cost 1.97x one at a thousand with the default, 1.40x with this, at the same RSS under load.
  handle.pragma(`cache_size = -${READ_CACHE_KB}`);
  const sqliteWriter = location.file === ':memory:' ? inProcessWriter(handle) : threadWriter({ file: location.file, synchronous });
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) }), kind: 'sqlite', sqlite: handle, sqliteWriter, pool: null };
}

/** The database holds migrations this build does not know: a newer numberspace has run on it. */
export class SchemaTooNewError extends Error {}

/** Names of the migrations already applied, oldest first; empty on a fresh database. */
async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    return rows.rows.map((r) => r.name);
  } catch (err) {
    // No migration table yet (PostgreSQL undefined_table, SQLite "no such table"): a fresh database.
    const e = err as { code?: string; message?: string };
    if (e.code === '42P01' || /no such table/.test(e.message ?? '')) return [];
    throw err;
  }
}

async function refuseNewerSchema(db: Kysely<Database>): Promise<void> {
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  const unknown = (await appliedMigrations(db)).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new SchemaTooNewError(
      `the database schema is newer than this numberspace (it has migration ${unknown.join(', ')}, this build knows up to ${LATEST_MIGRATION}); upgrade numberspace before serving from this database`,
    );
  }
}

/**
 * Kysely looks for its bookkeeping tables in every schema it can see unless told which one;
 * with several numberspace installations in one PostgreSQL database (one schema each) it
 * would find another's. Pin it to the schema the connection writes to.
 */
async function migrator(db: Kysely<Database>): Promise<Migrator> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return new Migrator({ db, provider: migrationProvider });
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return new Migrator({ db, provider: migrationProvider, migrationTableSchema: rows[0]!.schema });
}

/** Session-level advisory lock key that serialises numberspace migrations on one PostgreSQL database. */
const MIGRATION_LOCK_KEY = 4_862_105_337;

/**
 * Applies pending migrations. Idempotent. Several nodes starting at once on one PostgreSQL
 * database serialise on an advisory lock held for the whole run (Kysely's own lock covers
 * only the migrations, not the creation of its bookkeeping tables, which races on an empty
 * database): one migrates, the others wait and find nothing left to do. Refuses
 * (SchemaTooNewError) a database a newer build has migrated.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.connection().execute(async (conn) => {
    if (isPostgres) await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await refuseNewerSchema(conn);
      const { error, results } = await (await migrator(conn)).migrateToLatest();
      if (error !== undefined) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName;
        throw new Error(`migration ${failed ?? '(unknown)'} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
      }
    } finally {
      if (isPostgres) await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

/** True when the database holds exactly the migrations this build knows. */
export async function schemaIsCurrent(db: Kysely<Database>): Promise<boolean> {
  const applied = await appliedMigrations(db);
  const known = Object.keys(await migrationProvider.getMigrations()).sort();
  return applied.length === known.length && applied.every((name, i) => name === known[i]);
}

export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
