/**
 * Prometheus metrics, kept in process memory per node (scrape every node). Hand-written: the
 * handful of counters and one histogram family do not justify a dependency.
 *
 * With WORKERS above 1 a scrape answers for the whole group: the worker that takes it asks the
 * supervisor (see shareMetrics in cli/serve-workers.ts), which holds every worker's last
 * snapshot and its dead workers' last counts and answers with their sum (groupMetrics), so the
 * counters do not depend on which worker took the connection, and do not go down when a
 * worker is late or replaced.
 */

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/**
 * One process's counts as plain JSON, so that it crosses the cluster's IPC channel. Entry
 * lists rather than objects: an object would put integer-like keys (the statuses) first, and
 * the rendered order would differ from the order the counts first appeared in.
 */
export interface MetricsSnapshot {
  /** `method \0 route \0 status` → answered requests. */
  readonly requests: readonly (readonly [string, number])[];
  /** `method \0 route` → latency histogram. */
  readonly durations: readonly (readonly [string, Histogram])[];
  readonly imports: number;
  readonly releases: number;
  readonly rateLimited: number;
  readonly unavailable: number;
  readonly rejected: readonly (readonly [number, number])[];
  readonly pool: PoolStats | null;
  /** Set on a group's sum only: how many workers' snapshots it holds. */
  readonly workers?: number;
}

/** What a worker of a group reaches the other workers' counts through. */
export interface MetricsGroup {
  /** The group's counts, summed (see groupMetrics), with `workers` set. */
  gather(): Promise<MetricsSnapshot>;
  /** Stops answering the other workers' scrapes. */
  leave(): void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's answers count in numberspace_imports_total or numberspace_releases_total (201 and 204). */
    readonly counts?: 'import' | 'release';
  }
}

export interface Metrics {
  /** Records one answered request; `route` is the matched route template, never the raw URL. */
  observe(method: string, route: string, status: number, seconds: number, counts?: 'import' | 'release'): void;
  snapshot(pool: PoolStats | null): MetricsSnapshot;
  render(pool: PoolStats | null): string;
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  const durations = new Map<string, Histogram>();
  let imports = 0;
  let releases = 0;
  let rateLimited = 0;
  let unavailable = 0;
  const rejected = new Map<number, number>();

  const snapshot = (pool: PoolStats | null): MetricsSnapshot => ({
    requests: [...requests],
    durations: [...durations].map(([key, h]) => [key, { counts: [...h.counts], sum: h.sum, count: h.count }] as const),
    imports,
    releases,
    rateLimited,
    unavailable,
    rejected: [...rejected],
    pool,
  });

