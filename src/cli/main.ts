import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { type Io, UsageError, processIo } from './io.js';
import { auditCommand } from './audit-command.js';
import { serveCommand } from './serve.js';
import { isGroupWorker, superviseWorkers } from './serve-workers.js';
import { tlsCertCommand } from './tls-cert-command.js';
import { importCommand } from './import-command.js';
import { projectsCommand, spacesCommand, tokensCommand } from './tenancy-commands.js';
import { stockCommand } from './stock-command.js';

const USAGE = `Usage: numberspace [command]

  serve [--workers N] [--emulator [--seed FILE] [--emulator-allow-remote]]
                                          run the HTTP service (the default); --workers: N
                                          server processes on one port (WORKERS); --emulator: a
                                          SignalWire stand-in for test suites (any credentials,
                                          /__mock__ journal, scenarios, resets, seeding)
  spaces create --name N [--partner-api on|off]
  spaces list
  spaces update <id|name> --partner-api on|off
  projects create [--space <id|name>] [--name N]
  projects list [--space <id|name>]
  projects update <id> [--rate-limit <spec>|default] [--number-quota <n>|none]
  tokens create --project <id> --scopes a,b|all [--name N]   prints the secret once
  tokens list --project <id>
  tokens rotate <token-id>                 a new secret for the same token, printed once
  tokens revoke <token-id>
  audit --project <id> [--since <ISO 8601>] [--json]  imports, updates, releases and token changes
  stock add FILE.csv [--space <id|name>] [--out F] [--dry-run]
                                          load numbers into a Space's stock; safe to re-run
  stock list [--space <id|name>] [--json]
  stock count [--space <id|name>]
  stock remove NUMBER... [--space <id|name>]
                                          (numberspace stock --help for the file's columns)
  tls-cert [--out DIR] [--days N]          a self-signed certificate for 127.0.0.1, ::1 and localhost
  import FILE.csv [--url U] [--api relay|compat] [--concurrency N] [--dry-run] [--out F]
                                          import a carrier inventory over HTTP; safe to re-run
                                          (numberspace import --help for every option)

Every list and create takes --json. Commands other than import and tls-cert act on the
database named by DATABASE_URL; import talks HTTP to a running Space.`;

function withoutEmulator(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NUMBERSPACE_EMULATOR: _on, NUMBERSPACE_EMULATOR_ALLOW_REMOTE: _remote, NUMBERSPACE_SEED: _seed, ...rest } = env;
  return rest;
}

/** `serve`'s flags, as the environment variables they stand for. */
function serveFlags(args: string[]): NodeJS.ProcessEnv {
  let values: { emulator?: boolean; 'emulator-allow-remote'?: boolean; seed?: string; workers?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { emulator: { type: 'boolean' }, 'emulator-allow-remote': { type: 'boolean' }, seed: { type: 'string' }, workers: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`serve: ${(err as Error).message}`);
  }
  return {
    ...(values.emulator === true ? { NUMBERSPACE_EMULATOR: '1' } : {}),
    ...(values['emulator-allow-remote'] === true ? { NUMBERSPACE_EMULATOR_ALLOW_REMOTE: '1' } : {}),
    ...(values.seed === undefined ? {} : { NUMBERSPACE_SEED: values.seed }),
    ...(values.workers === undefined ? {} : { WORKERS: values.workers }),
  };
}

/** Runs one command and resolves its exit code: 0 done, 1 failed, 2 bad usage. */
export async function run(argv: string[], env: NodeJS.ProcessEnv, io: Io = processIo): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  try {
    if (command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return 0;
    }
    if (command === 'tls-cert') return tlsCertCommand(io, rest);
    if (command === 'import') return await importCommand(io, rest, env);
    // Its help needs no configuration; its actions read it as the other operator commands do.
    if (command === 'stock') return await stockCommand(io, rest, () => loadConfig(withoutEmulator(env)));
    // Emulator mode is a way to serve: the operator commands act on the configured database
    // whatever NUMBERSPACE_EMULATOR a CI environment exports.
    const config = loadConfig(command === 'serve' ? { ...env, ...serveFlags(rest) } : withoutEmulator(env));
    switch (command) {
      case 'serve':
        return config.workers > 1 && !isGroupWorker() ? await superviseWorkers(config) : await serveCommand(config, io);
      case 'spaces':
        return await spacesCommand(config, io, rest);
      case 'projects':
        return await projectsCommand(config, io, rest);
      case 'tokens':
        return await tokensCommand(config, io, rest);
      case 'audit':
        return await auditCommand(config, io, rest);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`numberspace: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.err(`numberspace: configuration error:\n${err.message}`);
      return 2;
    }
    io.err(`numberspace: ${(err as Error).message}`);
    return 1;
  }
}
