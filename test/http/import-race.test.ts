/**
 * The one-active-number rule under contention, through the real server on the configured
 * store: 50 concurrent imports of one number from several projects give exactly one 201 and
 * 49 × 422 number_taken, never a 5xx; the winner alone holds the number; after its release,
 * the next race again has exactly one winner.
 *
 * Run twice: against one server (in this process), and against `numberspace serve` with two
 * workers, every import on a connection of its own so node:cluster spreads the racers over
 * both processes and the database alone decides; the access log shows that both workers
 * answered racers in every race (for each number, when one number is raced at a time).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SCOPES } from '../../src/domain/scopes.js';
import { openStore } from '../../src/storage/store.js';
import { createProject, createSpace, issueToken, type TenancyDeps } from '../../src/tenancy/tenancy-service.js';
import { freshDatabase } from '../helpers/backends.js';
import { errorBodyProblems, phoneNumberProblems, withDeadline } from '../helpers/contract-shapes.js';
import { answeredBy, requestOnce, startServe } from '../helpers/serve-process.js';
import { basic, startServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const TAKEN = JSON.stringify({ errors: [{ detail: 'Number has already been taken', status: '422', title: 'Invalid Attribute', code: 'number_taken' }] });
const RACERS = 50;

interface Tenant {
  readonly auth: string;
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly body: any;
  /** With workers: the x-request-id it was sent with, to find in the access log which worker answered. */
  readonly reqId?: string;
}

/** A running server the races go to, with six projects: five Spaces, two projects sharing one. */
interface Target {
  readonly tenants: Tenant[];
  request(method: string, path: string, auth: string, body?: unknown): Promise<Answer>;
  /** With workers: checks that the answers to these request ids came from both workers. */
  spreadOverWorkers?(reqIds: string[], label: string): Promise<void>;
  close(): Promise<void>;
}

/** The test server of the other HTTP suites: buildApp listening in this process. */
async function inProcess(): Promise<Target> {
  const server = await startServer();
  const first = await server.addTenant();
  const tenants = [first, await server.addTenant({ spaceId: first.spaceId }), await server.addTenant(), await server.addTenant(), await server.addTenant(), await server.addTenant()];
  return {
    tenants,
    request: (method, path, auth, body) => server.request(method, path, { auth, ...(body === undefined ? {} : { body }) }),
    close: () => server.close(),
  };
}

