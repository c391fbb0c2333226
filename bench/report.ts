import type { BulkResult } from './bulk.js';
import type { LoadResult } from './load.js';
import type { Machine } from './machine.js';
import { SCENARIO_NAMES, SCENARIOS, type ScenarioName } from './scenarios.js';

export type Backend = 'baseline' | 'sqlite' | 'postgres';

/** A server the benchmark measured, as the report names it. */
export interface TargetInfo {
  readonly key: string;
  /** How tables name it: backend and inventory. */
  readonly label: string;
  readonly backend: Backend;
  /** Numbers seeded into the project before the start; null for the baseline. */
  readonly inventory: number | null;
  /** Numbers in its Space's stock at the start, for the stock scenarios; absent: no stock. */
  readonly stock?: number;
  readonly description: string;
  /** Settings the server ran with beyond the defaults (for example SQLITE_SYNCHRONOUS=FULL). */
  readonly env?: Readonly<Record<string, string>>;
  /** Set for a server of the compared build (`--compare`): that build's revision. */
  readonly checkout?: string;
  /** For a compared server: the key of this build's server measured the same way. */
  readonly counterpart?: string;
  /**
   * Server processes (WORKERS, set explicitly on every numberspace server so that a change of
   * the server's default never changes what a row means); absent for the baseline.
   */
  readonly workers?: number;
  /** For a server of several workers: the key of its one-worker counterpart, seeded the same way. */
  readonly singleWorker?: string;
}

/**
 * This build, one worker, default settings: the servers the targets are judged on (not the
 * NORMAL durability one, not a compared build, not a several-worker one).
 */
export function isStandard(t: TargetInfo): boolean {
  return t.backend !== 'baseline' && t.checkout === undefined && t.env === undefined && (t.workers ?? 1) === 1;
}

/** One load run. */
export interface RunRecord {
  readonly round: number;
  readonly scenario: ScenarioName;
  readonly connections: number;
  readonly target: string;
  readonly result: LoadResult;
}

export interface Ratios {
  /** Target req/s over baseline req/s: the share of the baseline's throughput. */
  readonly rps: number;
  /** Target latency over baseline latency: how many times slower. */
  readonly p50: number;
  readonly p99: number;
  readonly rss: number;
  /** Target CPU per request over the baseline's: how many times the work. */
  readonly cpu: number;
}

/** One scenario × connections × target, over all rounds. */
export interface Row {
  readonly scenario: ScenarioName;
  readonly connections: number;
  readonly target: string;
  readonly backend: Backend;
  readonly inventory: number | null;
  /** The target's stock at the start; null without one. */
  readonly stock: number | null;
  readonly rounds: number;
  /** Medians over rounds. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server processes; null for the baseline. */
  readonly workers: number | null;
  /** The largest VmRSS of any one server process seen in any round. */
  readonly maxRssMB: number;
  /** The largest VmRSS summed over the server's process tree seen in any round. */
  readonly maxRssTotalMB: number;
  /** Server CPU microseconds per 2xx answer, median over rounds. */
  readonly cpuUsPerRequest: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Any non-2xx answer or connection error: the figures of this row are not to be trusted. */
  readonly flagged: boolean;
  /** Median over rounds of the per-round ratio to the baseline run of the same round; absent for the baseline. */
  readonly ratio?: Ratios;
  /** The baseline run this row is compared with. */
  readonly baselineScenario: ScenarioName;
}

export interface ScaleRow {
  readonly backend: Backend;
  readonly scenario: ScenarioName;
  readonly connections: number;
  /** What grew: the project's inventory, or (search) the Space's stock; `inventory` below is its size. */
  readonly sized: 'inventory' | 'stock';
  readonly small: { inventory: number; rps: number; p50Ms: number };
  readonly large: { inventory: number; rps: number; p50Ms: number };
  /** req/s at the small inventory over req/s at the large one: how many times a request costs more at scale. */
  readonly costByRps: number;
  /** p50 at the large inventory over p50 at the small one. */
  readonly costByP50: number;
  readonly flagged: boolean;
}

/** This build against the compared build, the same scenario in the same rounds. */
export interface ComparisonRow {
  readonly scenario: ScenarioName;
  readonly connections: number;
  readonly backend: Backend;
  /** This build's target and the compared one. */
  readonly target: string;
  readonly compared: string;
  readonly rounds: number;
  /** Median over rounds of this build's req/s over the compared build's in the same round: above 1 is faster. */
  readonly rps: number;
  /** The same for p50 latency and CPU per request: below 1 is cheaper. */
  readonly p50: number;
  readonly cpu: number;
  readonly flagged: boolean;
}

/**
 * A stock scenario set beside the Relay REST scenario it is read against (SCENARIOS[…].beside:
 * get for a search, import for a purchase) on the same backend, in the same rounds.
 */
export interface BesideRow {
  readonly scenario: ScenarioName;
  readonly connections: number;
  readonly backend: Backend;
  readonly target: string;
  readonly beside: ScenarioName;
  /** The server the beside scenario ran on: this build's, default settings, smallest inventory. */
  readonly besideTarget: string;
  readonly rounds: number;
  /** Median over rounds of this scenario's req/s over the beside scenario's in the same round. */
  readonly rps: number;
  /** The same for CPU per request and p50 latency: multiples of the beside scenario's. */
  readonly cpu: number;
  readonly p50: number;
  readonly flagged: boolean;
}

/**
 * A server of several workers beside its one-worker counterpart (seeded the same way), the
 * same scenario and connections in the same rounds.
 */
