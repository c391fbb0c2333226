import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { bulkImport, FatalAnswer, type Progress, type RowResult } from '../bulk-import/bulk-import.js';
import { ImportFileError, readImportFile } from '../bulk-import/import-file.js';
import { type Api, spaceClient } from '../bulk-import/space-client.js';
import { type Io, UsageError } from './io.js';

export const IMPORT_USAGE = `numberspace import FILE.csv [options]

Imports every number of a CSV file (header: number, number_type, capabilities, name) into a
project of any SignalWire-compatible Space, numberspace or SignalWire itself. Safe to run again
after a crash or Ctrl-C: each row carries an Idempotency-Key made from the file and the row.

  --url URL             the Space (default $SIGNALWIRE_SPACE, else http://127.0.0.1:8080)
  --project ID          default $SIGNALWIRE_PROJECT_ID
  --token TOKEN         default $SIGNALWIRE_API_TOKEN
  --api relay|compat    which surface to import through (default relay)
  --concurrency N       requests in flight (default 16)
  --number-type T       longcode or tollfree, for a file without a number_type column
  --out FILE            the results CSV (default FILE.results.csv beside the input)
  --dry-run             check every row by the import rules; import nothing

Exit status: 0 every row imported or already imported; 1 any row rejected, a name not set,
or the run interrupted (the results then cover the rows done); 2 a usage error, or the Space
refusing the credentials or the project (401, 403, 404), with no results file.`;

const DEFAULT_URL = 'http://127.0.0.1:8080';
const PLAIN_EVERY_MS = 2000;

export async function importCommand(io: Io, args: string[], env: NodeJS.ProcessEnv, stderr: NodeJS.WriteStream = process.stderr): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        project: { type: 'string' },
        token: { type: 'string' },
        api: { type: 'string' },
        concurrency: { type: 'string' },
        'number-type': { type: 'string' },
        out: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(IMPORT_USAGE);
    return 0;
  }
  const [input, ...extra] = positionals;
  if (input === undefined || extra.length > 0) throw new UsageError('import takes one CSV file');
  const api = (values.api ?? 'relay') as Api;
  if (api !== 'relay' && api !== 'compat') throw new UsageError(`--api takes relay or compat (got "${values.api}")`);
  const concurrency = Number(values.concurrency ?? '16');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency takes an integer from 1 to 256');
  const numberType = values['number-type'];
  if (numberType !== undefined && numberType !== 'longcode' && numberType !== 'tollfree') throw new UsageError('--number-type takes longcode or tollfree');
  const dryRun = values['dry-run'] === true;
  const out = values.out ?? join(dirname(input), `${basename(input, extname(input))}.results.csv`);

  let bytes: Buffer;
  try {
    bytes = readFileSync(input);
  } catch (err) {
    throw new UsageError(`cannot read ${input}: ${(err as Error).message}`);
  }
  let file;
  try {
    file = readImportFile(bytes, numberType === undefined ? {} : { numberType });
  } catch (err) {
    if (err instanceof ImportFileError) throw new UsageError(`${input}: ${err.message}`);
    throw err;
  }

  let client;
  if (!dryRun) {
    const projectId = values.project ?? env.SIGNALWIRE_PROJECT_ID;
    const token = values.token ?? env.SIGNALWIRE_API_TOKEN;
    if (projectId === undefined || projectId === '') throw new UsageError('give the project with --project or SIGNALWIRE_PROJECT_ID');
    if (token === undefined || token === '') throw new UsageError('give the API token with --token or SIGNALWIRE_API_TOKEN');
    const baseUrl = spaceUrl(values.url ?? env.SIGNALWIRE_SPACE ?? DEFAULT_URL);
    client = spaceClient({ baseUrl, projectId, token, api, connections: concurrency });
  }

  const started = performance.now();
  const progress = progressReporter(stderr, file.rows.length, dryRun ? 'check' : 'import', started);
  const stop = new AbortController();
  const interrupt = () => {
    if (!stop.signal.aborted) stderr.write('\nstopping: finishing the rows in flight (Ctrl-C again to quit at once)\n');
    else process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', interrupt);
  let results: RowResult[];
  try {
    results = await bulkImport({ file, ...(client === undefined ? {} : { client }), concurrency, dryRun, onProgress: progress.update, signal: stop.signal });
  } catch (err) {
    progress.stop();
    if (err instanceof FatalAnswer) {
      // The results file describes this run, even one cut short: never an older run's rows.
      writeResults(out, err.finished);
      io.err(`numberspace import: ${err.message}; nothing more was sent (${err.finished.length} of ${file.rows.length} rows done, results in ${out})`);
      return 2;
    }
    throw err;
  } finally {
    process.off('SIGINT', interrupt);
    client?.close();
  }
  progress.stop();

  const seconds = (performance.now() - started) / 1000;
  writeResults(out, results);
  const count = (o: RowResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const flawed = results.filter((r) => r.outcome !== 'rejected' && r.error !== '').length;
  const parts = dryRun
    ? [`${count('valid')} valid`, `${count('rejected')} rejected`]
    : [`${count('imported')} imported`, `${count('already_imported')} already imported`, `${count('rejected')} rejected`, ...(flawed > 0 ? [`${flawed} without their name`] : [])];
  io.out(`${results.length} of ${file.rows.length} rows: ${parts.join(', ')} in ${seconds.toFixed(1)} s (${Math.round(results.length / Math.max(seconds, 1e-3))} rows/s); results in ${out}`);
  if (results.length < file.rows.length) {
    io.err(`interrupted: ${file.rows.length - results.length} rows not processed; run the same command again to finish`);
    return 1;
  }
  return count('rejected') > 0 || flawed > 0 ? 1 : 0;
}

/** A host name (as SIGNALWIRE_SPACE often holds) is an https Space; a URL is taken as it is. */
export function spaceUrl(raw: string): string {
  const text = /^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be http or https (got ${url.protocol})`);
  return url.toString();
}

/** Rows in file order; written beside and renamed, so a results file is never half written. */
function writeResults(out: string, results: readonly RowResult[]): void {
  const sorted = [...results].sort((a, b) => a.row - b.row);
  const text = stringify(
    sorted.map((r) => [r.row, r.number, r.outcome, r.id, r.error]),
    { header: true, columns: ['row', 'number', 'outcome', 'id', 'error'] },
  );
  const partial = `${out}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, out);
}

/** A live bar on a terminal; a line every two seconds otherwise (CI logs, pipes). */
function progressReporter(stderr: NodeJS.WriteStream, total: number, verb: string, started: number) {
  const rate = (p: Progress) => p.done / Math.max((performance.now() - started) / 1000, 1e-3);
  if (stderr.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      { format: `${verb} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | {failed} failed`, stream: stderr, hideCursor: true, etaBuffer: 200 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0, failed: 0 });
    return {
      update: (p: Progress) => bar.update(p.done, { rate: Math.round(rate(p)), failed: p.failed }),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let latest: Progress | undefined;
  const line = (p: Progress) => {
    const r = rate(p);
    const eta = r > 0 ? Math.ceil((p.total - p.done) / r) : 0;
    stderr.write(`${verb}: ${p.done}/${p.total} rows (${p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total)}%), ${Math.round(r)} rows/s, ETA ${eta} s, ${p.failed} failed, ${p.retries} retried\n`);
  };
  return {
    update: (p: Progress) => {
      latest = p;
      const now = performance.now();
      if (now - last >= PLAIN_EVERY_MS) {
        last = now;
        line(p);
      }
    },
    stop: () => {
      if (latest !== undefined && latest.done === latest.total) line(latest);
    },
  };
}
