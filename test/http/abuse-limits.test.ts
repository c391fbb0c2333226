/**
 * Abuse limits through the real server on the configured store: the per-project rate limit
 * (off by default, the signalwire preset, explicit specs, per-project overrides from the CLI,
 * one count per node), the failed-authentication throttle (which never refuses valid
 * credentials), the per-project number quota under concurrency, and 429s in /metrics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { SCOPES } from '../../src/domain/scopes.js';
import { run } from '../../src/cli/main.js';
import type { App } from '../../src/http/app-type.js';
import { parseRateLimitSpec, SIGNALWIRE_RATE_LIMIT } from '../../src/limits/rate-limit-spec.js';
import { openStore, type Store } from '../../src/storage/store.js';
import { issueToken } from '../../src/tenancy/tenancy-service.js';
import { freshDatabase } from '../helpers/backends.js';
import { listeningUrl, spawnNumberspace, waitForOutput } from '../helpers/process.js';
import { basic, startServer, type Tenant, type TestResponse, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const TOO_MANY = '{"error":"Too Many Requests"}';

/** A controllable monotonic clock for the limits' windows and the credential cache. */
function manualClock() {
  let t = 5_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

let numberSeq = 0;
/** A fresh +1 555 number for every import of the file, so imports never collide by accident. */
const nextNumber = () => `+1555${3_000_000 + numberSeq++}`;

async function cli(databaseUrl: string, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { DATABASE_URL: databaseUrl }, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`) });
  return { code, out, err };
}

function assertTooMany(res: TestResponse, label: string): number {
  assert.equal(res.status, 429, `${label}: ${res.status} ${res.text}`);
  assert.equal(res.text, TOO_MANY, label);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, label);
  const retryAfter = res.headers.get('retry-after') ?? '';
  assert.match(retryAfter, /^[1-9][0-9]*$/, `${label}: Retry-After ${retryAfter}`);
  return Number(retryAfter);
}

describe('rate limit: off by default', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('no RateLimit fields and no 429, however many writes and reads', async () => {
    const answers = await Promise.all([
      ...Array.from({ length: 60 }, () => server.request('POST', IMPORT, { body: { number: nextNumber(), number_type: 'longcode' } })),
      ...Array.from({ length: 60 }, () => server.request('GET', `${NUMBERS}?page_size=1`)),
    ]);
    for (const res of answers) {
      assert.ok(res.status === 201 || res.status === 200, `${res.status} ${res.text}`);
      assert.equal(res.headers.get('ratelimit'), null);
      assert.equal(res.headers.get('ratelimit-policy'), null);
    }
  });
});

describe('rate limit: an explicit spec, writes=5/10s', () => {
  let server: TestServer;
  const clock = manualClock();
  before(async () => {
    server = await startServer({ limits: { rateLimit: parseRateLimitSpec('writes=5/10s'), now: clock.now } });
  });
  after(() => server.close());

  test('5 writes pass with the RateLimit fields counting down; the 6th is 429 with Retry-After', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await server.request('POST', IMPORT, { body: { number: nextNumber(), number_type: 'longcode' } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('ratelimit-policy'), '"writes";q=5;w=10');
      seen.push(res.headers.get('ratelimit')!);
      clock.advance(1000);
    }
    assert.deepEqual(seen, ['"writes";r=4;t=10', '"writes";r=3;t=9', '"writes";r=2;t=8', '"writes";r=1;t=7', '"writes";r=0;t=6']);
    const refused = await server.request('POST', IMPORT, { body: { number: nextNumber(), number_type: 'longcode' } });
    assert.equal(assertTooMany(refused, 'over the limit'), 5);
    assert.equal(refused.headers.get('ratelimit-policy'), '"writes";q=5;w=10');
    assert.equal(refused.headers.get('ratelimit'), '"writes";r=0;t=5');
    assert.ok(refused.headers.get('x-request-id'));
  });

  test('while over: PUT and DELETE are writes too; a bad body still answers 429 (the limit comes first); bad credentials still 401', async () => {
    const id = crypto.randomUUID();
    assertTooMany(await server.request('PUT', `${NUMBERS}/${id}`, { body: { name: 'x' } }), 'PUT');
    assertTooMany(await server.request('DELETE', `${NUMBERS}/${id}`), 'DELETE');
    assertTooMany(await server.request('POST', IMPORT, { rawBody: '{not json', headers: { 'content-type': 'application/json' } }), 'bad body');
    const stranger = await server.request('POST', IMPORT, { auth: basic(server.tenant.projectId, 'PTwrong'), body: {} });
    assert.equal(stranger.status, 401);
    assert.equal(stranger.headers.get('ratelimit'), null, 'an unauthenticated answer says nothing about the project');
  });

  test('reads are not limited by a writes-only spec and carry no RateLimit fields', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await server.request('GET', `${NUMBERS}?page_size=1`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit'), null);
      assert.equal(res.headers.get('ratelimit-policy'), null);
    }
  });

  test('each project has its own window; a new window opens when the old one ends', async () => {
    const other = await server.addTenant();
    const res = await server.request('POST', IMPORT, { auth: other.auth, body: { number: nextNumber(), number_type: 'longcode' } });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('ratelimit'), '"writes";r=4;t=10');
    clock.advance(5000);
    const fresh = await server.request('POST', IMPORT, { body: { number: nextNumber(), number_type: 'longcode' } });
    assert.equal(fresh.status, 201, fresh.text);
    assert.equal(fresh.headers.get('ratelimit'), '"writes";r=4;t=10');
  });
});

describe('rate limit: the signalwire preset', () => {
  let server: TestServer;
  const clock = manualClock();
  before(async () => {
    // The credential cache keeps thousands of requests from costing a query each, as in production.
    server = await startServer({ authCacheTtlMs: 60_000, limits: { rateLimit: parseRateLimitSpec('signalwire'), now: clock.now } });
  });
  after(() => server.close());

  test('13,800 writes pass in one 10 s window, the 13,801st is 429; reads stay unlimited', async () => {
    assert.deepEqual(parseRateLimitSpec('signalwire'), SIGNALWIRE_RATE_LIMIT);
    // The clock stands still, so every request falls in one window however long the run takes.
    // An import with an empty body is the cheapest authenticated write (counted, then 422
    // from validation), pipelined on a few connections so the run takes seconds.
    const QUOTA = 13_800;
    const CONNECTIONS = 8;
    const request = `POST ${IMPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${server.tenant.auth}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
    const runs = await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) => pipelined(server.url, request, QUOTA / CONNECTIONS + (i < QUOTA % CONNECTIONS ? 1 : 0))),
    );
    const statuses = runs.flatMap((r) => r.statuses);
    assert.equal(statuses.length, QUOTA);
    const seen = new Map<number, number>();
    for (const s of statuses) seen.set(s, (seen.get(s) ?? 0) + 1);
    assert.deepEqual([...seen], [[422, QUOTA]], 'every write of the window was admitted (and then refused by validation)');
    assert.ok(runs.every((r) => r.policies.every((p) => p === '"writes";q=13800;w=10')));
    // Each admitted write saw one more of the quota spent: remaining counts 13,799 down to 0, once each.
    const remaining = runs.flatMap((r) => r.rateLimits).map((f) => Number(/^"writes";r=(\d+);t=10$/.exec(f)![1]));
    assert.deepEqual(remaining.sort((a, b) => b - a), Array.from({ length: QUOTA }, (_, i) => QUOTA - 1 - i));

    const refused = await server.request('POST', IMPORT, { body: { number: nextNumber(), number_type: 'longcode' } });
    assert.equal(assertTooMany(refused, 'write 13,801'), 10);
    assert.equal(refused.headers.get('ratelimit'), '"writes";r=0;t=10');
    const read = await server.request('GET', `${NUMBERS}?page_size=1`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('ratelimit'), null);
    clock.advance(10_000);
    assert.equal((await server.request('POST', IMPORT, { body: { number: nextNumber(), number_type: 'longcode' } })).status, 201);
  });
});

