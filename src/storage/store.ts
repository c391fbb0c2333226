import { type AuditStore, kyselyAuditStore } from '../audit/audit-store.js';
import { kyselyPageTokenKeys, type PageTokenKeys } from '../resources/phone-numbers/page-token-key.js';
import { kyselyPhoneNumberStore, type PhoneNumberStore } from '../resources/phone-numbers/phone-number-store.js';
import { kyselyTenancyStore, type TenancyStore } from '../tenancy/tenancy-store.js';
import { parseDatabaseUrl } from './database-url.js';
import { migrateToLatest, type OpenDatabaseOptions, openDatabase, ping, schemaIsCurrent } from './open-database.js';

/**
 * Everything the services need from persistence. Routes and services see only this;
 * SQLite and PostgreSQL both sit behind it through Kysely.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly tenancy: TenancyStore;
  readonly phoneNumbers: PhoneNumberStore;
  readonly audit: AuditStore;
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
    phoneNumbers: kyselyPhoneNumberStore(db, sqlite === null || sqliteWriter === null ? null : { handle: sqlite, writer: sqliteWriter }),
    audit: kyselyAuditStore(db),
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