export interface WorkersRow {
  readonly backend: Backend;
  readonly scenario: ScenarioName;
  readonly connections: number;
  readonly workers: number;
  readonly target: string;
  /** The one-worker server. */
  readonly single: string;
  readonly rounds: number;
  /** Median over rounds of the several workers' req/s over the one worker's in the same round: above 1 is faster. */
  readonly rps: number;
  /** The same for CPU per request: above 1 costs more per request. */
  readonly cpu: number;
  /** Medians over rounds. */
  readonly rpsOf: { readonly workers: number; readonly single: number };
  readonly p99MsOf: { readonly workers: number; readonly single: number };
  /** The largest single process's and the whole tree's VmRSS, peaks over rounds, for each. */
  readonly rssMBOf: { readonly workers: { readonly largest: number; readonly total: number }; readonly single: { readonly largest: number; readonly total: number } };
  readonly flagged: boolean;
}

/** One round of `numberspace import` against one server, with that round's single imports at 16 connections. */
export interface BulkRecord {
  readonly round: number;
  readonly target: string;
  readonly single: LoadResult;
  /** Single imports each with an Idempotency-Key: the keys' own cost, without the command. */
  readonly keyed: LoadResult;
  readonly result: BulkResult;
}

export interface BulkRow {
  readonly target: string;
  readonly rounds: number;
  readonly rows: number;
  /** Medians over rounds. */
  readonly rowsPerSecond: number;
  readonly singleRps: number;
  /** Median of the per-round ratio, bulk rows/s over single-import req/s. */
  readonly ratio: number;
  readonly serverCpuUsPerRow: number;
  readonly singleCpuUsPerRequest: number;
  readonly keyedRps: number;
  readonly keyedCpuUsPerRequest: number;
  /** Median of the per-round ratio, bulk rows/s over keyed single-import req/s. */
  readonly ratioToKeyed: number;
  readonly flagged: boolean;
}

export interface Check {
  readonly rule: string;
  readonly measured: string;
  /** null when the run did not measure it (flags, or no PostgreSQL). */
  readonly pass: boolean | null;
}

export interface SeedRecord {
  readonly target: string;
  readonly rows: number;
  readonly seconds: number;
  readonly method: string;
  /** The stock loaded into the target's Space after its numbers, when it has one. */
  readonly stock?: { readonly rows: number; readonly areaCodes: number; readonly seconds: number; readonly method: string };
}

/** Stock added to a purchase target between runs, to stay ahead of its purchases. */
export interface StockTopUp {
  readonly target: string;
  /** 0: during the warm-up. */
  readonly round: number;
  readonly rows: number;
  readonly seconds: number;
}

export interface DeepRecord {
  readonly target: string;
  readonly pageNumber: number;
  readonly seconds: number;
}

export interface Settings {
  readonly mode: 'quick' | 'full' | 'custom';
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: readonly number[];
  /** The connection counts of the stock scenarios. */
  readonly stockConnections: readonly number[];
  /** Numbers in the stock of the search and purchase servers at the start. */
  readonly stock: number;
  readonly scenarios: readonly ScenarioName[];
  readonly serverLogLevel: string;
  readonly server: string;
  /** The commit measured, and whether src/ differed from it. */
  readonly revision: string;
  /** The compared build's commit (`--compare`). */
  readonly compared?: string;
  /** Worker counts measured (`--workers`): 1 is every ordinary server, each count above 1 adds servers of its own. */
  readonly workers: readonly number[];
}

