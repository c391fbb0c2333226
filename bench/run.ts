import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchmarkPlan, type ComparedCheckout, DEFAULT_STOCK, Resources, runBenchmark } from './benchmark.js';
import { DEFAULT_PG_URL } from './postgres.js';
import { formatReport } from './report.js';
import { SCENARIO_NAMES, type ScenarioName } from './scenarios.js';
import { MAX_STOCK, STOCK_AREA_CODES } from './stock.js';

const USAGE = `Usage: npm run bench -- [options]

Builds numberspace, then measures the built server against a bare node:http baseline,
interleaved, and prints the results (also written to bench/results/).

  --quick               short runs for development: 2 rounds × 2 s, connections 10,50, 1,000 numbers only,
                        a stock of 20,000
  --pg [url]            also measure PostgreSQL (default ${DEFAULT_PG_URL}; or set BENCH_DATABASE_URL);
                        the benchmark creates and drops a schema of its own per server
  --only <list>         scenarios to run, comma-separated: ${SCENARIO_NAMES.join(', ')}
  --connections <list>  connection counts, comma-separated (default 1,10,50)
  --rounds <n>          rounds (default 3)
  --duration <s>        seconds per run (default 4)
  --warmup <s>          warm-up seconds per target and scenario (default 2; 0 skips it)
  --large <n>           size of the large inventory (default 1000000; 0 skips the scale runs), and of the
                        large stock search runs at
  --stock <n>           numbers in the stock the search and purchase scenarios use (default 100000)
  --stock-connections <list>
                        connection counts of the stock scenarios (search, search-contains, purchase,
                        compat-search), comma-separated (default: the largest of --connections)
  --workers <list>      worker counts, comma-separated (default 1,2): every server runs with WORKERS=1;
                        each count above 1 adds servers of that many workers (get, list, compat-list;
                        import, compat-import), reported beside their one-worker counterparts
  --deep-pages <n>      how many pages of 50 list-deep walks into the large inventory (default 10000)
  --log-level <level>   LOG_LEVEL of the measured servers (default: numberspace's own, info)
  --bulk-rows <n>       rows of the file numberspace import runs per import server and round
                        (default 20000, quick 5000; 0 skips the bulk runs)
  --compare <dir>       also measure another checkout's build (dist/main.js built, node_modules
                        installed) on the Relay REST scenarios, in the same rounds, and report
                        this build's figures as ratios to its own
  --help`;

