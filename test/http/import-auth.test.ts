import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SCOPES } from '../../src/domain/scopes.js';
import { basic, startServer, type TestServer } from '../helpers/server.js';

const PATH = '/api/relay/rest/imported_phone_numbers';
const BODY = { number: '+15550100100', number_type: 'longcode' };

describe('import: authentication and authorisation', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const expect401 = async (auth: string | null, label: string) => {
    const res = await server.request('POST', PATH, { auth, body: BODY });
    assert.equal(res.status, 401, label);
    assert.equal(res.text, '{"error":"Unauthorized"}', label);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /, label);
  };

  test('missing, malformed and wrong credentials are one indistinguishable 401', async () => {
    const { projectId, secret } = server.tenant;
    const other = await server.addTenant();
    const cases: [string | null, string][] = [
      [null, 'no Authorization header'],
      ['', 'empty header'],
      [`Bearer ${secret}`, 'Bearer scheme'],
      ['Basic', 'Basic without credentials'],
      ['Basic ###', 'not base64'],
      [`Basic ${Buffer.from(projectId).toString('base64')}`, 'no colon'],
      [basic(projectId, `${secret}x`), 'wrong secret'],
      [basic(projectId, secret.toUpperCase()), 'secret in the wrong case'],
      [basic(crypto.randomUUID(), secret), 'unknown project with a real secret'],
      [basic(other.projectId, secret), "a token of one project presented for another"],
      [basic(projectId, other.secret), "another project's token for this project"],
    ];
    for (const [auth, label] of cases) await expect401(auth, label);
  });

  test('a revoked token is refused like an unknown one', async () => {
    const t = await server.addTenant();
    assert.equal((await server.request('POST', PATH, { auth: t.auth, body: { ...BODY, number: '+15550100101' } })).status, 201);
    assert.ok(await server.store.tenancy.revokeToken(t.tokenId, new Date().toISOString(), { tokenId: null, requestId: null, surface: 'cli' }));
    await expect401(t.auth, 'revoked');
  });

  test('authentication comes before body parsing and validation', async () => {
    const res = await server.request('POST', PATH, { auth: null, rawBody: '{not json', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 401);
    const big = await server.request('POST', PATH, { auth: null, rawBody: 'x'.repeat(20_000), headers: { 'content-type': 'text/plain' } });
    assert.equal(big.status, 401);
  });

  test('a token without the numbers scope answers 403 in the error-list shape', async () => {
    const t = await server.addTenant({ scopes: SCOPES.filter((s) => s !== 'numbers') });
    const res = await server.request('POST', PATH, { auth: t.auth, body: BODY });
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, {
      errors: [
        {
          detail: 'This API token lacks the "numbers" scope this operation requires',
          status: '403',
          title: 'Forbidden',
          code: 'missing_scope',
        },
      ],
    });
  });

  test('a Space with the Partner API disabled answers 403 saying so', async () => {
    const t = await server.addTenant({ partnerApi: false });
    const res = await server.request('POST', PATH, { auth: t.auth, body: BODY });
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, {
      errors: [{ detail: 'The Partner API is not enabled for this Space', status: '403', title: 'Forbidden', code: 'partner_api_disabled' }],
    });
    // Turning it on lets the same token import.
    await server.store.tenancy.setPartnerApi(t.spaceId, true);
    assert.equal((await server.request('POST', PATH, { auth: t.auth, body: { ...BODY, number: '+15550100102' } })).status, 201);
  });

  test('the scope is checked before the Partner API switch', async () => {
    const t = await server.addTenant({ partnerApi: false, scopes: ['messaging'] });
    const res = await server.request('POST', PATH, { auth: t.auth, body: BODY });
    assert.equal(res.status, 403);
    assert.equal(res.body.errors[0].code, 'missing_scope');
  });

  test('a numbers-only token is enough', async () => {
    const t = await server.addTenant({ scopes: ['numbers'] });
    assert.equal((await server.request('POST', PATH, { auth: t.auth, body: { ...BODY, number: '+15550100103' } })).status, 201);
  });
});

describe('import: the credential cache', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ authCacheTtlMs: 300 });
  });
  after(() => server.close());

  test('a revocation is honoured once the cache TTL has passed', async () => {
    const t = await server.addTenant();
    assert.equal((await server.request('POST', PATH, { auth: t.auth, body: { ...BODY, number: '+15550100200' } })).status, 201);
    await server.store.tenancy.revokeToken(t.tokenId, new Date().toISOString(), { tokenId: null, requestId: null, surface: 'cli' });
    await new Promise((r) => setTimeout(r, 400));
    const res = await server.request('POST', PATH, { auth: t.auth, body: { ...BODY, number: '+15550100201' } });
    assert.equal(res.status, 401);
  });
});
