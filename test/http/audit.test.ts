import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { run } from '../../src/cli/main.js';
import { startServer, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';

async function auditCli(databaseUrl: string, ...args: string[]) {
  let out = '';
  let err = '';
  const code = await run(['audit', ...args], { DATABASE_URL: databaseUrl }, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`) });
  return { code, out, err };
}

describe('the audit trail', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('imports, updates, releases and token changes are recorded with time, project, token and request id', async () => {
    const tenant = await server.addTenant();
    const created = await server.request('POST', IMPORT, {
      auth: tenant.auth,
      body: { number: '+15553330001', number_type: 'longcode', capabilities: ['sms'] },
      headers: { 'x-request-id': 'audit-import-1' },
    });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    // Refused changes leave no trace.
    assert.equal((await server.request('POST', IMPORT, { auth: tenant.auth, body: { number: '+15553330001', number_type: 'longcode' } })).status, 422);
    assert.equal((await server.request('PUT', `${NUMBERS}/${id}`, { auth: tenant.auth, body: { call_handler: 'laml_webhooks' } })).status, 422);
    const updated = await server.request('PUT', `${NUMBERS}/${id}`, {
      auth: tenant.auth,
      body: { name: 'Front desk', call_handler: 'relay_script', call_relay_script_url: 'https://example.com/swml' },
      headers: { 'x-request-id': 'audit-update-1' },
    });
    assert.equal(updated.status, 200);
    assert.equal((await server.request('DELETE', `${NUMBERS}/${id}`, { auth: tenant.auth, headers: { 'x-request-id': 'audit-release-1' } })).status, 204);
    await server.store.tenancy.revokeToken(tenant.tokenId, new Date().toISOString(), { tokenId: null, requestId: null, surface: 'cli' });

    const { code, out, err } = await auditCli(server.databaseUrl, '--project', tenant.projectId, '--json');
    assert.equal(code, 0, err);
    const events = JSON.parse(out) as { at: string; action: string; resource_id: string; token_id: string | null; request_id: string | null; surface: string | null; summary: any }[];
    assert.deepEqual(events.map((e) => e.action), ['token.created', 'number.imported', 'number.updated', 'number.released', 'token.revoked']);
    const [tokenCreated, imported, changed, released, revoked] = events;
    assert.deepEqual(tokenCreated!.summary, { name: 'test', scopes: [...tokenCreated!.summary.scopes] });
    assert.equal(tokenCreated!.token_id, null, 'made by the operator');
    assert.deepEqual([imported!.resource_id, imported!.token_id, imported!.request_id, imported!.surface], [id, tenant.tokenId, 'audit-import-1', 'relay-rest']);
    assert.deepEqual(imported!.summary, { number: '+15553330001', number_type: 'longcode', capabilities: ['sms'] });
    assert.equal(imported!.at, created.body.created_at);
    assert.deepEqual([changed!.request_id, changed!.summary], [
      'audit-update-1',
      { number: '+15553330001', changed: { name: 'Front desk', call_handler: 'relay_script', call_relay_script_url: 'https://example.com/swml' } },
    ]);
    assert.equal(changed!.at, updated.body.updated_at);
    assert.deepEqual([released!.request_id, released!.summary], ['audit-release-1', { number: '+15553330001' }]);
    assert.deepEqual([revoked!.resource_id, revoked!.summary], [tenant.tokenId, { name: 'test' }]);
    assert.ok(!out.includes(tenant.secret), 'no secret in the trail');
    assert.doesNotMatch(out, /[0-9a-f]{64}/, 'no hash in the trail');
  });

  test('--since limits the trail, other projects never show, and mistakes exit 2', async () => {
    const a = await server.addTenant();
    const b = await server.addTenant();
    assert.equal((await server.request('POST', IMPORT, { auth: b.auth, body: { number: '+15553330002', number_type: 'longcode' } })).status, 201);
    const onlyA = JSON.parse((await auditCli(server.databaseUrl, '--project', a.projectId, '--json')).out);
    assert.deepEqual(onlyA.map((e: { action: string }) => e.action), ['token.created']);
    const future = await auditCli(server.databaseUrl, '--project', b.projectId, '--since', '2999-01-01T00:00:00Z', '--json');
    assert.deepEqual(JSON.parse(future.out), []);
    const table = await auditCli(server.databaseUrl, '--project', b.projectId);
    assert.match(table.out, /^at\s+action\s+resource_id\s+token_id\s+request_id\s+surface\s+summary/);
    assert.match(table.out, /number\.imported/);
    assert.equal((await auditCli(server.databaseUrl)).code, 2);
    assert.equal((await auditCli(server.databaseUrl, '--project', a.projectId, '--since', 'yesterday-ish')).code, 2);
  });
});