  return {
    observe(method, route, status, seconds, counts) {
      const key = `${method}\u0000${route}\u0000${status}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      const hkey = `${method}\u0000${route}`;
      let h = durations.get(hkey);
      if (h === undefined) {
        h = { counts: new Array<number>(BUCKETS.length).fill(0), sum: 0, count: 0 };
        durations.set(hkey, h);
      }
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
      h.sum += seconds;
      h.count++;
      if (status === 201 && counts === 'import') imports++;
      else if (status === 204 && counts === 'release') releases++;
      if (status === 429) rateLimited++;
      else if (status === 503) unavailable++;
      if (status >= 400 && status < 500) rejected.set(status, (rejected.get(status) ?? 0) + 1);
    },
    snapshot,
    render: (pool) => renderMetrics(snapshot(pool)),
  };
}

/** The sum of `snapshots`, in the order given (see groupMetrics); without `workers`. */
function addMetrics(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const requests = new Map<string, number>();
  const durations = new Map<string, Histogram>();
  const rejected = new Map<number, number>();
  let pool: { total: number; idle: number; waiting: number } | null = null;
  for (const s of snapshots) {
    for (const [key, n] of s.requests) requests.set(key, (requests.get(key) ?? 0) + n);
    for (const [key, h] of s.durations) {
      const into = durations.get(key);
      if (into === undefined) durations.set(key, { counts: [...h.counts], sum: h.sum, count: h.count });
      else {
        h.counts.forEach((n, i) => (into.counts[i]! += n));
        into.sum += h.sum;
        into.count += h.count;
      }
    }
    for (const [status, n] of s.rejected) rejected.set(status, (rejected.get(status) ?? 0) + n);
    if (s.pool !== null) {
      pool ??= { total: 0, idle: 0, waiting: 0 };
      pool.total += s.pool.total;
      pool.idle += s.pool.idle;
      pool.waiting += s.pool.waiting;
    }
  }
  const total = (pick: (s: MetricsSnapshot) => number) => snapshots.reduce((n, s) => n + pick(s), 0);
  return {
    requests: [...requests],
    durations: [...durations],
    imports: total((s) => s.imports),
    releases: total((s) => s.releases),
    rateLimited: total((s) => s.rateLimited),
    unavailable: total((s) => s.unavailable),
    rejected: [...rejected],
    pool,
  };
}

/** The sum of `snapshots` as a group's answer: `workers` is how many there are. */
export function sumMetrics(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  return { ...addMetrics(snapshots), workers: snapshots.length };
}

/** What the supervisor of a group holds for one worker slot. */
export interface SlotMetrics {
  /** The last snapshots of the slot's workers that died, summed, without their pool gauges (see retireMetrics). */
  readonly retired?: MetricsSnapshot | undefined;
  /** The last snapshot of the slot's live worker: its answer to this scrape, or its latest before when it is late. */
  readonly current?: MetricsSnapshot | undefined;
}

/**
 * A slot's `retired` once its worker `last` reported has died: its counters and histograms
 * added in, its pool gauges dropped (they were the dead process's pool, which is gone).
 */
export function retireMetrics(retired: MetricsSnapshot | undefined, last: MetricsSnapshot): MetricsSnapshot {
  return { ...addMetrics(retired === undefined ? [last] : [retired, last]), pool: null };
}

/**
 * A group's answer to a scrape: each slot's retired counts plus its live worker's, then the
 * slots' totals in slot order; `reporting` is how many workers answered this scrape.
 *
 * Why no counter goes down, histogram sums included: floating-point addition rounds
 * monotonically (a + b never decreases when a or b grows), so a sum taken in a fixed order
 * never goes down while none of its terms does. A slot's total is retired + current. A
 * worker's own counts only grow; a late one's current is its latest answer, never older than
 * the one an earlier scrape used; and when it dies, retired becomes exactly retired + its last
 * snapshot, the slot's total with that snapshot, to which its replacement only adds. The
 * slots' totals are then added in the same order on every scrape. Folding the dead into one
 * group-wide retired sum instead would add the same numbers in another order, which can round
 * one unit in the last place lower.
 */
export function groupMetrics(slots: readonly SlotMetrics[], reporting: number): MetricsSnapshot {
  const totals: MetricsSnapshot[] = [];
  for (const { retired, current } of slots) {
    const parts = [retired, current].filter((s) => s !== undefined);
    if (parts.length > 0) totals.push(addMetrics(parts));
  }
  return { ...addMetrics(totals), workers: reporting };
}

export function renderMetrics(s: MetricsSnapshot): string {
  const out: string[] = [];
  out.push('# HELP numberspace_http_requests_total Answered HTTP requests by route template, method and status.');
  out.push('# TYPE numberspace_http_requests_total counter');
  for (const [key, n] of s.requests) {
    const [method, route, status] = key.split('\u0000') as [string, string, string];
    out.push(`numberspace_http_requests_total{method="${method}",route="${escape(route)}",status="${status}"} ${n}`);
  }
  out.push('# HELP numberspace_http_request_duration_seconds Time from request received to response sent.');
  out.push('# TYPE numberspace_http_request_duration_seconds histogram');
  for (const [key, h] of s.durations) {
    const [method, route] = key.split('\u0000') as [string, string];
    const labels = `method="${method}",route="${escape(route)}"`;
    BUCKETS.forEach((le, i) => out.push(`numberspace_http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.counts[i]}`));
    out.push(`numberspace_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
    out.push(`numberspace_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
    out.push(`numberspace_http_request_duration_seconds_count{${labels}} ${h.count}`);
  }
  const counter = (name: string, help: string, value: number) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
  counter('numberspace_imports_total', 'Numbers imported (201).', s.imports);
  counter('numberspace_releases_total', 'Numbers released (204).', s.releases);
  counter('numberspace_rate_limited_total', 'Requests refused by a rate limit (429).', s.rateLimited);
  counter('numberspace_database_unavailable_total', 'Requests answered 503 because the database could not serve them.', s.unavailable);
  out.push('# HELP numberspace_rejected_requests_total Requests refused with a 4xx status.', '# TYPE numberspace_rejected_requests_total counter');
  for (const [status, n] of s.rejected) out.push(`numberspace_rejected_requests_total{status="${status}"} ${n}`);
  const gauge = (name: string, help: string, value: number) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
  if (s.pool !== null) {
    // Each worker has a pool of its own.
    const help = (one: string, group: string) => (s.workers === undefined ? one : group);
    gauge('numberspace_db_pool_connections', help("PostgreSQL connections open in this node's pool.", "PostgreSQL connections open, summed over this node's workers' pools."), s.pool.total);
    gauge('numberspace_db_pool_idle_connections', help('Idle PostgreSQL connections in the pool.', "Idle PostgreSQL connections, summed over the workers' pools."), s.pool.idle);
    gauge('numberspace_db_pool_waiting_requests', help('Queries waiting for a pool connection.', "Queries waiting for a pool connection, summed over the workers' pools."), s.pool.waiting);
  }
  if (s.workers !== undefined) {
    gauge('numberspace_workers_reporting', 'Workers that answered this scrape within 1 s (one that did not is counted as of its last answer).', s.workers);
  }
  return `${out.join('\n')}\n`;
}
