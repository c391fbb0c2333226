/**
 * `numberspace serve --workers 2` (WORKERS=2) through real HTTP, on the configured store
 * (SQLite in npm test, PostgreSQL in npm run test:pg). Every request goes on a connection of
 * its own, so node:cluster spreads them over both workers; which worker answered is read
 * from the access log (each line carries the process's pid, matched by x-request-id).
 *
 * Checked: both workers answer and /readyz turns 200 only once both are prepared; page tokens
 * minted by one worker are accepted by the other; the one-active-number rule and
 * Idempotency-Keys hold when racers land on both workers; a worker killed with SIGKILL is
 * replaced while requests keep being answered and nothing acknowledged is lost; SIGTERM
 * stops the group with exit code 0 and frees the port; a first start that cannot succeed
 * ends the command with the worker's message instead of a restart loop; configurations that
 * cannot run several workers are refused.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { processTree } from '../../bench/processes.js';
import { SCOPES } from '../../src/domain/scopes.js';
import { openStore, type Store } from '../../src/storage/store.js';
import { createProject, createSpace, issueToken, type TenancyDeps } from '../../src/tenancy/tenancy-service.js';
import { BACKEND, freshDatabase, PG_ADMIN_URL, type FreshDatabase } from '../helpers/backends.js';
import { errorBodyProblems, phoneNumberProblems, withDeadline } from '../helpers/contract-shapes.js';
import { type RunningProcess, spawnNumberspace } from '../helpers/process.js';
import { type FreshAnswer, freePort, isAlive, pidsThatLogged, requestOnce, type ServeProcess, waitForWorkers, workerPids } from '../helpers/serve-process.js';
import { basic } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const TAKEN = JSON.stringify({ errors: [{ detail: 'Number has already been taken', status: '422', title: 'Invalid Attribute', code: 'number_taken' }] });
const RACERS = 40;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tenant {
  readonly projectId: string;
  readonly auth: string;
}

/** Whether something can listen on the port now. */
const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** The whole JSON log lines on stdout that say `msg`. */
function logged(stdout: string, msg: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.includes(JSON.stringify(msg))) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === msg) out.push(entry);
    } catch {
      // A torn line.
    }
  }
  return out;
}

/** A live process's exit, within a deadline. */
const exitOf = (p: RunningProcess, ms: number, label: string) => withDeadline(p.exited, ms, label);

