/**
 * Prometheus metrics, kept in process memory per node (scrape every node). Hand-written: the
 * handful of counters and one histogram family do not justify a dependency.
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

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's answers count in numberspace_imports_total or numberspace_releases_total (201 and 204). */
    readonly counts?: 'import' | 'release';
  }
}

export interface Metrics {
  /** Records one answered request; `route` is the matched route template, never the raw URL. */
  observe(method: string, route: string, status: number, seconds: number, counts?: 'import' | 'release'): void;
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

    render(pool) {
      const out: string[] = [];
      out.push('# HELP numberspace_http_requests_total Answered HTTP requests by route template, method and status.');
      out.push('# TYPE numberspace_http_requests_total counter');
      for (const [key, n] of requests) {
        const [method, route, status] = key.split('\u0000') as [string, string, string];
        out.push(`numberspace_http_requests_total{method="${method}",route="${escape(route)}",status="${status}"} ${n}`);
      }
      out.push('# HELP numberspace_http_request_duration_seconds Time from request received to response sent.');
      out.push('# TYPE numberspace_http_request_duration_seconds histogram');
      for (const [key, h] of durations) {
        const [method, route] = key.split('\u0000') as [string, string];
        const labels = `method="${method}",route="${escape(route)}"`;
        BUCKETS.forEach((le, i) => out.push(`numberspace_http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.counts[i]}`));
        out.push(`numberspace_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
        out.push(`numberspace_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
        out.push(`numberspace_http_request_duration_seconds_count{${labels}} ${h.count}`);
      }
      const counter = (name: string, help: string, value: number) =>
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
      counter('numberspace_imports_total', 'Numbers imported (201).', imports);
      counter('numberspace_releases_total', 'Numbers released (204).', releases);
      counter('numberspace_rate_limited_total', 'Requests refused by a rate limit (429).', rateLimited);
      counter('numberspace_database_unavailable_total', 'Requests answered 503 because the database could not serve them.', unavailable);
      out.push('# HELP numberspace_rejected_requests_total Requests refused with a 4xx status.', '# TYPE numberspace_rejected_requests_total counter');
      for (const [status, n] of rejected) out.push(`numberspace_rejected_requests_total{status="${status}"} ${n}`);
      if (pool !== null) {
        const gauge = (name: string, help: string, value: number) =>
          out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
        gauge('numberspace_db_pool_connections', 'PostgreSQL connections open in this node\'s pool.', pool.total);
        gauge('numberspace_db_pool_idle_connections', 'Idle PostgreSQL connections in the pool.', pool.idle);
        gauge('numberspace_db_pool_waiting_requests', 'Queries waiting for a pool connection.', pool.waiting);
      }
      return `${out.join('\n')}\n`;
    },
  };
}
