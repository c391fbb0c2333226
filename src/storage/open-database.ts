import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseLocation } from './database-url.js';
import { LATEST_MIGRATION, migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

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
}

export function openDatabase(location: DatabaseLocation, options: OpenDatabaseOptions = {}): OpenedDatabase {
  if (location.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: location.url, max: options.poolSize ?? 10 });
    // An idle client that loses its connection emits on the pool; without a listener that
    // would crash the process instead of failing the next query.
    pool.on('error', () => {});
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), kind: 'postgres', sqlite: null };
  }
  if (location.file !== ':memory:') mkdirSync(dirname(location.file), { recursive: true });
  const handle = new SQLite(location.file);
  handle.pragma('journal_mode = WAL');
  handle.pragma(`synchronous = ${options.sqliteSynchronous ?? 'NORMAL'}`);
  handle.pragma('foreign_keys = ON');
  // Other processes (the CLI next to a running server) may hold the write lock briefly.
  handle.pragma('busy_timeout = 5000');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) }), kind: 'sqlite', sqlite: handle };
}

/** Applies pending migrations. Idempotent; on PostgreSQL concurrent callers serialise on Kysely's advisory lock. */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

/** True when the database holds every migration this build knows and none it does not. */
export async function schemaIsCurrent(db: Kysely<Database>): Promise<boolean> {
  const migrations = await new Migrator({ db, provider: migrationProvider }).getMigrations();
  return migrations.every((m) => m.executedAt !== undefined) && migrations.at(-1)?.name === LATEST_MIGRATION;
}

export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
