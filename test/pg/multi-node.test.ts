/**
 * Several numberspace processes over one PostgreSQL database, as behind a load balancer.
 * Run by `npm run test:pg`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { freshDatabase, type FreshDatabase, PG_ADMIN_URL } from '../helpers/backends.js';
import { listeningUrl, type RunningProcess, spawnNumberspace, waitForOutput } from '../helpers/process.js';
import { basic } from '../helpers/server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const AUTH_TTL_MS = 1000;

interface Node {
  readonly url: string;
  readonly process: RunningProcess;
}

async function startNode(databaseUrl: string, env: Record<string, string> = {}, readyMarker = '"msg":"ready"'): Promise<Node> {
  const p = spawnNumberspace(['serve'], { PORT: '0', DATABASE_URL: databaseUrl, AUTH_CACHE_TTL_MS: String(AUTH_TTL_MS), ...env });
  const out = await waitForOutput(p, (o) => o.includes(readyMarker), 30_000);
  return { url: listeningUrl(out), process: p };
}

async function stopNode(node: Node): Promise<void> {
  node.process.child.kill('SIGTERM');
  assert.equal(await node.process.exited, 0, node.process.stderr());
}

/** A connection string for the test schema with an application name, so its backends can be found and killed. */
function tagged(url: string, applicationName: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', applicationName);
  return u.toString();
}

