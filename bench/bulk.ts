import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportNumbers } from './inventory.js';
import { BUILT_MAIN, type ServerProcess } from './processes.js';

/** The connections the single-import figure is taken at: `numberspace import`'s default concurrency. */
export const BULK_CONNECTIONS = 16;

export interface BulkResult {
  readonly rows: number;
  /** The import phase as the command reports it (after reading the file, before writing results). */
  readonly rowsPerSecond: number;
  /** From spawn to exit, start-up and the results file included. */
  readonly wallSeconds: number;
  /** Server CPU (every thread) over the whole command, per row. */
  readonly serverCpuUsPerRow: number;
  readonly exitCode: number | null;
}

/**
 * Runs the built `numberspace import` at its defaults against a server, on a file of `rows`
 * fresh numbers, and reads its own rows/s line.
 */
export async function runBulkImport(o: { server: ServerProcess; projectId: string; apiToken: string; dir: string; rows: number; numbers: ImportNumbers; tag: string }): Promise<BulkResult> {
  const file = join(o.dir, `bulk-${o.tag}.csv`);
  const lines = ['number,number_type'];
  for (let i = 0; i < o.rows; i++) lines.push(`${o.numbers.next()},longcode`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const cpuBefore = o.server.cpuSeconds();
  const started = performance.now();
  const child = spawn(process.execPath, [BUILT_MAIN, 'import', file, '--url', o.server.url, '--out', join(o.dir, `bulk-${o.tag}.results.csv`)], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SIGNALWIRE_PROJECT_ID: o.projectId, SIGNALWIRE_API_TOKEN: o.apiToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = o.server.cpuSeconds() - cpuBefore;
  const m = /(\d+) of (\d+) rows: (\d+) imported.* \((\d+) rows\/s\)/.exec(out);
  if (exitCode !== 0 || m === null || Number(m[3]) !== o.rows) {
    throw new Error(`numberspace import did not import all ${o.rows} rows (exit ${exitCode}):\n${out}\n${err.slice(-2000)}`);
  }
  return { rows: o.rows, rowsPerSecond: Number(m[4]), wallSeconds, serverCpuUsPerRow: (cpu * 1e6) / o.rows, exitCode };
}
