import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { openStore } from '../storage/store.js';
import { type Io, UsageError, printTable } from './io.js';

/** `numberspace audit --project <id> [--since <ISO 8601>] [--json]` */
export async function auditCommand(config: Config, io: Io, args: string[]): Promise<number> {
  let values: { project?: string; since?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { project: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.project === undefined || values.project === '') throw new UsageError('--project is required');
  let since: string | undefined;
  if (values.since !== undefined) {
    const t = new Date(values.since);
    if (Number.isNaN(t.getTime())) throw new UsageError(`--since takes an ISO 8601 time (got "${values.since}")`);
    since = t.toISOString();
  }
  const store = openStore(config.databaseUrl, { poolSize: 2 });
  try {
    await store.migrate();
    const events = await store.audit.list(values.project, since);
    const rows = events.map((e) => ({
      at: e.at,
      action: e.action,
      resource_id: e.resource_id,
      token_id: e.token_id,
      request_id: e.request_id,
      surface: e.surface,
      summary: values.json === true ? JSON.parse(e.summary) : e.summary,
    }));
    printTable(io, rows, values.json === true);
    return 0;
  } finally {
    await store.close();
  }
}
