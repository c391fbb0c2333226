import { isIPv6 } from 'node:net';
import { type NumberspaceError, errors } from '../domain/errors.js';

/**
 * Throttles repeated failed authentication from one client address. It only ever decides
 * how a *failure* is answered: the authenticator verifies every credential it is given and
 * accepts every valid one, whatever this throttle thinks of the address. A burst of bad
 * guesses from an address therefore cannot lock out a project calling from the same one.
 *
 * Up to `failureLimit` failures per client per minute (a fixed window from the client's first
 * failure) answer 401; further failures in that minute answer 429 with Retry-After, the end
 * of the window. A 429 is held for `tarpitMs` first, which slows a client that waits for its
 * answers; at most `maxTarpitted` answers are held at once, so the tarpit can never hold more
 * than that many connections open, and beyond it failures are answered at once.
 */
export interface AuthThrottle {
  /** Records one failed authentication from the client and resolves the error to answer. Never rejects. */
  refuse(address: string | undefined): Promise<NumberspaceError>;
}

export interface AuthThrottleOptions {
  /** Failures per client per minute answered 401 before they answer 429; 0 never throttles. */
  readonly failureLimit: number;
  /** How long a 429 is held before it is sent; default 500 ms. */
  readonly tarpitMs?: number;
  readonly maxTarpitted?: number;
  /** Monotonic milliseconds; tests inject their own. */
  readonly now?: () => number;
  readonly maxClients?: number;
}

const WINDOW_MS = 60_000;

interface Failures {
  count: number;
  resetAt: number;
}

export function createAuthThrottle(options: AuthThrottleOptions): AuthThrottle {
  if (options.failureLimit <= 0) return { refuse: async () => errors.unauthorized() };
  const now = options.now ?? (() => performance.now());
  const tarpitMs = options.tarpitMs ?? 500;
  const maxTarpitted = options.maxTarpitted ?? 100;
  const maxClients = options.maxClients ?? 100_000;
  const clients = new Map<string, Failures>();
  let held = 0;
  let nextSweepAt = now() + WINDOW_MS;

  function sweep(t: number): void {
    nextSweepAt = t + WINDOW_MS;
    for (const [key, f] of clients) if (f.resetAt <= t) clients.delete(key);
  }

  return {
    async refuse(address) {
      const t = now();
      if (t >= nextSweepAt) sweep(t);
      const key = clientKey(address);
      let f = clients.get(key);
      if (f === undefined || f.resetAt <= t) {
        if (f === undefined && clients.size >= maxClients) {
          sweep(t);
          // Still full: forget the oldest client rather than grow without bound.
          if (clients.size >= maxClients) clients.delete(clients.keys().next().value!);
        }
        f = { count: 0, resetAt: t + WINDOW_MS };
        clients.set(key, f);
      }
      f.count++;
      if (f.count <= options.failureLimit) return errors.unauthorized();
      const retryAfter = (f.resetAt - t) / 1000;
      if (tarpitMs > 0 && held < maxTarpitted) {
        held++;
        try {
          await new Promise((resolve) => setTimeout(resolve, tarpitMs));
        } finally {
          held--;
        }
      }
      return errors.tooManyRequests(retryAfter);
    },
  };
}

/**
 * Which client a failure is charged to. IPv4 addresses (also when IPv4-mapped) count one by
 * one; IPv6 addresses by their /64, the block a single subscriber is normally given, since
 * anyone holding one can draw 2^64 addresses from it.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const bare = address.split('%')[0]!.toLowerCase();
  const double = bare.indexOf('::');
  const split = (s: string) => (s === '' ? [] : s.split(':'));
  // A dotted IPv4 tail stands for two groups; it lies in the low 64 bits, so its value never matters here.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  let groups: string[];
  if (double === -1) groups = split(bare);
  else {
    const head = split(bare.slice(0, double));
    const tail = split(bare.slice(double + 2));
    groups = [...head, ...new Array<string>(8 - width(head) - width(tail)).fill('0'), ...tail];
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
