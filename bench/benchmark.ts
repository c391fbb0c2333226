import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { basicAuth, idSample, ImportNumbers, type Inventory } from './inventory.js';
import { type LoadResult, runLoad } from './load.js';
import { describeMachine, finishMachine } from './machine.js';
import { createScratchSchema } from './postgres.js';
import { type NumberspaceEntry, SERVER_NODE_FLAGS, type ServerProcess, startBaseline, startNumberspace } from './processes.js';
import {
  besideRows,
  type BulkRecord,
  bulkChecks,
  checks,
  compareRows,
  summariseBulk,
  comparisonChecks,
  type DeepRecord,
  inventoryLabel,
  isStandard,
  type Report,
  type RunRecord,
  scaleRows,
  type SeedRecord,
  type Settings,
  type StockTopUp,
  summarise,
  type TargetInfo,
  workersRows,
} from './report.js';
import {
  compatFirstPagePath,
  compatNumberPath,
  compatSearchPath,
  FIRST_PAGE_PATH,
  LIST_PATH,
  RELAY_SCENARIOS,
  KEYED_IMPORT,
  type Scenario,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioContext,
  type ScenarioName,
  searchPath,
  STOCK_SCENARIOS,
  walkToDeepPage,
} from './scenarios.js';
import { BULK_CONNECTIONS, runBulkImport } from './bulk.js';
import { type SeedResult, seedDatabase, type StockSeed, topUpStock } from './seed.js';
import { STOCK_AREA_CODES, StockNumbers, US_STOCK_AREA_CODES } from './stock.js';

const execFileAsync = promisify(execFile);

export interface BenchmarkPlan {
  readonly mode: Settings['mode'];
  readonly rounds: number;
  readonly durationSeconds: number;
  /** 0 skips the warm-up. */
  readonly warmupSeconds: number;
  readonly connections: readonly number[];
  readonly scenarios: readonly ScenarioName[];
  /**
   * Numbers seeded per project, smallest first. The smallest inventory runs every scenario;
   * each larger one (SQLite only) runs the read scenarios again, to show what size costs.
   */
  readonly inventories: readonly number[];
  /** A PostgreSQL URL the benchmark may create and drop schemas in; absent means SQLite only. */
  readonly postgresUrl?: string;
  /** How far list-deep walks into a large inventory, in pages of 50. */
  readonly deepPages: number;
  /** The measured servers' LOG_LEVEL; absent leaves numberspace's default. */
  readonly serverLogLevel?: string;
  readonly entry: NumberspaceEntry;
  /** Rows of the file `numberspace import` runs per import target and round; 0 skips the bulk runs. */
  readonly bulkRows: number;
  /** Another built checkout whose Relay REST figures are measured beside this one's, in the same rounds. */
  readonly compare?: ComparedCheckout;
  /**
   * Numbers in the Space's stock of the servers that run the stock scenarios (default
   * 100,000); each larger inventory (SQLite only) also gets a server with that much stock,
   * for search.
   */
  readonly stock?: number;
  /** The connection counts of the stock scenarios; default: the largest of `connections`. */
  readonly stockConnections?: readonly number[];
  /**
   * Worker counts (`--workers`). Every numberspace server runs with WORKERS=1; each count
   * above 1 adds a server of that many workers beside the smallest inventory's server (get,
   * list, compat-list) and its import server (import, compat-import). Absent: 1 only.
   */
  readonly workers?: readonly number[];
  readonly log: (line: string) => void;
}

export const DEFAULT_STOCK = 100_000;

export interface ComparedCheckout {
  /** Its root folder: dist/main.js built, node_modules installed, bench/seed.ts present. */
  readonly dir: string;
  /** Its commit, for the report. */
  readonly revision: string;
}

/** Everything started, undone in reverse order, once, however the run ends. */
export class Resources {
  #undo: { what: string; fn: () => Promise<void> | void }[] = [];
  #released = false;

  add(what: string, fn: () => Promise<void> | void): void {
    this.#undo.push({ what, fn });
  }

