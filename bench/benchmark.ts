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
  type BulkRecord,
  bulkChecks,
  checks,
  compareRows,
  summariseBulk,
  comparisonChecks,
  type DeepRecord,
  inventoryLabel,
  type Report,
  type RunRecord,
  scaleRows,
  type SeedRecord,
  type Settings,
  summarise,
  type TargetInfo,
} from './report.js';
import {
  compatFirstPagePath,
  compatNumberPath,
  FIRST_PAGE_PATH,
  LIST_PATH,
  RELAY_SCENARIOS,
  KEYED_IMPORT,
  type Scenario,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioContext,
  type ScenarioName,
  walkToDeepPage,
} from './scenarios.js';
import { BULK_CONNECTIONS, runBulkImport } from './bulk.js';
import { type SeedResult, seedDatabase } from './seed.js';

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
  readonly log: (line: string) => void;
}

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
}

/** Per server; a server stopped more often than this is not being left alone to be measured. */
const MAX_RESTARTS = 3;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READ_SCENARIOS: readonly ScenarioName[] = ['get', 'list', 'list-deep'];
const WARMUP_CONNECTIONS = 10;
const PAGE_SIZE = 50;

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
      if (scenarios.length > 0) out.push({ info: { key, label, backend, inventory, description, ...extra }, scenarios });
    };
    const reads = pick(['get', 'list', 'list-deep', 'update', 'compat-get', 'compat-list']);
    const imports = pick(['import', 'compat-import']);
    add(`${backend}-${size}`, `${backend} ${size}`, smallest, reads, `numberspace on ${backend}, ${smallest} numbers seeded`);
    add(`${backend}-${size}-import`, `${backend} ${size}+imports`, smallest, imports, `numberspace on ${backend}, ${smallest} numbers seeded, then every import of the run`);
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

    // Seed every database before its server starts, then start them all.
    const seeding: SeedRecord[] = [];
    const seeded: { plan: TargetPlan; url: string; inventory: Inventory }[] = [];
    for (const p of plans) {
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
      seeding.push({ target: p.info.key, rows: result.rows, seconds: result.seconds, method: result.method });
      seeded.push({ plan: p, url, inventory: result.inventory });
    }

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
            ...(p.info.env === undefined ? {} : { env: p.info.env }),
            ...(plan.serverLogLevel === undefined ? {} : { logLevel: plan.serverLogLevel }),
          });
        const target: LiveTarget = { ...p, server: await start(), start, restarts: 0, context: { auth: basicAuth(inventory), projectId: inventory.projectId, ids: idSample(inventory), deepPath: undefined, numbers } };
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
    const fixtures = {
      resource: await fetchOk(first.server.url + `${LIST_PATH}/${first.context.ids[0]}`, first.context.auth),
      list: await fetchOk(first.server.url + FIRST_PAGE_PATH, first.context.auth),
      compatResource: await fetchOk(first.server.url + compatNumberPath(projectId, first.context.ids[0]!), first.context.auth),
      compatList: await fetchOk(first.server.url + compatFirstPagePath(projectId), first.context.auth),
    };
    const startBaselineServer = () => startBaseline({ dir, fixtures, logFile: join(dir, 'baseline.log') });
    const baseline: LiveTarget = {
      info: { key: 'baseline', label: 'baseline', backend: 'baseline', inventory: null, description: 'bare node:http answering fixed bodies captured from numberspace' },
      scenarios: SCENARIO_NAMES.filter((s) => plan.scenarios.some((mine) => SCENARIOS[mine].baseline === s)),
      server: await startBaselineServer(),
      start: startBaselineServer,
      restarts: 0,
      context: { ...first.context, deepPath: undefined },
    };
    resources.add('stop the baseline', () => baseline.server.stop());
    startedTargets.push(baseline);
    const targets = [baseline, ...live.map((l) => l.target)];

    const measure = async (t: LiveTarget, scenario: ScenarioName | Scenario, connections: number, seconds: number): Promise<LoadResult> => {
      const chosen = typeof scenario === 'string' ? SCENARIOS[scenario] : scenario;
      for (;;) {
        const result = await runLoad({ url: t.server.url, connections, seconds, requests: chosen.requests(t.context), rss: t.server.rss, cpuSeconds: t.server.cpuSeconds });
        if (t.server.alive()) return result;
        if (!t.server.stoppedFromOutside() || t.restarts >= MAX_RESTARTS) {
          throw new Error(`${t.info.key} died during ${chosen.name} @${connections}; its log ends:\n${t.server.logTail()}`);
        }
        // Same database, same credentials: the inventory, imports and deep page survive.
        log(`${t.info.key} was stopped by a signal from outside the benchmark during ${chosen.name} @${connections}; restarting it and repeating the run`);
        t.server = await t.start();
        t.restarts++;
        if (plan.warmupSeconds > 0) await runLoad({ url: t.server.url, connections: WARMUP_CONNECTIONS, seconds: plan.warmupSeconds, requests: chosen.requests(t.context), rss: t.server.rss, cpuSeconds: t.server.cpuSeconds });
      }
    };

    const runsPerRound = plan.scenarios.length === 0 ? 0 : targets.reduce((n, t) => n + t.scenarios.length, 0) * plan.connections.length;
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
    const bulkTargets = plan.bulkRows > 0 && plan.scenarios.includes('import') ? live.filter((l) => l.target.scenarios.includes('import') && l.target.info.checkout === undefined && l.target.info.env === undefined) : [];
    for (let round = 1; round <= plan.rounds; round++) {
      for (const { target, inventory } of bulkTargets) {
        const single = await measure(target, 'import', BULK_CONNECTIONS, plan.durationSeconds);
        const keyed = await measure(target, KEYED_IMPORT, BULK_CONNECTIONS, plan.durationSeconds);
        const result = await runBulkImport({ server: target.server, projectId: inventory.projectId, apiToken: inventory.apiToken, dir, rows: plan.bulkRows, numbers, tag: `${target.info.key}-${round}` });
        bulk.push({ round, target: target.info.key, single, keyed, result });
        log(`[${round}/${plan.rounds}] bulk ${target.info.label}: numberspace import ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s, single imports @${BULK_CONNECTIONS} ${Math.round(single.rps).toLocaleString('en-US')} req/s: ${(result.rowsPerSecond / single.rps).toFixed(2)}× (keyed single imports ${Math.round(keyed.rps).toLocaleString('en-US')} req/s)`);
      }
      for (const scenario of SCENARIO_NAMES) {
        for (const connections of plan.connections) {
          for (const t of targets) {
            if (!t.scenarios.includes(scenario)) continue;
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
    const scale = scaleRows(rows);
    const comparison = compareRows(runs, infos);
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
        scenarios: plan.scenarios,
        serverLogLevel: plan.serverLogLevel ?? 'info (numberspace default)',
        server: plan.entry === 'built' ? ['node', ...SERVER_NODE_FLAGS, 'dist/main.js serve'].join(' ') : 'node --import tsx src/main.ts serve',
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
      bulk: bulkRows,
      bulkRuns: bulk,
      checks: [...checks(rows, scale), ...comparisonChecks(comparison, plan.compare?.revision), ...bulkChecks(bulkRows)],
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

async function fetchOk(url: string, auth: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: auth } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return text;
}
