import autocannon from 'autocannon';
import type { ProcessMemory } from './processes.js';

/** One load run: a fixed number of connections hammering one target for a fixed time. */
export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly requests: autocannon.Request[];
  /** The server's resident memory (largest process, whole tree), sampled during the run. */
  readonly memory: () => ProcessMemory;
  /** The server's CPU seconds so far, read before and after the run. */
  readonly cpuSeconds: () => number;
}

export interface LoadResult {
  /** 2xx answers per second: errors never count as throughput. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** The largest VmRSS any one server process reached: with workers, the largest worker. */
  readonly maxRssBytes: number;
  /** The largest sum of VmRSS over the server's process tree (supervisor and workers) seen. */
  readonly maxRssTotalBytes: number;
  /**
   * Server CPU time (user + system, every thread of every process of the server's tree) over
   * the run, per 2xx answer, in microseconds: what one request costs the server whatever else
   * the machine is doing.
   * It includes the server's share of connection handling and logging; a PostgreSQL server's
   * own work is in another process and not counted.
   */
  readonly cpuUsPerRequest: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Connection errors, timeouts included. */
  readonly errors: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly seconds: number;
}

const RSS_SAMPLE_MS = 100;

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  // autocannon keeps latencies in whole milliseconds, too coarse for sub-millisecond answers;
  // each response's own duration (a float) is kept here instead. Only 2xx answers count,
  // as in autocannon's own figures.
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  let maxRss = 0;
  let maxRssTotal = 0;
  const sample = () => {
    const { largest, total } = spec.memory();
    maxRss = Math.max(maxRss, largest);
    maxRssTotal = Math.max(maxRssTotal, total);
  };
  sample();
  const cpuBefore = spec.cpuSeconds();
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  try {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        { url: spec.url, connections: spec.connections, duration: spec.seconds, requests: spec.requests, timeout: 10 },
        (err: unknown, res: autocannon.Result) => (err ? reject(err) : resolve(res)),
      );
      instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
        if (statusCode < 200 || statusCode > 299) return;
        if (n === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[n++] = responseTimeMs;
      });
    });
    sample();
    const cpu = spec.cpuSeconds() - cpuBefore;
    const sorted = latencies.subarray(0, n).sort();
    const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
    const statusCodes: Record<string, number> = {};
    for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count ?? 0;
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      rps: result['2xx'] / seconds,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      meanMs: n === 0 ? 0 : sum / n,
      maxRssBytes: maxRss,
      maxRssTotalBytes: maxRssTotal,
      cpuUsPerRequest: result['2xx'] === 0 ? Number.NaN : (cpu * 1e6) / result['2xx'],
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      statusCodes,
      seconds,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** Nearest-rank percentile of sorted values; 0 when there are none. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
