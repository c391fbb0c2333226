/**
 * numberspace's own read-only additions (/api/numberspace: the overview counts and the
 * activity trail) and the console's HTTP side (its files and security headers, the redirect
 * from /, no Basic challenge for browser scripts), through the real server on the suite's engine.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basic, startServer, type TestServer } from '../helpers/server.js';

const OVERVIEW = '/api/numberspace/overview';
const ACTIVITY = '/api/numberspace/activity';
const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';

describe('/api/numberspace: overview and activity', () => {
  let server: TestServer;
  let now = Date.parse('2026-06-30T12:00:00.000Z');
  const day = (n: number) => new Date(Date.parse('2026-06-30T12:00:00.000Z') - n * 86_400_000).toISOString().slice(0, 10);
  /** A token of the same project with the numbers scope only. */
  let numbersOnly: string;
  const ids: Record<string, string> = {};

  before(async () => {
    server = await startServer({ clock: () => new Date(now) });
    // Each change a second after the one before: the trail's order is the order of time.
    const imp = async (number: string, number_type = 'longcode') => {
      now += 1000;
      const r = await server.request('POST', IMPORT, { body: { number, number_type } });
      assert.equal(r.status, 201, r.text);
      ids[number] = r.body.id;
    };
    now -= 40 * 86_400_000;
    await imp('+15125550001'); // outside the 30 days
    now += 38 * 86_400_000;
    await imp('+15125550002');
    await imp('+442079460003');
    now += 86_400_000;
    await imp('+18005550004', 'tollfree');
    await server.addStock([{ number: '+15125559999', number_type: 'longcode' }]);
    now += 1000;
    assert.equal((await server.request('POST', NUMBERS, { body: { number: '+15125559999' } })).status, 200);
    now += 86_400_000;
    await imp('+15125550005');
    now += 1000;
    assert.equal((await server.request('PUT', `${NUMBERS}/${ids['+15125550005']}`, { body: { name: 'Front desk' } })).status, 200);
    now += 1000;
    assert.equal((await server.request('DELETE', `${NUMBERS}/${ids['+15125550002']}`)).status, 204);
    now += 1000;
    const token = await server.request('POST', '/api/project/tokens', { body: { name: 'ci', permissions: ['numbers'] } });
    assert.equal(token.status, 200);
    numbersOnly = basic(server.tenant.projectId, token.body.token);
    // Another project's changes are never counted or shown.
    const other = await server.addTenant();
    assert.equal((await server.request('POST', IMPORT, { body: { number: '+15125550777', number_type: 'longcode' }, auth: other.auth })).status, 201);
  });
  after(() => server.close());

  test('the overview counts the active numbers by country and type, and the last 30 days', async () => {
    const r = await server.request('GET', OVERVIEW);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.body.active_numbers, 5);
    assert.deepEqual(r.body.by_country, [
      { country_code: 'US', count: 4 },
      { country_code: 'GB', count: 1 },
    ]);
    assert.deepEqual(r.body.by_type, [
      { number_type: 'longcode', count: 4 },
      { number_type: 'toll-free', count: 1 },
    ]);
    assert.equal(r.body.daily.length, 30);
    assert.equal(r.body.daily.at(-1).date, day(0));
    assert.equal(r.body.daily[0].date, day(29));
    const on = (d: string) => r.body.daily.find((x: { date: string }) => x.date === d);
    assert.deepEqual(on(day(2)), { date: day(2), imported: 2, purchased: 0, released: 0 });
    assert.deepEqual(on(day(1)), { date: day(1), imported: 1, purchased: 1, released: 0 });
    assert.deepEqual(on(day(0)), { date: day(0), imported: 1, purchased: 0, released: 1 });
    assert.equal(r.body.daily.reduce((s: number, d: { imported: number }) => s + d.imported, 0), 4, 'the import 40 days ago is outside');
    // The first token.created is the tenant's own token, made by the test setup at the real time.
    assert.deepEqual(r.body.recent.slice(0, 5).map((e: { action: string }) => e.action), ['token.created', 'token.created', 'number.released', 'number.updated', 'number.imported']);
    assert.equal(r.body.recent.length, 10, 'the ten most recent');
  });

  test('a token without management sees no token changes', async () => {
    const r = await server.request('GET', OVERVIEW, { auth: numbersOnly });
    assert.equal(r.body.active_numbers, 5);
    assert.ok(r.body.recent.every((e: { action: string }) => e.action.startsWith('number.')));
    const page = await server.request('GET', `${ACTIVITY}?kind=tokens`, { auth: numbersOnly });
    assert.deepEqual(page.body.data, []);
  });

  test('the activity trail, newest first, filtered by number and kind, paged by links.next', async () => {
    const all = await server.request('GET', ACTIVITY);
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.data.map((e: { action: string; number: string | null }) => [e.action, e.number]), [
      ['token.created', null],
      ['token.created', null],
      ['number.released', '+15125550002'],
      ['number.updated', '+15125550005'],
      ['number.imported', '+15125550005'],
      ['number.purchased', '+15125559999'],
      ['number.imported', '+18005550004'],
      ['number.imported', '+442079460003'],
      ['number.imported', '+15125550002'],
      ['number.imported', '+15125550001'],
    ]);
    const update = all.body.data[3];
    assert.deepEqual(update.details, { changed: { name: 'Front desk' } });
    assert.equal(update.surface, 'relay-rest');
    assert.equal(update.resource_id, ids['+15125550005']);
    assert.equal(typeof update.request_id, 'string');
    assert.equal(update.token_id, server.tenant.tokenId);

    const byNumber = await server.request('GET', `${ACTIVITY}?number=%2B15125550005`);
    assert.deepEqual(byNumber.body.data.map((e: { action: string }) => e.action), ['number.updated', 'number.imported']);
    const prefix = await server.request('GET', `${ACTIVITY}?number=%2B1512&kind=imported`);
    assert.deepEqual(prefix.body.data.map((e: { number: string }) => e.number), ['+15125550005', '+15125550002', '+15125550001']);
    const kinds = await server.request('GET', `${ACTIVITY}?kind=released,purchased`);
    assert.deepEqual(kinds.body.data.map((e: { action: string }) => e.action), ['number.released', 'number.purchased']);

    const seen: string[] = [];
    let path: string | undefined = `${ACTIVITY}?page_size=4`;
    let pages = 0;
    while (path !== undefined) {
      const page = await server.request('GET', path);
      assert.equal(page.status, 200);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      path = page.body.links.next;
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, all.body.data.map((e: { id: string }) => e.id), 'every event once, in order');
  });

  test('invalid parameters answer 422 naming them; a foreign page token 400', async () => {
    const cases: [string, string][] = [
      ['number=15125550005', "number must be '+' and 1 to 15 digits"],
      ['kind=deleted', 'kind must be a comma-separated list of imported, purchased, updated, released, tokens'],
      ['page_size=0', 'page_size must be an integer from 1 to 200'],
    ];
    for (const [query, detail] of cases) {
      const r = await server.request('GET', `${ACTIVITY}?${query}`);
      assert.equal(r.status, 422, query);
      assert.equal(r.body.errors[0].detail, detail);
    }
    assert.equal((await server.request('GET', `${ACTIVITY}?page_token=not-a-token`)).status, 400);
    assert.equal((await server.request('GET', OVERVIEW, { auth: null })).status, 401);
    const noScope = await server.addTenant({ scopes: ['messaging'] });
    assert.equal((await server.request('GET', ACTIVITY, { auth: noScope.auth })).status, 403);
  });

  test('a token learns its own scopes, whatever they are', async () => {
    const mine = await server.request('GET', '/api/numberspace/token');
    assert.deepEqual(mine.body, { project_id: server.tenant.projectId, token_id: server.tenant.tokenId, scopes: [...mine.body.scopes].sort() });
    assert.ok(mine.body.scopes.includes('management') && mine.body.scopes.length === 11);
    const narrow = await server.request('GET', '/api/numberspace/token', { auth: numbersOnly });
    assert.deepEqual(narrow.body.scopes, ['numbers']);
    const messaging = await server.addTenant({ scopes: ['messaging'] });
    assert.deepEqual((await server.request('GET', '/api/numberspace/token', { auth: messaging.auth })).body.scopes, ['messaging']);
    assert.equal((await server.request('GET', '/api/numberspace/token', { auth: null })).status, 401);
  });

  test("a management token lists the project's active tokens, without secrets", async () => {
    const r = await server.request('GET', '/api/numberspace/tokens');
    assert.equal(r.status, 200);
    // Oldest first: 'ci' was made at the test's clock (June), the tenant's own token at the real time.
    assert.deepEqual(r.body.data.map((t: { name: string; permissions: string[] }) => [t.name, t.permissions.length]), [['ci', 1], ['test', 11]]);
    assert.ok(r.body.data.every((t: Record<string, unknown>) => !('token' in t) && typeof t.created_at === 'string'));
    const ci = r.body.data[0];
    assert.equal((await server.request('DELETE', `/api/project/tokens/${ci.id}`)).status, 204);
    assert.deepEqual((await server.request('GET', '/api/numberspace/tokens')).body.data.map((t: { name: string }) => t.name), ['test'], 'a deleted token is gone');
    const narrow = await server.addTenant({ scopes: ['numbers'] });
    assert.equal((await server.request('GET', '/api/numberspace/tokens', { auth: narrow.auth })).status, 403);
  });

  test('the operations are in the served OpenAPI document', async () => {
    assert.equal((await server.request('GET', '/openapi.json', { auth: null })).body.paths['/api/numberspace/token'].get.operationId, 'numberspace_token');
    const doc = (await server.request('GET', '/openapi.json', { auth: null })).body;
    assert.equal(doc.paths['/api/numberspace/overview'].get.operationId, 'numberspace_overview');
    assert.equal(doc.paths['/api/numberspace/activity'].get.operationId, 'numberspace_activity');
  });
});