/**
 * Writes `count` copies of one request on one connection at once (HTTP/1.1 pipelining) and
 * collects each answer's status and rate-limit fields, in order.
 */
function pipelined(url: string, request: string, count: number): Promise<{ statuses: number[]; policies: string[]; rateLimits: string[] }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const statuses: number[] = [];
    const policies: string[] = [];
    const rateLimits: string[] = [];
    let pending = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(request.repeat(count)));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      // Each answer is headers and a short JSON body; split on the next status line.
      let next: number;
      while ((next = pending.indexOf('HTTP/1.1 ', 1)) > 0) {
        collect(pending.slice(0, next));
        pending = pending.slice(next);
      }
      if (statuses.length === count - 1 && /\r\n\r\n\{.*\}$/s.test(pending)) {
        collect(pending);
        socket.end();
        resolve({ statuses, policies, rateLimits });
      }
    });
    socket.on('error', reject);
    function collect(answer: string): void {
      statuses.push(Number(answer.slice(9, 12)));
      const policy = /\r\nratelimit-policy: ([^\r]*)/i.exec(answer);
      const limit = /\r\nratelimit: ([^\r]*)/i.exec(answer);
      if (policy !== null) policies.push(policy[1]!);
      if (limit !== null) rateLimits.push(limit[1]!);
    }
  });
}