const FULL = { rounds: 3, duration: 4, warmup: 2, connections: [1, 10, 50], large: 1_000_000, workers: [1, 2] };
const QUICK = { rounds: 2, duration: 2, warmup: 1, connections: [10, 50], large: 0, workers: [1, 2] };
const SMALL_INVENTORY = 1000;
const QUICK_STOCK = 20_000;
/** Every area code a search asks for then holds a full answer of 50. */
const MIN_STOCK = STOCK_AREA_CODES.length * 50;

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min} (got "${raw}")`);
  return n;
}

function positiveNumber(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) fail(`--${name} must be a number ≥ ${min} (got "${raw}")`);
  return n;
}

function comparedCheckout(raw: string): ComparedCheckout {
  const dir = resolve(raw);
  for (const needed of ['dist/main.js', 'bench/seed.ts', 'node_modules/tsx']) {
    if (!existsSync(join(dir, needed))) fail(`--compare ${raw}: ${needed} is missing there (run npm ci and npm run build in it first)`);
  }
  let revision = 'unknown';
  try {
    revision = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    revision = basename(dir);
  }
  return { dir, revision };
}

function parsePlan(argv: string[]): BenchmarkPlan {
  // --pg may come with or without a URL; parseArgs cannot express an optional value.
  const args = [...argv];
  let postgresUrl = process.env.BENCH_DATABASE_URL || undefined;
  const pgAt = args.indexOf('--pg');
  if (pgAt !== -1) {
    const value = args[pgAt + 1];
    const given = value !== undefined && !value.startsWith('--');
    postgresUrl = given ? value : (postgresUrl ?? DEFAULT_PG_URL);
    args.splice(pgAt, given ? 2 : 1);
  }
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        connections: { type: 'string' },
        rounds: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        large: { type: 'string' },
        'deep-pages': { type: 'string' },
        'log-level': { type: 'string' },
        compare: { type: 'string' },
        'bulk-rows': { type: 'string' },
        stock: { type: 'string' },
        'stock-connections': { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (postgresUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresUrl)) fail(`--pg needs a postgres:// URL (got "${postgresUrl}")`);
  const base = values.quick === true ? QUICK : FULL;
  let scenarios: ScenarioName[] = [...SCENARIO_NAMES];
  if (values.only !== undefined) {
    const wanted = values.only.split(',').map((s) => s.trim());
    const unknown = wanted.filter((s) => !(SCENARIO_NAMES as readonly string[]).includes(s));
    if (unknown.length > 0) fail(`unknown scenario ${unknown.join(', ')}`);
    scenarios = SCENARIO_NAMES.filter((s) => wanted.includes(s));
  }
  let connections = base.connections;
  if (values.connections !== undefined) {
    connections = values.connections.split(',').map((c) => positiveInt('connections', c.trim(), 0));
  }
  let stockConnections = [Math.max(...connections)];
  if (values['stock-connections'] !== undefined) {
    stockConnections = values['stock-connections'].split(',').map((c) => positiveInt('stock-connections', c.trim(), 0));
  }
  let workers = base.workers;
  if (values.workers !== undefined) {
    workers = [...new Set(values.workers.split(',').map((w) => positiveInt('workers', w.trim(), 0)))].sort((a, b) => a - b);
  }
  const large = positiveInt('large', values.large, base.large, 0);
  if (large !== 0 && large <= SMALL_INVENTORY) fail(`--large must be above ${SMALL_INVENTORY} or 0`);
  const stock = positiveInt('stock', values.stock, values.quick === true ? QUICK_STOCK : DEFAULT_STOCK, MIN_STOCK);
  if (stock > MAX_STOCK / 2) fail(`--stock must be at most ${MAX_STOCK / 2}`);
  const custom =
    values.only !== undefined ||
    values.connections !== undefined ||
    values.rounds !== undefined ||
    values.duration !== undefined ||
    values.large !== undefined ||
    values.stock !== undefined ||
    values['stock-connections'] !== undefined ||
    values.workers !== undefined;
  return {
    mode: custom ? 'custom' : values.quick === true ? 'quick' : 'full',
    rounds: positiveInt('rounds', values.rounds, base.rounds),
    durationSeconds: positiveNumber('duration', values.duration, base.duration, 0.5),
    warmupSeconds: positiveNumber('warmup', values.warmup, base.warmup, 0),
    connections,
    scenarios,
    inventories: large === 0 ? [SMALL_INVENTORY] : [SMALL_INVENTORY, large],
    ...(postgresUrl === undefined ? {} : { postgresUrl }),
    deepPages: positiveInt('deep-pages', values['deep-pages'], 10_000),
    ...(values['log-level'] === undefined ? {} : { serverLogLevel: values['log-level'] }),
    ...(values.compare === undefined ? {} : { compare: comparedCheckout(values.compare) }),
    bulkRows: positiveInt('bulk-rows', values['bulk-rows'], values.quick === true ? 5000 : 20_000, 0),
    stock,
    stockConnections,
    workers,
    entry: 'built',
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

const plan = parsePlan(process.argv.slice(2));
const resources = new Resources();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping servers and dropping what the run created…\n`);
    void resources.release(plan.log).finally(() => process.exit(130));
  });
}

const report = await runBenchmark(plan, resources);
process.stdout.write(`\n${formatReport(report)}\n`);
const dir = fileURLToPath(new URL('results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const stamp = report.startedAt.replace(/[:.]/g, '-');
const json = `${JSON.stringify(report, null, 2)}\n`;
writeFileSync(join(dir, `${stamp}.json`), json);
writeFileSync(join(dir, 'latest.json'), json);
process.stdout.write(`\nWritten to bench/results/${stamp}.json and bench/results/latest.json\n`);
