import type { IdempotencyStore } from './idempotency-store.js';
import { kyselyAuditStore } from './kysely/audit-store.js';
import { kyselyIdempotencyStore } from './kysely/idempotency-store.js';
import { kyselyPageTokenKeys } from './kysely/page-token-keys.js';
import { kyselyTenancyStore } from './kysely/tenancy-store.js';
import { parseDatabaseUrl } from './database-url.js';
import { migrateToLatest, type OpenDatabaseOptions, openDatabase, ping, schemaIsCurrent } from './open-database.js';
import type { PhoneNumberStore } from './phone-number-store.js';
import { postgresPhoneNumberStore } from './postgres/phone-numbers.js';
import { sqlitePhoneNumberStore } from './sqlite/phone-numbers.js';
import { sqliteIdempotencyStore } from './sqlite/idempotency.js';
import { sqliteStockStore } from './sqlite/stock.js';
import { postgresStockStore } from './postgres/stock.js';
import type { StockStore } from './stock-store.js';
import type { AuditStore, PageTokenKeys, TenancyStore } from './tenant-records.js';

/**
 * Everything the services need from persistence. Routes and services see only this; each
 * engine's queries live in its own folder (sqlite/, postgres/), and what both engines run
 * alike through Kysely in kysely/.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly tenancy: TenancyStore;
  readonly phoneNumbers: PhoneNumberStore;
  /** Each Space's stock of numbers to buy. */
  readonly stock: StockStore;
  readonly audit: AuditStore;
  /** Answers kept for Idempotency-Key retries. */
  readonly idempotency: IdempotencyStore;
  /** The page-token signing key every node shares. */
  readonly pageTokenKeys: PageTokenKeys;
  migrate(): Promise<void>;
  /** PostgreSQL pool gauges; null on SQLite. */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  /** Resolves when the database answers and holds the schema this build expects. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export function openStore(databaseUrl: string, options: OpenDatabaseOptions = {}): Store {
  const { db, kind, pool, sqlite, sqliteWriter } = openDatabase(parseDatabaseUrl(databaseUrl), options);
  return {
    kind,
    tenancy: kyselyTenancyStore(db),
    phoneNumbers: sqlite === null || sqliteWriter === null ? postgresPhoneNumberStore(db, pool!) : sqlitePhoneNumberStore(sqlite, sqliteWriter),
    stock: sqlite === null || sqliteWriter === null ? postgresStockStore(db) : sqliteStockStore(sqlite, sqliteWriter),
    audit: kyselyAuditStore(db),
    idempotency: sqlite === null ? kyselyIdempotencyStore(db) : sqliteIdempotencyStore(sqlite, db),
    pageTokenKeys: kyselyPageTokenKeys(db),
    migrate: () => migrateToLatest(db),
    poolStats: () => (pool === null ? null : { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async ready() {
      try {
        await ping(db);
        return await schemaIsCurrent(db);
      } catch {
        return false;
      }
    },
    async close() {
      await sqliteWriter?.close();
      await db.destroy();
    },
  };
}
