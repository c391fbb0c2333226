/**
 * `numberspace stock add|list|count|remove` as real processes against a fresh database: a
 * few thousand rows with a handful of bad ones, run again, listed, withdrawn, and every way
 * a command line or a file can be refused.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { openStore } from '../../src/storage/store.js';
import { freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { spawnNumberspace } from '../helpers/process.js';

interface ResultRow {
  row: string;
  number: string;
  outcome: string;
  error: string;
}

interface Listed {
  number: string;
  number_type: string;
  country: string | null;
  region: string | null;
  city: string | null;
  rate_center: string | null;
  lata: string | null;
  capabilities: string[];
}

describe('numberspace stock', () => {
  let dir: string;
  let db: FreshDatabase;
  let acme: string;

  const run = async (...args: string[]) => {
    const p = spawnNumberspace(args, { DATABASE_URL: db.url });
    const code = await p.exited;
    return { code, out: p.stdout(), err: p.stderr() };
  };
  const stock = (...args: string[]) => run('stock', ...args);
  const results = (file: string) => parse(readFileSync(file), { columns: true }) as ResultRow[];
  const count = async (space: string) => {
    const c = await stock('count', '--space', space);
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /^\d+\n$/, 'just the number');
    return Number(c.out);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-stock-'));
    db = await freshDatabase(dir);
    const made = await run('spaces', 'create', '--name', 'acme', '--json');
    assert.equal(made.code, 0, made.err);
    acme = (JSON.parse(made.out) as { id: string }[])[0]!.id;
  });

  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // 2,000 Austin (512) longcodes with a city but no region (their area code's is theirs), 500
  // New York ones with their place, 300 London ones, 400 toll-free, and five bad rows among them.
  const lines = ['number,number_type,region,city,rate_center,lata,capabilities'];
  const expected = new Map<number, { outcome: string; error?: RegExp }>();
  const valid: { number: string; type: string; national: string }[] = [];
  const good = (line: string, number: string, type: string, national: string) => {
    lines.push(line);
    expected.set(lines.length - 1, { outcome: 'added' });
    valid.push({ number, type, national });
  };
  const bad = (line: string, outcome: string, error?: RegExp) => {
    lines.push(line);
    expected.set(lines.length - 1, error === undefined ? { outcome } : { outcome, error });
  };
  for (let i = 0; i < 2000; i++) {
    const national = `512555${String(i).padStart(4, '0')}`;
    good(`+1${national},longcode,,Austin,AUSTIN,,${i % 2 === 0 ? 'sms|voice' : ''}`, `+1${national}`, 'longcode', national);
    if (i === 700) bad(`+1512555abc1,longcode,,,,,`, 'rejected', /E\.164/);
    if (i === 1300) bad(`+15125550000,longcode,,,,,`, 'in_stock');
  }
  for (let i = 0; i < 500; i++) {
    const national = `212555${String(i).padStart(4, '0')}`;
    // Without the + the number is still E.164; a lower-case region is taken upper-cased.
    good(`1${national},longcode,ny,New York,NWYRCYZN01,132,voice`, `+1${national}`, 'longcode', national);
    if (i === 250) bad(`+15125559001,tollfree,,,,,`, 'rejected', /not a toll-free number; use longcode/);
  }
  for (let i = 0; i < 300; i++) {
    const national = `2079460${String(i).padStart(3, '0')}`;
    good(`+44${national},longcode,,,,,voice`, `+44${national}`, 'longcode', national);
    if (i === 100) bad(`+442079469999,longcode,,London,,,`, 'rejected', /city needs a region/);
  }
  for (let i = 0; i < 400; i++) {
    const national = `800555${String(i).padStart(4, '0')}`;
    good(`+1${national},tollfree,,,,,`, `+1${national}`, 'toll-free', national);
    if (i === 5) bad(`+18005559999,tollfree,,,,,sms;video`, 'rejected', /"video" is not one of voice, sms, mms, fax/);
  }
  const rows = lines.length - 1;

  test('a load of a few thousand rows: each row its outcome in the results, exit 1 for the bad ones', async () => {
    const file = join(dir, 'stock.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const first = await stock('add', file);
    assert.equal(first.code, 1, first.err);
    assert.match(first.out, new RegExp(`^${rows} of ${rows} rows: ${valid.length} added, 1 already in stock, 0 held, 4 rejected in [\\d.]+ s; results in ${file.replace('.csv', '.results.csv').replace(/[.]/g, '\\.')}\\n$`));
    assert.match(first.err, new RegExp(`add: ${rows}/${rows} rows \\(100%\\)`), 'progress lines on stderr when it is not a terminal');

    const out = results(join(dir, 'stock.results.csv'));
    assert.deepEqual(out.map((r) => Number(r.row)), Array.from({ length: rows }, (_, i) => i + 1), 'every row, in file order');
    for (const r of out) {
      const want = expected.get(Number(r.row))!;
      assert.equal(r.outcome, want.outcome, `row ${r.row}: ${JSON.stringify(r)}`);
      if (want.error !== undefined) assert.match(r.error, want.error, `row ${r.row}`);
      else assert.equal(r.error, '', `row ${r.row}`);
    }
    assert.equal(out.find((r) => r.row === '1')!.number, '+15125550000');
    assert.equal(out.find((r) => r.outcome === 'rejected' && /E\.164/.test(r.error))!.number, '+1512555abc1', 'a rejected row keeps the number as written');
    assert.equal(await count(acme), valid.length);
  });

  test('stock list --json: every number, by type then national number, with its place and capabilities', async () => {
    const listed = await stock('list', '--json');
    assert.equal(listed.code, 0, listed.err);
    const all = JSON.parse(listed.out) as Listed[];
    assert.equal(all.length, valid.length);
    const order = [...valid].sort((a, b) => (a.type !== b.type ? (a.type < b.type ? -1 : 1) : a.national < b.national ? -1 : a.national > b.national ? 1 : 0));
    assert.deepEqual(all.map((n) => n.number), order.map((n) => n.number));
    // National order, not E.164 order: London's 20 comes before New York's 212.
    assert.equal(all[0]!.number, '+442079460000');
    assert.equal(all.at(-1)!.number, '+18005550399');
    const byNumber = new Map(all.map((n) => [n.number, n]));
    assert.deepEqual(byNumber.get('+15125550000'), {
      number: '+15125550000',
      number_type: 'longcode',
      country: 'US',
      region: 'TX',
      city: 'Austin',
      rate_center: 'AUSTIN',
      lata: null,
      capabilities: ['voice', 'sms'],
    });
    assert.deepEqual(byNumber.get('+15125550001')!.capabilities, ['voice', 'sms', 'mms', 'fax'], 'blank capabilities: all four');
    assert.deepEqual(byNumber.get('+12125550007'), {
      number: '+12125550007',
      number_type: 'longcode',
      country: 'US',
      region: 'NY',
      city: 'New York',
      rate_center: 'NWYRCYZN01',
      lata: '132',
      capabilities: ['voice'],
    });
    assert.equal(byNumber.get('+442079460005')!.country, 'GB');
    assert.equal(byNumber.get('+442079460005')!.region, null);
    assert.equal(byNumber.get('+18005550000')!.number_type, 'toll-free');

    const table = await stock('list');
    assert.equal(table.code, 0, table.err);
    const tableLines = table.out.trimEnd().split('\n');
    assert.equal(tableLines.length, valid.length + 1, 'a header and a line per number');
    assert.match(tableLines[0]!, /^number\s+number_type\s+country\s+region\s+city\s+rate_center\s+lata\s+capabilities$/);
    assert.match(table.out, /\n\+12125550007\s+longcode\s+US\s+NY\s+New York\s+NWYRCYZN01\s+132\s+voice\n/);
  });

  test('a re-run is resumable: what is in stock is done, the file again changes nothing', async () => {
    const stocked = await count(acme);
    const again = await stock('add', join(dir, 'stock.csv'), '--out', join(dir, 'again.csv'));
    assert.equal(again.code, 1, 'the bad rows are still bad');
    const outcomes = results(join(dir, 'again.csv'));
    assert.equal(outcomes.filter((r) => r.outcome === 'in_stock').length, valid.length + 1);
    assert.equal(outcomes.filter((r) => r.outcome === 'rejected').length, 4);

    // The same file without its bad rows, half of it already loaded: it finishes and exits 0.
    const goodLines = lines.filter((_, i) => i === 0 || expected.get(i)!.outcome !== 'rejected');
    const cleanFile = join(dir, 'clean.csv');
    writeFileSync(cleanFile, `${goodLines.join('\n')}\n`);
    const clean = await stock('add', cleanFile);
    assert.equal(clean.code, 0, `${clean.out}${clean.err}`);
    assert.match(clean.out, new RegExp(`^${goodLines.length - 1} of ${goodLines.length - 1} rows: 0 added, ${goodLines.length - 1} already in stock, 0 held, 0 rejected`));
    assert.deepEqual(new Set(results(join(dir, 'clean.results.csv')).map((r) => r.outcome)), new Set(['in_stock']));
    assert.equal(await count(acme), stocked);
  });

  test('--dry-run reports what a load would do and changes nothing', async () => {
    const file = join(dir, 'dry.csv');
    writeFileSync(file, 'number,number_type\n+15125550003,longcode\n+15125558888,longcode\n+15125558888,longcode\n+15125558889,tollfree\n');
    const dry = await stock('add', file, '--dry-run');
    assert.equal(dry.code, 1, dry.err);
    assert.deepEqual(results(join(dir, 'dry.results.csv')).map((r) => r.outcome), ['in_stock', 'valid', 'in_stock', 'rejected']);
    assert.match(dry.out, /4 of 4 rows: 1 valid, 2 already in stock, 0 held, 1 rejected/);
    assert.equal(await count(acme), valid.length);
  });

  test('two Spaces: --space is needed; a number in the other Space\'s stock is held', async () => {
    const beta = await run('spaces', 'create', '--name', 'beta');
    assert.equal(beta.code, 0, beta.err);
    const ambiguous = await stock('count');
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.err, /--space/);
    assert.match(ambiguous.err, new RegExp(`acme \\(${acme}\\)`));
    assert.match(ambiguous.err, /beta \(/);

    const file = join(dir, 'beta.csv');
    writeFileSync(file, 'number,number_type\n+15125550004,longcode\n+13125550000,longcode\n');
    const held = await stock('add', file, '--space', 'beta');
    assert.equal(held.code, 1, held.err);
    assert.deepEqual(
      results(join(dir, 'beta.results.csv')).map((r) => [r.number, r.outcome]),
      [
        ['+15125550004', 'held'],
        ['+13125550000', 'added'],
      ],
    );
    assert.match(held.out, /1 added, 0 already in stock, 1 held, 0 rejected/);
    assert.equal(await count('beta'), 1);
    assert.equal(await count(acme), valid.length, 'the other Space is untouched');
  });

  test('stock remove: removed or not in stock for each, exit 1 if any was not', async () => {
    const removed = await stock('remove', '--space', 'acme', '+15125550000', '15125550001', '+15125559999');
    assert.equal(removed.code, 1, removed.err);
    assert.equal(removed.out, '+15125550000  removed\n+15125550001  removed\n+15125559999  not in stock\n');
    assert.equal(await count('acme'), valid.length - 2);
    const again = await stock('remove', '--space', 'acme', '15125550000');
    assert.equal(again.code, 1);
    assert.match(again.out, /\+15125550000  not in stock/);
    const ok = await stock('remove', '--space', 'beta', '+13125550000');
    assert.equal(ok.code, 0, ok.err);
    assert.equal(await count('beta'), 0);
    const malformed = await stock('remove', '--space', 'acme', '12ab');
    assert.equal(malformed.code, 2);
    assert.match(malformed.err, /"12ab" is not an E\.164 number/);
  });

  test('usage errors exit 2 and write no results: columns, quotes, Spaces, the emulator\'s', async () => {
    // The emulator's Space is made only by emulator mode, as `serve --emulator` would.
    const store = openStore(db.url, { poolSize: 1 });
    try {
      await store.tenancy.createSpace({ id: crypto.randomUUID(), name: 'emulator', partnerApi: true, createdAt: new Date().toISOString() });
    } finally {
      await store.close();
    }
    const files: Record<string, string> = {
      unknown: 'number,number_type,state\n+15125557000,longcode,TX\n',
      twice: 'number,number_type,city,city\n+15125557000,longcode,a,b\n',
      untyped: 'number,region\n+15125557000,TX\n',
      empty: '',
      unclosed: 'number,number_type,city\n+15125557001,longcode,a\n+15125557002,longcode,"b\n+15125557003,longcode,c\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.csv`), text);
    const add = (name: string, ...more: string[]) => stock('add', join(dir, `${name}.csv`), '--space', 'acme', ...more);
    const [unknown, twice, untyped, empty, unclosed, nowhere, emulator, typo] = await Promise.all([
      add('unknown'),
      add('twice'),
      add('untyped'),
      add('empty'),
      add('unclosed'),
      stock('count', '--space', 'gamma'),
      stock('list', '--space', 'emulator'),
      stock('add', join(dir, 'unknown.csv'), '--space', 'acme', '--json'),
    ]);
    const refused = (r: { code: number | null; err: string }, pattern: RegExp) => {
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, pattern);
    };
    refused(unknown, /unknown column\(s\) "state"; the columns are number, number_type, region, city, rate_center, lata, capabilities/);
    refused(twice, /column city appears twice/);
    refused(untyped, /the header has no number_type column/);
    refused(empty, /the file has no header row/);
    refused(unclosed, /line 3 opens a quoted field that is never closed/);
    refused(nowhere, /no space "gamma"/);
    refused(emulator, /"emulator" Space belongs to emulator mode/);
    refused(typo, /Unknown option '--json'/);
    for (const name of Object.keys(files)) assert.equal(existsSync(join(dir, `${name}.results.csv`)), false, `${name}: no results file`);
    assert.equal(await count('acme'), valid.length - 2, 'nothing was loaded');

    const help = await stock('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /rate_center/);
    const usage = await run('--help');
    assert.match(usage.out, /stock add FILE\.csv/);
  });
});