describe('rate limit: per-project overrides from the CLI', () => {
  let server: TestServer;
  const clock = manualClock();
  before(async () => {
    server = await startServer({ authCacheTtlMs: 2000, limits: { rateLimit: parseRateLimitSpec('writes=3/10s'), now: clock.now } });
  });
  after(() => server.close());

  const write = (tenant: Tenant) => server.request('DELETE', `${NUMBERS}/${crypto.randomUUID()}`, { auth: tenant.auth });

  test('a project\'s own spec replaces RATE_LIMIT within AUTH_CACHE_TTL_MS; `default` gives it back; `off` exempts it', async () => {
    const t = await server.addTenant();
    assert.equal((await write(t)).headers.get('ratelimit-policy'), '"writes";q=3;w=10');

    const set = await cli(server.databaseUrl, 'projects', 'update', t.projectId, '--rate-limit', 'writes=2/1m,reads=4/1m', '--json');
    assert.equal(set.code, 0, set.err);
    assert.equal(JSON.parse(set.out)[0].rate_limit, 'writes=2/60s,reads=4/60s');
    // Still the cached credential, so still the old terms...
    assert.equal((await write(t)).headers.get('ratelimit-policy'), '"writes";q=3;w=10');
    clock.advance(2000);
    // ...and once the cache has expired, the project's own.
    const first = await write(t);
    assert.equal(first.headers.get('ratelimit-policy'), '"writes";q=2;w=60');
    assert.equal(first.headers.get('ratelimit'), '"writes";r=1;t=60');
    assert.equal((await write(t)).status, 404);
    assertTooMany(await write(t), 'third write under writes=2/1m');
    const reads = [];
    for (let i = 0; i < 5; i++) reads.push(await server.request('GET', NUMBERS, { auth: t.auth }));
    assert.deepEqual(reads.map((r) => r.status), [200, 200, 200, 200, 429]);
    assert.equal(reads[0]!.headers.get('ratelimit-policy'), '"reads";q=4;w=60');

    assert.equal((await cli(server.databaseUrl, 'projects', 'update', t.projectId, '--rate-limit', 'off')).code, 0);
    clock.advance(2000);
    for (let i = 0; i < 10; i++) {
      const res = await write(t);
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('ratelimit'), null);
    }

    assert.equal((await cli(server.databaseUrl, 'projects', 'update', t.projectId, '--rate-limit', 'default')).code, 0);
    clock.advance(2000);
    assert.equal((await write(t)).headers.get('ratelimit-policy'), '"writes";q=3;w=10');
  });

  test('projects list shows each project\'s rate limit and number quota', async () => {
    const t = await server.addTenant();
    assert.equal((await cli(server.databaseUrl, 'projects', 'update', t.projectId, '--rate-limit', 'signalwire', '--number-quota', '1000')).code, 0);
    const listed = await cli(server.databaseUrl, 'projects', 'list', '--json');
    assert.equal(listed.code, 0, listed.err);
    const rows = JSON.parse(listed.out) as { id: string; rate_limit: string; number_quota: number | null }[];
    assert.deepEqual(
      rows.filter((r) => r.id === t.projectId).map((r) => [r.rate_limit, r.number_quota]),
      [['writes=13800/10s,reads=off', 1000]],
    );
    assert.deepEqual(
      rows.filter((r) => r.id === server.tenant.projectId).map((r) => [r.rate_limit, r.number_quota]),
      [['default', null]],
    );
    const table = await cli(server.databaseUrl, 'projects', 'list');
    assert.match(table.out.split('\n')[0]!, /rate_limit\s+number_quota$/);
  });

  test('the CLI refuses a bad spec or quota (exit 2) and an unknown project (exit 1), changing nothing', async () => {
    const t = await server.addTenant();
    const cases: [string[], number, RegExp][] = [
      [['--rate-limit', 'writes=lots'], 2, /--rate-limit "writes=lots" is not a rule/],
      [['--rate-limit', 'writes=0/10s'], 2, /count must be from 1/],
      [['--number-quota=-1'], 2, /--number-quota takes a whole number/],
      [['--number-quota', '1.5'], 2, /--number-quota takes a whole number/],
      [['--number-quota', '10000001'], 2, /--number-quota takes a whole number/],
      [[], 2, /nothing to update/],
    ];
    for (const [flags, code, message] of cases) {
      const r = await cli(server.databaseUrl, 'projects', 'update', t.projectId, ...flags);
      assert.equal(r.code, code, flags.join(' '));
      assert.match(r.err, message, flags.join(' '));
    }
    const unknown = await cli(server.databaseUrl, 'projects', 'update', crypto.randomUUID(), '--number-quota', '5');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no project/);
    const row = (await server.store.tenancy.findProject(t.projectId))!;
    assert.deepEqual([row.rateLimit, row.numberQuota], [null, null]);
  });
});