const post = (url: string, auth: string, body: unknown) =>
  fetch(`${url}${IMPORT}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('several nodes over one PostgreSQL database', () => {
  let db: FreshDatabase;
  let nodes: Node[] = [];
  let auth = '';
  const projectId = crypto.randomUUID();
  const token = `PTmultinode${crypto.randomUUID().replace(/-/g, '')}`;
  const appName = `ns-multinode-${crypto.randomUUID().slice(0, 8)}`;

  before(async () => {
    db = await freshDatabase('');
  });
  after(async () => {
    await Promise.all(nodes.map((n) => stopNode(n).catch(() => n.process.child.kill('SIGKILL'))));
    await db.drop();
  });

  test('three nodes started at once on an empty database: one migrates, all serve, one bootstrap', async () => {
    const url = tagged(db.url, appName);
    nodes = await Promise.all(
      [0, 1, 2].map(() => startNode(url, { SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token })),
    );
    auth = basic(projectId, token);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const migrations = await client.query('select name from kysely_migration order by name');
      assert.deepEqual(migrations.rows.map((r) => r.name), Object.keys(await migrationProvider.getMigrations()).sort());
      assert.equal((await client.query('select count(*)::int as n from spaces')).rows[0].n, 1);
      assert.equal((await client.query('select count(*)::int as n from api_tokens')).rows[0].n, 1);
    } finally {
      await client.end();
    }
    for (const n of nodes) {
      assert.equal((await fetch(`${n.url}/readyz`)).status, 200);
      assert.equal((await fetch(`${n.url}/healthz`)).status, 200);
    }
  });

  test('50 concurrent imports of one number spread over the nodes give exactly one 201', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(nodes[i % nodes.length]!.url, auth, { number: '+15551110000', number_type: 'longcode' })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array<number>(49).fill(422)]);
  });

  test('an imported number keeps both renderings inline and uncompressed (migration 011)', async () => {
    const created = await post(nodes[0]!.url, auth, { number: '+15551110001', number_type: 'longcode' });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `select pg_column_compression(wire) as wire, pg_column_compression(compat_wire) as compat, octet_length(wire) + octet_length(compat_wire) as bytes,
                (select reloptions from pg_class where oid = 'phone_numbers'::regclass) as options
         from phone_numbers where id = $1`,
        [id],
      );
      assert.equal(rows.length, 1);
      // Past about 2 KB PostgreSQL would compress the longest value unless told otherwise.
      assert.ok(rows[0].bytes > 2100, `both renderings together are ${rows[0].bytes} bytes`);
      assert.deepEqual([rows[0].wire, rows[0].compat, rows[0].options], [null, null, ['toast_tuple_target=8160']]);
    } finally {
      await client.end();
    }
  });

  test('a pagination walk that alternates nodes sees every number once', async () => {
    const created = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const res = await post(nodes[i % 2]!.url, auth, { number: `+1555112${String(i).padStart(4, '0')}`, number_type: 'longcode' });
      assert.equal(res.status, 201);
      created.add(((await res.json()) as { id: string }).id);
    }
    const seen: string[] = [];
    let link: string | undefined = `${NUMBERS}?page_size=7`;
    for (let hop = 0; link !== undefined; hop++) {
      const res: Response = await fetch(`${nodes[hop % nodes.length]!.url}${link}`, { headers: { authorization: auth } });
      assert.equal(res.status, 200, await res.clone().text());
      const page = (await res.json()) as { links: { next?: string }; data: { id: string }[] };
      seen.push(...page.data.map((d) => d.id));
      link = page.links.next;
    }
    assert.equal(seen.length, new Set(seen).size, 'no number twice');
    for (const id of created) assert.ok(seen.includes(id), `missing ${id}`);
  });

  test(`a token revoked on one node is refused by the others within ${AUTH_TTL_MS} ms`, async () => {
    // A second token, used (and so cached) on every node, then revoked through the CLI on the shared database.
    const create = spawnNumberspace(['tokens', 'create', '--project', projectId, '--scopes', 'numbers', '--json'], { DATABASE_URL: db.url });
    assert.equal(await create.exited, 0, create.stderr());
    const [issued] = JSON.parse(create.stdout()) as { id: string; secret: string }[];
    const second = basic(projectId, issued!.secret);
    for (const n of nodes) assert.equal((await fetch(`${n.url}${NUMBERS}`, { headers: { authorization: second } })).status, 200);

    const revoke = spawnNumberspace(['tokens', 'revoke', issued!.id], { DATABASE_URL: db.url });
    assert.equal(await revoke.exited, 0, revoke.stderr());
    const revokedAt = Date.now();
    const refusedAfter = await Promise.all(
      nodes.map(async (n) => {
        for (;;) {
          const res = await fetch(`${n.url}${NUMBERS}`, { headers: { authorization: second } });
          if (res.status === 401) return Date.now() - revokedAt;
          assert.equal(res.status, 200);
          if (Date.now() - revokedAt > 10_000) return Infinity;
          await new Promise((r) => setTimeout(r, 25));
        }
      }),
    );
    // The bound is the cache TTL; allow scheduling slack on a loaded machine.
    for (const ms of refusedAfter) assert.ok(ms <= AUTH_TTL_MS + 500, `refused after ${ms} ms`);
  });

  test(`a token deleted through the API is refused at once by the node that deleted it, by the others within ${AUTH_TTL_MS} ms`, async () => {
    const [a, ...others] = nodes as [Node, ...Node[]];
    const created = await fetch(`${a.url}/api/project/tokens`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'short-lived', permissions: ['numbers', 'management'] }),
    });
    assert.equal(created.status, 200);
    const issued = (await created.json()) as { id: string; token: string };
    const doomed = basic(projectId, issued.token);
    // Used, and so cached, on every node, the deleting one included.
    for (const n of nodes) assert.equal((await fetch(`${n.url}${NUMBERS}`, { headers: { authorization: doomed } })).status, 200);

    // The token deletes itself: allowed, and the request that does so completes.
    const deleted = await fetch(`${a.url}/api/project/tokens/${issued.id}`, { method: 'DELETE', headers: { authorization: doomed } });
    assert.equal(deleted.status, 204);
    const deletedAt = Date.now();
    assert.equal((await fetch(`${a.url}${NUMBERS}`, { headers: { authorization: doomed } })).status, 401, 'the deleting node forgets it at once');
    const refusedAfter = await Promise.all(
      others.map(async (n) => {
        for (;;) {
          const res = await fetch(`${n.url}${NUMBERS}`, { headers: { authorization: doomed } });
          if (res.status === 401) return Date.now() - deletedAt;
          assert.equal(res.status, 200);
          if (Date.now() - deletedAt > 10_000) return Infinity;
          await new Promise((r) => setTimeout(r, 25));
        }
      }),
    );
    for (const ms of refusedAfter) assert.ok(ms <= AUTH_TTL_MS + 500, `refused after ${ms} ms`);
  });

  test('one Idempotency-Key sent to every node at once imports once; the others answer 409 or the replay', async () => {
    const key = `multi-${crypto.randomUUID()}`;
    const number = '+15552339001';
    const answers = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const res = await fetch(`${nodes[i % nodes.length]!.url}${IMPORT}`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ number, number_type: 'longcode' }),
        });
        return { status: res.status, replayed: res.headers.get('idempotent-replayed'), text: await res.text() };
      }),
    );
    const fresh = answers.filter((a) => a.status === 201 && a.replayed === null);
    assert.equal(fresh.length, 1, JSON.stringify(answers.map((a) => a.status)));
    for (const a of answers) assert.ok(a.status === 409 || (a.status === 201 && a.text === fresh[0]!.text), `${a.status} ${a.text}`);
    // Afterwards every node replays it.
    for (const n of nodes) {
      const res = await fetch(`${n.url}${IMPORT}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ number, number_type: 'longcode' }) });
      assert.deepEqual([res.status, res.headers.get('idempotent-replayed'), await res.text()], [201, 'true', fresh[0]!.text]);
    }
    const listed = await fetch(`${nodes[0]!.url}${NUMBERS}?filter_number=${encodeURIComponent(number)}`, { headers: { authorization: auth } });
    assert.equal(((await listed.json()) as { data: unknown[] }).data.length, 1);
  });

  test('killing PostgreSQL connections mid-load loses no acknowledged import, answers no 500, and the nodes recover', async () => {
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    let stop = false;
    let n = 0;
    const worker = async (w: number) => {
      while (!stop) {
        const number = `+1555222${String(n++).padStart(4, '0')}`;
        const res = await post(nodes[w % nodes.length]!.url, auth, { number, number_type: 'longcode' }).catch(() => undefined);
        if (res === undefined) continue;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
        else await res.arrayBuffer();
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    let killed = 0;
    try {
      for (let round = 0; round < 5; round++) {
        await new Promise((r) => setTimeout(r, 300));
        const res = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [appName]);
        killed += res.rowCount ?? 0;
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      stop = true;
      await Promise.all(workers);
      await admin.end();
    }
    assert.ok(killed > 0, 'connections were killed');
    assert.equal(statuses.get(500) ?? 0, 0, `statuses: ${JSON.stringify([...statuses])}`);
    assert.ok([...statuses.keys()].every((s) => s === 201 || s === 503), `statuses: ${JSON.stringify([...statuses])}`);
    assert.ok(acknowledged.length > 0);

    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const stored = await check.query('select id from phone_numbers where id = any($1) and released_at is null', [acknowledged]);
      assert.equal(stored.rowCount, acknowledged.length, 'every acknowledged import is stored');
    } finally {
      await check.end();
    }
    // Recovered: every node imports again.
    for (const [i, node] of nodes.entries()) {
      const res = await post(node.url, auth, { number: `+1555333000${i}`, number_type: 'longcode' });
      assert.equal(res.status, 201);
    }
  });
});

