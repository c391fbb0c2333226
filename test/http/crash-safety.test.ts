/**
 * Crash safety: the real server, under a concurrent load of imports, updates and releases,
 * is killed with SIGKILL at a random moment, restarted on the same database, and checked:
 * every acknowledged import is there, every acknowledged update shows (or the one that was
 * in flight when the process died), every acknowledged release is gone and its number free,
 * nothing appears that nobody sent, and every row is whole. Several cycles on one database.
 * At the end the audit trail holds exactly one record per change that committed: a change
 * and its record commit or vanish together. Runs on SQLite (npm test) and PostgreSQL
 * (npm run test:pg).
 *
 * Run twice: with one server process, and with `serve --workers 2` (several processes
 * writing one SQLite file, or one PostgreSQL schema). There a crash of the host is SIGKILL to
 * the supervisor and every worker at once; and one cycle kills one worker only: the other
 * keeps answering while the supervisor replaces it, what was in flight on the dead one is
 * found out as after a restart, and the same checks follow without a restart. After each
 * cycle the Compatibility API lists the same numbers as Relay REST, with the same names.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readable } from '../../src/domain/incoming-number-record.js';
import { freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { phoneNumberProblems, withDeadline } from '../helpers/contract-shapes.js';
import { spawnNumberspace } from '../helpers/process.js';
import { killHost, type ServeProcess, startServe, waitForWorkers, workerPids } from '../helpers/serve-process.js';
import { basic } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const COMPAT = '/api/laml/2010-04-01';
const WRITERS = 16;
/**
 * How long a writer waits for an answer. Before the kill, not answering in time is a failure.
 * After a worker's kill, a request may get no answer at all: node:cluster's primary accepts
 * each connection and hands it to a worker, and one handed to the worker that is dying stays
 * open, held by the supervisor, with nobody to answer it. The request never reached a worker;
 * the writer's timeout ends it and its operation stays pending, like one cut by the kill.
 */
const REQUEST_TIMEOUT_MS = 10_000;
/** Writes acknowledged in a cycle before its kill may come. */
const MIN_ACKNOWLEDGED = 50;

/** What each cycle kills: the whole host (every process of the serve, then a restart), or one worker of the group. */
type Kill = 'host' | 'worker';

