import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Migrator, PostgresAdapter, sql } from 'kysely';
import { incomingNumberRecord } from '../../src/domain/incoming-number-record.js';
import { newPhoneNumberRow } from '../../src/domain/phone-number-record.js';
import { parseDatabaseUrl } from '../../src/storage/database-url.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { openDatabase } from '../../src/storage/open-database.js';
import { openStore } from '../../src/storage/store.js';
import { BACKEND, freshDatabase } from '../helpers/backends.js';

// A database from before migration 010 holds numbers without a Compatibility view; migrating
// fills each from its columns, so a Compatibility page read from stored text is complete.
test(`migration 010 gives the numbers of an older database their Compatibility view, resuming a fill cut short (${BACKEND})`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'numberspace-010-'));
  const database = await freshDatabase(dir);
  try {
    const older = openDatabase(parseDatabaseUrl(database.url));
    const postgres = older.db.getExecutor().adapter instanceof PostgresAdapter;
    const schema = postgres ? (await sql<{ s: string }>`select current_schema() as s`.execute(older.db)).rows[0]!.s : undefined;
    const migrator = new Migrator({ db: older.db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
    const migrated = await migrator.migrateTo('009-overview');
    assert.equal(migrated.error, undefined);
    const projectId = '0190a1b2-0000-7000-8000-00000000000a';
    await older.db.insertInto('spaces').values({ id: 's-1', name: 'space', partner_api: 1, created_at: '2026-01-01T00:00:00.000Z' } as never).execute();
    await older.db.insertInto('projects').values({ id: projectId, space_id: 's-1', name: 'p', created_at: '2026-01-01T00:00:00.000Z' } as never).execute();
    const rows = [0, 1, 2].map((i) => {
      const row = newPhoneNumberRow({ id: `0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5${i}`, projectId, number: `+1555867530${i}`, numberType: 'longcode', capabilities: 3 + i, countryCode: 'US', now: `2026-01-02T03:04:0${i}.000Z` });
      if (i === 1) Object.assign(row, { name: 'Desk', call_handler: 'laml_webhooks', call_request_url: 'https://example.com/v' });
      return row;
    });
    for (const row of rows) {
      const { compat_wire: _, ...before010 } = row;
      await older.db.insertInto('phone_numbers').values(before010 as never).execute();
    }
    // As a start killed midway through the fill leaves SQLite (which migrates outside a
    // transaction): the column there, one row filled, the migration not recorded.
    await sql`alter table phone_numbers add column compat_wire text`.execute(older.db);
    await sql`update phone_numbers set compat_wire = ${JSON.stringify(incomingNumberRecord(rows[0]!))} where id = ${rows[0]!.id}`.execute(older.db);
    await older.sqliteWriter?.close();
    await older.db.destroy();

    const store = openStore(database.url);
    try {
      await store.migrate();
      for (const row of rows) {
        const stored = await store.phoneNumbers.findActive(projectId, row.id);
        assert.equal(stored?.compat_wire, JSON.stringify(incomingNumberRecord(row)), row.number);
      }
      const page = await store.phoneNumbers.listPage({ projectId, nameContains: null, numberContains: null, from: null, limit: 10, rendering: 'compatibility' });
      assert.deepEqual(page.map((r) => JSON.parse(r.wire).friendly_name), ['(555) 867-5302', 'Desk', '(555) 867-5300']);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