describe('a node whose database is unreachable', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase('');
  });
  after(() => db.drop());

  test('starts anyway, answers 503 with Retry-After, and becomes ready on its own when PostgreSQL is back', async () => {
    const target = new URL(PG_ADMIN_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const projectId = crypto.randomUUID();
    const token = 'PTunreachable';
    const auth = basic(projectId, token);
    const node = await startNode(viaProxy.toString(), { SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token, LOG_LEVEL: 'info' }, 'Server listening');
    try {
      assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${node.url}/readyz`)).status, 503);
      const refused = await post(node.url, auth, { number: '+15554440000', number_type: 'longcode' });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(await refused.text(), '{"error":"Service Unavailable"}');

      await proxy.up();
      await waitForOutput(node.process, (o) => o.includes('"msg":"ready"'), 15_000);
      assert.equal((await fetch(`${node.url}/readyz`)).status, 200);
      assert.equal((await post(node.url, auth, { number: '+15554440001', number_type: 'longcode' })).status, 201);

      // An outage mid-run: 503s (never 500), not ready; then recovery without a restart.
      await proxy.down();
      const during = await post(node.url, auth, { number: '+15554440002', number_type: 'longcode' });
      assert.equal(during.status, 503, await during.clone().text());
      assert.equal((await fetch(`${node.url}/readyz`)).status, 503);
      await proxy.up();
      let recovered = 0;
      for (let i = 0; i < 100 && recovered === 0; i++) {
        const res = await post(node.url, auth, { number: '+15554440003', number_type: 'longcode' });
        if (res.status === 201) recovered = 1;
        else {
          assert.equal(res.status, 503);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.equal(recovered, 1, 'the node recovered');
      assert.equal((await fetch(`${node.url}/readyz`)).status, 200);
    } finally {
      await stopNode(node);
      await proxy.close();
    }
  });

  test('refuses to serve a database migrated by a newer numberspace', async () => {
    const first = await startNode(db.url);
    await stopNode(first);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("insert into kysely_migration (name, timestamp) values ('999-from-the-future', now()::text)");
    } finally {
      await client.end();
    }
    const p = spawnNumberspace(['serve'], { PORT: '0', DATABASE_URL: db.url });
    assert.equal(await p.exited, 1);
    assert.match(p.stderr(), /database schema is newer than this numberspace \(it has migration 999-from-the-future/);
  });
});