  async release(log: (line: string) => void = () => {}): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    for (const { what, fn } of this.#undo.reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: could not ${what}: ${(err as Error).message}`);
      }
    }
  }
}

/** A numberspace server to start, and the scenarios it serves. */
interface TargetPlan {
  readonly info: TargetInfo;
  readonly scenarios: readonly ScenarioName[];
}

interface LiveTarget extends TargetPlan {
  server: ServerProcess;
  readonly start: () => Promise<ServerProcess>;
  /** Times the server was restarted after something outside the benchmark stopped it. */
  restarts: number;
  context: ScenarioContext;
  /** Its DATABASE_URL; null for the baseline. */
  readonly databaseUrl: string | null;
  /** The most stock numbers per second its purchase runs have taken so far. */
  purchasePeak: number;
}

/** Per server; a server stopped more often than this is not being left alone to be measured. */
const MAX_RESTARTS = 3;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READ_SCENARIOS: readonly ScenarioName[] = ['get', 'list', 'list-deep'];
/** What a server of several workers reads; it also runs the import scenarios on an import server of its own. */
const WORKER_READS: readonly ScenarioName[] = ['get', 'list', 'compat-list'];
const WARMUP_CONNECTIONS = 10;
const PAGE_SIZE = 50;
/**
 * Purchases per second assumed before a purchase target has been measured; after that, twice
 * its fastest run so far. Before each purchase run its stock is topped up to cover that rate.
 */
const PURCHASE_GUESS_RPS = 10_000;

const stockOf = (plan: BenchmarkPlan) => plan.stock ?? DEFAULT_STOCK;
const stockConnectionsOf = (plan: BenchmarkPlan) => plan.stockConnections ?? [Math.max(...plan.connections)];
const workersOf = (plan: BenchmarkPlan) => [...new Set([1, ...(plan.workers ?? [])])].sort((a, b) => a - b);

/**
 * The connection counts a target runs a scenario at: the stock scenarios at the stock
 * counts, the rest at the run's; the baseline each of its scenarios at every count a
 * scenario compared with it runs at.
 */
function connectionCounts(plan: BenchmarkPlan, target: TargetPlan, scenario: ScenarioName): readonly number[] {
  const of = (name: ScenarioName) => (STOCK_SCENARIOS.includes(name) ? stockConnectionsOf(plan) : plan.connections);
  if (target.info.backend !== 'baseline') return of(scenario);
  return [...new Set(plan.scenarios.filter((s) => SCENARIOS[s].baseline === scenario).flatMap(of))].sort((a, b) => a - b);
}

/**
 * The numberspace servers a plan needs. Imports go to a server of their own, seeded like the
 * rest: the others then keep exactly their seeded inventory for every round, so the scale
 * comparison and the deep page stay what they claim to be.
 */