describe('rate limit: several nodes', () => {
  let server: TestServer;
  let second: { app: App; url: string; store: Store };
  before(async () => {
    const limits = { rateLimit: parseRateLimitSpec('writes=3/1m') };
    server = await startServer({ limits });
    // A second node on the same database, as behind a load balancer.
    const store = openStore(server.databaseUrl, { poolSize: 2 });
    const app = await buildApp({ store, logger: pino({ level: 'silent' }), authCacheTtlMs: 0, limits });
    second = { app, store, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
  });
  after(async () => {
    await second.app.close();
    await second.store.close();
    await server.close();
  });

  test('each node enforces the limit on its own: N nodes let a project through N times the limit, as documented', async () => {
    const write = (url: string) =>
      fetch(`${url}${NUMBERS}/${crypto.randomUUID()}`, { method: 'DELETE', headers: { authorization: server.tenant.auth } }).then((r) => r.status);
    const statuses = [];
    for (const url of [server.url, second.url, server.url, second.url, server.url, second.url, server.url, second.url]) statuses.push(await write(url));
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 404, 429, 429]);
  });
});

describe('failed-authentication throttle', () => {
  let server: TestServer;
  const clock = manualClock();
  before(async () => {
    server = await startServer({ authCacheTtlMs: 2000, limits: { authFailureLimit: 5, authTarpitMs: 0, now: clock.now } });
  });
  after(() => server.close());

  const guess = (i: number) => {
    const variants = [
      basic(server.tenant.projectId, `PT${crypto.randomUUID().replace(/-/g, '')}0000000000000000`),
      basic(crypto.randomUUID(), server.tenant.secret),
      `Basic ${Buffer.from('nobody:nothing').toString('base64')}`,
      'Basic !!!',
    ];
    return server.request('POST', IMPORT, { auth: variants[i % variants.length]!, body: { number: nextNumber(), number_type: 'longcode' } });
  };

  test('a burst of bad guesses from 127.0.0.1 turns into 429 after 5, while the valid project on the same address keeps working', async () => {
    const fresh = await server.addTenant(); // a token this node has never seen
    const [guesses, valid] = await Promise.all([
      Promise.all(Array.from({ length: 40 }, (_, i) => guess(i))),
      Promise.all(Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? server.request('POST', IMPORT, { body: { number: nextNumber(), number_type: 'longcode' } })
          : server.request('GET', NUMBERS, { auth: fresh.auth }),
      )),
    ]);
    const statuses = guesses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array<number>(5).fill(401), ...Array<number>(35).fill(429)]);
    for (const r of guesses.filter((g) => g.status === 429)) {
      assert.ok(assertTooMany(r, 'throttled guess') <= 60);
      assert.equal(r.headers.get('www-authenticate'), null);
    }
    assert.deepEqual(valid.map((r) => r.status), Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 201 : 200)));

    // Still over the limit: a token created now, never seen by this node, is accepted at once.
    const newcomer = await server.addTenant();
    assert.equal((await server.request('GET', NUMBERS, { auth: newcomer.auth })).status, 200);
    assert.equal((await server.request('POST', IMPORT, { auth: newcomer.auth, body: { number: nextNumber(), number_type: 'longcode' } })).status, 201);
    assert.equal((await guess(0)).status, 429);
  });

  test('requests without credentials are not guesses: always 401', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await server.request('GET', NUMBERS, { auth: null });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
    }
  });

  test('the address is counted for a minute: then failures answer 401 again', async () => {
    clock.advance(60_000);
    assert.deepEqual([(await guess(1)).status, (await guess(2)).status], [401, 401]);
  });

  test('the same bad credentials repeated cost one query per AUTH_CACHE_TTL_MS, and a token created meanwhile is accepted after it', async () => {
    const t = await server.addTenant();
    const tenancy = server.store.tenancy;
    const lookup = tenancy.findCredential.bind(tenancy);
    let queries = 0;
    tenancy.findCredential = (hash) => {
      queries++;
      return lookup(hash);
    };
    try {
      // A secret an operator chose (SIGNALWIRE_API_TOKEN), tried before it exists.
      const chosen = `chosen-${crypto.randomUUID()}`;
      const auth = basic(t.projectId, chosen);
      for (let i = 0; i < 10; i++) assert.ok([401, 429].includes((await server.request('GET', NUMBERS, { auth })).status));
      assert.equal(queries, 1);
      await issueToken({ store: tenancy, clock: () => new Date(), newId: () => crypto.randomUUID() }, t.projectId, 'chosen', SCOPES, chosen);
      assert.notEqual((await server.request('GET', NUMBERS, { auth })).status, 200, 'refused from the negative cache for now');
      clock.advance(2000);
      assert.equal((await server.request('GET', NUMBERS, { auth })).status, 200);
      assert.equal(queries, 2);
    } finally {
      tenancy.findCredential = lookup;
    }
  });
});

