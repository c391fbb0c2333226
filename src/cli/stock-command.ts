import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { type CsvTable, ImportFileError, readCsvTable } from '../bulk-import/import-file.js';
import type { Config } from '../config/config.js';
import { maskToCapabilities } from '../domain/capabilities.js';
import { canonicalNumber } from '../domain/phone-number.js';
import { checkStockEntry, type StockFields } from '../domain/stock-entry.js';
import type { StockEntry } from '../domain/stock.js';
import { newRowId } from '../domain/uuid-v7.js';
import { EMULATOR_SPACE_NAME } from '../emulator/emulator-projects.js';
import type { StockedNumber, StockPosition } from '../storage/stock-store.js';
import { openStore, type Store } from '../storage/store.js';
import type { SpaceRecord, TenancyStore } from '../storage/tenant-records.js';
import { type Io, UsageError } from './io.js';

export const STOCK_USAGE = `numberspace stock add|list|count|remove [options]

A Space's stock: the numbers it holds that no project has yet, for its projects to search
and buy. Acts on the database named by DATABASE_URL.

  stock add FILE.csv [--space S] [--out FILE] [--dry-run]
      loads every number of a CSV file (header: number, number_type, and optionally region,
      city, rate_center, lata, capabilities); safe to run again: numbers already in the
      Space's stock are reported as in_stock
      --out FILE    the results CSV (default FILE.results.csv beside the input)
      --dry-run     check every row and report what a load would do; change nothing
  stock list [--space S] [--json]     every stock number, by type then national number
  stock count [--space S]             how many numbers the stock holds
  stock remove NUMBER... [--space S]  withdraws numbers from the stock

  --space S     the Space, by id or name; needed only when more than one Space exists

Exit status: 0 done; 1 a row held or rejected (add), a number not in stock (remove), or the
load interrupted; 2 a usage error.`;

const STOCK_COLUMNS = ['number', 'number_type', 'region', 'city', 'rate_center', 'lata', 'capabilities'] as const;
/** Rows per store call: one transaction each, small enough to keep a statement's parameters in bounds. */
const CHUNK = 1000;
const PLAIN_EVERY_MS = 2000;
const E164 = /^\+?[1-9][0-9]*$/;
const HELD = "active in a project or in another Space's stock";

type Options = Record<string, { type: 'string' | 'boolean' }>;
type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

