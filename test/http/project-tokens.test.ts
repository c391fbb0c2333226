/**
 * The Project Tokens API on both surfaces: Relay REST under /api/project/tokens, the
 * Compatibility API under /Accounts/{AccountSid}/tokens on both prefixes. The server trusts a
 * verified credential for a minute, so every "refused at once" below is the deleting (or
 * rescoping) node dropping its own cache, not the cache running out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basic, startServer, type Tenant, type TestServer } from '../helpers/server.js';

const RELAY = '/api/project/tokens';
const NUMBERS = '/api/relay/rest/phone_numbers';
const SECRET = /^PT[0-9a-f]{48}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN_ERROR_URL = 'https://signalwire.com/docs/apis/error-codes';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('Project Tokens API', () => {
  let server: TestServer;
  let tenant: Tenant;

  before(async () => {
    server = await startServer({ authCacheTtlMs: 60_000 });
    tenant = server.tenant;
  });
  after(async () => server.close());

  const compat = (prefix = '/api/laml/2010-04-01', account = tenant.projectId) => `${prefix}/Accounts/${account}/tokens`;
  const create = async (body: unknown, auth?: string) => {
    const res = await server.request('POST', RELAY, { body, ...(auth === undefined ? {} : { auth }) });
    assert.equal(res.status, 200, res.text);
    return res.body as { id: string; name: string; permissions: string[]; token: string };
  };
  const authOf = (secret: string, projectId = tenant.projectId) => basic(projectId, secret);
  const numbersStatus = async (auth: string) => (await server.request('GET', NUMBERS, { auth })).status;

  describe('Relay REST', () => {
    test('create answers 200 with id, name, permissions (canonical order, no repeats) and a working secret', async () => {
      const res = await server.request('POST', RELAY, { body: { name: 'CI token', permissions: ['numbers', 'calling', 'numbers'] } });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body), ['id', 'name', 'permissions', 'token']);
      assert.match(res.body.id, UUID);
      assert.equal(res.body.name, 'CI token');
      assert.deepEqual(res.body.permissions, ['calling', 'numbers']);
      assert.match(res.body.token, SECRET);
      assert.equal(await numbersStatus(authOf(res.body.token)), 200);
    });

    test('422 items are the tokens API\'s own: type, code, message, attribute, url', async () => {
      const cases: [unknown, { code: string; attribute: string | null }[]][] = [
        [{ permissions: ['numbers'] }, [{ code: 'missing_attribute', attribute: 'name' }]],
        [{ name: 'x', permissions: ['numbers', 'telepathy'] }, [{ code: 'invalid_value', attribute: 'permissions[1]' }]],
        [{ name: 'x', permissions: [] }, [{ code: 'empty_list', attribute: 'permissions' }]],
        [{ name: 'x', permissions: ['numbers'], ttl: 60 }, [{ code: 'unknown_attribute', attribute: 'ttl' }]],
        [{ name: '   ', permissions: ['numbers'] }, [{ code: 'invalid_length', attribute: 'name' }]],
        [{ name: 'a\u0007b', permissions: ['numbers'] }, [{ code: 'invalid_format', attribute: 'name' }]],
        [{ name: 'x'.repeat(256), permissions: ['numbers'] }, [{ code: 'invalid_length', attribute: 'name' }]],
        [{ name: 'x', permissions: ['numbers'], subproject_id: crypto.randomUUID() }, [{ code: 'not_served', attribute: 'subproject_id' }]],
        [{}, [{ code: 'missing_attribute', attribute: 'name' }, { code: 'missing_attribute', attribute: 'permissions' }]],
      ];
      for (const [body, expected] of cases) {
        const res = await server.request('POST', RELAY, { body });
        assert.equal(res.status, 422, JSON.stringify(body));
        assert.deepEqual(Object.keys(res.body), ['errors']);
        assert.deepEqual(
          res.body.errors.map((e: Record<string, unknown>) => ({ code: e.code, attribute: e.attribute })),
          expected,
          JSON.stringify(body),
        );
        for (const e of res.body.errors) {
          assert.deepEqual(Object.keys(e), ['type', 'code', 'message', 'attribute', 'url']);
          assert.equal(e.type, 'validation_error');
          assert.equal(e.url, TOKEN_ERROR_URL);
          assert.match(e.message, /\w/);
        }
      }
      assert.equal(new Set((await server.store.tenancy.listTokens(tenant.projectId)).map((t) => t.name)).has('   '), false, 'nothing refused was created');
    });

    test('update changes the name and/or permissions, keeps what is absent, and never shows the secret again', async () => {
      const t = await create({ name: 'before', permissions: ['numbers', 'fax'] });
      const renamed = await server.request('PATCH', `${RELAY}/${t.id}`, { body: { name: 'after' } });
      assert.equal(renamed.status, 200);
      assert.deepEqual(renamed.body, { id: t.id, name: 'after', permissions: ['fax', 'numbers'], token: '' });
      const rescoped = await server.request('PATCH', `${RELAY}/${t.id}`, { body: { permissions: ['video', 'numbers'] } });
      assert.deepEqual(rescoped.body, { id: t.id, name: 'after', permissions: ['numbers', 'video'], token: '' });
      const nothing = await server.request('PATCH', `${RELAY}/${t.id}`, { body: {} });
      assert.deepEqual(nothing.body, rescoped.body);
      const empty = await server.request('PATCH', `${RELAY}/${t.id}`, { body: { permissions: [] } });
      assert.equal(empty.status, 422);
      assert.deepEqual(empty.body.errors.map((e: { code: string }) => e.code), ['empty_list']);
      assert.equal(await numbersStatus(authOf(t.token)), 200, 'the secret itself is unchanged');
    });

    test('removing a scope from the token in use applies to its very next request', async () => {
      const t = await create({ name: 'self-limiting', permissions: ['numbers', 'management'] });
      const auth = authOf(t.token);
      assert.equal(await numbersStatus(auth), 200);
      const res = await server.request('PATCH', `${RELAY}/${t.id}`, { auth, body: { permissions: ['management'] } });
      assert.equal(res.status, 200);
      const refused = await server.request('GET', NUMBERS, { auth });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.errors[0].code, 'missing_scope');
    });

    test('delete answers 204; the token is refused at once, even while cached; a second delete is 404', async () => {
      const t = await create({ name: 'doomed', permissions: ['numbers'] });
      const auth = authOf(t.token);
      assert.equal(await numbersStatus(auth), 200);
      const res = await server.request('DELETE', `${RELAY}/${t.id}`);
      assert.equal(res.status, 204);
      assert.equal(res.text, '');
      assert.equal(await numbersStatus(auth), 401);
      const again = await server.request('DELETE', `${RELAY}/${t.id}`);
      assert.equal(again.status, 404);
      assert.deepEqual(again.body, { error: 'Not Found' });
      assert.equal((await server.request('PATCH', `${RELAY}/${t.id}`, { body: { name: 'revived' } })).status, 404, 'a revoked token cannot be changed');
    });

    test('a token may delete itself: that request completes with 204, the next one is 401', async () => {
      const t = await create({ name: 'self-destruct', permissions: ['management', 'numbers'] });
      const auth = authOf(t.token);
      const res = await server.request('DELETE', `${RELAY}/${t.id}`, { auth });
      assert.equal(res.status, 204);
      assert.equal(await numbersStatus(auth), 401);
    });

    test('another project\'s token, a malformed id and an unknown id are all 404, and change nothing', async () => {
      const other = await server.addTenant();
      for (const id of [other.tokenId, 'not-a-uuid', crypto.randomUUID()]) {
        for (const [method, body] of [['PATCH', { name: 'hijacked' }], ['DELETE', undefined]] as const) {
          const res = await server.request(method, `${RELAY}/${id}`, body === undefined ? {} : { body });
          assert.equal(res.status, 404, `${method} ${id}`);
          assert.deepEqual(res.body, { error: 'Not Found' });
        }
      }
      assert.equal(await numbersStatus(other.auth), 200, 'the other project\'s token still works');
      assert.equal((await server.store.tenancy.listTokens(other.projectId))[0]!.name, 'test');
    });

    test('every operation needs the management scope (403), and credentials first (401)', async () => {
      const numbersOnly = await server.addTenant({ scopes: ['numbers'] });
      const t = await create({ name: 'target', permissions: ['numbers'] });
      for (const [method, path, body] of [
        ['POST', RELAY, { name: 'x', permissions: ['numbers'] }],
        ['PATCH', `${RELAY}/${t.id}`, { name: 'x' }],
        ['DELETE', `${RELAY}/${t.id}`, undefined],
      ] as const) {
        const forbidden = await server.request(method, path, { auth: numbersOnly.auth, ...(body === undefined ? {} : { body }) });
        assert.equal(forbidden.status, 403, `${method} ${path}`);
        assert.deepEqual(forbidden.body.errors.map((e: { code: string }) => e.code), ['missing_scope']);
        assert.match(forbidden.body.errors[0].detail, /"management"/);
        const anonymous = await server.request(method, path, { auth: null, ...(body === undefined ? {} : { body }) });
        assert.equal(anonymous.status, 401);
        assert.deepEqual(anonymous.body, { error: 'Unauthorized' });
      }
      assert.equal(await numbersStatus(authOf(t.token)), 200, 'nothing was deleted');
    });

    test('every change is in the audit trail with its surface, token and request, and never a secret', async () => {
      const other = await server.addTenant();
      const created = await server.request('POST', RELAY, { auth: other.auth, body: { name: 'audited', permissions: ['numbers'] }, headers: { 'x-request-id': 'req-create' } });
      const id = created.body.id as string;
      await server.request('PATCH', `${RELAY}/${id}`, { auth: other.auth, body: { permissions: ['fax'] }, headers: { 'x-request-id': 'req-update' } });
      await server.request('DELETE', `${compat('/2010-04-01', other.projectId)}/${id}`, { auth: other.auth, headers: { 'x-request-id': 'req-delete' } });
      const events = (await server.store.audit.list(other.projectId)).filter((e) => e.resource_id === id);
      assert.deepEqual(
        events.map((e) => [e.action, e.surface, e.token_id, e.request_id, JSON.parse(e.summary)]),
        [
          ['token.created', 'relay-rest', other.tokenId, 'req-create', { name: 'audited', scopes: ['numbers'] }],
          ['token.updated', 'relay-rest', other.tokenId, 'req-update', { scopes: ['fax'] }],
          ['token.revoked', 'compatibility', other.tokenId, 'req-delete', { name: 'audited' }],
        ],
      );
      assert.ok(!events.some((e) => e.summary.includes(created.body.token)));
    });
  });

  describe('Compatibility', () => {
    test('create with a form body on both prefixes, with and without .json; repeated permissions= are the list', async () => {
      for (const prefix of ['/api/laml/2010-04-01', '/2010-04-01']) {
        for (const suffix of ['', '.json']) {
          const res = await server.request('POST', `${compat(prefix)}${suffix}`, {
            rawBody: 'name=Form+token&permissions=numbers&permissions=messaging',
            headers: FORM,
          });
          assert.equal(res.status, 200, `${prefix} ${suffix}: ${res.text}`);
          assert.deepEqual(Object.keys(res.body), ['id', 'name', 'permissions', 'token']);
          assert.deepEqual([res.body.name, res.body.permissions], ['Form token', ['messaging', 'numbers']]);
          assert.match(res.body.token, SECRET);
          assert.equal(await numbersStatus(authOf(res.body.token)), 200);
        }
      }
      const single = await server.request('POST', compat(), { rawBody: 'name=one&permissions=fax', headers: FORM });
      assert.deepEqual(single.body.permissions, ['fax'], 'one form value is a list of one');
    });

    test('JSON bodies, as SignalWire\'s TypeScript SDK sends them: create POST, update PATCH, delete DELETE', async () => {
      const sdk = { 'content-type': 'application/json', accept: 'application/json' };
      const created = await server.request('POST', compat(), { rawBody: JSON.stringify({ name: 'sdk', permissions: ['numbers'] }), headers: sdk });
      assert.equal(created.status, 200);
      const updated = await server.request('PATCH', `${compat()}/${created.body.id}`, { rawBody: JSON.stringify({ name: 'sdk renamed' }), headers: sdk });
      assert.equal(updated.status, 200);
      assert.deepEqual(updated.body, { id: created.body.id, name: 'sdk renamed', permissions: ['numbers'], token: '' });
      const deleted = await server.request('DELETE', `${compat()}/${created.body.id}`, { headers: { accept: 'application/json' } });
      assert.equal(deleted.status, 204);
      assert.equal(await numbersStatus(authOf(created.body.token)), 401);
    });

    test('422 is the flat CompatibilityTokenValidationError object; what the SDK\'s own mock tests send ({Ttl, Name}) is refused', async () => {
      const res = await server.request('POST', compat(), { rawBody: JSON.stringify({ Ttl: 3600, Name: 'api-key' }), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 422);
      assert.deepEqual(Object.keys(res.body), ['type', 'code', 'message', 'attribute', 'url']);
      assert.equal(res.body.type, 'validation_error');
      assert.equal(res.body.url, TOKEN_ERROR_URL);
      // Every problem is in the message; the first names the attribute.
      assert.match(res.body.message, /name is required/);
      assert.match(res.body.message, /permissions is required/);
      assert.match(res.body.message, /Ttl is not a known attribute/);
      assert.ok(['name', 'permissions', 'Ttl', 'Name'].includes(res.body.attribute), res.body.attribute);

      const sub = await server.request('POST', compat(), { rawBody: `name=x&permissions=numbers&subproject_id=${crypto.randomUUID()}`, headers: FORM });
      assert.equal(sub.status, 422);
      assert.deepEqual([sub.body.code, sub.body.attribute], ['not_served', 'subproject_id']);
      const bad = await server.request('POST', compat(), { rawBody: 'name=x&permissions=numbers&permissions=root', headers: FORM });
      assert.deepEqual([bad.status, bad.body.code, bad.body.attribute], [422, 'invalid_value', 'permissions[1]']);
    });

    test('a foreign AccountSid, an unknown token and bad credentials answer the Compatibility error shapes', async () => {
      const other = await server.addTenant();
      const foreign = await server.request('POST', compat('/api/laml/2010-04-01', other.projectId), { rawBody: 'name=x&permissions=numbers', headers: FORM });
      assert.equal(foreign.status, 404);
      assert.deepEqual(Object.keys(foreign.body).sort(), ['code', 'message', 'more_info', 'status']);
      assert.deepEqual([foreign.body.code, foreign.body.status], [20404, 404]);
      const theirs = await server.request('DELETE', `${compat('/2010-04-01')}/${other.tokenId}.json`);
      assert.deepEqual([theirs.status, theirs.body.code], [404, 20404]);
      const theirsPatched = await server.request('PATCH', `${compat()}/${other.tokenId}`, { body: { name: 'hijacked' } });
      assert.deepEqual([theirsPatched.status, theirsPatched.body.code], [404, 20404]);
      assert.equal(await numbersStatus(other.auth), 200);
      const badCreds = await server.request('PATCH', `${compat()}/${other.tokenId}`, { auth: basic(tenant.projectId, 'PT' + '0'.repeat(48)), body: { name: 'x' } });
      assert.deepEqual([badCreds.status, badCreds.body.code], [401, 20003]);
      const numbersOnly = await server.addTenant({ scopes: ['numbers'] });
      const forbidden = await server.request('POST', compat('/2010-04-01', numbersOnly.projectId), { auth: numbersOnly.auth, rawBody: 'name=x&permissions=numbers', headers: FORM });
      assert.deepEqual([forbidden.status, forbidden.body.code], [403, 20403]);
      assert.match(forbidden.body.message, /"management"/);
    });

    test('a token made on one surface is managed on the other', async () => {
      const made = await server.request('POST', `${compat('/2010-04-01')}.json`, { rawBody: 'name=crossing&permissions=numbers', headers: FORM });
      const patched = await server.request('PATCH', `${RELAY}/${made.body.id}`, { body: { permissions: ['numbers', 'chat'] } });
      assert.deepEqual(patched.body.permissions, ['chat', 'numbers']);
      const formPatched = await server.request('PATCH', `${compat()}/${made.body.id}.json`, { rawBody: 'name=crossed', headers: FORM });
      assert.deepEqual([formPatched.status, formPatched.body.name, formPatched.body.permissions], [200, 'crossed', ['chat', 'numbers']]);
      const refused = await server.request('PATCH', `${compat()}/${made.body.id}`, { body: { permissions: [] } });
      assert.deepEqual([refused.status, refused.body.code, refused.body.attribute], [422, 'empty_list', 'permissions']);
      const anonymous = await server.request('POST', compat(), { auth: null, rawBody: 'name=x&permissions=numbers', headers: FORM });
      assert.deepEqual([anonymous.status, anonymous.body.code], [401, 20003]);
      assert.equal((await server.request('DELETE', `${RELAY}/${made.body.id}`)).status, 204);
      assert.equal((await server.request('DELETE', `${compat()}/${made.body.id}`)).status, 404);
    });
  });
});
