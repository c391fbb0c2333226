/**
 * /metrics of `numberspace serve --workers 2` through real HTTP, on the configured store: a
 * scrape answers for the whole group whichever worker takes it. Requests go on connections of
 * their own so node:cluster spreads them over both workers; which worker answered each is read
 * from the access log (each line carries its process's pid, matched by x-request-id).
 *
 * Checked: every scrape shows the exact totals sent (request counters, histogram counts,
 * imports, the scrapes before it) with numberspace_workers_reporting 2, though each worker
 * served only part; a worker that does not answer (SIGSTOP) is counted as of its last answer
 * after about 1 s (reporting 1, the totals still exact); after a kill -9 the dead worker's
 * counts as of the last scrape stay counted (exact totals, no counter below the scrape before
 * the kill), and so do those it made after that scrape once the supervisor's periodic
 * collection has come by; a WORKERS=1 server's families are exactly those of before, with no
 * workers gauge.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BACKEND, freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { requestOnce, type ServeProcess, startServe, waitForWorkers } from '../helpers/serve-process.js';
import { basic } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const LISTS = 40;
const IMPORTS = 12;
/** Lists sent after the kill -9, counted by no scrape before the next one. */
const MORE_LISTS = 20;
/** The supervisor collects every worker's counts this often (COLLECT_INTERVAL_MS in serve-workers.ts). */
const COLLECT_INTERVAL_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const listed = (status: number) => `numberspace_http_requests_total{method="GET",route="${NUMBERS}",status="${status}"}`;
const LIST_COUNT = `numberspace_http_request_duration_seconds_count{method="GET",route="${NUMBERS}"}`;
const LIST_INF = `numberspace_http_request_duration_seconds_bucket{method="GET",route="${NUMBERS}",le="+Inf"}`;
const SCRAPES = 'numberspace_http_requests_total{method="GET",route="/metrics",status="200"}';

interface Scrape {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** GET /metrics on a connection of its own, like requestOnce (which reads JSON answers only), tagged with `reqId`. */
function scrape(url: string, reqId: string = randomUUID(), timeoutMs = 10_000): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/metrics`, { headers: { connection: 'close', 'x-request-id': reqId }, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode!, contentType: String(res.headers['content-type']), text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`/metrics: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The value of one series (name and labels exactly as rendered), or undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The HELP and TYPE lines, in order: the families and their descriptions. */
const families = (text: string) => text.split('\n').filter((l) => l.startsWith('#'));

/** What a single server rendered before scrapes summed the group; PostgreSQL adds the pool's gauges. */
const SINGLE_FAMILIES = [
  '# HELP numberspace_http_requests_total Answered HTTP requests by route template, method and status.',
  '# TYPE numberspace_http_requests_total counter',
  '# HELP numberspace_http_request_duration_seconds Time from request received to response sent.',
  '# TYPE numberspace_http_request_duration_seconds histogram',
  '# HELP numberspace_imports_total Numbers imported (201).',
  '# TYPE numberspace_imports_total counter',
  '# HELP numberspace_releases_total Numbers released (204).',
  '# TYPE numberspace_releases_total counter',
  '# HELP numberspace_rate_limited_total Requests refused by a rate limit (429).',
  '# TYPE numberspace_rate_limited_total counter',
  '# HELP numberspace_database_unavailable_total Requests answered 503 because the database could not serve them.',
  '# TYPE numberspace_database_unavailable_total counter',
  '# HELP numberspace_rejected_requests_total Requests refused with a 4xx status.',
  '# TYPE numberspace_rejected_requests_total counter',
];
const POOL_FAMILIES = (group: boolean) => [
  `# HELP numberspace_db_pool_connections ${group ? "PostgreSQL connections open, summed over this node's workers' pools." : "PostgreSQL connections open in this node's pool."}`,
  '# TYPE numberspace_db_pool_connections gauge',
  `# HELP numberspace_db_pool_idle_connections ${group ? "Idle PostgreSQL connections, summed over the workers' pools." : 'Idle PostgreSQL connections in the pool.'}`,
  '# TYPE numberspace_db_pool_idle_connections gauge',
  `# HELP numberspace_db_pool_waiting_requests ${group ? "Queries waiting for a pool connection, summed over the workers' pools." : 'Queries waiting for a pool connection.'}`,
  '# TYPE numberspace_db_pool_waiting_requests gauge',
];
const WORKERS_FAMILY = [
  '# HELP numberspace_workers_reporting Workers that answered this scrape within 1 s (one that did not is counted as of its last answer).',
  '# TYPE numberspace_workers_reporting gauge',
];

/** Every sample line is `name{labels} number`, and each histogram's buckets only grow up to +Inf = count. */
function assertWellFormed(text: string): void {
  assert.ok(text.endsWith('\n'));
  for (const line of text.slice(0, -1).split('\n')) {
    if (!line.startsWith('#')) assert.match(line, /^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/, line);
  }
  for (const count of text.split('\n').filter((l) => l.startsWith('numberspace_http_request_duration_seconds_count{'))) {
    const labels = count.slice(count.indexOf('{') + 1, count.indexOf('}'));
    const buckets = text.split('\n').filter((l) => l.startsWith(`numberspace_http_request_duration_seconds_bucket{${labels},`)).map((l) => Number(l.split(' ')[1]));
    assert.equal(buckets.length, 13, labels);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! >= buckets[i - 1]!, `${labels}: buckets grow`);
    assert.equal(buckets.at(-1), Number(count.split(' ')[1]), `${labels}: +Inf is the count`);
  }
}