describe('failed-authentication throttle: the tarpit', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ limits: { authFailureLimit: 1, authTarpitMs: 400 } });
  });
  after(() => server.close());

  test('a throttled failure is held; valid credentials from the same address are not', async () => {
    const bad = basic(server.tenant.projectId, 'PTnot-a-token');
    assert.equal((await server.request('GET', NUMBERS, { auth: bad })).status, 401);
    let started = performance.now();
    assertTooMany(await server.request('GET', NUMBERS, { auth: bad }), 'held');
    assert.ok(performance.now() - started >= 390, 'the 429 was held for the tarpit');
    started = performance.now();
    assert.equal((await server.request('GET', NUMBERS)).status, 200);
    assert.ok(performance.now() - started < 390, 'a valid request is never held');
  });
});

describe('failed-authentication throttle behind a trusted proxy', () => {
  let trusting: TestServer;
  let direct: TestServer;
  before(async () => {
    const limits = { authFailureLimit: 3, authTarpitMs: 0 };
    trusting = await startServer({ limits, trustProxy: ['127.0.0.1'] });
    direct = await startServer({ limits });
  });
  after(async () => {
    await trusting.close();
    await direct.close();
  });

  const guess = (server: TestServer, forwardedFor: string) =>
    server.request('GET', NUMBERS, { auth: basic(server.tenant.projectId, 'PTwrong'), headers: { 'x-forwarded-for': forwardedFor } }).then((r) => r.status);

  test('with TRUST_PROXY naming the proxy, each client behind it is counted on its own, and a forged hop does not help', async () => {
    const a = [];
    for (let i = 0; i < 4; i++) a.push(await guess(trusting, '203.0.113.1'));
    assert.deepEqual(a, [401, 401, 401, 429]);
    assert.equal(await guess(trusting, '203.0.113.2'), 401, 'another client behind the proxy');
    // The proxy appends the real peer; whatever the client wrote before it is not trusted.
    assert.equal(await guess(trusting, '198.51.100.7, 203.0.113.1'), 429);
    assert.equal((await trusting.request('GET', NUMBERS, { headers: { 'x-forwarded-for': '203.0.113.1' } })).status, 200);
  });

  test('without TRUST_PROXY, X-Forwarded-For is ignored: every guess counts against the socket\'s address', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await guess(direct, `203.0.113.${10 + i}`));
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });
});

