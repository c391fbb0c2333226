import type { Config } from '../config/config.js';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { openStore } from '../storage/store.js';
import { bootstrap, type BootstrapResult } from '../tenancy/tenancy-service.js';
import type { Io } from './io.js';

/**
 * `numberspace serve`: open the store, migrate, make sure credentials exist, listen.
 * SIGTERM or SIGINT stops accepting connections, lets in-flight requests finish, then closes
 * the database.
 */
export async function serveCommand(config: Config, io: Io): Promise<number> {
  const logger = createLogger(config.logLevel);
  const store = openStore(config.databaseUrl, { poolSize: config.databasePoolSize, sqliteSynchronous: config.sqliteSynchronous });
  await store.migrate();
  const result = await bootstrap(
    { store: store.tenancy, clock: () => new Date(), newId: () => crypto.randomUUID() },
    { projectId: config.bootstrapProjectId, apiToken: config.bootstrapApiToken },
  );
  const app = await buildApp({ store, logger, authCacheTtlMs: config.authCacheTtlMs });
  const address = await app.listen({ port: config.port, host: config.host });
  printWelcome(io, result, address);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await app.close();
  await store.close();
  logger.info('stopped');
  return 0;
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
