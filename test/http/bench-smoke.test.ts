import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBenchmark } from '../../bench/benchmark.js';
import { formatReport } from '../../bench/report.js';

// The benchmark itself never runs in the test suite; this only proves its machinery works
// end to end (seed, real server, baseline, load, report) so `npm run bench` is not found
// broken on the day someone needs it.
test('the benchmark measures numberspace and the baseline side by side and reports ratios', async () => {
  const report = await runBenchmark({
    mode: 'custom',
    rounds: 1,
    durationSeconds: 0.75,
    warmupSeconds: 0,
    connections: [2],
    scenarios: ['import', 'get', 'compat-list'],
    inventories: [120],
    deepPages: 1,
    // The bulk runs need the built command; the smoke test runs from source.
    bulkRows: 0,
    // A server of two workers beside each one-worker server: proves the process-tree figures
    // and that cluster workers start under tsx (cluster.fork re-runs the entry with --import tsx).
    workers: [1, 2],
    entry: 'source',
    log: () => {},
  });

  for (const scenario of ['import', 'get', 'compat-list'] as const) {
    const rows = report.rows.filter((r) => r.scenario === scenario && r.connections === 2);
    // Imports also run against a SQLITE_SYNCHRONOUS=NORMAL server, the durability comparison.
    assert.deepEqual(
      rows.map((r) => r.target).sort(),
      scenario === 'import' ? ['baseline', 'sqlite-120-import', 'sqlite-120-import-normal', 'sqlite-120-import-w2'] : ['baseline', 'sqlite-120', 'sqlite-120-w2'],
      scenario,
    );
    for (const row of rows) {
      assert.ok(row.rps > 0, `${scenario} ${row.target} made no progress`);
      assert.ok(row.p50Ms > 0 && row.p99Ms >= row.p50Ms, `${scenario} ${row.target} latencies ${row.p50Ms}/${row.p99Ms}`);
      assert.ok(row.maxRssMB > 10, `${scenario} ${row.target} RSS ${row.maxRssMB}`);
      assert.ok(row.maxRssTotalMB >= row.maxRssMB, `${scenario} ${row.target} RSS total ${row.maxRssTotalMB} below largest ${row.maxRssMB}`);
      assert.ok(Number.isFinite(row.cpuUsPerRequest) && row.cpuUsPerRequest > 0, `${scenario} ${row.target} CPU ${row.cpuUsPerRequest} µs/request`);
      assert.equal(row.non2xx, 0, `${scenario} ${row.target} answered ${JSON.stringify(row.statusCodes)}`);
      assert.equal(row.errors, 0);
      assert.equal(row.flagged, false);
    }
    const measured = rows.find((r) => r.backend === 'sqlite')!;
    assert.ok(measured.ratio !== undefined && Number.isFinite(measured.ratio.rps) && measured.ratio.rps > 0, JSON.stringify(measured.ratio));
    assert.ok(Number.isFinite(measured.ratio.p50) && Number.isFinite(measured.ratio.rss) && Number.isFinite(measured.ratio.cpu));
  }
  assert.equal(report.seeding.length, 5);
  assert.ok(report.seeding.every((s) => s.rows === 120));
  assert.deepEqual(report.settings.workers, [1, 2]);
  assert.equal(report.targets.find((t) => t.key === 'sqlite-120')!.workers, 1, 'WORKERS=1 explicitly on every ordinary server');

  assert.deepEqual(
    report.workers.map((w) => `${w.scenario} ${w.target} ${w.single}`),
    ['import sqlite-120-import-w2 sqlite-120-import', 'get sqlite-120-w2 sqlite-120', 'compat-list sqlite-120-w2 sqlite-120'],
  );
  for (const w of report.workers) {
    assert.equal(w.workers, 2);
    assert.ok(w.rps > 0 && Number.isFinite(w.cpu) && w.cpu > 0, JSON.stringify(w));
    // A supervisor and two workers: more memory in all than in any one of them.
    assert.ok(w.rssMBOf.workers.total > w.rssMBOf.workers.largest, JSON.stringify(w.rssMBOf));
    assert.equal(w.flagged, false);
  }

  // Six on the one-worker SQLite servers, two Compatibility against Relay, PostgreSQL import,
  // RSS, scale. The targets are judged at 50 connections, which this run never uses: all but
  // RSS (every row) are not measured.
  assert.equal(report.checks.length, 11);
  assert.deepEqual(
    report.checks.filter((c) => c.pass !== null).map((c) => c.rule),
    ['Server RSS < 150 MB (the largest process) in every row'],
  );

  const text = formatReport(report);
  assert.match(text, /\| scenario +\| conns +\| target/);
  assert.match(text, /\| compat-list +\| 2 +\| sqlite 120 /);
  assert.deepEqual(report.comparison, [], 'no --compare, no comparison');
  assert.deepEqual(report.bulk, []);
  assert.match(text, /^- (PASS|MISS|N\/A) +SQLite import/m);
  assert.match(text, /^Workers: /m);
  assert.match(text, /\| get +\| 2 +\| sqlite +\| 2 +\| +\*\*[0-9.]+×\*\* \|/);
  assert.match(text, /\| get +\| 2 +\| sqlite 120 ×2 workers /);
});
