import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { kyselyPageTokenKeys } from '../../src/storage/kysely/page-token-keys.js';
import { parseDatabaseUrl } from '../../src/storage/database-url.js';
import { openDatabase } from '../../src/storage/open-database.js';
import { openStore } from '../../src/storage/store.js';
import { startServer, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';

describe('the page-token key is one per installation, kept in the database', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const secretRows = async () => {
    const { db } = openDatabase(parseDatabaseUrl(server.databaseUrl));
    try {
      return await db.selectFrom('server_secrets').selectAll().execute();
    } finally {
      await db.destroy();
    }
  };

  test('nodes asking for the key at the same time on a fresh database all get the same one', async () => {
    assert.deepEqual(await secretRows(), [], 'no key before first use');
    const nodes = Array.from({ length: 4 }, () => openDatabase(parseDatabaseUrl(server.databaseUrl)).db);
    try {
      const keys = await Promise.all(nodes.map((db) => kyselyPageTokenKeys(db).key()));
      for (const key of keys) assert.ok(key.equals(keys[0]!));
      assert.equal(keys[0]!.length, 32);
      const rows = await secretRows();
      assert.equal(rows.length, 1);
      assert.ok(Buffer.from(rows[0]!.value, 'base64url').equals(keys[0]!));
    } finally {
      await Promise.all(nodes.map((db) => db.destroy()));
    }
  });

  test("a token from one node's links works on another node over the same database", async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await server.request('POST', IMPORT, { body: { number: `+155505000${i}0`, number_type: 'longcode' } })).status, 201);
    }
    const store = openStore(server.databaseUrl, { poolSize: 2 });
    const other = await buildApp({ store, logger: pino({ level: 'silent' }), authCacheTtlMs: 0 });
    try {
      const page0 = await server.request('GET', `${NUMBERS}?page_size=1`);
      const viaFirst = await server.request('GET', page0.body.links.next);
      const viaOther = await other.inject({ method: 'GET', url: page0.body.links.next, headers: { authorization: server.tenant.auth } });
      assert.equal(viaOther.statusCode, 200, viaOther.body);
      assert.deepEqual(viaOther.json(), viaFirst.body);
    } finally {
      await other.close();
      await store.close();
    }
  });

  test('the key is read once and then served from memory', async () => {
    const page0 = await server.request('GET', `${NUMBERS}?page_size=1`);
    const { db } = openDatabase(parseDatabaseUrl(server.databaseUrl));
    const store = openStore(server.databaseUrl, { poolSize: 2 });
    try {
      // Replacing the stored key under a running node changes nothing for it: it no longer asks.
      await db.updateTable('server_secrets').set({ value: Buffer.alloc(32, 7).toString('base64url') }).execute();
      assert.equal((await server.request('GET', page0.body.links.next)).status, 200);
      // A node that starts now reads the replaced key, and so refuses the token.
      const late = await buildApp({ store, logger: pino({ level: 'silent' }), authCacheTtlMs: 0 });
      const res = await late.inject({ method: 'GET', url: page0.body.links.next, headers: { authorization: server.tenant.auth } });
      assert.equal(res.statusCode, 400);
      await late.close();
    } finally {
      await store.close();
      await db.destroy();
    }
  });

  test('a stored key too short to be safe is refused rather than used', async () => {
    const { db } = openDatabase(parseDatabaseUrl(server.databaseUrl));
    try {
      await db.updateTable('server_secrets').set({ value: Buffer.alloc(8, 1).toString('base64url') }).execute();
      await assert.rejects(kyselyPageTokenKeys(db).key(), /shorter than 32 bytes/);
    } finally {
      await db.destroy();
    }
  });
});
