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
  /** PostgreSQL connection pool size per node. */
  readonly databasePoolSize: number;
  /** SQLite durability: NORMAL survives a process crash, FULL also a power loss. */
  readonly sqliteSynchronous: 'NORMAL' | 'FULL';
  /** Credentials to create on start, as SignalWire's SDKs read them. */
  readonly bootstrapProjectId: string | undefined;
  readonly bootstrapApiToken: string | undefined;
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

  const config: Config = {
    port: int('PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info', (s) => s.toLowerCase()),
    authCacheTtlMs: int('AUTH_CACHE_TTL_MS', 2000, 0, 60_000),
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
    sqliteSynchronous: oneOf('SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'] as const, 'NORMAL', (s) => s.toUpperCase()),
    bootstrapProjectId: projectId?.toLowerCase(),
    bootstrapApiToken: apiToken,
  };
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return Object.freeze(config);
}
