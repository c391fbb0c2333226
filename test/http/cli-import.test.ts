/**
 * `numberspace import FILE.csv` against a live `numberspace serve`, both real processes:
 * a 10,000-row carrier file with a handful of bad rows, killed mid-run and run again, ends
 * with every valid number imported exactly once and a complete results file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { listeningUrl, type RunningProcess, spawnNumberspace, waitForOutput } from '../helpers/process.js';
import { basic } from '../helpers/server.js';

const PROJECT = '5d0c2b7e-41aa-4c3e-9f10-2b6e8d7a9c01';
const TOKEN = 'PT' + 'ab'.repeat(24);
const AUTH = basic(PROJECT, TOKEN);

interface ResultRow {
  row: string;
  number: string;
  outcome: string;
  id: string;
  error: string;
}

describe('numberspace import', () => {
  let dir: string;
  let db: FreshDatabase;
  let server: RunningProcess;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-import-'));
    db = await freshDatabase(dir);
    server = spawnNumberspace(['serve'], {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      LOG_LEVEL: 'info',
      SIGNALWIRE_PROJECT_ID: PROJECT,
      SIGNALWIRE_API_TOKEN: TOKEN,
      // The project's rate limit, changed by a test below, applies from the next request.
      AUTH_CACHE_TTL_MS: '0',
    });
    url = listeningUrl(await waitForOutput(server, (o) => o.includes('"msg":"ready"'), 30_000));
  });

  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnNumberspace(['import', ...args], { SIGNALWIRE_PROJECT_ID: PROJECT, SIGNALWIRE_API_TOKEN: TOKEN, ...env });
  const results = (file: string) => parse(readFileSync(file), { columns: true }) as ResultRow[];
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: AUTH } });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** Every active number of the project, by walking the listing. */
  const inventory = async () => {
    const all: { id: string; number: string; name: string | null }[] = [];
    let path: string | undefined = '/api/relay/rest/phone_numbers?page_size=1000';
    while (path !== undefined) {
      const page = await get(path);
      all.push(...page.body.data);
      path = page.body.links.next;
    }
    return all;
  };
  const importsSoFar = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = /numberspace_http_requests_total\{method="POST",route="\/api\/relay\/rest\/imported_phone_numbers",status="201"\} (\d+)/.exec(text);
    return m === null ? 0 : Number(m[1]);
  };

  test('10,000 rows with bad ones, killed mid-run and run again: every valid number exactly once, every row in the results', async () => {
    const lines = ['number,number_type,capabilities'];
    const valid = new Set<string>();
    const expected = new Map<number, string>();
    for (let i = 0; lines.length <= 10_000; i++) {
      const row = lines.length;
      if (row % 2000 === 17) {
        lines.push(`+1555${'x'.repeat(7)},longcode,`);
        expected.set(row, 'rejected');
      } else if (row % 2500 === 33) {
        lines.push('+18005550123,longcode,sms');
        expected.set(row, 'rejected');
      } else if (row % 3000 === 41) {
        // A repeat of an earlier row of the file.
        lines.push(lines[1]!);
        expected.set(row, 'already_imported');
      } else if (row === 7777) {
        lines.push('+15557777777,longcode,sms;telepathy');
        expected.set(row, 'rejected');
      } else {
        const number = `+1555${String(2_000_000 + i).padStart(7, '0')}`;
        lines.push(`${number},longcode,${i % 2 === 0 ? 'sms;voice' : ''}`);
        valid.add(number);
        expected.set(row, 'imported');
      }
    }
    const file = join(dir, 'carrier.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = join(dir, 'carrier.results.csv');

    // First run: killed once a part has landed.
    const first = cli([file, '--url', url]);
    const deadline = Date.now() + 60_000;
    while ((await importsSoFar()) < 1500) {
      assert.ok(Date.now() < deadline, `no progress: ${first.stderr()}`);
      assert.equal(first.child.exitCode, null, `the import ended before it could be killed: ${first.stdout()}${first.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const landed = await importsSoFar();
    assert.ok(landed < valid.size, `killed mid-run (${landed} of ${valid.size} landed)`);
    assert.equal(existsSync(out), false, 'a killed run leaves no results file');

    // Second run: the same command.
    const second = cli([file, '--url', url]);
    assert.equal(await second.exited, 1, `${second.stdout()}\n${second.stderr()}`);
    const unexpected = results(out).filter((r) => r.outcome !== expected.get(Number(r.row)));
    assert.deepEqual(unexpected, [], 'every row ends as expected');
    assert.match(second.stdout(), /10000 of 10000 rows: 9986 imported, 4 already imported, 10 rejected/);

    const numbers = await inventory();
    assert.equal(numbers.length, valid.size, 'every valid number, and nothing else');
    assert.deepEqual(new Set(numbers.map((n) => n.number)), valid);
    const audit = spawnNumberspace(['audit', '--project', PROJECT, '--json'], { DATABASE_URL: db.url });
    assert.equal(await audit.exited, 0, audit.stderr());
    const imported = (JSON.parse(audit.stdout()) as { action: string }[]).filter((e) => e.action === 'number.imported');
    assert.equal(imported.length, valid.size, 'each number imported once: one audit event each');

    const rows = results(out);
    assert.equal(rows.length, 10_000);
    assert.deepEqual(rows.map((r) => Number(r.row)), Array.from({ length: 10_000 }, (_, i) => i + 1));
    const idOf = new Map(numbers.map((n) => [n.number, n.id]));
    for (const r of rows) {
      assert.equal(r.outcome, expected.get(Number(r.row)), `row ${r.row}: ${JSON.stringify(r)}`);
      if (r.outcome === 'rejected') {
        assert.equal(r.id, '');
        assert.match(r.error, /\w/);
      } else {
        assert.equal(r.id, idOf.get(r.number), `row ${r.row}`);
        assert.equal(r.error, '');
      }
    }
    assert.match(rows.find((r) => r.row === '7777')!.error, /telepathy/);
    assert.match(rows.find((r) => r.row === '33')!.error, /toll-free/);
  });

  test('--dry-run checks every row and imports nothing; names land through --api compat; a repeat run is all already_imported', async () => {
    const file = join(dir, 'small.csv');
    writeFileSync(file, 'Number,Name\n+15553100001,Front desk\n+15553100002,\n"+15553100003","Sales, east"\n+1555310000x,Broken\n');
    const dry = cli([file, '--number-type', 'longcode', '--dry-run', '--out', join(dir, 'dry.csv')], { SIGNALWIRE_API_TOKEN: '' });
    assert.equal(await dry.exited, 1, dry.stderr());
    assert.deepEqual(results(join(dir, 'dry.csv')).map((r) => r.outcome), ['valid', 'valid', 'valid', 'rejected']);
    assert.equal((await get('/api/relay/rest/phone_numbers?filter_number=555310000')).body.data.length, 0, 'a dry run imports nothing');

    const real = cli([file, '--number-type', 'longcode', '--url', url, '--api', 'compat', '--concurrency', '2']);
    assert.equal(await real.exited, 1, real.stderr());
    const rows = results(join(dir, 'small.results.csv'));
    assert.deepEqual(rows.map((r) => r.outcome), ['imported', 'imported', 'imported', 'rejected']);
    const listed = (await get('/api/relay/rest/phone_numbers?filter_number=555310000')).body.data as { number: string; name: string | null }[];
    assert.deepEqual(Object.fromEntries(listed.map((n) => [n.number, n.name])), { '+15553100001': 'Front desk', '+15553100002': null, '+15553100003': 'Sales, east' });

    // Through the other surface: other keys, so the numbers are found already active in the project.
    const again = cli([file, '--number-type', 'longcode', '--url', url, '--out', join(dir, 'again.csv')]);
    assert.equal(await again.exited, 1);
    assert.deepEqual(results(join(dir, 'again.csv')).map((r) => r.outcome), ['already_imported', 'already_imported', 'already_imported', 'rejected']);
  });

  test('a 429 is retried after its Retry-After until every row lands', async () => {
    const limited = spawnNumberspace(['projects', 'update', PROJECT, '--rate-limit', 'writes=40/1s'], { DATABASE_URL: db.url });
    assert.equal(await limited.exited, 0, limited.stderr());
    try {
      const file = join(dir, 'burst.csv');
      writeFileSync(file, `number,number_type\n${Array.from({ length: 120 }, (_, i) => `+1555320${String(i).padStart(4, '0')},longcode`).join('\n')}\n`);
      const run = cli([file, '--url', url, '--concurrency', '8']);
      assert.equal(await run.exited, 0, `${run.stdout()}\n${run.stderr()}`);
      assert.match(run.stderr(), /[1-9]\d* retried/);
      assert.deepEqual(new Set(results(join(dir, 'burst.results.csv')).map((r) => r.outcome)), new Set(['imported']));
      assert.equal((await get('/api/relay/rest/phone_numbers?filter_number=555320&page_size=1000')).body.data.length, 120);
    } finally {
      const reset = spawnNumberspace(['projects', 'update', PROJECT, '--rate-limit', 'default'], { DATABASE_URL: db.url });
      assert.equal(await reset.exited, 0);
    }
  });

  test('quotes: a stray quote refuses only its row; a quoted field never closed is a usage error naming its line', async () => {
    const stray = join(dir, 'stray.csv');
    writeFileSync(stray, 'number,number_type,name\n+1555340"0001,longcode,a\n+15553400002,longcode,"say ""hi"""\n+15553400003,longcode,c\n');
    const run = cli([stray, '--url', url]);
    assert.equal(await run.exited, 1, run.stderr());
    const rows = results(join(dir, 'stray.results.csv'));
    assert.deepEqual(rows.map((r) => [r.row, r.outcome]), [['1', 'rejected'], ['2', 'imported'], ['3', 'imported']]);
    const named = (await get('/api/relay/rest/phone_numbers?filter_number=5553400002')).body.data as { name: string }[];
    assert.equal(named[0]!.name, 'say "hi"');

    const unclosed = join(dir, 'unclosed.csv');
    writeFileSync(unclosed, 'number,number_type,name\n+15553401011,longcode,a\n+15553401012,longcode,"b\n+15553401013,longcode,c\n');
    const broken = cli([unclosed, '--url', url]);
    assert.equal(await broken.exited, 2);
    assert.match(broken.stderr(), /line 3 opens a quoted field that is never closed/);
    assert.equal((await get('/api/relay/rest/phone_numbers?filter_number=555340101')).body.data.length, 0, 'nothing was sent');
  });

  test('usage errors exit 2: an unknown column, no file, no credentials, a refused token', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'number,number_typ\n+15553300001,longcode\n');
    const unknown = cli([bad, '--url', url]);
    assert.equal(await unknown.exited, 2);
    assert.match(unknown.stderr(), /unknown column\(s\) "number_typ"/);
    const missing = cli([join(dir, 'nope.csv'), '--url', url]);
    assert.equal(await missing.exited, 2);
    assert.match(missing.stderr(), /cannot read/);
    const ok = join(dir, 'ok.csv');
    writeFileSync(ok, 'number,number_type\n+15553300002,longcode\n');
    const anonymous = cli([ok, '--url', url], { SIGNALWIRE_API_TOKEN: '' });
    assert.equal(await anonymous.exited, 2);
    assert.match(anonymous.stderr(), /--token or SIGNALWIRE_API_TOKEN/);
    // An earlier run's results are replaced by this run's (none finished), never left to mislead.
    writeFileSync(join(dir, 'ok.results.csv'), 'row,number,outcome,id,error\n1,+15553300002,imported,stale,\n');
    const refused = cli([ok, '--url', url, '--token', 'PT' + '9'.repeat(48)]);
    assert.equal(await refused.exited, 2);
    assert.match(refused.stderr(), /refused the credentials/);
    assert.match(refused.stderr(), /0 of 1 rows done/);
    assert.deepEqual(results(join(dir, 'ok.results.csv')), []);
    assert.equal((await get('/api/relay/rest/phone_numbers?filter_number=5553300002')).body.data.length, 0);
  });
});
