/**
 * The rate-limit grammar shared by RATE_LIMIT and `numberspace projects update --rate-limit`:
 *
 *   spec   = "off" | "signalwire" | rule *( "," rule )
 *   rule   = class "=" ( "off" | count "/" window )
 *   class  = "writes" | "reads"
 *   count  = 1*DIGIT                 1 to 1,000,000,000 requests
 *   window = 1*DIGIT ( "s" | "m" | "h" )   1 second to 24 hours
 *
 * Case-insensitive; spaces around rules and around `=` and `/` are ignored. A class not named
 * is unlimited; each class may be named once. Writes are POST, PUT, PATCH and DELETE; reads are
 * GET and HEAD.
 */

export type RequestClass = 'reads' | 'writes';

/** At most `quota` requests of one class per project in each window of `windowSeconds`. */
export interface ClassLimit {
  readonly quota: number;
  readonly windowSeconds: number;
}

/** A limit per request class; null means that class is unlimited. */
export interface RateLimitSpec {
  readonly writes: ClassLimit | null;
  readonly reads: ClassLimit | null;
}

export const NO_RATE_LIMIT: RateLimitSpec = Object.freeze({ writes: null, reads: null });

/**
 * SignalWire's published quota: 13,800 writes per 10 seconds per project; reads are not
 * limited in any way a client can reach, so they are not limited here either.
 */
export const SIGNALWIRE_RATE_LIMIT: RateLimitSpec = Object.freeze({
  writes: Object.freeze({ quota: 13_800, windowSeconds: 10 }),
  reads: null,
});

export class RateLimitSpecError extends Error {}

const MAX_QUOTA = 1_000_000_000;
const MAX_WINDOW_SECONDS = 24 * 3600;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };
const RULE = /^(reads|writes)\s*=\s*(?:(off)|(\d{1,10})\s*\/\s*(\d{1,6})([smh]))$/;

/** Parses a spec; throws RateLimitSpecError saying what is wrong, in the grammar's words. */
export function parseRateLimitSpec(text: string): RateLimitSpec {
  const spec = text.trim().toLowerCase();
  if (spec === 'off') return NO_RATE_LIMIT;
  if (spec === 'signalwire') return SIGNALWIRE_RATE_LIMIT;
  if (spec === '') throw new RateLimitSpecError('is empty: use off, signalwire, or rules such as writes=13800/10s,reads=off');
  const limits: { writes?: ClassLimit | null; reads?: ClassLimit | null } = {};
  for (const part of spec.split(',')) {
    const rule = part.trim();
    const m = RULE.exec(rule);
    if (m === null) {
      throw new RateLimitSpecError(
        `"${rule}" is not a rule: write writes=<count>/<window> or reads=<count>/<window> (window like 10s, 1m or 1h), or writes=off, reads=off`,
      );
    }
    const cls = m[1] as RequestClass;
    if (limits[cls] !== undefined) throw new RateLimitSpecError(`names ${cls} twice`);
    if (m[2] === 'off') {
      limits[cls] = null;
      continue;
    }
    const quota = Number(m[3]);
    const windowSeconds = Number(m[4]) * UNIT_SECONDS[m[5]!]!;
    if (quota < 1 || quota > MAX_QUOTA) throw new RateLimitSpecError(`${cls}: the count must be from 1 to ${MAX_QUOTA} (got ${m[3]})`);
    if (windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
      throw new RateLimitSpecError(`${cls}: the window must be from 1s to 24h (got ${m[4]}${m[5]})`);
    }
    limits[cls] = Object.freeze({ quota, windowSeconds });
  }
  return Object.freeze({ writes: limits.writes ?? null, reads: limits.reads ?? null });
}

/** The canonical text of a spec, which parses back to the same limits: `off` or both classes spelled out in seconds. */
export function formatRateLimitSpec(spec: RateLimitSpec): string {
  if (spec.writes === null && spec.reads === null) return 'off';
  const one = (limit: ClassLimit | null) => (limit === null ? 'off' : `${limit.quota}/${limit.windowSeconds}s`);
  return `writes=${one(spec.writes)},reads=${one(spec.reads)}`;
}

/** GET and HEAD read; everything else that reaches an API route writes. */
export function requestClass(method: string): RequestClass {
  return method === 'GET' || method === 'HEAD' ? 'reads' : 'writes';
}