describe('the console over HTTP', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>numberspace</title><script type="module" src="/console/assets/main-abc.js"></script>');
    writeFileSync(join(dir, 'assets', 'main-abc.js'), 'export {};');
    server = await startServer({ consoleDir: dir });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/ redirects to /console/, which serves the page with its security headers', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/console/');
    for (const path of ['/console', '/console/']) {
      const r = await fetch(`${server.url}${path}`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /^text\/html/);
      const csp = r.headers.get('content-security-policy')!;
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.match(await r.text(), /main-abc\.js/);
    }
    const asset = await fetch(`${server.url}/console/assets/main-abc.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type')!, /^text\/javascript/);
    assert.match(asset.headers.get('cache-control')!, /immutable/);
    assert.equal(asset.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await fetch(`${server.url}/console/assets/missing.js`)).status, 404);
  });

  test('a 401 to a browser script carries no Basic challenge; to anyone else it does', async () => {
    const script = await fetch(`${server.url}${OVERVIEW}`, { headers: { authorization: 'Basic eDp5', 'x-requested-with': 'numberspace-console' } });
    assert.equal(script.status, 401);
    assert.equal(script.headers.get('www-authenticate'), null);
    const client = await fetch(`${server.url}${OVERVIEW}`, { headers: { authorization: 'Basic eDp5' } });
    assert.equal(client.headers.get('www-authenticate'), 'Basic realm="numberspace"');
    const compat = await fetch(`${server.url}/api/laml/2010-04-01/Accounts/x/IncomingPhoneNumbers`, { headers: { 'x-requested-with': 'numberspace-console' } });
    assert.equal(compat.status, 401);
    assert.equal(compat.headers.get('www-authenticate'), null);
  });

  test('without a build the console says how to make one', async () => {
    const bare = await startServer({ consoleDir: join(dir, 'nowhere') });
    try {
      const r = await fetch(`${bare.url}/console/`);
      assert.equal(r.status, 503);
      assert.match(await r.text(), /npm run build/);
    } finally {
      await bare.close();
    }
  });
});
