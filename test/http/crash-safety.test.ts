/**
 * Crash safety: the real server, under a concurrent load of imports, updates and releases,
 * is killed with SIGKILL at a random moment, restarted on the same database, and checked:
 * every acknowledged import is there, every acknowledged update shows (or the one that was
 * in flight when the process died), every acknowledged release is gone and its number free,
 * nothing appears that nobody sent, and every row is whole. Several cycles on one database.
 * At the end the audit trail holds exactly one record per change that committed: a change
 * and its record commit or vanish together. Runs on SQLite (npm test) and PostgreSQL
 * (npm run test:pg).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { phoneNumberProblems, withDeadline } from '../helpers/contract-shapes.js';
import { spawnNumberspace } from '../helpers/process.js';
import { type ServeProcess, startServe } from '../helpers/serve-process.js';
import { basic } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const CYCLES = 6;
const WORKERS = 16;

interface Live {
  readonly number: string;
  /** The last acknowledged name. */
  name: string | null;
}

/** What a worker had sent and not yet seen answered when the process died. */
type Pending =
  | { readonly kind: 'import'; readonly number: string }
  | { readonly kind: 'update'; readonly id: string; readonly name: string }
  | { readonly kind: 'release'; readonly id: string };

interface Answer {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

describe('crash safety: SIGKILL under load loses no acknowledged write and leaves no half-written row', () => {
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
    startServe({ DATABASE_URL: db.url, SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token, LOG_LEVEL: 'warn', AUTH_CACHE_TTL_MS: '2000' });

  async function request(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${node!.url}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, body: text === '' ? undefined : JSON.parse(text) };
  }

  /** A request after the restart: must answer, within a deadline. */
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

  test(`${CYCLES} kill -9 and restart cycles under ${WORKERS} concurrent writers`, async (t) => {
    /** Acknowledged, active numbers by id, each owned by one worker (so one writer per number). */
    const live = new Map<string, Live>();
    const owner = new Map<string, number>();
    /** Acknowledged releases not yet checked: id → number. */
    const released = new Map<string, string>();
    let counter = 0;
    const totals = { imports: 0, updates: 0, releases: 0, inFlightAtKill: 0, reimports: 0 };
    /** Every number that committed, with the names its committed updates set, in order, and whether its release committed. */
    const history = new Map<string, { number: string; names: string[]; released: boolean }>();

    node = await start();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      let killed = false;
      const unexpected: string[] = [];
      const pending = new Map<number, Pending>();

      const worker = async (w: number) => {
        const mine = () => [...owner].filter(([id, o]) => o === w && live.has(id)).map(([id]) => id);
        while (!killed) {
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
            if (!killed) unexpected.push(`${JSON.stringify(op)} failed before the kill: ${String(err)}`);
            return;
          }
          pending.delete(w);
          if (op.kind === 'import' && res.status === 201 && res.body.number === op.number) {
            live.set(res.body.id, { number: op.number, name: null });
            owner.set(res.body.id, w);
            history.set(res.body.id, { number: op.number, names: [], released: false });
            totals.imports++;
          } else if (op.kind === 'update' && res.status === 200 && res.body.name === op.name) {
            live.get(op.id)!.name = op.name;
            history.get(op.id)!.names.push(op.name);
            totals.updates++;
          } else if (op.kind === 'release' && res.status === 204) {
            released.set(op.id, live.get(op.id)!.number);
            live.delete(op.id);
            history.get(op.id)!.released = true;
            totals.releases++;
          } else {
            unexpected.push(`${JSON.stringify(op)} answered ${res.status} ${res.text.slice(0, 300)}`);
            return;
          }
        }
      };

      const running = Array.from({ length: WORKERS }, (_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
      killed = true;
      const dying = node.process;
      dying.child.kill('SIGKILL');
      await dying.exited;
      await withDeadline(Promise.all(running), 15_000, 'workers to notice the kill');
      assert.deepEqual(unexpected, [], `cycle ${cycle}: every answer before the kill was the documented success`);
      totals.inFlightAtKill += pending.size;

      node = await start();

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
      // Every acknowledged release is gone, and its number is free: import it again.
      for (const [id, number] of released) {
        const gone = await check('GET', `${NUMBERS}/${id}`);
        assert.equal(gone.status, 404, `cycle ${cycle}: released ${number} (${id}) is back: ${gone.text}`);
        const again = await check('POST', IMPORT, { number, number_type: 'longcode' });
        assert.equal(again.status, 201, `cycle ${cycle}: released ${number} is not free: ${again.text}`);
        live.set(again.body.id, { number, name: null });
        owner.set(again.body.id, Math.floor(Math.random() * WORKERS));
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
