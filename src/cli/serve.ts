import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { buildApp } from '../app.js';
import { createReadiness } from '../http/readiness.js';
import { createLogger } from '../logger.js';
import { isTransientDatabaseError } from '../storage/database-errors.js';
import { openStore, type Store } from '../storage/store.js';
import { bootstrap, type BootstrapResult } from '../tenancy/tenancy-service.js';
import type { Io } from './io.js';
import { isGroupWorker, joinGroup, leaveGroup, shareMetrics } from './serve-workers.js';

/**
 * `numberspace serve`: listen, then migrate and make sure credentials exist, retrying while
 * the database is unreachable (the API answers 503 meanwhile). SIGTERM or SIGINT stops
 * accepting connections, lets in-flight requests finish, then closes the database.
 */
export async function serveCommand(config: Config, io: Io): Promise<number> {
  try {
    return await serve(config, io);
  } finally {
    // However the command ends, a start that failed before listening included: a worker's
    // channel to its supervisor would otherwise keep it alive, idle.
    leaveGroup();
  }
}

async function serve(config: Config, io: Io): Promise<number> {
  const tls = config.tls === undefined ? undefined : loadTlsFiles(config.tls);
  const seedText = config.emulator?.seedFile === undefined ? undefined : readSeedFile(config.emulator.seedFile);
  const logger = createLogger(config.logLevel);
  const store = openStore(config.databaseUrl, { poolSize: config.databasePoolSize, sqliteSynchronous: config.sqliteSynchronous });
  const readiness = createReadiness();
  const app = await buildApp({
    store,
    logger,
    authCacheTtlMs: config.authCacheTtlMs,
    releaseCooldownMs: config.releaseCooldownS * 1000,
    readiness,
    limits: { rateLimit: config.rateLimit, authFailureLimit: config.authFailureLimit },
    trustProxy: config.trustProxy,
    ...(tls === undefined ? {} : { tls }),
    ...(config.emulator === undefined ? {} : { emulator: true }),
    ...(isGroupWorker() ? { shareMetrics } : {}),
  });
  if (config.emulator !== undefined) {
    io.err(
      [
        '',
        '  numberspace: EMULATOR MODE. Any credentials are accepted (a new project id is created on first use),',
        '  and /__mock__ (journal, scenarios, resets, seeding) answers without credentials.',
        `  A stand-in for test suites: never for real traffic.${config.databaseUrl === ':memory:' ? ' Data is kept in memory only.' : ''}`,
        '',
      ].join('\n'),
    );
    logger.warn({ host: config.host, database: config.databaseUrl === ':memory:' ? 'memory' : 'file' }, 'emulator mode');
  }

  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      stopping = true;
      readiness.markStopping();
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

  let exitCode = 0;
  try {
    const address = await app.listen({ port: config.port, host: config.host });
    const result = await prepareDatabase(store, config, logger, () => stopping);
    if (result !== undefined) {
      if (seedText !== undefined) await applySeed(app, seedText);
      if (config.emulator === undefined) printWelcome(io, result, address);
      // With WORKERS above 1, ready only once every worker of the group is.
      if (await joinGroup(stopped)) {
        readiness.markReady();
        logger.info('ready');
        logger.flush();
      }
      await stopped;
    }
  } catch (err) {
    logger.fatal({ err }, 'cannot serve');
    io.err(`numberspace: ${(err as Error).message}`);
    exitCode = 1;
  }
  await app.close();
  await store.close();
  logger.info('stopped');
  return exitCode;
}

function readSeedFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the seed document "${path}": ${(err as Error).message}`);
  }
}

/** Through the control endpoint itself, so a file is checked and applied exactly as a POST is. */
async function applySeed(app: Awaited<ReturnType<typeof buildApp>>, text: string): Promise<void> {
  const answer = await app.inject({ method: 'POST', url: '/__mock__/seed', headers: { 'content-type': 'application/yaml' }, payload: text });
  if (answer.statusCode !== 200) throw new Error(`--seed: ${(JSON.parse(answer.body) as { error: string }).error}`);
}

/**
 * Reads and checks the PEM pair before anything listens, so a wrong path, an unreadable file
 * or a key that does not match its certificate stops the start with a message naming it.
 */
function loadTlsFiles(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (name: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read ${name} "${path}": ${(err as Error).message}`);
    }
  };
  const cert = read('TLS_CERT_FILE', files.certFile);
  const key = read('TLS_KEY_FILE', files.keyFile);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(`TLS_CERT_FILE and TLS_KEY_FILE are not a usable PEM certificate and matching key: ${(err as Error).message}`);
  }
  return { cert, key };
}

/**
 * Migrates and bootstraps, retrying transient database failures with capped backoff.
 * Resolves undefined when asked to stop first; throws on a permanent failure (a schema newer
 * than this build, refused credentials, a failed migration).
 */
async function prepareDatabase(store: Store, config: Config, logger: Logger, stopRequested: () => boolean): Promise<BootstrapResult | undefined> {
  let delayMs = 250;
  for (;;) {
    try {
      await store.migrate();
      return await bootstrap(
        { store: store.tenancy, clock: () => new Date(), newId: () => crypto.randomUUID() },
        { projectId: config.bootstrapProjectId, apiToken: config.bootstrapApiToken },
      );
    } catch (err) {
      if (!isTransientDatabaseError(err)) throw err;
      logger.warn({ err, retryInMs: delayMs }, 'database unavailable; retrying');
    }
    const deadline = Date.now() + delayMs;
    while (Date.now() < deadline) {
      if (stopRequested()) return undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
    delayMs = Math.min(delayMs * 2, 5000);
  }
}

function printWelcome(io: Io, result: BootstrapResult, address: string): void {
  const created = result.created;
  if (created === undefined) return;
  const lines = [
    '',
    created.space === undefined ? 'numberspace: added the credentials from the environment.' : 'numberspace: new installation ready.',
    `  SIGNALWIRE_PROJECT_ID=${created.project.id}`,
  ];
  if (!created.secretWasGiven) {
    lines.push(`  SIGNALWIRE_API_TOKEN=${created.secret}`, '  (the token is shown only this once; numberspace keeps only its hash)');
  }
  const token = created.secretWasGiven ? '$SIGNALWIRE_API_TOKEN' : created.secret;
  lines.push(
    '',
    'Import a number:',
    `  curl -s -u '${created.project.id}:${token}' -H 'content-type: application/json' \\`,
    `    -d '{"number":"+15558675309","number_type":"longcode"}' ${address}/api/relay/rest/imported_phone_numbers`,
    '',
  );
  io.out(lines.join('\n'));
}