describe('number quota', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const importInto = (tenant: Tenant, number = nextNumber()) =>
    server.request('POST', IMPORT, { auth: tenant.auth, body: { number, number_type: 'longcode' } });
  const quotaBody = (quota: number) =>
    JSON.stringify({ errors: [{ detail: `This project has reached its quota of ${quota} active numbers`, status: '422', title: 'Invalid Attribute', code: 'quota_exceeded' }] });
  const activeCount = async (tenant: Tenant) => (await server.request('GET', `${NUMBERS}?page_size=1000`, { auth: tenant.auth })).body.data.length;

  test('50 concurrent imports into a project with a quota of 7: exactly 7 succeed, 43 answer quota_exceeded', async () => {
    const t = await server.addTenant();
    assert.equal((await cli(server.databaseUrl, 'projects', 'update', t.projectId, '--number-quota', '7')).code, 0);
    const answers = await Promise.all(Array.from({ length: 50 }, () => importInto(t)));
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array<number>(7).fill(201), ...Array<number>(43).fill(422)], answers.map((r) => r.text).join('\n'));
    for (const r of answers.filter((a) => a.status === 422)) assert.equal(r.text, quotaBody(7));
    assert.equal(await activeCount(t), 7);
  });

  test('a release frees a slot; a number taken elsewhere is still number_taken below the quota', async () => {
    const t = await server.addTenant();
    await server.store.tenancy.setProjectLimits(t.projectId, { numberQuota: 2 });
    const first = await importInto(t);
    assert.equal(first.status, 201);
    const taken = await importInto(t, first.body.number);
    assert.equal(taken.body.errors[0].code, 'number_taken');
    assert.equal((await importInto(t)).status, 201);
    assert.equal((await importInto(t)).text, quotaBody(2));
    assert.equal((await server.request('DELETE', `${NUMBERS}/${first.body.id}`, { auth: t.auth })).status, 204);
    assert.equal((await importInto(t)).status, 201);
    assert.equal((await importInto(t)).status, 422);
    assert.equal(await activeCount(t), 2);
  });

  test('a quota of 1 says "number"; a quota of 0 admits nothing; none lifts it; other projects are unaffected', async () => {
    const t = await server.addTenant();
    await server.store.tenancy.setProjectLimits(t.projectId, { numberQuota: 1 });
    assert.equal((await importInto(t)).status, 201);
    assert.equal((await importInto(t)).body.errors[0].detail, 'This project has reached its quota of 1 active number');
    await server.store.tenancy.setProjectLimits(t.projectId, { numberQuota: 0 });
    assert.equal((await importInto(t)).body.errors[0].detail, 'This project has reached its quota of 0 active numbers');
    assert.equal((await cli(server.databaseUrl, 'projects', 'update', t.projectId, '--number-quota', 'none')).code, 0);
    for (let i = 0; i < 5; i++) assert.equal((await importInto(t)).status, 201);
    for (let i = 0; i < 5; i++) assert.equal((await importInto(server.tenant)).status, 201);
  });

  test('two nodes on one database: 50 imports split between them still stop at the quota', async () => {
    const t = await server.addTenant();
    await server.store.tenancy.setProjectLimits(t.projectId, { numberQuota: 9 });
    const store = openStore(server.databaseUrl, { poolSize: 4 });
    const app = await buildApp({ store, logger: pino({ level: 'silent' }), authCacheTtlMs: 0 });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(`${i % 2 === 0 ? server.url : url}${IMPORT}`, {
            method: 'POST',
            headers: { authorization: t.auth, 'content-type': 'application/json' },
            body: JSON.stringify({ number: nextNumber(), number_type: 'longcode' }),
          }).then(async (r) => [r.status, await r.text()] as const),
        ),
      );
      const statuses = answers.map(([s]) => s).sort();
      assert.deepEqual(statuses, [...Array<number>(9).fill(201), ...Array<number>(41).fill(422)], answers.map(([, b]) => b).join('\n'));
      assert.equal(await activeCount(t), 9);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe('429s in /metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ limits: { rateLimit: parseRateLimitSpec('reads=2/1h'), authFailureLimit: 1, authTarpitMs: 0 } });
  });
  after(() => server.close());

  test('numberspace_rate_limited_total counts every 429, from the rate limit and the throttle alike', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await server.request('GET', NUMBERS)).status);
    assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
    const bad = basic(server.tenant.projectId, 'PTwrong');
    assert.deepEqual([(await server.request('GET', NUMBERS, { auth: bad })).status, (await server.request('GET', NUMBERS, { auth: bad })).status], [401, 429]);
    const metrics = (await server.request('GET', '/metrics', { auth: null })).text;
    assert.match(metrics, /^numberspace_rate_limited_total 4$/m);
    assert.match(metrics, /^numberspace_rejected_requests_total\{status="429"\} 4$/m);
    assert.match(metrics, /^numberspace_http_requests_total\{method="GET",route="\/api\/relay\/rest\/phone_numbers",status="429"\} 4$/m);
  });

  test('the served OpenAPI document lists 429 on every API operation', async () => {
    const doc = (await server.request('GET', '/openapi.json', { auth: null })).body;
    const operations = Object.values<Record<string, { responses: Record<string, { description: string; content: unknown }> }>>(doc.paths).flatMap((p) => Object.values(p));
    // The numbers operations (import, list, get, update, release, search, purchase), the three
    // Project Tokens operations and numberspace's token, tokens, overview and activity.
    assert.equal(operations.length, 14);
    for (const op of operations) {
      assert.match(op.responses['429']!.description, /RateLimit-Policy/);
      assert.deepEqual(op.responses['429']!.content, {
        'application/json': { schema: { type: 'object', properties: { error: { const: 'Too Many Requests', type: 'string' } }, required: ['error'], additionalProperties: false } },
      });
    }
  });
});

