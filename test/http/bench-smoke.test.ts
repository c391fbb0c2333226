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
    entry: 'source',
    log: () => {},
  });

  for (const scenario of ['import', 'get', 'compat-list'] as const) {
    const rows = report.rows.filter((r) => r.scenario === scenario && r.connections === 2);
    // Imports also run against a SQLITE_SYNCHRONOUS=NORMAL server, the durability comparison.
    assert.deepEqual(rows.map((r) => r.target).sort(), scenario === 'import' ? ['baseline', 'sqlite-120-import', 'sqlite-120-import-normal'] : ['baseline', 'sqlite-120'], scenario);
    for (const row of rows) {
      assert.ok(row.rps > 0, `${scenario} ${row.target} made no progress`);
      assert.ok(row.p50Ms > 0 && row.p99Ms >= row.p50Ms, `${scenario} ${row.target} latencies ${row.p50Ms}/${row.p99Ms}`);
      assert.ok(row.maxRssMB > 10, `${scenario} ${row.target} RSS ${row.maxRssMB}`);
      assert.ok(Number.isFinite(row.cpuUsPerRequest) && row.cpuUsPerRequest > 0, `${scenario} ${row.target} CPU ${row.cpuUsPerRequest} µs/request`);
      assert.equal(row.non2xx, 0, `${scenario} ${row.target} answered ${JSON.stringify(row.statusCodes)}`);
      assert.equal(row.errors, 0);
      assert.equal(row.flagged, false);
    }
    const measured = rows.find((r) => r.backend === 'sqlite')!;
    assert.ok(measured.ratio !== undefined && Number.isFinite(measured.ratio.rps) && measured.ratio.rps > 0, JSON.stringify(measured.ratio));
    assert.ok(Number.isFinite(measured.ratio.p50) && Number.isFinite(measured.ratio.rss) && Number.isFinite(measured.ratio.cpu));
  }
  assert.equal(report.seeding.length, 3);
  assert.ok(report.seeding.every((s) => s.rows === 120));
  assert.equal(report.checks.length, 6);

  const text = formatReport(report);
  assert.match(text, /\| scenario +\| conns +\| target/);
  assert.match(text, /\| compat-list +\| 2 +\| sqlite 120 /);
  assert.deepEqual(report.comparison, [], 'no --compare, no comparison');
  assert.deepEqual(report.bulk, []);
  assert.match(text, /^- (PASS|MISS|N\/A) +SQLite import/m);
});
