import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { listeningUrl, spawnNumberspace, waitForOutput } from '../helpers/process.js';
import { basic } from '../helpers/server.js';

const PATH = '/api/relay/rest/imported_phone_numbers';

const importNumber = (url: string, auth: string, number: string) =>
  fetch(`${url}${PATH}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ number, number_type: 'longcode' }),
  });

async function stop(p: ReturnType<typeof spawnNumberspace>): Promise<number | null> {
  p.child.kill('SIGTERM');
  return p.exited;
}

describe('numberspace serve: first start, restart, shutdown', () => {
  let dir: string;
  let db: FreshDatabase;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-proc-'));
    db = await freshDatabase(dir);
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  let projectId = '';
  let token = '';

  test('first start on an empty database prints credentials once and a curl command that works', async () => {
    const p = spawnNumberspace(['serve'], { PORT: '0', DATABASE_URL: db.url, LOG_LEVEL: 'info' });
    try {
      const out = await waitForOutput(p, (o) => o.includes('"msg":"ready"'));
      projectId = /SIGNALWIRE_PROJECT_ID=([0-9a-f-]{36})/.exec(out)![1]!;
      token = /SIGNALWIRE_API_TOKEN=(PT[0-9a-f]{48})/.exec(out)![1]!;
      const url = listeningUrl(out);
      const curl = out.split('\n').filter((l) => l.includes('curl') || l.includes(' -d ')).join('\n');
      assert.ok(curl.includes(`-u '${projectId}:${token}'`), curl);
      assert.ok(curl.includes(`${url}${PATH}`), curl);
      // Run what the printed command sends.
      const body = /-d '([^']+)'/.exec(curl)![1]!;
      const res = await fetch(`${url}${PATH}`, {
        method: 'POST',
        headers: { authorization: basic(projectId, token), 'content-type': 'application/json' },
        body,
      });
      assert.equal(res.status, 201, await res.clone().text());
      assert.equal((await res.json()).number, '+15558675309');
    } finally {
      assert.equal(await stop(p), 0, p.stderr());
    }
  });

  test('a restart keeps the data and the credentials and prints no secret', async () => {
    const p = spawnNumberspace(['serve'], { PORT: '0', DATABASE_URL: db.url });
    try {
      const out = await waitForOutput(p, (o) => o.includes('"msg":"ready"'));
      assert.doesNotMatch(out, /SIGNALWIRE_API_TOKEN=/);
      const res = await importNumber(listeningUrl(out), basic(projectId, token), '+15558675309');
      assert.equal(res.status, 422, 'the number imported before the restart is still there');
    } finally {
      assert.equal(await stop(p), 0);
    }
  });

  test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
    const p = spawnNumberspace(['serve'], { PORT: '0', DATABASE_URL: db.url, LOG_LEVEL: 'info' });
    const out = await waitForOutput(p, (o) => o.includes('"msg":"ready"'));
    const url = listeningUrl(out);
    const inFlight = Array.from({ length: 20 }, (_, i) => importNumber(url, basic(projectId, token), `+1555060${String(i).padStart(4, '0')}`));
    p.child.kill('SIGTERM');
    const statuses = await Promise.all(inFlight.map((r) => r.then((x) => x.status).catch(() => 'refused')));
    assert.equal(await p.exited, 0);
    assert.match(p.stdout(), /"msg":"stopped"/);
    // Requests the server accepted before the signal were answered, not dropped; later ones
    // were refused (connection closed) or told to retry (503), never failed.
    assert.ok(statuses.every((s) => s === 201 || s === 503 || s === 'refused'), JSON.stringify(statuses));
  });
});

describe('numberspace serve: credentials from the environment', () => {
  let dir: string;
  let db: FreshDatabase;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-proc-'));
    db = await freshDatabase(dir);
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGNALWIRE_PROJECT_ID and SIGNALWIRE_API_TOKEN become the first project and token', async () => {
    const projectId = crypto.randomUUID();
    const token = 'PTmy-own-dev-token';
    const p = spawnNumberspace(['serve'], { PORT: '0', DATABASE_URL: db.url, SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: token });
    try {
      const out = await waitForOutput(p, (o) => o.includes('"msg":"ready"'));
      assert.ok(!out.includes(token), 'a token the operator chose is never printed');
      assert.ok(out.includes(`SIGNALWIRE_PROJECT_ID=${projectId}`));
      const res = await importNumber(listeningUrl(out), basic(projectId, token), '+15550700700');
      assert.equal(res.status, 201);
    } finally {
      assert.equal(await stop(p), 0);
    }
  });

  test('invalid configuration exits 2 naming the variable', async () => {
    const p = spawnNumberspace(['serve'], { PORT: 'eighty', DATABASE_URL: db.url, SIGNALWIRE_PROJECT_ID: 'not-a-uuid', SIGNALWIRE_API_TOKEN: 'x' });
    assert.equal(await p.exited, 2);
    assert.match(p.stderr(), /PORT must be an integer/);
    assert.match(p.stderr(), /SIGNALWIRE_PROJECT_ID must be a UUID/);
  });
});
