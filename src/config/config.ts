import { isIP } from 'node:net';
import { NO_RATE_LIMIT, parseRateLimitSpec, type RateLimitSpec, RateLimitSpecError } from '../limits/rate-limit-spec.js';
import { DEFAULT_DATABASE_URL } from '../storage/database-url.js';

/** Everything numberspace reads from its environment, validated once at start. */
export interface Config {
  /** TCP port to listen on. */
  readonly port: number;
  /** Address to bind; loopback by default so a first start exposes nothing. */
  readonly host: string;
  /** SQLite file path or `sqlite:` URL (the default), or a `postgres://` URL. */
  readonly databaseUrl: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Longest time a verified credential is trusted without the database; bounds how late a revocation is seen. */
  readonly authCacheTtlMs: number;
  /** RELEASE_COOLDOWN_S, in seconds: how long after its purchase a bought number cannot be released. */
  readonly releaseCooldownS: number;
  /** PostgreSQL connection pool size per node. */
  readonly databasePoolSize: number;
  /**
   * SQLite durability: NORMAL survives a process crash, FULL also a power loss. FULL by
   * default: with group commit its fsync is shared by a batch and costs about 6 % of import
   * throughput at 50 connections (the benchmark measures it).
   */
  readonly sqliteSynchronous: 'NORMAL' | 'FULL';
  /** Credentials to create on start, as SignalWire's SDKs read them. */
  readonly bootstrapProjectId: string | undefined;
  readonly bootstrapApiToken: string | undefined;
  /** Per-project rate limit for projects without their own; off by default, so nothing surprises an operator. */
  readonly rateLimit: RateLimitSpec;
  /** Failed authentications per minute from one client address before they answer 429; 0 disables. */
  readonly authFailureLimit: number;
  /**
   * Proxies whose X-Forwarded-For names the client (addresses, CIDR ranges, or loopback,
   * linklocal, uniquelocal). Empty: the client is the socket's peer, and behind a proxy every
   * client shares the proxy's address.
   */
  readonly trustProxy: readonly string[];
  /**
   * PEM files to serve HTTPS with (both or neither). SignalWire's Node compatibility client
   * only speaks https, so a local stand-in must too.
   */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /**
   * Emulator mode for test suites (NUMBERSPACE_EMULATOR=1 or `serve --emulator`): any
   * credentials name a project created on first use, and /__mock__ serves the journal,
   * scenarios, resets and seeding. Undefined: off.
   */
  readonly emulator: { readonly allowRemote: boolean; readonly seedFile: string | undefined } | undefined;
  /**
   * WORKERS (`serve --workers N`): server processes sharing the port. Unset, each store's
   * default (defaultWorkers), chosen by the benchmark.
   */
  readonly workers: number;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads and validates the environment. Throws ConfigError naming the variable at fault. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T, normalise = (s: string) => s): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = normalise(raw);
    if (!(allowed as readonly string[]).includes(v)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return v as T;
  };

  const projectId = env.SIGNALWIRE_PROJECT_ID || undefined;
  const apiToken = env.SIGNALWIRE_API_TOKEN || undefined;
  if (projectId !== undefined && !UUID.test(projectId)) problems.push(`SIGNALWIRE_PROJECT_ID must be a UUID (got "${projectId}")`);
  if ((projectId === undefined) !== (apiToken === undefined)) {
    problems.push('SIGNALWIRE_PROJECT_ID and SIGNALWIRE_API_TOKEN must be set together');
  }

  let rateLimit = NO_RATE_LIMIT;
  if (env.RATE_LIMIT !== undefined && env.RATE_LIMIT !== '') {
    try {
      rateLimit = parseRateLimitSpec(env.RATE_LIMIT);
    } catch (err) {
      if (!(err instanceof RateLimitSpecError)) throw err;
      problems.push(`RATE_LIMIT ${err.message} (got "${env.RATE_LIMIT}")`);
    }
  }
  const trustProxy = (env.TRUST_PROXY ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const entry of trustProxy) {
    const why = untrustworthyProxy(entry);
    if (why !== undefined) problems.push(`TRUST_PROXY: "${entry}" ${why}`);
  }

  const certFile = env.TLS_CERT_FILE || undefined;
  const keyFile = env.TLS_KEY_FILE || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');

  const flag = (name: string): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '' || raw === '0' || raw.toLowerCase() === 'false') return false;
    if (raw === '1' || raw.toLowerCase() === 'true') return true;
    problems.push(`${name} must be 1 or 0 (got "${raw}")`);
    return false;
  };
  const emulator = flag('NUMBERSPACE_EMULATOR');
  const allowRemote = flag('NUMBERSPACE_EMULATOR_ALLOW_REMOTE');
  const seedFile = env.NUMBERSPACE_SEED || undefined;
  if (!emulator && (allowRemote || seedFile !== undefined)) problems.push('NUMBERSPACE_EMULATOR_ALLOW_REMOTE and NUMBERSPACE_SEED (--emulator-allow-remote, --seed) need emulator mode (NUMBERSPACE_EMULATOR=1, --emulator)');
  const host = env.HOST || '127.0.0.1';
  if (emulator && !allowRemote && !isLoopback(host)) {
    problems.push(`emulator mode accepts any credentials, so it listens only on a loopback address; HOST is "${host}". Add --emulator-allow-remote (NUMBERSPACE_EMULATOR_ALLOW_REMOTE=1) to listen there anyway, on a network only your tests reach`);
  }

  const databaseUrl = env.DATABASE_URL || (emulator ? ':memory:' : DEFAULT_DATABASE_URL);
  const workers = int('WORKERS', defaultWorkers(databaseUrl), 1, 256);
  if (workers > 1 && emulator) {
    problems.push('emulator mode keeps its journal and scenarios in the memory of one process: it runs with WORKERS=1 (--workers 1)');
  } else if (workers > 1 && databaseUrl === ':memory:') {
    problems.push('an in-memory database lives in one process: WORKERS above 1 (--workers) needs a database file or PostgreSQL');
  }

  const config: Config = {
    port: int('PORT', 8080, 0, 65535),
    host,
    // A test run needs nothing on disk: in emulator mode the default database is in memory.
    databaseUrl,
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info', (s) => s.toLowerCase()),
    authCacheTtlMs: int('AUTH_CACHE_TTL_MS', 2000, 0, 60_000),
    releaseCooldownS: int('RELEASE_COOLDOWN_S', 0, 0, 366 * 24 * 3600),
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
    sqliteSynchronous: oneOf('SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'] as const, 'FULL', (s) => s.toUpperCase()),
    bootstrapProjectId: projectId?.toLowerCase(),
    bootstrapApiToken: apiToken,
    rateLimit,
    // Test suites send bad credentials on purpose: in emulator mode the throttle is off unless set.
    authFailureLimit: int('AUTH_FAILURE_LIMIT', emulator ? 0 : 20, 0, 1_000_000),
    trustProxy: Object.freeze(trustProxy),
    tls: certFile !== undefined && keyFile !== undefined ? Object.freeze({ certFile, keyFile }) : undefined,
    emulator: emulator ? Object.freeze({ allowRemote, seedFile }) : undefined,
    workers,
  };
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return Object.freeze(config);
}

/**
 * Server processes when WORKERS is unset: what the benchmark measured best on each store
 * (docs/performance.md, "Every core"). Emulator mode and in-memory databases always run one.
 */
export function defaultWorkers(_databaseUrl: string): number {
  // One on both: on two cores a second worker cost 14-51 % more CPU per request and gained
  // throughput only on list pages. Per store, so a measurement can change one of them.
  return 1;
}

/** 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Why a TRUST_PROXY entry is refused, or undefined when it is fine. Trusting every address
 * (`true`, a /0) would let any client write its own address into X-Forwarded-For and so
 * escape the failed-authentication throttle: only named proxies are accepted.
 */
function untrustworthyProxy(entry: string): string | undefined {
  if (PROXY_NAMES.has(entry)) return undefined;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return 'is not an IP address, a CIDR range (10.0.0.0/8) or loopback, linklocal, uniquelocal';
  if (prefix === undefined) return undefined;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || bits > max) return `has an invalid prefix length (0 to ${max})`;
  if (bits === 0) return 'trusts every address: any client could then choose the address it is counted under';
  return undefined;
}