describe('numberspace serve with its defaults', () => {
  let dir: string;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-abuse-'));
    db = await freshDatabase(dir);
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('no rate limit, and 20 failed authentications a minute from one address before 429, the valid token unaffected', async () => {
    const projectId = crypto.randomUUID();
    const token = `PT${crypto.randomUUID().replace(/-/g, '')}0123456789abcdef`;
    const p = spawnNumberspace(['serve'], { PORT: '0', DATABASE_URL: db.url, LOG_LEVEL: 'info', SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token });
    try {
      const url = listeningUrl(await waitForOutput(p, (out) => out.includes('"msg":"ready"')));
      const call = (auth: string) => fetch(`${url}${NUMBERS}/${crypto.randomUUID()}`, { method: 'DELETE', headers: { authorization: auth } });
      const valid = [];
      for (let i = 0; i < 30; i++) valid.push(await call(basic(projectId, token)));
      for (const r of valid) {
        assert.equal(r.status, 404);
        assert.equal(r.headers.get('ratelimit'), null);
      }
      const guesses = await Promise.all(Array.from({ length: 24 }, () => call(basic(projectId, `PT${'0'.repeat(48)}`))));
      assert.deepEqual(guesses.map((r) => r.status).sort(), [...Array<number>(20).fill(401), ...Array<number>(4).fill(429)]);
      assert.equal((await call(basic(projectId, token))).status, 404);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });
});