function targetPlans(plan: BenchmarkPlan): TargetPlan[] {
  const out: TargetPlan[] = [];
  const pick = (names: readonly ScenarioName[]) => plan.scenarios.filter((s) => names.includes(s));
  const [smallest, ...larger] = [...plan.inventories].sort((a, b) => a - b);
  if (smallest === undefined) throw new Error('no inventory size given');
  const backends: ('sqlite' | 'postgres')[] = plan.postgresUrl === undefined ? ['sqlite'] : ['sqlite', 'postgres'];
  for (const backend of backends) {
    const size = inventoryLabel(smallest);
    const add = (key: string, label: string, inventory: number, scenarios: readonly ScenarioName[], description: string, extra: Partial<TargetInfo> = {}) => {
      if (scenarios.length > 0) out.push({ info: { key, label, backend, inventory, description, workers: 1, ...extra }, scenarios });
    };
    const reads = pick(['get', 'list', 'list-deep', 'update', 'compat-get', 'compat-list']);
    const imports = pick(['import', 'compat-import']);
    // Servers of several workers take their turns right after their one-worker counterparts.
    const several = workersOf(plan).filter((n) => n > 1);
    add(`${backend}-${size}`, `${backend} ${size}`, smallest, reads, `numberspace on ${backend}, ${smallest} numbers seeded`);
    for (const n of several) {
      add(`${backend}-${size}-w${n}`, `${backend} ${size} ×${n} workers`, smallest, pick(WORKER_READS), `as ${backend} ${size}, with WORKERS=${n}`, { workers: n, singleWorker: `${backend}-${size}` });
    }
    add(`${backend}-${size}-import`, `${backend} ${size}+imports`, smallest, imports, `numberspace on ${backend}, ${smallest} numbers seeded, then every import of the run`);
    for (const n of several) {
      add(`${backend}-${size}-import-w${n}`, `${backend} ${size}+imports ×${n} workers`, smallest, imports, `as ${backend} ${size}+imports, with WORKERS=${n}`, { workers: n, singleWorker: `${backend}-${size}-import` });
    }
    // Stock servers of their own: searches see the same stock in every round, and purchases
    // (which take numbers out of it) go to another.
    const stock = stockOf(plan);
    const stocked = inventoryLabel(stock);
    add(`${backend}-stock-${stocked}`, `${backend} ${stocked} stock`, smallest, pick(['search', 'search-contains', 'compat-search']), `numberspace on ${backend}, ${smallest} numbers seeded, ${stock} numbers in the Space's stock`, { stock });
    add(`${backend}-stock-${stocked}-purchase`, `${backend} ${stocked} stock+purchases`, smallest, pick(['purchase']), `numberspace on ${backend}, ${smallest} numbers seeded, ${stock} numbers in the Space's stock, then every purchase of the run`, {
      stock,
    });
    if (plan.compare !== undefined) {
      // The compared build serves Relay REST only as far as this runner knows: it may predate
      // the Compatibility API.
      const { revision } = plan.compare;
      const relayOnly = (names: readonly ScenarioName[]) => names.filter((n) => RELAY_SCENARIOS.includes(n));
      const compared = { checkout: revision };
      add(`${backend}-${size}@${revision}`, `${backend} ${size} @${revision}`, smallest, relayOnly(reads), `the build of ${revision} on ${backend}, seeded by its own bench/seed.ts`, { ...compared, counterpart: `${backend}-${size}` });
      add(`${backend}-${size}-import@${revision}`, `${backend} ${size}+imports @${revision}`, smallest, relayOnly(imports), `the build of ${revision} on ${backend}, then every import of the run`, {
        ...compared,
        counterpart: `${backend}-${size}-import`,
      });
    }
    if (backend === 'sqlite') {
      // The durability setting's cost, in the same run: the default (FULL, power-loss safe)
      // against NORMAL (process-crash safe only).
      add(`${backend}-${size}-import-normal`, `${backend} ${size}+imports NORMAL`, smallest, pick(['import']), `as ${backend} ${size}+imports, with SQLITE_SYNCHRONOUS=NORMAL`, {
        env: { SQLITE_SYNCHRONOUS: 'NORMAL' },
      });
      for (const n of larger) add(`${backend}-${inventoryLabel(n)}`, `${backend} ${inventoryLabel(n)}`, n, pick(READ_SCENARIOS), `numberspace on ${backend}, ${n} numbers seeded`);
      for (const n of larger.filter((l) => l > stock)) {
        add(`${backend}-stock-${inventoryLabel(n)}`, `${backend} ${inventoryLabel(n)} stock`, smallest, pick(['search']), `numberspace on ${backend}, ${smallest} numbers seeded, ${n} numbers in the Space's stock`, { stock: n });
      }
    }
  }
  return out;
}

