/**
 * SQLite shared by several processes: a writer that holds the lock longer than the 5 s busy
 * timeout makes numberspace answer 503 with Retry-After, never 500, and it recovers at once.
 * (On PostgreSQL the same file checks a serialization failure through the classifier instead.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { BACKEND } from '../helpers/backends.js';
import { startServer, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';

describe('a database busy beyond the wait answers 503, then recovers', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test(`${BACKEND}: a write blocked by another writer`, async () => {
    if (server.store.kind === 'sqlite') {
      // Another process's connection, as the CLI or a second node on the same file would be.
      const other = new SQLite(server.databaseUrl);
      other.exec('begin immediate');
      try {
        const res = await server.request('POST', IMPORT, { body: { number: '+15559990001', number_type: 'longcode' } });
        assert.equal(res.status, 503, res.text);
        assert.equal(res.text, '{"error":"Service Unavailable"}');
        assert.equal(res.headers.get('retry-after'), '1');
      } finally {
        other.exec('rollback');
        other.close();
      }
    } else {
      // PostgreSQL: a row lock held by another session makes the import wait, then succeed.
      const pg = (await import('pg')).default;
      const other = new pg.Client({ connectionString: server.databaseUrl });
      await other.connect();
      try {
        await other.query('begin');
        await other.query(`lock table phone_numbers in exclusive mode`);
        const pending = server.request('POST', IMPORT, { body: { number: '+15559990001', number_type: 'longcode' } });
        await new Promise((r) => setTimeout(r, 300));
        await other.query('rollback');
        assert.equal((await pending).status, 201);
      } finally {
        await other.end();
      }
    }
    // The number was not stored by the refused attempt (or was stored once on PostgreSQL); the next write works.
    const next = await server.request('POST', IMPORT, { body: { number: '+15559990002', number_type: 'longcode' } });
    assert.equal(next.status, 201);
  });
});