describe('serve --workers 2: one service on one port, whichever worker answers', () => {
  let dir: string;
  let db: FreshDatabase;
  let serve: ServeProcess | undefined;
  let store: Store;
  const projectId = randomUUID();
  const token = `PTworkers${randomBytes(16).toString('hex')}`;
  const owner: Tenant = { projectId, auth: basic(projectId, token) };
  /** Every import of the owner's project acknowledged so far: number → id. */
  const ownerNumbers = new Map<string, string>();
  let seq = 0;
  const nextNumber = () => `+1555610${String(seq++).padStart(4, '0')}`;

  const env = () => ({ DATABASE_URL: db.url, SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token, LOG_LEVEL: 'info', WORKERS: '2', AUTH_CACHE_TTL_MS: '2000' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-workers-'));
    db = await freshDatabase(dir);
  });
  after(async () => {
    const p = serve?.process;
    if (p !== undefined && p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await store?.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A request on its own connection, tagged so the access log tells which worker answered. */
  const call = (method: string, path: string, init: { auth?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const reqId = `w-${randomUUID()}`;
    const answer = requestOnce(serve!.url, method, path, {
      headers: { 'x-request-id': reqId, authorization: init.auth ?? owner.auth, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return answer.then((res) => ({ ...res, reqId }));
  };

  /**
   * The pid that answered each request id, from the access log. Lines reach stdout within
   * the logger's flush interval; waits for all of them.
   */
  async function answeredBy(reqIds: readonly string[]): Promise<Map<string, number>> {
    const wanted = new Set(reqIds);
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = new Map<string, number>();
      for (const line of serve!.process.stdout().split('\n')) {
        if (!line.includes('"msg":"request"')) continue;
        let entry: { reqId?: string; pid?: number };
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (entry.reqId !== undefined && wanted.has(entry.reqId) && typeof entry.pid === 'number') found.set(entry.reqId, entry.pid);
      }
      if (found.size === wanted.size) return found;
      if (Date.now() > deadline) throw new Error(`access log lines found for ${found.size} of ${wanted.size} requests`);
      await sleep(100);
    }
  }

  /** Projects in several Spaces (two sharing one), made through the store as an operator's command would. */
  async function tenants(count: number): Promise<Tenant[]> {
    const deps: TenancyDeps = { store: store.tenancy, clock: () => new Date(), newId: () => randomUUID() };
    const out: Tenant[] = [owner];
    let spaceId = (await createSpace(deps, `space-${randomUUID()}`, true)).id;
    while (out.length < count) {
      const project = await createProject(deps, spaceId, 'racer');
      const { secret } = await issueToken(deps, project.id, 'racer', SCOPES);
      out.push({ projectId: project.id, auth: basic(project.id, secret) });
      if (out.length > 2) spaceId = (await createSpace(deps, `space-${randomUUID()}`, true)).id;
    }
    return out;
  }

  test('the group turns ready together: /readyz answers 503 while the second worker starts, 200 once both are prepared, and both answer', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const p = spawnNumberspace(['serve'], { ...env(), PORT: String(port), HOST: '127.0.0.1' });
    serve = { url, process: p };
    const supervisor = p.child.pid!;
    // Polled from the start: each answer with the moment it arrived, and the moment the
    // second worker existed (it is forked only once the first has migrated and bootstrapped).
    const answers: { at: number; status: number }[] = [];
    let secondForkedAt: number | undefined;
    let inARow = 0;
    const deadline = Date.now() + 30_000;
    while (inARow < 4) {
      assert.ok(Date.now() < deadline, `not ready within 30 s; stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
      assert.equal(p.child.exitCode, null, `serve exited; stderr:\n${p.stderr()}`);
      if (secondForkedAt === undefined && workerPids(supervisor).length === 2) secondForkedAt = Date.now();
      try {
        const res = await requestOnce(url, 'GET', '/readyz', { timeoutMs: 2000 });
        answers.push({ at: Date.now(), status: res.status });
        inARow = res.status === 200 ? inARow + 1 : 0;
      } catch {
        // Nothing listens yet.
      }
      await sleep(20);
    }
    const workers = await waitForWorkers(serve, 2);
    const listening = (pid: number) => {
      const line = p.stdout().split('\n').find((l) => l.includes(`"pid":${pid},`) && l.includes('Server listening'));
      assert.ok(line !== undefined, `worker ${pid} logged its listening address`);
      return (JSON.parse(line) as { time: number }).time;
    };
    const secondListenedAt = Math.max(...workers.map(listening));
    assert.ok(secondForkedAt !== undefined, 'the second worker was seen starting');
    // The first worker was prepared (the second exists) and still said 503: not ready alone.
    assert.ok(answers.some((a) => a.at > secondForkedAt! && a.status === 503), `a 503 after the second worker was forked: ${JSON.stringify(answers)}`);
    // No 200 before the second worker was even listening, let alone prepared.
    const firstOk = answers.find((a) => a.status === 200)!;
    assert.ok(firstOk.at > secondListenedAt, `the first 200 (${firstOk.at}) came after the second worker listened (${secondListenedAt})`);
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([503, 200]), 'only 503 and 200');

    // Both answer: 20 requests on new connections, attributed through the access log.
    const probes = await Promise.all(Array.from({ length: 20 }, () => call('GET', `${NUMBERS}?page_size=1`)));
    for (const res of probes) assert.equal(res.status, 200, res.text);
    const by = await answeredBy(probes.map((r) => r.reqId));
    assert.deepEqual(new Set(by.values()), new Set(workers), 'every worker answered some, and nothing else did');
    assert.deepEqual(pidsThatLogged(p.stdout(), 'workers ready'), new Set([supervisor]), 'the supervisor announced the group ready');

    store = openStore(db.url, { poolSize: 2 });
  });

  test('page tokens: a walk of 130 numbers, 7 per page, every page on a new connection, is complete, unique and ordered, with tokens minted by one worker read by the other', async () => {
    const tenant = (await tenants(2))[1]!;
    const imported = new Set<string>();
    for (let i = 0; i < 130; i += 13) {
      const batch = await Promise.all(Array.from({ length: 13 }, () => call('POST', IMPORT, { auth: tenant.auth, body: { number: nextNumber(), number_type: 'longcode' } })));
      for (const res of batch) {
        assert.equal(res.status, 201, res.text);
        imported.add(res.body.id);
      }
    }
    const seen: { id: string; created_at: string }[] = [];
    const pages: string[] = [];
    let link: string | undefined = `${NUMBERS}?page_size=7`;
    while (link !== undefined) {
      const res: FreshAnswer & { reqId: string } = await call('GET', link, { auth: tenant.auth });
      assert.equal(res.status, 200, `${link}: ${res.text}`);
      pages.push(res.reqId);
      seen.push(...res.body.data);
      assert.ok(pages.length <= 20, 'the walk ends');
      link = res.body.links.next;
    }
    const ids = seen.map((n) => n.id);
    assert.equal(ids.length, new Set(ids).size, 'no number listed twice');
    assert.deepEqual([...ids].sort(), [...imported].sort(), 'every imported number listed, nothing else');
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1]!, seen[i]!];
      assert.ok(a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id), `order at ${i}`);
    }
    assert.equal(pages.length, 19);
    // Page i's token was minted by the worker that answered page i - 1.
    const by = await answeredBy(pages);
    const crossings = pages.slice(1).filter((id, i) => by.get(id) !== by.get(pages[i]!)).length;
    assert.ok(crossings >= 3, `tokens crossed workers ${crossings} times (pids ${pages.map((id) => by.get(id)).join(',')})`);
  });

  test(`race: ${RACERS} concurrent imports of one number from 5 projects over both workers: one 201, the others exactly 422 number_taken`, async () => {
    const racers = await tenants(5);
    const pids = new Set<number>();
    for (let round = 0; round < 5; round++) {
      const number = nextNumber();
      const answers = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => {
          const tenant = racers[i % racers.length]!;
          // The same number written with and without '+', as either type.
          const body = { number: i % 3 === 0 ? number.slice(1) : number, number_type: i % 2 === 0 ? 'longcode' : 'tollfree' };
          return call('POST', IMPORT, { auth: tenant.auth, body }).then((res) => ({ tenant, res }));
        }),
      );
      const statuses = answers.map((a) => a.res.status).sort();
      assert.deepEqual(statuses, [201, ...Array<number>(RACERS - 1).fill(422)], `${number}: ${JSON.stringify(statuses)}`);
      for (const { res } of answers.filter((a) => a.res.status === 422)) {
        assert.deepEqual(errorBodyProblems('POST', 422, res.text), []);
        assert.equal(res.text, TAKEN);
      }
      const winner = answers.find((a) => a.res.status === 201)!;
      assert.deepEqual(phoneNumberProblems(winner.res.body), []);
      assert.equal(winner.res.body.number, number);
      if (winner.tenant === owner) ownerNumbers.set(number, winner.res.body.id);
      for (const tenant of racers) {
        const listed = await call('GET', `${NUMBERS}?filter_number=${encodeURIComponent(number)}`, { auth: tenant.auth });
        assert.equal(listed.status, 200);
        assert.deepEqual(listed.body.data.map((n: { id: string }) => n.id), tenant === winner.tenant ? [winner.res.body.id] : [], `${number} held by the winner alone`);
      }
      for (const pid of (await answeredBy(answers.map((a) => a.res.reqId))).values()) pids.add(pid);
    }
    assert.equal(pids.size, 2, 'the racers were answered by both workers');
  });

  test('race with one Idempotency-Key: one 201 created; every other answer the replay (same bytes) or 409; one import, one audit record', async () => {
    const pids = new Set<number>();
    let replays = 0;
    for (let round = 0; round < 5; round++) {
      const key = `key-${randomUUID()}`;
      const body = { number: nextNumber(), number_type: 'longcode' };
      const answers = await Promise.all(Array.from({ length: 30 }, () => call('POST', IMPORT, { body, headers: { 'idempotency-key': key } })));
      const fresh = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined);
      assert.equal(fresh.length, 1, JSON.stringify(answers.map((a) => [a.status, a.headers['idempotent-replayed']])));
      for (const a of answers) {
        if (a.status === 201) {
          assert.equal(a.text, fresh[0]!.text, 'a replay is the first answer byte for byte');
          if (a !== fresh[0]) {
            assert.equal(a.headers['idempotent-replayed'], 'true');
            replays++;
          }
        } else {
          assert.equal(a.status, 409, a.text);
          assert.deepEqual(a.body, { error: 'Conflict' });
        }
      }
      const listed = await call('GET', `${NUMBERS}?filter_number=${encodeURIComponent(body.number)}`);
      assert.deepEqual(listed.body.data.map((n: { id: string }) => n.id), [fresh[0]!.body.id], 'one active copy');
      ownerNumbers.set(body.number, fresh[0]!.body.id);
      const events = (await store.audit.list(projectId)).filter((e) => e.action === 'number.imported' && JSON.parse(e.summary).number === body.number);
      assert.equal(events.length, 1, 'one import recorded');
      for (const pid of (await answeredBy(answers.map((a) => a.reqId))).values()) pids.add(pid);
    }
    assert.equal(pids.size, 2, 'the racers were answered by both workers');
    // Across workers the database decides; a replay (not only the in-node 409) must have happened.
    assert.ok(replays > 0, 'some racer got the replay');
  });

  test('kill -9 of one worker: another replaces it, requests keep being answered, nothing acknowledged is lost', async (t) => {
    const supervisor = serve!.process.child.pid!;
    const before = await waitForWorkers(serve!, 2);
    /** Acknowledged imports: number → id. */
    const acknowledged = new Map<string, string>();
    const outcomes = { connectionFailures: 0, unavailable: 0, conflicts: 0, replayedAfterFailure: 0 };
    let stop = false;

    /** One import, retried with its key until acknowledged: a failed connection or a 503 is an unknown outcome, not a refusal. */
    async function importUntilAcknowledged(number: string): Promise<void> {
      const key = `kill-${randomUUID()}`;
      let failedBefore = false;
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < 200, `${number}: not acknowledged after 200 attempts`);
        let res: FreshAnswer;
        try {
          res = await requestOnce(serve!.url, 'POST', IMPORT, { headers: { authorization: owner.auth, 'idempotency-key': key }, body: { number, number_type: 'longcode' } });
        } catch {
          outcomes.connectionFailures++;
          failedBefore = true;
          await sleep(20);
          continue;
        }
        if (res.status === 503 || res.status === 409) {
          // A worker still starting (503), or the key in flight on a worker (409): retry.
          outcomes[res.status === 503 ? 'unavailable' : 'conflicts']++;
          failedBefore = true;
          await sleep(20);
          continue;
        }
        assert.equal(res.status, 201, `${number}: ${res.text}`);
        assert.equal(res.body.number, number);
        if (failedBefore && res.headers['idempotent-replayed'] === 'true') outcomes.replayedAfterFailure++;
        acknowledged.set(number, res.body.id);
        ownerNumbers.set(number, res.body.id);
        return;
      }
    }

    const writers = Array.from({ length: 8 }, async () => {
      while (!stop) await withDeadline(importUntilAcknowledged(nextNumber()), 30_000, 'an import to be acknowledged');
    });
    await sleep(800);
    const victim = before[Math.floor(Math.random() * before.length)]!;
    const countBeforeKill = acknowledged.size;
    process.kill(victim, 'SIGKILL');
    const after = await waitForWorkers(serve!, 2);
    const countAtReady = acknowledged.size;
    await sleep(500);
    stop = true;
    await Promise.all(writers);

    assert.ok(!after.includes(victim), `the killed worker ${victim} is gone`);
    assert.equal(after.filter((pid) => !before.includes(pid)).length, 1, `one new worker: ${before} → ${after}`);
    assert.equal(serve!.process.child.exitCode, null, 'the supervisor carries on');
    assert.ok(countAtReady > countBeforeKill, 'imports were acknowledged while the worker was replaced');
    assert.ok(acknowledged.size > countAtReady, 'and after');
    assert.equal((await requestOnce(serve!.url, 'GET', '/readyz')).status, 200);
    const replaced = logged(serve!.process.stdout(), 'worker exited; starting another');
    assert.deepEqual(
      replaced.map((e) => [e.pid, e.workerPid, e.signal]),
      [[supervisor, victim, 'SIGKILL']],
      'the supervisor logged the one replacement, naming the killed worker',
    );

    // Every acknowledged import of the project is there, once, and nothing else: a retry
    // whose first attempt had committed got the replay, not a second number.
    const listed = new Map<string, string>();
    let link: string | undefined = `${NUMBERS}?page_size=1000`;
    while (link !== undefined) {
      const res: FreshAnswer & { reqId: string } = await call('GET', link);
      assert.equal(res.status, 200, res.text);
      for (const row of res.body.data) {
        assert.ok(!listed.has(row.number), `listed twice: ${row.number}`);
        listed.set(row.number, row.id);
      }
      link = res.body.links.next;
    }
    for (const [number, id] of acknowledged) assert.equal(listed.get(number), id, `acknowledged ${number} (${id}) is there`);
    assert.deepEqual([...listed].sort(), [...ownerNumbers].sort(), 'the project holds exactly the acknowledged imports');
    t.diagnostic(`acknowledged ${acknowledged.size} imports (${countBeforeKill} before the kill); ${JSON.stringify(outcomes)}`);
  });

  test('SIGTERM to the supervisor: every process exits, the supervisor with 0, and the port is free', async () => {
    const p = serve!.process;
    const port = Number(new URL(serve!.url).port);
    // Every process below the supervisor: workers, and the esbuild services tsx starts.
    const all = processTree(p.child.pid!).slice(1);
    assert.equal(workerPids(p.child.pid!).length, 2);
    p.child.kill('SIGTERM');
    assert.equal(await exitOf(p, 20_000, 'the supervisor to exit'), 0, p.stderr());
    // The supervisor waits for its workers; tsx's esbuild services follow their parents shortly.
    const deadline = Date.now() + 5000;
    while (all.some(isAlive) && Date.now() < deadline) await sleep(50);
    assert.deepEqual(all.filter(isAlive), [], 'no process of the group is left');
    assert.equal(await portIsFree(port), true, `port ${port} is free`);
    const stopped = pidsThatLogged(p.stdout(), 'stopped');
    for (const pid of [p.child.pid!, ...workerPids(p.child.pid!)]) assert.ok(stopped.has(pid));
    assert.equal(stopped.size, 3, 'the supervisor and both workers stopped the graceful way');
  });
});

describe('serve --workers 2: starts that cannot succeed', () => {
  let dir: string;
  let db: FreshDatabase;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-workers-fail-'));
    db = await freshDatabase(dir);
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs serve to its end; fails if it is still running after `ms` (a restart loop would be). */
  async function runToEnd(env: Record<string, string>, ms = 20_000): Promise<{ code: number | null; p: RunningProcess }> {
    const port = await freePort();
    const p = spawnNumberspace(['serve'], { PORT: String(port), HOST: '127.0.0.1', ...env });
    try {
      return { code: await exitOf(p, ms, `serve ${JSON.stringify(env)} to end`), p };
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
  }

  /** The first worker's message once on stderr, the supervisor's reason in its log, a non-zero exit. */
  function assertFailedOnce(run: { code: number | null; p: RunningProcess }, message: RegExp) {
    assert.notEqual(run.code, 0);
    assert.notEqual(run.code, null);
    const said = run.p.stderr().split('\n').filter((l) => message.test(l));
    assert.equal(said.length, 1, `the worker's message, once (no second start):\n${run.p.stderr()}`);
    assert.equal(pidsThatLogged(run.p.stdout(), 'worker exited; starting another').size, 0, 'no worker was restarted');
    assert.equal(pidsThatLogged(run.p.stdout(), 'shutting down').has(run.p.child.pid!), true, `the supervisor gave up:\n${run.p.stdout()}`);
  }

  test('TLS_CERT_FILE naming a missing file: exit 1 with the worker\'s message, not a restart loop', async () => {
    const missing = join(dir, 'missing.pem');
    const run = await runToEnd({ DATABASE_URL: db.url, WORKERS: '2', TLS_CERT_FILE: missing, TLS_KEY_FILE: missing });
    assert.equal(run.code, 1);
    assertFailedOnce(run, new RegExp(`cannot read TLS_CERT_FILE "${missing}"`));
  });

  test('a DATABASE_URL that can never be opened: exit 1 with the worker\'s message', async () => {
    let url: string;
    let message: RegExp;
    if (BACKEND === 'sqlite') {
      // A database file under a regular file: its folder can never be made.
      writeFileSync(join(dir, 'a-file'), '');
      url = join(dir, 'a-file', 'numberspace.db');
      message = /numberspace: .*a-file/;
    } else {
      const bad = new URL(PG_ADMIN_URL);
      bad.pathname = `/no_such_database_${randomBytes(4).toString('hex')}`;
      url = bad.toString();
      message = /numberspace: database "no_such_database_[0-9a-f]+" does not exist/;
    }
    const run = await runToEnd({ DATABASE_URL: url, WORKERS: '2' });
    assert.equal(run.code, 1);
    assertFailedOnce(run, message);
  });

  test('WORKERS=2 in emulator mode, and WORKERS=0: exit 2 with the configuration error, no worker started', async () => {
    const emulator = await runToEnd({ NUMBERSPACE_EMULATOR: '1', WORKERS: '2' });
    assert.equal(emulator.code, 2);
    assert.match(emulator.p.stderr(), /configuration error:\nemulator mode keeps its journal and scenarios in the memory of one process: it runs with WORKERS=1/);
    const zero = await runToEnd({ DATABASE_URL: db.url, WORKERS: '0' });
    assert.equal(zero.code, 2);
    assert.match(zero.p.stderr(), /configuration error:\nWORKERS must be an integer from 1 to 256 \(got "0"\)/);
    for (const run of [emulator, zero]) assert.doesNotMatch(run.p.stdout(), /Server listening/, 'nothing listened');
  });
});