export async function runBenchmark(plan: BenchmarkPlan, resources = new Resources()): Promise<Report> {
  const started = new Date();
  const machine = describeMachine();
  const log = plan.log;
  const dir = mkdtempSync(join(tmpdir(), 'numberspace-bench-'));
  resources.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  // Every server started so far, for the diagnosis when the run fails.
  const startedTargets: LiveTarget[] = [];
  try {
    const plans = targetPlans(plan);
    if (plans.length === 0) throw new Error('nothing to measure: no scenario selected');

    // Seed every database before its server starts, then start them all. Stock loads run in
    // processes of their own beside the seeding of the other targets, so the largest stocks
    // are seeded first: on two cores a million-number stock then adds little to the wall time.
    const seedings = new Map<string, SeedRecord>();
    const seededBy = new Map<string, { plan: TargetPlan; url: string; inventory: Inventory }>();
    const stockLoads = new Map<string, Promise<StockSeed>>();
    const stopStockLoads = new AbortController();
    resources.add('stop the stock loads', () => stopStockLoads.abort());
    for (const p of [...plans].sort((a, b) => (b.info.stock ?? 0) - (a.info.stock ?? 0))) {
      let url = join(dir, `${p.info.key}.db`);
      if (p.info.backend === 'postgres') {
        const schema = await createScratchSchema(plan.postgresUrl!, p.info.key);
        resources.add(`drop schema ${schema.name}`, () => schema.drop());
        url = schema.url;
      }
      log(`seeding ${p.info.key} with ${p.info.inventory!.toLocaleString('en-US')} numbers…`);
      // A compared build seeds with its own code: its migrations, its row shape. A database
      // migrated by this build could be newer than it can open.
      const result = p.info.checkout === undefined ? await seedDatabase(url, p.info.inventory!) : await seedInCheckout(plan.compare!.dir, url, p.info.inventory!);
      log(`  ${result.rows.toLocaleString('en-US')} rows in ${result.seconds.toFixed(1)} s`);
      if (p.info.stock !== undefined) {
        const { key, stock } = p.info;
        log(`  stocking its Space with ${stock.toLocaleString('en-US')} numbers, in a process of its own…`);
        const load = stockInProcess(url, stock, stopStockLoads.signal);
        stockLoads.set(key, load);
        void load.then(
          (done) => log(`  ${key}: ${done.rows.toLocaleString('en-US')} stock rows in ${done.seconds.toFixed(1)} s`),
          () => {},
        );
      }
      seedings.set(p.info.key, { target: p.info.key, rows: result.rows, seconds: result.seconds, method: result.method });
      seededBy.set(p.info.key, { plan: p, url, inventory: result.inventory });
    }
    const stocked = new Map(await Promise.all([...stockLoads].map(async ([key, load]) => [key, await load] as const)));
    // In the plans' order again: it is the order targets take their turns in.
    const seeding: SeedRecord[] = plans.map((p) => {
      const record = seedings.get(p.info.key)!;
      const stock = stocked.get(p.info.key);
      return stock === undefined ? record : { ...record, stock };
    });
    const seeded = plans.map((p) => seededBy.get(p.info.key)!);

    const numbers = new ImportNumbers();
    const live = await Promise.all(
      seeded.map(async ({ plan: p, url, inventory }) => {
        const start = () =>
          startNumberspace({
            label: p.info.key,
            databaseUrl: url,
            projectId: inventory.projectId,
            apiToken: inventory.apiToken,
            logFile: join(dir, `${p.info.key}.log`),
            entry: plan.entry,
            ...(p.info.checkout === undefined ? {} : { checkout: plan.compare!.dir }),
            env: { ...p.info.env, WORKERS: String(p.info.workers ?? 1) },
            ...(plan.serverLogLevel === undefined ? {} : { logLevel: plan.serverLogLevel }),
          });
        const context: ScenarioContext = {
          auth: basicAuth(inventory),
          projectId: inventory.projectId,
          ids: idSample(inventory),
          deepPath: undefined,
          numbers,
          ...(p.scenarios.includes('purchase') ? { purchases: new StockNumbers(p.info.stock!) } : {}),
        };
        const target: LiveTarget = { ...p, server: await start(), start, restarts: 0, context, databaseUrl: url, purchasePeak: 0 };
        resources.add(`stop ${p.info.key}`, () => target.server.stop());
        startedTargets.push(target);
        return { target, inventory };
      }),
    );

    const deepPages: DeepRecord[] = [];
    for (const { target, inventory } of live) {
      if (!target.scenarios.includes('list-deep')) continue;
      const pages = Math.min(plan.deepPages, Math.floor(inventory.count / PAGE_SIZE) - 1);
      log(`walking ${target.info.key} to page ${pages.toLocaleString('en-US')}…`);
      const deep = await walkToDeepPage(target.server.url, target.context.auth, pages);
      deepPages.push({ target: target.info.key, pageNumber: deep.pageNumber, seconds: deep.seconds });
      target.context = { ...target.context, deepPath: deep.path };
    }

    // The baseline answers with the bytes a real server (of this build) just answered.
    const first = live.find((l) => l.target.info.checkout === undefined)!.target;
    const { projectId } = first.context;
    // Searches (of the first area code; no purchase has happened yet) from a server with stock.
    const withStock = live.find((l) => l.target.info.stock !== undefined)?.target;
    const fixtures = {
      resource: await fetchOk(first.server.url + `${LIST_PATH}/${first.context.ids[0]}`, first.context.auth),
      list: await fetchOk(first.server.url + FIRST_PAGE_PATH, first.context.auth),
      compatResource: await fetchOk(first.server.url + compatNumberPath(projectId, first.context.ids[0]!), first.context.auth),
      compatList: await fetchOk(first.server.url + compatFirstPagePath(projectId), first.context.auth),
      ...(withStock === undefined
        ? {}
        : {
            search: await fetchOk(withStock.server.url + searchPath(STOCK_AREA_CODES[0]!), withStock.context.auth),
            compatSearch: await fetchOk(withStock.server.url + compatSearchPath(withStock.context.projectId, US_STOCK_AREA_CODES[0]!), withStock.context.auth),
          }),
    };
    const startBaselineServer = () => startBaseline({ dir, fixtures, logFile: join(dir, 'baseline.log') });
    const baseline: LiveTarget = {
      info: { key: 'baseline', label: 'baseline', backend: 'baseline', inventory: null, description: 'bare node:http answering fixed bodies captured from numberspace' },
      scenarios: SCENARIO_NAMES.filter((s) => plan.scenarios.some((mine) => SCENARIOS[mine].baseline === s)),
      server: await startBaselineServer(),
      start: startBaselineServer,
      restarts: 0,
      context: { ...first.context, deepPath: undefined },
      databaseUrl: null,
      purchasePeak: 0,
    };
    resources.add('stop the baseline', () => baseline.server.stop());
    startedTargets.push(baseline);
    const targets = [baseline, ...live.map((l) => l.target)];

    const stockTopUps: StockTopUp[] = [];
    let round = 0;
    /**
     * Before a purchase run: the target's stock must hold enough numbers not yet bought for
     * `seconds` of purchases at twice the fastest rate seen; if it does not, that many more are
     * loaded, between runs, the way `numberspace stock add` loads them.
     */
    const stockAhead = async (t: LiveTarget, seconds: number) => {
      const stock = t.context.purchases!;
      const needed = Math.ceil((t.purchasePeak > 0 ? 2 * t.purchasePeak : PURCHASE_GUESS_RPS) * seconds);
      if (stock.remaining() >= needed) return;
      // A whole run's worth, not just the shortfall, so the next run is not short at once.
      const rows = needed;
      log(`${t.info.key}: ${Math.max(0, stock.remaining()).toLocaleString('en-US')} stock numbers left to buy; adding ${rows.toLocaleString('en-US')}…`);
      const added = await topUpStock(t.databaseUrl!, stock.stocked(), rows);
      stock.added(rows);
      stockTopUps.push({ target: t.info.key, round, rows, seconds: added.seconds });
    };
    const measure = async (t: LiveTarget, scenario: ScenarioName | Scenario, connections: number, seconds: number): Promise<LoadResult> => {
      const chosen = typeof scenario === 'string' ? SCENARIOS[scenario] : scenario;
      const buying = chosen.name === 'purchase' && t.context.purchases !== undefined;
      for (;;) {
        // A restart below repeats the run after a warm-up: the stock must cover both.
        if (buying) await stockAhead(t, seconds + plan.warmupSeconds);
        const before = buying ? t.context.purchases!.remaining() : 0;
        const result = await runLoad({ url: t.server.url, connections, seconds, requests: chosen.requests(t.context), memory: t.server.memory, cpuSeconds: t.server.cpuSeconds });
        if (buying) t.purchasePeak = Math.max(t.purchasePeak, (before - t.context.purchases!.remaining()) / result.seconds);
        if (t.server.alive()) return result;
        if (!t.server.stoppedFromOutside() || t.restarts >= MAX_RESTARTS) {
          throw new Error(`${t.info.key} died during ${chosen.name} @${connections}; its log ends:\n${t.server.logTail()}`);
        }
        // Same database, same credentials: the inventory, imports and deep page survive.
        log(`${t.info.key} was stopped by a signal from outside the benchmark during ${chosen.name} @${connections}; restarting it and repeating the run`);
        t.server = await t.start();
        t.restarts++;
        if (plan.warmupSeconds > 0) await runLoad({ url: t.server.url, connections: WARMUP_CONNECTIONS, seconds: plan.warmupSeconds, requests: chosen.requests(t.context), memory: t.server.memory, cpuSeconds: t.server.cpuSeconds });
      }
    };

    const runsPerRound = targets.reduce((n, t) => n + t.scenarios.reduce((m, s) => m + connectionCounts(plan, t, s).length, 0), 0);
    const warmups = targets.reduce((n, t) => n + t.scenarios.length, 0);
    const etaSeconds = warmups * plan.warmupSeconds + plan.rounds * runsPerRound * (plan.durationSeconds + 0.3) + (plan.bulkRows > 0 ? plan.rounds * 2 * (plan.durationSeconds + 8) : 0);
    log(`${targets.length} targets, ${runsPerRound} runs per round × ${plan.rounds} rounds; about ${Math.ceil(etaSeconds / 60)} min of load from here`);

    if (plan.warmupSeconds > 0) {
      log('warming up…');
      for (const t of targets) for (const scenario of t.scenarios) await measure(t, scenario, WARMUP_CONNECTIONS, plan.warmupSeconds);
    }

    // Interleaved: every target takes its turn at a scenario before the next scenario, and
    // every scenario its turn before the next round, so drift in the machine hits all alike.
    const runs: RunRecord[] = [];
    const bulk: BulkRecord[] = [];
    // The command against the single-request import of the same server, in the same round.
    const bulkTargets = plan.bulkRows > 0 && plan.scenarios.includes('import') ? live.filter((l) => l.target.scenarios.includes('import') && isStandard(l.target.info)) : [];
    const allCounts = [...new Set([...plan.connections, ...stockConnectionsOf(plan)])].sort((a, b) => a - b);
    for (round = 1; round <= plan.rounds; round++) {
      for (const { target, inventory } of bulkTargets) {
        const single = await measure(target, 'import', BULK_CONNECTIONS, plan.durationSeconds);
        const keyed = await measure(target, KEYED_IMPORT, BULK_CONNECTIONS, plan.durationSeconds);
        const result = await runBulkImport({ server: target.server, projectId: inventory.projectId, apiToken: inventory.apiToken, dir, rows: plan.bulkRows, numbers, tag: `${target.info.key}-${round}` });
        bulk.push({ round, target: target.info.key, single, keyed, result });
        log(`[${round}/${plan.rounds}] bulk ${target.info.label}: numberspace import ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s, single imports @${BULK_CONNECTIONS} ${Math.round(single.rps).toLocaleString('en-US')} req/s: ${(result.rowsPerSecond / single.rps).toFixed(2)}× (keyed single imports ${Math.round(keyed.rps).toLocaleString('en-US')} req/s)`);
      }
      for (const scenario of SCENARIO_NAMES) {
        for (const connections of allCounts) {
          for (const t of targets) {
            if (!t.scenarios.includes(scenario) || !connectionCounts(plan, t, scenario).includes(connections)) continue;
            const result = await measure(t, scenario, connections, plan.durationSeconds);
            runs.push({ round, scenario, connections, target: t.info.key, result });
            const bad = result.non2xx + result.errors > 0 ? `  ${result.non2xx} non-2xx ${JSON.stringify(result.statusCodes)}, ${result.errors} errors` : '';
            log(
              `[${round}/${plan.rounds}] ${scenario} @${connections} ${t.info.label}: ${Math.round(result.rps).toLocaleString('en-US')} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, RSS ${(result.maxRssBytes / 2 ** 20).toFixed(0)} MB${bad}`,
            );
          }
        }
      }
    }

    const infos = targets.map((t) => t.info);
    const rows = summarise(runs, infos);
    const scale = scaleRows(rows, infos);
    const workers = workersRows(runs, infos);
    const comparison = compareRows(runs, infos);
    const beside = besideRows(runs, infos);
    const bulkRows = summariseBulk(bulk);
    const finished = new Date();
    return {
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      wallSeconds: (finished.getTime() - started.getTime()) / 1000,
      machine: finishMachine(machine),
      settings: {
        mode: plan.mode,
        rounds: plan.rounds,
        durationSeconds: plan.durationSeconds,
        warmupSeconds: plan.warmupSeconds,
        connections: plan.connections,
        stockConnections: stockConnectionsOf(plan),
        stock: stockOf(plan),
        workers: workersOf(plan),
        scenarios: plan.scenarios,
        serverLogLevel: plan.serverLogLevel ?? 'info (numberspace default)',
        server: `${plan.entry === 'built' ? ['node', ...SERVER_NODE_FLAGS, 'dist/main.js serve'].join(' ') : 'node --import tsx src/main.ts serve'}${process.env.NODE_OPTIONS === undefined ? '' : ` with NODE_OPTIONS=${process.env.NODE_OPTIONS}`}`,
        revision: revision(),
        ...(plan.compare === undefined ? {} : { compared: plan.compare.revision }),
      },
      targets: infos,
      scenarios: Object.fromEntries(plan.scenarios.map((name) => [name, SCENARIOS[name].description])),
      seeding,
      deepPages,
      rows,
      scale,
      comparison,
      beside,
      workers,
      stockTopUps,
      bulk: bulkRows,
      bulkRuns: bulk,
      checks: [...checks(rows, scale, runs, infos), ...comparisonChecks(comparison, plan.compare?.revision), ...bulkChecks(bulkRows)],
      restarts: Object.fromEntries(targets.filter((t) => t.restarts > 0).map((t) => [t.info.key, t.restarts])),
      runs,
    };
  } catch (err) {
    // A server that died explains the failure better than the request that found it gone.
    for (const { server } of startedTargets.filter((t) => !t.server.alive())) log(`${server.label} is not running; its log ends:\n${server.logTail()}`);
    throw err;
  } finally {
    await resources.release(log);
  }
}