export interface Report {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly wallSeconds: number;
  readonly machine: Machine;
  readonly settings: Settings;
  readonly targets: readonly TargetInfo[];
  /** What each measured scenario sends. */
  readonly scenarios: Readonly<Partial<Record<ScenarioName, string>>>;
  readonly seeding: readonly SeedRecord[];
  readonly deepPages: readonly DeepRecord[];
  readonly rows: readonly Row[];
  readonly scale: readonly ScaleRow[];
  readonly comparison: readonly ComparisonRow[];
  readonly beside: readonly BesideRow[];
  readonly workers: readonly WorkersRow[];
  readonly stockTopUps: readonly StockTopUp[];
  readonly bulk: readonly BulkRow[];
  readonly bulkRuns: readonly BulkRecord[];
  readonly checks: readonly Check[];
  /** Servers restarted after something outside the benchmark stopped them, and how often. */
  readonly restarts: Readonly<Record<string, number>>;
  readonly runs: readonly RunRecord[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const MB = 2 ** 20;

/** A run whose figures describe no working server. */
const bad = (r: LoadResult) => r.non2xx > 0 || r.errors > 0 || r.ok === 0;

/** Aggregates the runs into rows, pairing every run with the baseline run of its own round. */
export function summarise(runs: readonly RunRecord[], targets: readonly TargetInfo[]): Row[] {
  const byKey = new Map<string, RunRecord[]>();
  const key = (scenario: string, connections: number, target: string) => `${scenario}|${connections}|${target}`;
  for (const r of runs) {
    const k = key(r.scenario, r.connections, r.target);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  const rows: Row[] = [];
  for (const scenario of SCENARIO_NAMES) {
    const connectionCounts = [...new Set(runs.filter((r) => r.scenario === scenario).map((r) => r.connections))].sort((a, b) => a - b);
    for (const connections of connectionCounts) {
      for (const target of targets) {
        const mine = byKey.get(key(scenario, connections, target.key));
        if (mine === undefined) continue;
        const results = mine.map((r) => r.result);
        const statusCodes: Record<string, number> = {};
        for (const res of results) for (const [code, n] of Object.entries(res.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
        const non2xx = results.reduce((s, r) => s + r.non2xx, 0);
        const errors = results.reduce((s, r) => s + r.errors, 0);
        const baselineScenario = SCENARIOS[scenario].baseline;
        let ratio: Ratios | undefined;
        if (target.backend !== 'baseline') {
          const base = new Map((byKey.get(key(baselineScenario, connections, 'baseline')) ?? []).map((r) => [r.round, r.result]));
          const paired = mine.filter((r) => base.has(r.round)).map((r) => ({ t: r.result, b: base.get(r.round)! }));
          if (paired.length > 0) {
            ratio = {
              rps: median(paired.map(({ t, b }) => t.rps / b.rps)),
              p50: median(paired.map(({ t, b }) => t.p50Ms / b.p50Ms)),
              p99: median(paired.map(({ t, b }) => t.p99Ms / b.p99Ms)),
              rss: Math.max(...results.map((r) => r.maxRssBytes)) / Math.max(...paired.map(({ b }) => b.maxRssBytes)),
              cpu: median(paired.map(({ t, b }) => t.cpuUsPerRequest / b.cpuUsPerRequest)),
            };
          }
        }
        rows.push({
          scenario,
          connections,
          target: target.key,
          backend: target.backend,
          inventory: target.inventory,
          stock: target.stock ?? null,
          rounds: results.length,
          rps: median(results.map((r) => r.rps)),
          p50Ms: median(results.map((r) => r.p50Ms)),
          p99Ms: median(results.map((r) => r.p99Ms)),
          workers: target.workers ?? null,
          maxRssMB: Math.max(...results.map((r) => r.maxRssBytes)) / MB,
          maxRssTotalMB: Math.max(...results.map((r) => r.maxRssTotalBytes)) / MB,
          cpuUsPerRequest: median(results.map((r) => r.cpuUsPerRequest)),
          non2xx,
          errors,
          statusCodes,
          flagged: non2xx > 0 || errors > 0 || results.some((r) => r.ok === 0),
          ...(ratio === undefined ? {} : { ratio }),
          baselineScenario,
        });
      }
    }
  }
  return rows;
}

/** Every compared server's runs paired, round by round, with its counterpart's. */
export function compareRows(runs: readonly RunRecord[], targets: readonly TargetInfo[]): ComparisonRow[] {
  const out: ComparisonRow[] = [];
  for (const compared of targets.filter((t) => t.counterpart !== undefined)) {
    for (const scenario of SCENARIO_NAMES) {
      const theirs = runs.filter((r) => r.target === compared.key && r.scenario === scenario);
      for (const connections of [...new Set(theirs.map((r) => r.connections))].sort((a, b) => a - b)) {
        const pairs = theirs
          .filter((c) => c.connections === connections)
          .flatMap((c) => {
            const mine = runs.find((r) => r.target === compared.counterpart && r.scenario === scenario && r.connections === connections && r.round === c.round);
            return mine === undefined ? [] : [{ t: mine.result, c: c.result }];
          });
        if (pairs.length === 0) continue;
        out.push({
          scenario,
          connections,
          backend: compared.backend,
          target: compared.counterpart!,
          compared: compared.key,
          rounds: pairs.length,
          rps: median(pairs.map(({ t, c }) => t.rps / c.rps)),
          p50: median(pairs.map(({ t, c }) => t.p50Ms / c.p50Ms)),
          cpu: median(pairs.map(({ t, c }) => t.cpuUsPerRequest / c.cpuUsPerRequest)),
          flagged: pairs.some(({ t, c }) => bad(t) || bad(c)),
        });
      }
    }
  }
  return out;
}

/** Every stock scenario's runs paired, round by round, with the Relay REST get or import of the same backend. */
export function besideRows(runs: readonly RunRecord[], targets: readonly TargetInfo[]): BesideRow[] {
  const out: BesideRow[] = [];
  for (const scenario of SCENARIO_NAMES) {
    const beside = SCENARIOS[scenario].beside;
    if (beside === undefined) continue;
    for (const target of targets.filter((t) => t.backend !== 'baseline' && t.checkout === undefined)) {
      const mine = runs.filter((r) => r.target === target.key && r.scenario === scenario);
      if (mine.length === 0) continue;
      // This build's server for the beside scenario on the same backend: one worker, default settings, the smallest inventory.
      const other = targets
        .filter((t) => t.backend === target.backend && isStandard(t) && runs.some((r) => r.target === t.key && r.scenario === beside))
        .sort((a, b) => (a.inventory ?? 0) - (b.inventory ?? 0))[0];
      if (other === undefined) continue;
      for (const connections of [...new Set(mine.map((r) => r.connections))].sort((a, b) => a - b)) {
        const pairs = mine
          .filter((r) => r.connections === connections)
          .flatMap((r) => {
            const theirs = runs.find((b) => b.target === other.key && b.scenario === beside && b.connections === connections && b.round === r.round);
            return theirs === undefined ? [] : [{ t: r.result, b: theirs.result }];
          });
        if (pairs.length === 0) continue;
        out.push({
          scenario,
          connections,
          backend: target.backend,
          target: target.key,
          beside,
          besideTarget: other.key,
          rounds: pairs.length,
          rps: median(pairs.map(({ t, b }) => t.rps / b.rps)),
          cpu: median(pairs.map(({ t, b }) => t.cpuUsPerRequest / b.cpuUsPerRequest)),
          p50: median(pairs.map(({ t, b }) => t.p50Ms / b.p50Ms)),
          flagged: pairs.some(({ t, b }) => bad(t) || bad(b)),
        });
      }
    }
  }
  return out;
}

export function summariseBulk(records: readonly BulkRecord[]): BulkRow[] {
  return [...new Set(records.map((r) => r.target))].map((target) => {
    const mine = records.filter((r) => r.target === target);
    return {
      target,
      rounds: mine.length,
      rows: mine[0]!.result.rows,
      rowsPerSecond: median(mine.map((r) => r.result.rowsPerSecond)),
      singleRps: median(mine.map((r) => r.single.rps)),
      ratio: median(mine.map((r) => r.result.rowsPerSecond / r.single.rps)),
      serverCpuUsPerRow: median(mine.map((r) => r.result.serverCpuUsPerRow)),
      singleCpuUsPerRequest: median(mine.map((r) => r.single.cpuUsPerRequest)),
      keyedRps: median(mine.map((r) => r.keyed.rps)),
      keyedCpuUsPerRequest: median(mine.map((r) => r.keyed.cpuUsPerRequest)),
      ratioToKeyed: median(mine.map((r) => r.result.rowsPerSecond / r.keyed.rps)),
      flagged: mine.some((r) => r.single.non2xx + r.single.errors + r.keyed.non2xx + r.keyed.errors > 0),
    };
  });
}

const BULK_FLOOR = 0.8;

/** `numberspace import` at its default concurrency against the same server's single imports at 16 connections. */
export function bulkChecks(rows: readonly BulkRow[]): Check[] {
  return rows.map((r) => {
    const rule = `${r.target}: numberspace import ≥ ${BULK_FLOOR}× single imports at 16 connections`;
    const measured = `${fmtRatio(r.ratio)} (${Math.round(r.rowsPerSecond)} rows/s against ${Math.round(r.singleRps)} req/s; server CPU ${r.serverCpuUsPerRow.toFixed(0)} µs/row against ${r.singleCpuUsPerRequest.toFixed(0)} µs/request)`;
    return r.flagged ? { rule, measured: `${measured}, but with errors`, pass: false } : { rule, measured, pass: r.ratio >= BULK_FLOOR };
  });
}

/** How close this build must stay to the compared one, by req/s. */
const COMPARISON_FLOOR = 0.95;

/** Relay import, get and list of this build against the compared build, at 50 connections. */
export function comparisonChecks(rows: readonly ComparisonRow[], revision: string | undefined): Check[] {
  if (revision === undefined) return [];
  return (['import', 'get', 'list'] as const).flatMap((scenario) =>
    (['sqlite', 'postgres'] as const).flatMap((backend): Check[] => {
      const row = rows.find((r) => r.scenario === scenario && r.backend === backend && r.connections === CHECK_CONNECTIONS);
      if (row === undefined && backend === 'postgres') return [];
      const rule = `${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} Relay ${scenario} within 5% of ${revision} (req/s ≥ ${COMPARISON_FLOOR}× in the same rounds)`;
      if (row === undefined) return [{ rule, measured: 'not measured', pass: null }];
      const measured = `${fmtRatio(row.rps)} req/s, ${fmtRatio(row.cpu)} CPU/request, ${fmtRatio(row.p50)} p50`;
      return [row.flagged ? { rule, measured: `${measured}, but with errors`, pass: false } : { rule, measured, pass: row.rps >= COMPARISON_FLOOR }];
    }),
  );
}

/**
 * The same scenario at the smallest and the largest inventory (for search: stock) of each
 * backend, on the standard servers only: a server of several workers, a compared build or a
 * non-default setting seeded the same size would otherwise stand in for either end.
 */
export function scaleRows(rows: readonly Row[], targets: readonly TargetInfo[]): ScaleRow[] {
  const standard = new Set(targets.filter(isStandard).map((t) => t.key));
  const out: ScaleRow[] = [];
  for (const backend of ['sqlite', 'postgres'] as const) {
    for (const scenario of ['get', 'list', 'list-deep', 'search'] as const) {
      const sized = scenario === 'search' ? 'stock' : 'inventory';
      const size = (r: Row) => (sized === 'stock' ? r.stock : r.inventory);
      const mine = rows.filter((r) => r.backend === backend && r.scenario === scenario && size(r) !== null && standard.has(r.target));
      const sizes = [...new Set(mine.map((r) => size(r)!))].sort((a, b) => a - b);
      if (sizes.length < 2) continue;
      for (const connections of [...new Set(mine.map((r) => r.connections))].sort((a, b) => a - b)) {
        const small = mine.find((r) => r.connections === connections && size(r) === sizes[0]);
        const large = mine.find((r) => r.connections === connections && size(r) === sizes.at(-1));
        if (small === undefined || large === undefined) continue;
        out.push({
          backend,
          scenario,
          connections,
          sized,
          small: { inventory: size(small)!, rps: small.rps, p50Ms: small.p50Ms },
          large: { inventory: size(large)!, rps: large.rps, p50Ms: large.p50Ms },
          costByRps: small.rps / large.rps,
          costByP50: large.p50Ms / small.p50Ms,
          flagged: small.flagged || large.flagged,
        });
      }
    }
  }
  return out;
}


/** Runs of two (target, scenario) pairs at the same connection count, matched by round. */
function pairByRound(runs: readonly RunRecord[], connections: number, mine: { target: string; scenario: ScenarioName }, theirs: { target: string; scenario: ScenarioName }): { t: LoadResult; o: LoadResult }[] {
  const other = new Map(runs.filter((r) => r.target === theirs.target && r.scenario === theirs.scenario && r.connections === connections).map((r) => [r.round, r.result]));
  return runs
    .filter((r) => r.target === mine.target && r.scenario === mine.scenario && r.connections === connections && other.has(r.round))
    .map((r) => ({ t: r.result, o: other.get(r.round)! }));
}

/** Every server of several workers against its one-worker counterpart, per scenario and connection count. */
export function workersRows(runs: readonly RunRecord[], targets: readonly TargetInfo[]): WorkersRow[] {
  const out: WorkersRow[] = [];
  const several = targets.filter((t) => t.singleWorker !== undefined);
  for (const backend of ['sqlite', 'postgres'] as const) {
    for (const scenario of SCENARIO_NAMES) {
      for (const target of several.filter((t) => t.backend === backend)) {
        const single = target.singleWorker!;
        const counts = [...new Set(runs.filter((r) => r.target === target.key && r.scenario === scenario).map((r) => r.connections))].sort((a, b) => a - b);
        for (const connections of counts) {
          const pairs = pairByRound(runs, connections, { target: target.key, scenario }, { target: single, scenario });
          if (pairs.length === 0) continue;
          const rss = (results: LoadResult[]) => ({ largest: Math.max(...results.map((r) => r.maxRssBytes)) / MB, total: Math.max(...results.map((r) => r.maxRssTotalBytes)) / MB });
          const mine = pairs.map((p) => p.t);
          const theirs = pairs.map((p) => p.o);
          out.push({
            backend,
            scenario,
            connections,
            workers: target.workers ?? 1,
            target: target.key,
            single,
            rounds: pairs.length,
            rps: median(pairs.map(({ t, o }) => t.rps / o.rps)),
            cpu: median(pairs.map(({ t, o }) => t.cpuUsPerRequest / o.cpuUsPerRequest)),
            rpsOf: { workers: median(mine.map((r) => r.rps)), single: median(theirs.map((r) => r.rps)) },
            p99MsOf: { workers: median(mine.map((r) => r.p99Ms)), single: median(theirs.map((r) => r.p99Ms)) },
            rssMBOf: { workers: rss(mine), single: rss(theirs) },
            flagged: pairs.some(({ t, o }) => bad(t) || bad(o)),
          });
        }
      }
    }
  }
  return out;
}

const CHECK_CONNECTIONS = 50;
const BACKEND_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const;
/** Compatibility's req/s against Relay REST's for the same work, on the same backend. */
const COMPAT_FLOOR = 0.85;
/** A request at the large inventory may cost this many times one at the small, by req/s. */
const SCALE_CEILING = 1.2;

/**
 * The performance targets, judged at 50 connections on the standard servers (one worker,
 * default settings, this build; the smallest inventory).
 */
export function checks(rows: readonly Row[], scale: readonly ScaleRow[], runs: readonly RunRecord[], targets: readonly TargetInfo[]): Check[] {
  const standard = new Set(targets.filter(isStandard).map((t) => t.key));
  const smallest = (backend: Backend, scenario: ScenarioName) => {
    const mine = rows.filter((r) => r.backend === backend && r.scenario === scenario && r.connections === CHECK_CONNECTIONS && standard.has(r.target));
    return mine.sort((a, b) => (a.inventory ?? 0) - (b.inventory ?? 0))[0];
  };
  const judge = (row: Row | undefined, rule: string, pass: (r: Row) => boolean, measured: (r: Row) => string): Check => {
    if (row === undefined) return { rule, measured: 'not measured', pass: null };
    if (row.flagged) return { rule, measured: `${measured(row)}, but with ${row.non2xx} non-2xx and ${row.errors} errors`, pass: false };
    return { rule, measured: measured(row), pass: pass(row) };
  };
  const x = (r: Row) => `${fmtRatio(r.ratio?.rps)} of baseline`;
  const cpu = (scenario: ScenarioName, what: string, ceilingUs: number) =>
    judge(smallest('sqlite', scenario), `Server CPU per request: SQLite ${what} ≤ ${ceilingUs} µs`, (r) => r.cpuUsPerRequest <= ceilingUs, (r) => `${fmtCpu(r.cpuUsPerRequest)} µs/request, ${fmtRatio(r.ratio?.cpu)} the baseline's`);

  const out: Check[] = [
    judge(
      smallest('sqlite', 'import'),
      'SQLite import ≥ 0.5× baseline POST req/s, with p99 < 10 ms',
      (r) => (r.ratio?.rps ?? 0) >= 0.5 && r.p99Ms < 10,
      (r) => `${x(r)}, p99 ${fmtMs(r.p99Ms)} ms`,
    ),
    judge(smallest('sqlite', 'get'), 'SQLite get by id ≥ 0.8× baseline GET req/s', (r) => (r.ratio?.rps ?? 0) >= 0.8, x),
    judge(
      smallest('sqlite', 'list'),
      'SQLite list page of 50 ≥ 0.35× baseline GET page req/s (the same bytes), with p99 < 15 ms',
      (r) => (r.ratio?.rps ?? 0) >= 0.35 && r.p99Ms < 15,
      (r) => `${x(r)}, p99 ${fmtMs(r.p99Ms)} ms`,
    ),
    cpu('import', 'import (SQLITE_SYNCHRONOUS=FULL, the default)', 50),
    cpu('get', 'get', 20),
    cpu('list', 'list', 100),
  ];

  for (const backend of ['sqlite', 'postgres'] as const) {
    // PostgreSQL only when the run measured it at all.
    if (backend === 'postgres' && !rows.some((r) => r.backend === 'postgres')) continue;
    for (const [compat, relay] of [['compat-list', 'list'], ['compat-import', 'import']] as const) {
      out.push(compatCheck(backend, compat, relay, smallest(backend, compat), smallest(backend, relay), runs));
    }
  }

  out.push(judge(smallest('postgres', 'import'), 'PostgreSQL import ≥ 0.25× baseline POST req/s', (r) => (r.ratio?.rps ?? 0) >= 0.25, x));

  const servers = rows.filter((r) => r.backend !== 'baseline');
  const rssRule = 'Server RSS < 150 MB (the largest process) in every row';
  if (servers.length === 0) {
    out.push({ rule: rssRule, measured: 'not measured', pass: null });
  } else {
    const worst = servers.reduce((a, b) => (b.maxRssMB > a.maxRssMB ? b : a));
    const over = servers.filter((r) => r.maxRssMB >= 150).length;
    out.push({
      rule: rssRule,
      measured: `max ${worst.maxRssMB.toFixed(1)} MB (${worst.target} ${worst.scenario} @${worst.connections}); ${over} of ${servers.length} rows at or above 150 MB`,
      pass: over === 0,
    });
  }

  out.push(...scaleChecks(scale));
  return out;
}

/** Compatibility within 15 % of Relay REST: the median over rounds of compat req/s over Relay req/s in the same round. */
function compatCheck(backend: 'sqlite' | 'postgres', compat: ScenarioName, relay: ScenarioName, mine: Row | undefined, theirs: Row | undefined, runs: readonly RunRecord[]): Check {
  const rule = `${BACKEND_NAMES[backend]} Compatibility within ${Math.round((1 - COMPAT_FLOOR) * 100)} % of Relay REST: ${compat} req/s ≥ ${COMPAT_FLOOR}× ${relay} (median of per-round ratios)`;
  if (mine === undefined || theirs === undefined) return { rule, measured: 'not measured', pass: null };
  const pairs = pairByRound(runs, CHECK_CONNECTIONS, mine, theirs);
  if (pairs.length === 0) return { rule, measured: 'not measured in the same rounds', pass: null };
  const ratio = median(pairs.map(({ t, o }) => t.rps / o.rps));
  const measured = `${fmtRatio(ratio)} (${fmtInt(mine.rps)} against ${fmtInt(theirs.rps)} req/s)`;
  if (mine.flagged || theirs.flagged) return { rule, measured: `${measured}, but with errors`, pass: false };
  return { rule, measured, pass: ratio >= COMPAT_FLOOR };
}

/** Every inventory row of the scale table at 50 connections; one N/A when there is none. */
function scaleChecks(scale: readonly ScaleRow[]): Check[] {
  // Search grows the Space's stock (100,000 to the large size), not the project's inventory: reported, not judged.
  const judged = scale.filter((s) => s.sized === 'inventory' && s.connections === CHECK_CONNECTIONS);
  if (judged.length === 0) return [{ rule: `Scale: get, list and list-deep at the large inventory cost ≤ ${SCALE_CEILING}× at the small one (by req/s)`, measured: 'not measured', pass: null }];
  return judged.map((s) => {
    const rule = `Scale: ${BACKEND_NAMES[s.backend as 'sqlite' | 'postgres']} ${s.scenario} at ${fmtInt(s.large.inventory)} numbers costs ≤ ${SCALE_CEILING}× one at ${fmtInt(s.small.inventory)} (by req/s)`;
    const measured = `${fmtRatio(s.costByRps)} by req/s, ${fmtRatio(s.costByP50)} by p50`;
    return s.flagged ? { rule, measured: `${measured}, but with errors`, pass: false } : { rule, measured, pass: s.costByRps <= SCALE_CEILING };
  });
}

export function fmtRatio(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  // Below 0.01 two decimals would read as nothing at all.
  return `${v >= 10 ? v.toFixed(1) : v >= 0.01 || v === 0 ? v.toFixed(2) : v.toPrecision(1)}×`;
}

export function fmtMs(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function fmtCpu(us: number): string {
  return Number.isFinite(us) ? us.toFixed(0) : '–';
}

function fmtInt(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

export function inventoryLabel(n: number | null): string {
  if (n === null) return '–';
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

/** A Markdown table: the first `left` columns (names) left-aligned, the rest (figures) right-aligned. */
function table(header: string[], lines: string[][], left = 3): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [row(header), `|${widths.map((w, i) => (i < left ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...lines.map(row)].join('\n');
}

/**
 * The results as Markdown tables, ratios first: absolute figures move with the machine and
 * whatever else it runs, ratios to a baseline measured in the same rounds move much less.
 */
export function formatReport(report: Report): string {
  const m = report.machine;
  const s = report.settings;
  const out: string[] = [];
  out.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGB} GB, Node ${m.node}, ${m.os}; load average ${m.loadAverage.start.toFixed(2)} at start${m.loadAverage.end === undefined ? '' : `, ${m.loadAverage.end.toFixed(2)} at end`}.`,
    `Run: ${s.mode}, ${s.rounds} round(s) × ${s.durationSeconds} s per run after a ${s.warmupSeconds} s warm-up, connections ${s.connections.join('/')}${report.targets.some((t) => t.stock !== undefined) ? ` (stock scenarios ${s.stockConnections.join('/')})` : ''}, interleaved; medians over rounds. Workers ${s.workers.join('/')} (WORKERS set on every server). Server: ${s.server} at ${s.revision}, LOG_LEVEL=${s.serverLogLevel}. Wall time ${(report.wallSeconds / 60).toFixed(1)} min.`,
    '',
  );
  for (const seed of report.seeding) {
    out.push(`Seeded ${seed.target}: ${fmtInt(seed.rows)} numbers in ${seed.seconds.toFixed(1)} s (${fmtInt(seed.rows / Math.max(seed.seconds, 1e-9))} rows/s), ${seed.method}.`);
    const stock = seed.stock;
    if (stock !== undefined) {
      out.push(`Stocked ${seed.target}: ${fmtInt(stock.rows)} numbers over ${stock.areaCodes} area codes in ${stock.seconds.toFixed(1)} s (${fmtInt(stock.rows / Math.max(stock.seconds, 1e-9))} rows/s), ${stock.method}.`);
    }
  }
  for (const t of report.stockTopUps) {
    out.push(`Topped up ${t.target}'s stock ${t.round === 0 ? 'during the warm-up' : `in round ${t.round}`}: ${fmtInt(t.rows)} numbers in ${t.seconds.toFixed(1)} s, between runs, to stay ahead of its purchases.`);
  }
  for (const d of report.deepPages) out.push(`Deep page for ${d.target}: page ${fmtInt(d.pageNumber)}, reached by following links.next in ${d.seconds.toFixed(1)} s.`);
  out.push('');

  const targetOf = new Map(report.targets.map((t) => [t.key, t]));
  const lines: string[][] = [];
  for (const r of report.rows) {
    if (r.backend === 'baseline') continue;
    const base = report.rows.find((b) => b.backend === 'baseline' && b.scenario === r.baselineScenario && b.connections === r.connections);
    const group = lines.length === 0 || lines.at(-1)![0] !== r.scenario || lines.at(-1)![1] !== String(r.connections);
    if (group && base !== undefined) {
      lines.push([
        r.scenario,
        String(r.connections),
        r.baselineScenario === r.scenario ? 'baseline' : `baseline (${r.baselineScenario})`,
        '1', '1', '1', '1', '1',
        fmtInt(base.rps), fmtMs(base.p50Ms), fmtMs(base.p99Ms), fmtCpu(base.cpuUsPerRequest), base.maxRssMB.toFixed(0),
        base.flagged ? `FLAGGED ${base.non2xx} non-2xx, ${base.errors} err` : '0',
      ]);
    }
    lines.push([
      r.scenario,
      String(r.connections),
      targetOf.get(r.target)?.label ?? r.target,
      `**${fmtRatio(r.ratio?.rps)}**`,
      fmtRatio(r.ratio?.p50),
      fmtRatio(r.ratio?.p99),
      fmtRatio(r.ratio?.cpu),
      fmtRatio(r.ratio?.rss),
      fmtInt(r.rps), fmtMs(r.p50Ms), fmtMs(r.p99Ms), fmtCpu(r.cpuUsPerRequest), r.maxRssMB.toFixed(0),
      r.flagged ? `FLAGGED ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodes)}, ${r.errors} err` : '0',
    ]);
  }
  out.push(
    table(
      ['scenario', 'conns', 'target', 'req/s ×base', 'p50 ×base', 'p99 ×base', 'CPU/req ×base', 'RSS ×base', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS MB', 'errors'],
      lines,
    ),
  );
  out.push(
    '',
    'req/s ×base is the share of the baseline\'s throughput (higher is better); latency, CPU per request and RSS ×base are multiples of the baseline\'s (lower is better). CPU µs/req is the server\'s user + system time over the run per 2xx answer, every process of it (with workers, the supervisor and each worker) summed; RSS MB is its largest single process.',
  );

  if (report.comparison.length > 0) {
    out.push('', `This build against ${s.compared}, the same requests in the same rounds (this build over the compared one, median of per-round ratios).`, '');
    out.push(
      table(
        ['scenario', 'conns', 'backend', 'req/s ×', 'CPU/req ×', 'p50 ×', 'rounds'],
        report.comparison.map((c) => [c.scenario, String(c.connections), c.backend, `**${fmtRatio(c.rps)}**`, fmtRatio(c.cpu), fmtRatio(c.p50), `${c.rounds}${c.flagged ? ' FLAGGED' : ''}`]),
      ),
    );
    out.push('', 'req/s × above 1 is faster than the compared build; CPU/req × and p50 × below 1 are cheaper.');
  }

  if (report.beside.length > 0) {
    out.push('', 'Stock scenarios beside Relay REST get (searches) and import (purchases) on the same backend, in the same rounds (this scenario over the one beside it, median of per-round ratios).', '');
    const rowOf = (target: string, scenario: ScenarioName, connections: number) => report.rows.find((r) => r.target === target && r.scenario === scenario && r.connections === connections);
    out.push(
      table(
        ['scenario', 'conns', 'target', 'beside', 'req/s ×', 'CPU/req ×', 'p50 ×', 'req/s', 'its req/s', 'CPU µs/req', 'its CPU µs/req', 'rounds'],
        report.beside.map((b) => {
          const mine = rowOf(b.target, b.scenario, b.connections);
          const theirs = rowOf(b.besideTarget, b.beside, b.connections);
          return [
            b.scenario,
            String(b.connections),
            targetOf.get(b.target)?.label ?? b.target,
            `${b.beside} on ${targetOf.get(b.besideTarget)?.label ?? b.besideTarget}`,
            `**${fmtRatio(b.rps)}**`,
            fmtRatio(b.cpu),
            fmtRatio(b.p50),
            mine === undefined ? '–' : fmtInt(mine.rps),
            theirs === undefined ? '–' : fmtInt(theirs.rps),
            mine === undefined ? '–' : fmtCpu(mine.cpuUsPerRequest),
            theirs === undefined ? '–' : fmtCpu(theirs.cpuUsPerRequest),
            `${b.rounds}${b.flagged ? ' FLAGGED' : ''}`,
          ];
        }),
        4,
      ),
    );
    out.push('', 'req/s × is the share of the beside scenario\'s throughput; CPU/req × and p50 × are multiples of its figures.');
  }

  if (report.workers.length > 0) {
    out.push('', 'Workers: each server of several workers (WORKERS=N, node:cluster, one port) beside its one-worker counterpart, seeded the same way, the same requests in the same rounds (median of per-round ratios, N workers over 1).', '');
    const mb = (m: { largest: number; total: number }) => `${m.largest.toFixed(0)} / ${m.total.toFixed(0)}`;
    out.push(
      table(
        ['scenario', 'conns', 'backend', 'workers', 'req/s ×1 worker', 'CPU/req ×1 worker', 'req/s', 'req/s 1 worker', 'p99 ms', 'p99 ms 1 worker', 'RSS MB largest / total', 'RSS MB 1 worker', 'rounds'],
        report.workers.map((w) => [
          w.scenario,
          String(w.connections),
          w.backend,
          String(w.workers),
          `**${fmtRatio(w.rps)}**`,
          fmtRatio(w.cpu),
          fmtInt(w.rpsOf.workers),
          fmtInt(w.rpsOf.single),
          fmtMs(w.p99MsOf.workers),
          fmtMs(w.p99MsOf.single),
          mb(w.rssMBOf.workers),
          mb(w.rssMBOf.single),
          `${w.rounds}${w.flagged ? ' FLAGGED' : ''}`,
        ]),
        4,
      ),
    );
    out.push(
      '',
      "req/s ×1 worker above 1 is faster than one worker; CPU/req ×1 worker is a multiple of one worker's CPU per request (the supervisor and every worker summed). RSS largest is the largest single process (what the 150 MB target holds), total the sum over the process tree.",
    );
  }

  if (report.scale.length > 0) {
    out.push('', 'Scale: the same requests with a small and a large inventory in the project (search: a small and a large stock in the Space).', '');
    out.push(
      table(
        ['scenario', 'conns', 'backend', 'cost ×, by req/s', 'cost ×, by p50', 'req/s small', 'req/s large', 'p50 ms small', 'p50 ms large', 'inventories'],
        report.scale.map((x) => [
          x.scenario,
          String(x.connections),
          x.backend,
          `**${fmtRatio(x.costByRps)}**`,
          fmtRatio(x.costByP50),
          fmtInt(x.small.rps),
          fmtInt(x.large.rps),
          fmtMs(x.small.p50Ms),
          fmtMs(x.large.p50Ms),
          `${inventoryLabel(x.small.inventory)} → ${inventoryLabel(x.large.inventory)}${x.sized === 'stock' ? ' stock' : ''}${x.flagged ? ' FLAGGED' : ''}`,
        ]),
      ),
    );
  }

  if (report.bulk.length > 0) {
    out.push('', `Bulk import: the built numberspace import (default concurrency 16, a file of fresh numbers, every row with its Idempotency-Key) against single imports at 16 connections on the same server, in the same round, without and with an Idempotency-Key on each (keyed): bulk ×single is the target's ratio; bulk ×keyed shows what the command costs beyond the keys themselves.`, '');
    out.push(
      table(
        ['target', 'rows', 'rounds', 'bulk ×single', 'bulk ×keyed', 'rows/s', 'single req/s', 'keyed req/s', 'server CPU µs/row', 'single CPU µs/req', 'keyed CPU µs/req'],
        report.bulk.map((b) => [
          b.target,
          String(b.rows),
          String(b.rounds),
          `**${fmtRatio(b.ratio)}**`,
          fmtRatio(b.ratioToKeyed),
          fmtInt(b.rowsPerSecond),
          fmtInt(b.singleRps),
          fmtInt(b.keyedRps),
          b.serverCpuUsPerRow.toFixed(0),
          b.singleCpuUsPerRequest.toFixed(0),
          b.keyedCpuUsPerRequest.toFixed(0),
        ]),
      ),
    );
  }

  out.push('', `Targets (${CHECK_CONNECTIONS} connections, the one-worker servers at default settings):`, '');
  for (const c of report.checks) out.push(`- ${c.pass === null ? 'N/A ' : c.pass ? 'PASS' : 'MISS'}  ${c.rule}: ${c.measured}`);

  for (const [target, n] of Object.entries(report.restarts)) {
    out.push('', `NOTE: ${target} was stopped from outside the benchmark ${n} time(s), restarted on the same database, and the interrupted run repeated; its RSS after a restart starts afresh.`);
  }
  const flagged = report.rows.filter((r) => r.flagged);
  if (flagged.length > 0) {
    out.push('', `WARNING: ${flagged.length} row(s) saw non-2xx answers or connection errors; their figures do not describe a working server.`);
  }
  return out.join('\n');
}