/** Each action's own options: any other is a usage error, not silently ignored. */
const ACTION_OPTIONS: Record<string, Options> = {
  add: { out: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  list: { json: { type: 'boolean' } },
  count: {},
  remove: {},
};

function parse(args: string[], options: Options): Parsed {
  try {
    return parseArgs({ args, options: { ...options, space: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    throw new UsageError(`stock: ${(err as Error).message}`);
  }
}

/** `numberspace stock add|list|count|remove`; the configuration is read only once the command line is known good. */
export async function stockCommand(io: Io, [action, ...rest]: string[], config: () => Config, stderr: NodeJS.WriteStream = process.stderr): Promise<number> {
  if (action === undefined) {
    io.err(STOCK_USAGE);
    return 2;
  }
  if (action === '--help' || action === '-h' || action === 'help') {
    io.out(STOCK_USAGE);
    return 0;
  }
  const options = Object.hasOwn(ACTION_OPTIONS, action) ? ACTION_OPTIONS[action] : undefined;
  if (options === undefined) throw new UsageError(`stock takes add, list, count or remove (got "${action}")`);
  const { values, positionals } = parse(rest, options);
  if (values.help === true) {
    io.out(STOCK_USAGE);
    return 0;
  }
  const space = values.space as string | undefined;
  switch (action) {
    case 'add': {
      const [input, ...extra] = positionals;
      if (input === undefined || extra.length > 0) throw new UsageError('stock add takes one CSV file');
      const table = readStockFile(input);
      const out = (values.out as string | undefined) ?? join(dirname(input), `${basename(input, extname(input))}.results.csv`);
      return withStore(config(), space, (store, s) => addStock(io, stderr, store, s, table, out, values['dry-run'] === true));
    }
    case 'list':
      noPositionals(positionals, 'list');
      return withStore(config(), space, (store, s) => listStock(io, store, s, values.json === true));
    case 'count':
      noPositionals(positionals, 'count');
      return withStore(config(), space, async (store, s) => {
        io.out(String(await store.stock.count(s.id)));
        return 0;
      });
    default: {
      if (positionals.length === 0) throw new UsageError('stock remove takes one or more numbers');
      const numbers = [...new Set(positionals.map(e164Argument))];
      return withStore(config(), space, (store, s) => removeStock(io, store, s, numbers));
    }
  }
}

function noPositionals(positionals: string[], action: string): void {
  if (positionals.length > 0) throw new UsageError(`stock ${action} takes no arguments (got "${positionals[0]}")`);
}

function e164Argument(raw: string): string {
  if (raw.length < 5 || raw.length > 30 || !E164.test(raw)) throw new UsageError(`"${raw}" is not an E.164 number (5 to 30 digits, optionally after a +)`);
  return canonicalNumber(raw);
}

async function withStore(config: Config, key: string | undefined, fn: (store: Store, space: SpaceRecord) => Promise<number>): Promise<number> {
  const store = openStore(config.databaseUrl, { poolSize: 2 });
  try {
    await store.migrate();
    return await fn(store, await chooseSpace(store.tenancy, key));
  } finally {
    await store.close();
  }
}

/** The named Space, or the only one; never the emulator's, whose resets would take its stock with them. */
async function chooseSpace(tenancy: TenancyStore, key: string | undefined): Promise<SpaceRecord> {
  let space: SpaceRecord | undefined;
  if (key !== undefined) {
    space = await tenancy.findSpace(key);
    if (space === undefined) throw new UsageError(`no space "${key}"`);
  } else {
    const all = await tenancy.listSpaces();
    if (all.length === 0) throw new UsageError('no space exists yet: create one first');
    if (all.length > 1) throw new UsageError(`give the Space with --space <id|name>; the Spaces are: ${all.map((s) => `${s.name} (${s.id})`).join(', ')}`);
    space = all[0]!;
  }
  if (space.name === EMULATOR_SPACE_NAME) throw new UsageError(`the "${EMULATOR_SPACE_NAME}" Space belongs to emulator mode, whose resets delete what it holds: choose another`);
  return space;
}

function readStockFile(input: string): CsvTable {
  let bytes: Buffer;
  try {
    bytes = readFileSync(input);
  } catch (err) {
    throw new UsageError(`cannot read ${input}: ${(err as Error).message}`);
  }
  try {
    return readCsvTable(bytes, { allowed: STOCK_COLUMNS, required: ['number', 'number_type'] });
  } catch (err) {
    if (err instanceof ImportFileError) throw new UsageError(`${input}: ${err.message}`);
    throw err;
  }
}

type Outcome = 'added' | 'valid' | 'in_stock' | 'held' | 'rejected';
interface RowResult {
  readonly row: number;
  readonly number: string;
  readonly outcome: Outcome;
  readonly error: string;
}

/** Loads (or, dry, checks) the file chunk by chunk, writing each chunk's results as it goes. */
async function addStock(io: Io, stderr: NodeJS.WriteStream, store: Store, space: SpaceRecord, table: CsvTable, out: string, dryRun: boolean): Promise<number> {
  const total = table.records.length;
  const counts: Record<Outcome, number> = { added: 0, valid: 0, in_stock: 0, held: 0, rejected: 0 };
  const started = performance.now();
  const progress = progressReporter(stderr, total, dryRun ? 'check' : 'add', started);
  const results = resultsWriter(out);
  const classify = dryRun ? dryRunner(store, space.id) : (entries: StockEntry[]) => store.stock.add(space.id, entries, entries.map(() => newRowId()), new Date().toISOString());
  let stopping = false;
  const interrupt = () => {
    if (stopping) process.exit(130);
    stopping = true;
    stderr.write('\nstopping: finishing the rows in flight (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', interrupt);
  let done = 0;
  try {
    for (let at = 0; at < total && !stopping; at += CHUNK) {
      const chunk = await checkChunk(table, at, classify);
      for (const r of chunk) counts[r.outcome]++;
      results.append(chunk);
      done += chunk.length;
      progress.update(done, counts.held + counts.rejected);
    }
    results.finish();
  } finally {
    process.off('SIGINT', interrupt);
    progress.stop();
    results.abandon();
  }
  const seconds = (performance.now() - started) / 1000;
  const parts = [dryRun ? `${counts.valid} valid` : `${counts.added} added`, `${counts.in_stock} already in stock`, `${counts.held} held`, `${counts.rejected} rejected`];
  io.out(`${done} of ${total} rows: ${parts.join(', ')} in ${seconds.toFixed(1)} s; results in ${out}`);
  if (done < total) {
    io.err(`interrupted: ${total - done} rows not processed; run the same command again to finish`);
    return 1;
  }
  return counts.held + counts.rejected > 0 ? 1 : 0;
}

/** One chunk of rows, checked, with the valid ones' outcomes from the store (or the dry run). */
async function checkChunk(table: CsvTable, at: number, classify: (entries: StockEntry[]) => Promise<Outcome[]>): Promise<RowResult[]> {
  const rows: (RowResult | { row: number; entry: StockEntry })[] = table.records.slice(at, at + CHUNK).map((record) => {
    const cell = (column: (typeof STOCK_COLUMNS)[number]) => table.cell(record, column);
    const number = cell('number') ?? '';
    if (record.problem !== null) return { row: record.row, number, outcome: 'rejected', error: record.problem };
    const fields: StockFields = {
      number,
      number_type: cell('number_type') ?? '',
      region: cell('region'),
      city: cell('city'),
      rate_center: cell('rate_center'),
      lata: cell('lata'),
      capabilities: cell('capabilities'),
    };
    const checked = checkStockEntry(fields);
    return checked.ok ? { row: record.row, entry: checked.entry } : { row: record.row, number, outcome: 'rejected', error: checked.problem };
  });
  const entries = rows.flatMap((r) => ('entry' in r ? [r.entry] : []));
  const outcomes = entries.length === 0 ? [] : await classify(entries);
  let next = 0;
  return rows.map((r) => {
    if (!('entry' in r)) return r;
    const outcome = outcomes[next++]!;
    return { row: r.row, number: r.entry.number, outcome, error: outcome === 'held' ? HELD : '' };
  });
}

/**
 * What a load would answer, without writing: 'valid' for a number it would add. Numbers the
 * run has already counted as in stock are remembered, so a repeat within the file answers
 * in_stock as a real load's would.
 */
function dryRunner(store: Store, spaceId: string): (entries: StockEntry[]) => Promise<Outcome[]> {
  const inStock = new Set<string>();
  return async (entries) => {
    const unseen = [...new Set(entries.map((e) => e.number).filter((n) => !inStock.has(n)))];
    const active = await store.stock.activeAmong(unseen);
    // Only the active ones can be this Space's: most rows of a first load need no lookup.
    const found = await Promise.all([...active].map((n) => store.stock.findStocked(spaceId, n)));
    const ours = new Set(found.flatMap((row) => (row === undefined ? [] : [row.number])));
    return entries.map((e): Outcome => {
      if (inStock.has(e.number)) return 'in_stock';
      if (active.has(e.number) && !ours.has(e.number)) return 'held';
      inStock.add(e.number);
      return active.has(e.number) ? 'in_stock' : 'valid';
    });
  };
}

/**
 * The results CSV, appended chunk by chunk to a file beside it and renamed once the run ends
 * (finished or interrupted), so a results file is never half written nor an older run's.
 */
function resultsWriter(out: string) {
  const partial = `${out}.partial`;
  let fd: number | null = openSync(partial, 'w');
  writeSync(fd, stringify([], { header: true, columns: ['row', 'number', 'outcome', 'error'] }));
  return {
    append(rows: readonly RowResult[]) {
      writeSync(fd!, stringify(rows.map((r) => [r.row, r.number, r.outcome, r.error])));
    },
    finish() {
      closeSync(fd!);
      fd = null;
      renameSync(partial, out);
    },
    /** After a failure: no results file rather than one that looks complete. */
    abandon() {
      if (fd === null) return;
      closeSync(fd);
      fd = null;
      rmSync(partial, { force: true });
    },
  };
}

/** A live bar on a terminal; a line every two seconds otherwise (CI logs, pipes), and one at the end. */
function progressReporter(stderr: NodeJS.WriteStream, total: number, verb: string, started: number) {
  const rate = (done: number) => done / Math.max((performance.now() - started) / 1000, 1e-3);
  if (stderr.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      { format: `${verb} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | {failed} failed`, stream: stderr, hideCursor: true, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0, failed: 0 });
    return {
      update: (done: number, failed: number) => bar.update(done, { rate: Math.round(rate(done)), failed }),
      stop: () => bar.stop(),
    };
  }
  let last = performance.now();
  let latest: { done: number; failed: number } | undefined;
  const line = ({ done, failed }: { done: number; failed: number }) => {
    const r = rate(done);
    const eta = r > 0 ? Math.ceil((total - done) / r) : 0;
    stderr.write(`${verb}: ${done}/${total} rows (${total === 0 ? 100 : Math.floor((100 * done) / total)}%), ${Math.round(r)} rows/s, ETA ${eta} s, ${failed} failed\n`);
  };
  return {
    update: (done: number, failed: number) => {
      latest = { done, failed };
      if (performance.now() - last >= PLAIN_EVERY_MS) {
        last = performance.now();
        line(latest);
      }
    },
    stop: () => {
      if (latest !== undefined) line(latest);
    },
  };
}

const LIST_PAGE = 1000;

/** Every stock number, a page at a time: only one page is ever held, in either form. */
async function listStock(io: Io, store: Store, space: SpaceRecord, json: boolean): Promise<number> {
  const print = json ? jsonArrayPrinter(io) : tablePrinter(io);
  let from: StockPosition | null = null;
  for (;;) {
    const page = await store.stock.list(space.id, from, LIST_PAGE);
    print.page(page.map(listed));
    const last = page.at(-1);
    if (last === undefined || page.length < LIST_PAGE) break;
    from = { numberType: last.number_type, national: last.national, number: last.number };
  }
  print.end();
  return 0;
}

const listed = (n: StockedNumber) => ({
  number: n.number,
  number_type: n.number_type,
  country: n.country_code,
  region: n.region,
  city: n.city,
  rate_center: n.rate_center,
  lata: n.lata,
  capabilities: maskToCapabilities(n.capabilities),
});
type Listed = ReturnType<typeof listed>;

/**
 * The same text printTable writes for a JSON array, an element at a time. Each page's last
 * element waits for the next page, which decides whether a comma follows it.
 */
function jsonArrayPrinter(io: Io) {
  let opened = false;
  let pending: string | undefined;
  const open = () => (opened ? '' : '[\n');
  return {
    page(rows: Listed[]) {
      const texts = rows.map((r) => JSON.stringify(r, null, 2).replace(/^/gm, '  '));
      if (texts.length === 0) return;
      if (pending !== undefined) texts.unshift(pending);
      pending = texts.pop();
      if (texts.length === 0) return;
      io.out(`${open()}${texts.join(',\n')},`);
      opened = true;
    },
    end: () => io.out(pending === undefined ? '[]' : `${open()}${pending}\n]`),
  };
}

/** Aligned columns as printTable's, sized by the first page: later rows wider than it just push their line out. */
function tablePrinter(io: Io) {
  const columns = ['number', 'number_type', 'country', 'region', 'city', 'rate_center', 'lata', 'capabilities'] as const;
  const cell = (v: string | null | readonly string[]) => (v === null ? '-' : typeof v === 'string' ? v : v.join(','));
  let widths: number[] | undefined;
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths![i]!)).join('  ').trimEnd();
  return {
    page(rows: Listed[]) {
      if (rows.length === 0) return;
      const cells = rows.map((r) => columns.map((c) => cell(r[c])));
      const lines: string[] = [];
      if (widths === undefined) {
        widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
        lines.push(line([...columns]));
      }
      for (const r of cells) lines.push(line(r));
      io.out(lines.join('\n'));
    },
    end: () => {
      if (widths === undefined) io.out('(none)');
    },
  };
}

async function removeStock(io: Io, store: Store, space: SpaceRecord, numbers: string[]): Promise<number> {
  let missing = 0;
  for (let at = 0; at < numbers.length; at += CHUNK) {
    const chunk = numbers.slice(at, at + CHUNK);
    const removed = await store.stock.remove(space.id, chunk);
    chunk.forEach((n, i) => {
      if (removed[i] !== true) missing++;
      io.out(`${n}  ${removed[i] === true ? 'removed' : 'not in stock'}`);
    });
  }
  return missing > 0 ? 1 : 0;
}