function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/**
 * Seeds a database with another checkout's own bench/seed.ts, run there through that
 * checkout's tsx, and reads back the inventory it printed.
 */
async function seedInCheckout(checkout: string, databaseUrl: string, count: number): Promise<SeedResult> {
  const script = `import { seedDatabase } from './bench/seed.ts';
const result = await seedDatabase(process.env.SEED_DATABASE_URL, Number(process.env.SEED_COUNT));
process.stdout.write('\\n' + JSON.stringify(result) + '\\n');`;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: checkout,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SEED_DATABASE_URL: databaseUrl, SEED_COUNT: String(count) },
    maxBuffer: 16 * 2 ** 20,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as SeedResult;
  } catch {
    throw new Error(`seeding in ${checkout} printed no result:\n${stdout.slice(-2000)}`);
  }
}

/** Loads a seeded database's stock (seed.ts seedStock) in a process of its own, through this checkout's tsx. */
async function stockInProcess(databaseUrl: string, count: number, signal: AbortSignal): Promise<StockSeed> {
  const script = `import { seedStock } from './bench/seed.ts';
const result = await seedStock(process.env.SEED_DATABASE_URL, Number(process.env.SEED_STOCK));
process.stdout.write('\\n' + JSON.stringify(result) + '\\n');`;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SEED_DATABASE_URL: databaseUrl, SEED_STOCK: String(count) },
    maxBuffer: 16 * 2 ** 20,
    signal,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as StockSeed;
  } catch {
    throw new Error(`the stock load printed no result:\n${stdout.slice(-2000)}`);
  }
}

async function fetchOk(url: string, auth: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: auth } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return text;
}