/** Each family's TYPE, from its `# TYPE` line. */
function types(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Every sample of a counter or a histogram (buckets, sum, count) in `earlier`, by name and labels. */
function monotonicSamples(earlier: string): Map<string, number> {
  const type = types(earlier);
  const out = new Map<string, number>();
  for (const line of earlier.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const series = line.slice(0, line.lastIndexOf(' '));
    const name = series.replace(/\{.*$/, '');
    const family = type.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    const t = type.get(family);
    if (t === 'counter' || t === 'histogram') out.set(series, Number(line.slice(series.length + 1)));
  }
  return out;
}

/** No counter or histogram sample of `earlier` is missing from `later` or lower in it: what Prometheus would read as a reset. */
function assertNotBelow(earlier: string, later: string, what: string): void {
  const samples = monotonicSamples(earlier);
  assert.ok(samples.size > 20, `${what}: ${samples.size} samples compared`);
  for (const [series, before] of samples) {
    const now = value(later, series);
    assert.ok(now !== undefined && now >= before, `${what}: ${series} went from ${before} to ${now}`);
  }
}

describe('serve --workers 2: /metrics answers for the whole group', () => {
  let dir: string;
  let db: FreshDatabase;
  let serve: ServeProcess | undefined;
  const projectId = randomUUID();
  const token = `PTmetrics${randomBytes(16).toString('hex')}`;
  const auth = basic(projectId, token);
  let workers: number[] = [];
  /** Which pid answered each GET of the numbers list. */
  let listedBy: number[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-workers-metrics-'));
    db = await freshDatabase(dir);
    serve = await startServe({ DATABASE_URL: db.url, SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token, LOG_LEVEL: 'info', WORKERS: '2' });
    workers = await waitForWorkers(serve, 2);
  });
  after(async () => {
    const p = serve?.process;
    if (p !== undefined && p.child.exitCode === null && p.child.signalCode === null) {
      for (const pid of workers) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Gone already.
        }
      }
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A request on its own connection, tagged so the access log tells which worker answered. */
  const call = async (method: string, path: string, init: { body?: unknown } = {}) => {
    const reqId = `m-${randomUUID()}`;
    const res = await requestOnce(serve!.url, method, path, { headers: { 'x-request-id': reqId, authorization: auth }, ...init });
    return { ...res, reqId };
  };

  const scrapeTagged = async (timeoutMs?: number) => {
    const reqId = `s-${randomUUID()}`;
    return { ...(await scrape(serve!.url, reqId, timeoutMs)), reqId };
  };

  /** The pid that answered each request id, from the access log (lines reach stdout within the logger's flush interval). */
  async function answeredBy(reqIds: readonly string[]): Promise<number[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = new Map<string, number>();
      for (const line of serve!.process.stdout().split('\n')) {
        if (!line.includes('"msg":"request"')) continue;
        try {
          const entry = JSON.parse(line) as { reqId?: string; pid?: number };
          if (entry.reqId !== undefined && typeof entry.pid === 'number') found.set(entry.reqId, entry.pid);
        } catch {
          // A torn line.
        }
      }
      if (reqIds.every((id) => found.has(id))) return reqIds.map((id) => found.get(id)!);
      if (Date.now() > deadline) throw new Error(`access log lines found for ${reqIds.filter((id) => found.has(id)).length} of ${reqIds.length} requests`);
      await sleep(100);
    }
  }

  test(`${LISTS} lists and ${IMPORTS} imports spread over both workers: every scrape, whichever worker takes it, shows the exact totals`, async (t) => {
    const lists = await Promise.all(Array.from({ length: LISTS }, () => call('GET', `${NUMBERS}?page_size=1`)));
    for (const res of lists) assert.equal(res.status, 200, res.text);
    const imports = await Promise.all(
      Array.from({ length: IMPORTS }, (_, i) => call('POST', IMPORT, { body: { number: `+1555620${String(i).padStart(4, '0')}`, number_type: 'longcode' } })),
    );
    for (const res of imports) assert.equal(res.status, 201, res.text);
    listedBy = await answeredBy(lists.map((r) => r.reqId));
    const share = workers.map((pid) => listedBy.filter((p) => p === pid).length);
    assert.ok(share.every((n) => n > 0), `both workers served some lists: ${share}`);

    const scrapes: string[] = [];
    for (let k = 0; k < 8; k++) {
      const res = await scrapeTagged();
      scrapes.push(res.reqId);
      assert.equal(res.status, 200, res.text);
      assert.match(res.contentType, /^text\/plain; version=0\.0\.4/);
      const text = res.text;
      assertWellFormed(text);
      assert.equal(value(text, listed(200)), LISTS, `scrape ${k}: ${listed(200)}`);
      assert.equal(value(text, LIST_COUNT), LISTS, `scrape ${k}: histogram count`);
      assert.equal(value(text, LIST_INF), LISTS, `scrape ${k}: +Inf bucket`);
      assert.ok(value(text, `numberspace_http_request_duration_seconds_sum{method="GET",route="${NUMBERS}"}`)! > 0);
      assert.equal(value(text, `numberspace_http_requests_total{method="POST",route="${IMPORT}",status="201"}`), IMPORTS);
      assert.equal(value(text, 'numberspace_imports_total'), IMPORTS);
      // Every earlier scrape, whichever worker answered it, and not this one (counted once answered).
      assert.equal(value(text, SCRAPES), k === 0 ? undefined : k, `scrape ${k}: the scrapes before it`);
      assert.equal(value(text, 'numberspace_workers_reporting'), 2);
      assert.deepEqual(families(text), [...SINGLE_FAMILIES, ...(BACKEND === 'postgres' ? POOL_FAMILIES(true) : []), ...WORKERS_FAMILY]);
      // Both workers queried their database moments ago, and a pool closes an idle connection only after 30 s.
      if (BACKEND === 'postgres') assert.ok(value(text, 'numberspace_db_pool_connections')! >= 2, 'one open connection at least in each worker\'s pool');
    }
    const scrapedBy = await answeredBy(scrapes);
    assert.deepEqual(new Set(scrapedBy), new Set(workers), `both workers answered scrapes: ${scrapedBy}`);
    t.diagnostic(`lists per worker: ${share.join(' + ')}; scrapes answered by ${scrapedBy.map((p) => workers.indexOf(p) + 1).join(',')}`);
  });

  test('a worker that does not answer (SIGSTOP) is counted as of its last answer after about 1 s: the totals stay exact, with 1 worker reporting', async () => {
    const [stalled, live] = workers as [number, number];
    const before = (await scrapeTagged()).text;
    assert.equal(value(before, 'numberspace_workers_reporting'), 2);
    process.kill(stalled, 'SIGSTOP');
    const partial: { text: string; ms: number }[] = [];
    try {
      // Connections handed to the stalled worker hang: those scrapes time out and are retried.
      for (let attempt = 0; partial.length < 2; attempt++) {
        assert.ok(attempt < 12, 'two scrapes reached the live worker');
        const started = Date.now();
        try {
          const res = await scrapeTagged(3000);
          partial.push({ text: res.text, ms: Date.now() - started });
        } catch {
          // Reached the stalled worker.
        }
      }
    } finally {
      process.kill(stalled, 'SIGCONT');
    }
    const liveShare = listedBy.filter((p) => p === live).length;
    assert.ok(liveShare < LISTS, 'the stalled worker served some lists');
    let earlier = before;
    for (const { text, ms } of partial) {
      assertWellFormed(text);
      assert.equal(value(text, 'numberspace_workers_reporting'), 1);
      // The live worker's share alone would be liveShare: the stalled one's are its last answer's.
      assert.equal(value(text, listed(200)), LISTS, `all ${LISTS} lists (the live worker served ${liveShare})`);
      assert.equal(value(text, LIST_COUNT), LISTS);
      assert.equal(value(text, LIST_INF), LISTS);
      assert.equal(value(text, 'numberspace_imports_total'), IMPORTS);
      assertNotBelow(earlier, text, 'a scrape while a worker is stalled');
      earlier = text;
      assert.ok(ms >= 900 && ms < 2500, `answered after the 1 s wait for the stalled worker: ${ms} ms`);
    }
    const deadline = Date.now() + 10_000;
    for (;;) {
      const text = (await scrapeTagged()).text;
      assertNotBelow(earlier, text, 'a scrape after SIGCONT');
      earlier = text;
      if (value(text, 'numberspace_workers_reporting') === 2) {
        assert.equal(value(text, listed(200)), LISTS, 'both workers counted again');
        assert.equal(value(text, LIST_COUNT), LISTS);
        break;
      }
      assert.ok(Date.now() < deadline, 'the resumed worker is counted again');
      await sleep(100);
    }
  });

  test('kill -9 of a worker scraped after the last request: after its replacement every counter is where it was or above, the totals exact', async () => {
    const [victim, survivor] = workers as [number, number];
    const before = (await scrapeTagged()).text;
    assert.equal(value(before, 'numberspace_workers_reporting'), 2);
    assert.equal(value(before, listed(200)), LISTS);
    const victimShare = listedBy.filter((p) => p === victim).length;
    assert.ok(victimShare > 0, 'the victim served some lists');
    process.kill(victim, 'SIGKILL');
    const now = await waitForWorkers(serve!, 2);
    assert.ok(now.includes(survivor) && !now.includes(victim), `${workers} → ${now}`);
    workers = now;
    let earlier = before;
    for (let k = 0; k < 4; k++) {
      const text = (await scrapeTagged()).text;
      assertWellFormed(text);
      assert.equal(value(text, 'numberspace_workers_reporting'), 2);
      assertNotBelow(earlier, text, `scrape ${k} after the kill`);
      earlier = text;
      // The victim's lists are still counted, though its replacement served none.
      assert.equal(value(text, listed(200)), LISTS, `all ${LISTS} lists, the dead worker's ${victimShare} included`);
      assert.equal(value(text, LIST_COUNT), LISTS);
      assert.equal(value(text, LIST_INF), LISTS);
      assert.equal(value(text, `numberspace_http_requests_total{method="POST",route="${IMPORT}",status="201"}`), IMPORTS);
      assert.equal(value(text, 'numberspace_imports_total'), IMPORTS);
    }
  });

  test(`kill -9 of a worker that served lists no scrape counted: the supervisor's collection every ${COLLECT_INTERVAL_MS / 1000} s keeps them`, async (t) => {
    const before = (await scrapeTagged()).text;
    assert.equal(value(before, listed(200)), LISTS);
    const more = await Promise.all(Array.from({ length: MORE_LISTS }, () => call('GET', `${NUMBERS}?page_size=1`)));
    for (const res of more) assert.equal(res.status, 200, res.text);
    const by = await answeredBy(more.map((r) => r.reqId));
    const share = workers.map((pid) => by.filter((p) => p === pid).length);
    // The one that served more of them (both did, most likely).
    const victim = share[0]! >= share[1]! ? workers[0]! : workers[1]!;
    const victimShare = by.filter((p) => p === victim).length;
    assert.ok(victimShare > 0);
    // No scrape: only the periodic collection can have seen these lists before the kill.
    await sleep(COLLECT_INTERVAL_MS + 1000);
    process.kill(victim, 'SIGKILL');
    const now = await waitForWorkers(serve!, 2);
    assert.ok(!now.includes(victim), `${workers} → ${now}`);
    workers = now;
    const text = (await scrapeTagged()).text;
    assert.equal(value(text, 'numberspace_workers_reporting'), 2);
    assertNotBelow(before, text, 'the scrape after the kill');
    assert.equal(value(text, listed(200)), LISTS + MORE_LISTS, `all ${LISTS + MORE_LISTS} lists, the ${victimShare} the dead worker served since the last scrape included`);
    assert.equal(value(text, LIST_COUNT), LISTS + MORE_LISTS);
    t.diagnostic(`lists per worker since the last scrape: ${share.join(' + ')}`);
  });
});

describe('serve with WORKERS=1: /metrics as before, no group', () => {
  let dir: string;
  let db: FreshDatabase;
  let serve: ServeProcess | undefined;
  const projectId = randomUUID();
  const token = `PTmetrics${randomBytes(16).toString('hex')}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-single-metrics-'));
    db = await freshDatabase(dir);
    serve = await startServe({ DATABASE_URL: db.url, SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token, LOG_LEVEL: 'warn', WORKERS: '1' });
  });
  after(async () => {
    const p = serve?.process;
    if (p !== undefined && p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the same families and descriptions as a single process always rendered, no numberspace_workers_reporting, exact counts', async () => {
    const auth = basic(projectId, token);
    for (let i = 0; i < 10; i++) assert.equal((await requestOnce(serve!.url, 'GET', `${NUMBERS}?page_size=1`, { headers: { authorization: auth } })).status, 200);
    for (let k = 0; k < 3; k++) {
      const res = await scrape(serve!.url);
      assert.equal(res.status, 200);
      const text = res.text;
      assertWellFormed(text);
      assert.deepEqual(families(text), [...SINGLE_FAMILIES, ...(BACKEND === 'postgres' ? POOL_FAMILIES(false) : [])]);
      assert.doesNotMatch(text, /workers/);
      assert.equal(value(text, listed(200)), 10);
      assert.equal(value(text, LIST_COUNT), 10);
      assert.equal(value(text, SCRAPES), k === 0 ? undefined : k);
    }
  });
});