/** Per server-process count: one process, killed six times; two workers: the host, one worker, the host again. */
const VARIANTS: readonly { readonly workers: number; readonly kills: readonly Kill[] }[] = [
  { workers: 1, kills: ['host', 'host', 'host', 'host', 'host', 'host'] },
  { workers: 2, kills: ['host', 'worker', 'host'] },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Live {
  readonly number: string;
  /** The last acknowledged name. */
  name: string | null;
}

/** What a writer had sent and not yet seen answered when the process died. */
type Pending =
  | { readonly kind: 'import'; readonly number: string }
  | { readonly kind: 'update'; readonly id: string; readonly name: string }
  | { readonly kind: 'release'; readonly id: string };

interface Answer {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

for (const { workers, kills } of VARIANTS) {
  describe(`crash safety (${workers === 1 ? 'one server process' : `serve --workers ${workers}`}): SIGKILL under load loses no acknowledged write and leaves no half-written row`, () => {
    let dir: string;
    let db: FreshDatabase;
    let node: ServeProcess | undefined;
    const projectId = randomUUID();
    const token = `PTcrash${randomBytes(16).toString('hex')}`;
    const auth = basic(projectId, token);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'numberspace-crash-'));
      db = await freshDatabase(dir);
    });
    after(async () => {
      if (node !== undefined && node.process.child.exitCode === null && node.process.child.signalCode === null) {
        node.process.child.kill('SIGTERM');
        await node.process.exited;
      }
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const start = () =>
      startServe({
        DATABASE_URL: db.url,
        SIGNALWIRE_PROJECT_ID: projectId,
        SIGNALWIRE_API_TOKEN: token,
        // With workers, info: waitForWorkers knows a replacement is ready by its "ready" line.
        LOG_LEVEL: workers === 1 ? 'warn' : 'info',
        AUTH_CACHE_TTL_MS: '2000',
        WORKERS: String(workers),
      });

    async function request(method: string, path: string, body?: unknown): Promise<Answer> {
      const res = await fetch(`${node!.url}${path}`, {
        method,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, text, body: text === '' ? undefined : JSON.parse(text) };
    }

    /** A request after the restart (or the replacement of a worker): must answer, within a deadline. */
    const check = (method: string, path: string, body?: unknown) => withDeadline(request(method, path, body), 10_000, `${method} ${path}`);

    /** Every active number of the project, through the list, page after page. */
    async function listAll(): Promise<Map<string, Record<string, unknown>>> {
      const rows = new Map<string, Record<string, unknown>>();
      let link: string | undefined = `${NUMBERS}?page_size=1000`;
      while (link !== undefined) {
        const res: Answer = await check('GET', link);
        assert.equal(res.status, 200, res.text);
        for (const row of res.body.data) {
          assert.deepEqual(phoneNumberProblems(row), [], `a listed row is whole: ${JSON.stringify(row)}`);
          assert.ok(!rows.has(row.id), `listed twice: ${row.id}`);
          rows.set(row.id, row);
        }
        link = res.body.links.next;
      }
      return rows;
    }

    /** Every active number of the project through the Compatibility API, page after page, by sid. */
    async function listAllCompat(): Promise<Map<string, Record<string, unknown>>> {
      const rows = new Map<string, Record<string, unknown>>();
      let link: string | null = `${COMPAT}/Accounts/${projectId}/IncomingPhoneNumbers?PageSize=1000`;
      while (link !== null) {
        const res: Answer = await check('GET', link);
        assert.equal(res.status, 200, res.text);
        for (const row of res.body.incoming_phone_numbers) {
          assert.ok(!rows.has(row.sid), `listed twice on the Compatibility API: ${row.sid}`);
          rows.set(row.sid, row);
        }
        link = res.body.next_page_uri;
      }
      return rows;
    }

    const hostKills = kills.filter((k) => k === 'host').length;
    const title =
      workers === 1
        ? `${kills.length} kill -9 and restart cycles under ${WRITERS} concurrent writers`
        : `${kills.length} cycles under ${WRITERS} concurrent writers: ${hostKills} × kill -9 of the supervisor and every worker, then a restart; ${kills.length - hostKills} × kill -9 of one worker while the other answers`;

    test(title, async (t) => {
      /** Acknowledged, active numbers by id, each owned by one writer (so one writer per number). */
      const live = new Map<string, Live>();
      const owner = new Map<string, number>();
      /** Acknowledged releases not yet checked: id → number. */
      const released = new Map<string, string>();
      let counter = 0;
      const totals = { imports: 0, updates: 0, releases: 0, inFlightAtKill: 0, reimports: 0, unavailableAfterKill: 0, unansweredAfterKill: 0, acknowledgedWhileReplacing: 0 };
      /** Every number that committed, with the names its committed updates set, in order, and whether its release committed. */
      const history = new Map<string, { number: string; names: string[]; released: boolean }>();

      node = await start();
      for (const [cycle, kill] of kills.entries()) {
        /** Set as the kill is sent: from then on a request may fail, and its operation stays pending. */
        let cut = false;
        /** Set when the writers are to send nothing more. */
        let stop = false;
        let acknowledged = 0;
        const unexpected: string[] = [];
        const pending = new Map<number, Pending>();

        const writer = async (w: number) => {
          const mine = () => [...owner].filter(([id, o]) => o === w && live.has(id)).map(([id]) => id);
          while (!stop) {
            const ids = mine();
            const roll = Math.random();
            let op: Pending;
            if (ids.length < 2 || roll < 0.45) op = { kind: 'import', number: `+15559${String(counter++).padStart(7, '0')}` };
            else if (roll < 0.85) op = { kind: 'update', id: ids[Math.floor(Math.random() * ids.length)]!, name: `c${cycle}-w${w}-${counter++}` };
            else op = { kind: 'release', id: ids[Math.floor(Math.random() * ids.length)]! };
            pending.set(w, op);
            let res: Answer;
            try {
              if (op.kind === 'import') res = await request('POST', IMPORT, { number: op.number, number_type: 'longcode' });
              else if (op.kind === 'update') res = await request('PUT', `${NUMBERS}/${op.id}`, { name: op.name });
              else res = await request('DELETE', `${NUMBERS}/${op.id}`);
            } catch (err) {
              // Only the kill may cut a request short; the operation stays pending.
              if (!cut) unexpected.push(`${JSON.stringify(op)} failed before the kill: ${String(err)}`);
              else if ((err as Error).name === 'TimeoutError') totals.unansweredAfterKill++;
              return;
            }
            if (cut && res.status === 503) {
              // A worker starting in place of the killed one: the operation stays pending, as if cut.
              totals.unavailableAfterKill++;
              return;
            }
            pending.delete(w);
            if (op.kind === 'import' && res.status === 201 && res.body.number === op.number) {
              live.set(res.body.id, { number: op.number, name: null });
              owner.set(res.body.id, w);
              history.set(res.body.id, { number: op.number, names: [], released: false });
              totals.imports++;
              acknowledged++;
            } else if (op.kind === 'update' && res.status === 200 && res.body.name === op.name) {
              live.get(op.id)!.name = op.name;
              history.get(op.id)!.names.push(op.name);
              totals.updates++;
              acknowledged++;
            } else if (op.kind === 'release' && res.status === 204) {
              released.set(op.id, live.get(op.id)!.number);
              live.delete(op.id);
              history.get(op.id)!.released = true;
              totals.releases++;
              acknowledged++;
            } else {
              unexpected.push(`${JSON.stringify(op)} answered ${res.status} ${res.text.slice(0, 300)}`);
              return;
            }
          }
        };

        const running = Array.from({ length: WRITERS }, (_, w) => writer(w));
        // The kill comes at a random moment once the cycle has written something: a first
        // request to a fresh process may take a while, and a cycle with nothing acknowledged
        // would check nothing.
        const loaded = Date.now() + 20_000;
        while (acknowledged < MIN_ACKNOWLEDGED && unexpected.length === 0) {
          assert.ok(Date.now() < loaded, `cycle ${cycle}: only ${acknowledged} writes acknowledged within 20 s`);
          await sleep(20);
        }
        await sleep(200 + Math.random() * 1000);
        if (kill === 'host') {
          cut = true;
          stop = true;
          // The server, or the supervisor and every worker at once, as a crash of the machine would.
          const { workers: killed } = await killHost(node);
          await withDeadline(Promise.all(running), 15_000, 'writers to notice the kill');
          if (workers > 1) assert.equal(killed.length, workers, `cycle ${cycle}: the kill took every worker`);
        } else {
          const supervisor = node.process.child.pid!;
          const before = workerPids(supervisor);
          assert.equal(before.length, workers, `cycle ${cycle}: every worker is there before the kill`);
          const victim = before[Math.floor(Math.random() * before.length)]!;
          cut = true;
          const atKill = acknowledged;
          process.kill(victim, 'SIGKILL');
          const after = await waitForWorkers(node, workers);
          const atReady = acknowledged;
          await sleep(300);
          stop = true;
          await withDeadline(Promise.all(running), 15_000, 'writers to stop');
          assert.ok(!after.includes(victim), `cycle ${cycle}: the killed worker ${victim} is gone`);
          assert.equal(node.process.child.exitCode, null, `cycle ${cycle}: the supervisor carries on`);
          assert.equal(after.filter((pid) => !before.includes(pid)).length, 1, `cycle ${cycle}: one new worker in its place: ${before} → ${after}`);
          assert.ok(atReady > atKill, `cycle ${cycle}: writes were acknowledged while the killed worker was replaced`);
          totals.acknowledgedWhileReplacing += atReady - atKill;
        }
        assert.deepEqual(unexpected, [], `cycle ${cycle}: every answer was the documented success (after the kill, a request may also be cut or answered 503)`);
        totals.inFlightAtKill += pending.size;

        if (kill === 'host') node = await start();

        // What was in flight may or may not have happened; find out, and adopt what did.
        for (const [w, op] of pending) {
          if (op.kind === 'import') {
            const res = await check('GET', `${NUMBERS}?filter_number=${encodeURIComponent(op.number)}`);
            assert.equal(res.status, 200);
            assert.ok(res.body.data.length <= 1, `at most one row for ${op.number}`);
            const row = res.body.data[0];
            if (row !== undefined) {
              assert.deepEqual([row.number, row.name], [op.number, null]);
              live.set(row.id, { number: op.number, name: null });
              owner.set(row.id, w);
              history.set(row.id, { number: op.number, names: [], released: false });
            }
          } else if (op.kind === 'update') {
            const res = await check('GET', `${NUMBERS}/${op.id}`);
            assert.equal(res.status, 200, `${op.id} was never released: ${res.text}`);
            const acknowledged = live.get(op.id)!.name;
            assert.ok(res.body.name === acknowledged || res.body.name === op.name, `name ${res.body.name}: neither the acknowledged ${acknowledged} nor the in-flight ${op.name}`);
            live.get(op.id)!.name = res.body.name;
            if (res.body.name === op.name) history.get(op.id)!.names.push(op.name);
          } else {
            const res = await check('GET', `${NUMBERS}/${op.id}`);
            assert.ok(res.status === 200 || res.status === 404, res.text);
            if (res.status === 404) {
              released.set(op.id, live.get(op.id)!.number);
              live.delete(op.id);
              history.get(op.id)!.released = true;
            } else assert.equal(res.body.name, live.get(op.id)!.name);
          }
        }

        // Every acknowledged import is there, whole, with the last acknowledged name.
        for (const [id, expected] of live) {
          const res = await check('GET', `${NUMBERS}/${id}`);
          assert.equal(res.status, 200, `cycle ${cycle}: acknowledged ${expected.number} (${id}) is gone: ${res.text}`);
          assert.deepEqual(phoneNumberProblems(res.body), [], `cycle ${cycle}: ${id} is whole`);
          assert.deepEqual([res.body.number, res.body.name], [expected.number, expected.name], `cycle ${cycle}: ${id}`);
        }
        // The list holds exactly those: nothing lost, nothing nobody acknowledged or sent.
        const listed = await listAll();
        assert.deepEqual([...listed.keys()].sort(), [...live.keys()].sort(), `cycle ${cycle}: the list is exactly the acknowledged numbers`);
        for (const [id, row] of listed) assert.equal(row.name, live.get(id)!.name);
        // The Compatibility API, whose view of a number is stored beside the row, lists the same.
        const compat = await listAllCompat();
        assert.deepEqual([...compat.keys()].sort(), [...live.keys()].sort(), `cycle ${cycle}: the Compatibility list is exactly the acknowledged numbers`);
        for (const [sid, row] of compat) {
          const expected = live.get(sid)!;
          assert.deepEqual([row.phone_number, row.friendly_name], [expected.number, expected.name ?? readable(expected.number)], `cycle ${cycle}: ${sid} on the Compatibility API`);
        }
        // Every acknowledged release is gone, and its number is free: import it again.
        for (const [id, number] of released) {
          const gone = await check('GET', `${NUMBERS}/${id}`);
          assert.equal(gone.status, 404, `cycle ${cycle}: released ${number} (${id}) is back: ${gone.text}`);
          const again = await check('POST', IMPORT, { number, number_type: 'longcode' });
          assert.equal(again.status, 201, `cycle ${cycle}: released ${number} is not free: ${again.text}`);
          live.set(again.body.id, { number, name: null });
          owner.set(again.body.id, Math.floor(Math.random() * WRITERS));
          history.set(again.body.id, { number, names: [], released: false });
          totals.reimports++;
        }
        released.clear();
      }

      // The audit trail: one record per committed change, none for a change that did not commit.
      const cli = spawnNumberspace(['audit', '--project', projectId, '--json'], { DATABASE_URL: db.url });
      assert.equal(await withDeadline(cli.exited, 30_000, 'numberspace audit'), 0, cli.stderr());
      const events = JSON.parse(cli.stdout()) as { action: string; resource_id: string; summary: { number?: string; changed?: { name?: string } } }[];
      const trail = new Map<string, { imported: string[]; names: string[]; released: number }>();
      for (const e of events.filter((x) => x.action.startsWith('number.'))) {
        const entry = trail.get(e.resource_id) ?? { imported: [], names: [], released: 0 };
        trail.set(e.resource_id, entry);
        if (e.action === 'number.imported') entry.imported.push(e.summary.number!);
        else if (e.action === 'number.updated') entry.names.push(e.summary.changed?.name ?? '(no name)');
        else if (e.action === 'number.released') entry.released++;
      }
      assert.deepEqual([...trail.keys()].sort(), [...history.keys()].sort(), 'a number in the trail for every committed import, and no other');
      for (const [id, h] of history) {
        assert.deepEqual(trail.get(id), { imported: [h.number], names: h.names, released: h.released ? 1 : 0 }, `the trail of ${h.number} (${id})`);
      }
      t.diagnostic(`acknowledged: ${JSON.stringify(totals)}; active at the end: ${live.size}; audit records: ${events.length}`);
    });
  });
}
