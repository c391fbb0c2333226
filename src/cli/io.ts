/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Thrown for a mistake in the command line; the dispatcher prints it with usage and exits 2. */
export class UsageError extends Error {}

/** Prints rows as aligned columns, or as JSON when asked. */
export function printTable(io: Io, rows: Record<string, unknown>[], json: boolean): void {
  if (json) {
    io.out(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    io.out('(none)');
    return;
  }
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  io.out(line(columns));
  for (const r of rows) io.out(line(columns.map((c) => cell(r[c]))));
}

export function onOff(value: string | undefined, flag: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new UsageError(`${flag} takes on or off (got "${value}")`);
}