/** `numberspace serve` with WORKERS=2 on a fresh database; projects made through the store as an operator's command would. */
async function twoWorkers(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'numberspace-race-'));
  const db = await freshDatabase(dir);
  const projectId = randomUUID();
  const token = `PTrace${randomBytes(16).toString('hex')}`;
  const serve = await startServe({ DATABASE_URL: db.url, SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token, LOG_LEVEL: 'info', WORKERS: '2' });
  const store = openStore(db.url, { poolSize: 2 });
  const deps: TenancyDeps = { store: store.tenancy, clock: () => new Date(), newId: () => randomUUID() };
  const tenant = async (spaceId?: string) => {
    const space = spaceId ?? (await createSpace(deps, `space-${randomUUID()}`, true)).id;
    const project = await createProject(deps, space, 'racer');
    const { secret } = await issueToken(deps, project.id, 'racer', SCOPES);
    return { spaceId: space, auth: basic(project.id, secret) };
  };
  const first = await tenant();
  const tenants = [first, await tenant(first.spaceId), await tenant(), await tenant(), await tenant(), await tenant()];
  return {
    tenants,
    async request(method, path, auth, body) {
      const reqId = `race-${randomUUID()}`;
      const res = await requestOnce(serve.url, method, path, {
        headers: { authorization: auth, 'x-request-id': reqId },
        timeoutMs: 20_000,
        ...(body === undefined ? {} : { body }),
      });
      return { ...res, reqId };
    },
    async spreadOverWorkers(reqIds, label) {
      const pids = new Set((await answeredBy(serve, reqIds)).values());
      assert.equal(pids.size, 2, `${label}: the racers were answered by both workers`);
    },
    async close() {
      const p = serve.process;
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
      await store.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const [label, start] of [
  ['one server', inProcess],
  ['serve --workers 2', twoWorkers],
] as const) {
  describe(`import race (${label}): 50 concurrent imports of one number`, () => {
    let target: Target;
    let tenants: Tenant[];
    before(async () => {
      target = await start();
      tenants = target.tenants;
    });
    after(() => target?.close());

    const post = (tenant: Tenant, body: unknown) => withDeadline(target.request('POST', IMPORT, tenant.auth, body), 20_000, `import ${JSON.stringify(body)}`);

    /** Launches every racer for each number at once; returns the answers by number, each with the tenant that sent it. */
    async function race(numbers: string[]): Promise<Map<string, { tenant: Tenant; res: Answer }[]>> {
      const launched = numbers.flatMap((number, n) =>
        Array.from({ length: RACERS }, (_, i) => {
          const tenant = tenants[(i + n) % tenants.length]!;
          // The same number written with and without '+', as either type, with various capabilities.
          const body = {
            number: i % 3 === 0 ? number.slice(1) : number,
            number_type: i % 2 === 0 ? 'longcode' : 'tollfree',
            ...(i % 4 === 0 ? {} : { capabilities: [['sms'], ['voice', 'fax'], ['mms', 'mms']][i % 3]! }),
          };
          return post(tenant, body).then((res) => ({ number, tenant, res }));
        }),
      );
      const byNumber = new Map<string, { tenant: Tenant; res: Answer }[]>(numbers.map((n) => [n, []]));
      const answers = await Promise.all(launched);
      for (const { number, tenant, res } of answers) byNumber.get(number)!.push({ tenant, res });
      // Over the whole race rather than per number: node:cluster hands a burst of connections
      // to whichever worker is free, so one number's 50 among 500 may all land on one.
      await target.spreadOverWorkers?.(
        answers.map((a) => a.res.reqId!),
        numbers.length === 1 ? numbers[0]! : `${numbers.length} numbers at once`,
      );
      return byNumber;
    }

    /** Exactly one 201 and 49 exact number_taken answers; the winner holds the number, nobody else. Returns the winner. */
    async function assertOneWinner(number: string, answers: { tenant: Tenant; res: Answer }[]) {
      for (const { res } of answers) {
        assert.ok(res.status < 500, `${number}: ${res.status} ${res.text}`);
        if (res.status !== 201) assert.deepEqual(errorBodyProblems('POST', res.status, res.text), []);
      }
      const statuses = answers.map((a) => a.res.status).sort();
      assert.deepEqual(statuses, [201, ...Array<number>(RACERS - 1).fill(422)], `${number}: ${JSON.stringify(statuses)}`);
      for (const { res } of answers.filter((a) => a.res.status === 422)) assert.equal(res.text, TAKEN);
      const winner = answers.find((a) => a.res.status === 201)!;
      assert.deepEqual(phoneNumberProblems(winner.res.body), []);
      assert.equal(winner.res.body.number, number);
      const got = await target.request('GET', `${NUMBERS}/${winner.res.body.id}`, winner.tenant.auth);
      assert.deepEqual([got.status, got.body], [200, winner.res.body]);
      for (const tenant of tenants) {
        const listed = await target.request('GET', `${NUMBERS}?filter_number=${encodeURIComponent(number)}`, tenant.auth);
        assert.equal(listed.status, 200);
        const ids = listed.body.data.map((n: { id: string }) => n.id);
        assert.deepEqual(ids, tenant === winner.tenant ? [winner.res.body.id] : [], `${number} is held by the winner's project alone`);
      }
      return winner;
    }

    test('10 numbers, one race after another: one 201 and 49 × 422 number_taken each, never a 5xx', async () => {
      for (let i = 0; i < 10; i++) {
        const number = `+1555600${String(i).padStart(4, '0')}`;
        const answers = (await race([number])).get(number)!;
        await assertOneWinner(number, answers);
      }
    });

    test('10 numbers raced at the same time (500 imports at once): one winner each', async () => {
      const numbers = Array.from({ length: 10 }, (_, i) => `+1555601${String(i).padStart(4, '0')}`);
      for (const [number, answers] of await race(numbers)) await assertOneWinner(number, answers);
    });

    test('released winners free their numbers: the next race again has exactly one winner, under a new id', async () => {
      const numbers = Array.from({ length: 10 }, (_, i) => `+1555602${String(i).padStart(4, '0')}`);
      const first = new Map<string, { tenant: Tenant; res: Answer }>();
      for (const [number, answers] of await race(numbers)) first.set(number, await assertOneWinner(number, answers));
      for (const { tenant, res } of first.values()) {
        const released = await target.request('DELETE', `${NUMBERS}/${res.body.id}`, tenant.auth);
        assert.equal(released.status, 204);
      }
      for (const [number, answers] of await race(numbers)) {
        const winner = await assertOneWinner(number, answers);
        assert.notEqual(winner.res.body.id, first.get(number)!.res.body.id);
      }
    });
  });
}
