import { errors } from '../domain/errors.js';
import type { ClassLimit, RateLimitSpec, RequestClass } from './rate-limit-spec.js';

/**
 * Per-project request limits, in this node's memory.
 *
 * Algorithm: a fixed window per project and request class. The window opens with the
 * project's first request of that class and lasts the limit's window; up to `quota` requests
 * pass in it, the rest answer 429 until it ends, and the next request opens a new one. Chosen
 * over a sliding log (memory grows with the quota: 13,800 timestamps per project) and a token
 * bucket (its "remaining" and "reset" have no exact meaning) because it costs two numbers per
 * project and class, and the RateLimit fields then state exact facts: `r` requests remain and
 * the window resets in `t` seconds. The known cost: a client that spends its quota at the end
 * of one window and again at the start of the next gets up to twice the quota through in a
 * short span, never more than twice in any window-long span.
 *
 * Memory: one entry per project with a live window. Entries whose windows have all ended are
 * swept at most once a minute, as requests arrive; past `maxProjects` live entries the oldest
 * is dropped (that project starts a fresh window).
 */
export interface RateLimiter {
  /**
   * Counts one request of the project against its class's limit and writes the
   * RateLimit-Policy and RateLimit fields; throws the 429 NumberspaceError (with Retry-After) once the
   * window's quota is spent. Does nothing, and allocates nothing, when the class is unlimited.
   * `projectSpec` is the project's own limit; null means the installation's applies.
   */
  admit(projectId: string, projectSpec: RateLimitSpec | null, cls: RequestClass, reply: HeaderSink): void;
  /** Projects holding a live window: what the limiter costs in memory. */
  size(): number;
}

/** Where the fields go: a Fastify reply, or anything with its `header`. */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

export interface RateLimiterOptions {
  /** The installation's limit (RATE_LIMIT), for projects without their own. */
  readonly defaultSpec: RateLimitSpec;
  /** Monotonic milliseconds; tests inject their own. */
  readonly now?: () => number;
  readonly maxProjects?: number;
}

interface Window {
  quota: number;
  windowMs: number;
  /** The RateLimit-Policy value, built when the window's limit is set, not per request. */
  policy: string;
  count: number;
  resetAt: number;
}

interface ProjectWindows {
  writes: Window | null;
  reads: Window | null;
}

const SWEEP_EVERY_MS = 60_000;

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? (() => performance.now());
  const maxProjects = options.maxProjects ?? 100_000;
  const projects = new Map<string, ProjectWindows>();
  let nextSweepAt = now() + SWEEP_EVERY_MS;

  const live = (w: Window | null, t: number) => w !== null && w.resetAt > t;
  function sweep(t: number): void {
    nextSweepAt = t + SWEEP_EVERY_MS;
    for (const [id, p] of projects) if (!live(p.writes, t) && !live(p.reads, t)) projects.delete(id);
  }

  function open(w: Window | null, cls: RequestClass, limit: ClassLimit, t: number): Window {
    const windowMs = limit.windowSeconds * 1000;
    if (w === null) return { quota: limit.quota, windowMs, policy: policyField(cls, limit), count: 0, resetAt: t + windowMs };
    // A changed limit (the operator edited it) starts a fresh window under the new terms.
    if (w.quota !== limit.quota || w.windowMs !== windowMs) {
      w.quota = limit.quota;
      w.windowMs = windowMs;
      w.policy = policyField(cls, limit);
    }
    w.count = 0;
    w.resetAt = t + windowMs;
    return w;
  }

  return {
    admit(projectId, projectSpec, cls, reply) {
      const limit = (projectSpec ?? options.defaultSpec)[cls];
      if (limit === null) return;
      const t = now();
      if (t >= nextSweepAt) sweep(t);
      let p = projects.get(projectId);
      if (p === undefined) {
        if (projects.size >= maxProjects) {
          sweep(t);
          if (projects.size >= maxProjects) projects.delete(projects.keys().next().value!);
        }
        p = { writes: null, reads: null };
        projects.set(projectId, p);
      }
      let w = p[cls];
      if (w === null || w.resetAt <= t || w.quota !== limit.quota || w.windowMs !== limit.windowSeconds * 1000) {
        w = p[cls] = open(w, cls, limit, t);
      }
      // Whole seconds, rounded up: a client that waits `t` seconds finds the window reset.
      const resetSeconds = Math.max(1, Math.ceil((w.resetAt - t) / 1000));
      reply.header('ratelimit-policy', w.policy);
      if (w.count >= w.quota) {
        reply.header('ratelimit', `"${cls}";r=0;t=${resetSeconds}`);
        throw errors.tooManyRequests(resetSeconds);
      }
      w.count++;
      reply.header('ratelimit', `"${cls}";r=${w.quota - w.count};t=${resetSeconds}`);
    },
    size: () => projects.size,
  };
}

/** draft-ietf-httpapi-ratelimit-headers: a quoted policy name with its quota and window in seconds. */
function policyField(cls: RequestClass, limit: ClassLimit): string {
  return `"${cls}";q=${limit.quota};w=${limit.windowSeconds}`;
}
