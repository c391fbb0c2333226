import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { type Capability, CAPABILITIES } from '../domain/capabilities.js';
import { canonicalNumber, numberFacts, type RequestedNumberType } from '../domain/phone-number.js';

/**
 * A carrier inventory as a CSV file, read into rows checked by the server's own import rules
 * (the contract's, and the number-type rule of the import service), so a dry run finds every
 * row the server would refuse and a real run sends only rows it could accept.
 */

export const COLUMNS = ['number', 'number_type', 'capabilities', 'name'] as const;
const NUMBER_TYPES: readonly RequestedNumberType[] = ['longcode', 'tollfree'];
/** The import schema's number rule: 5 to 30 characters, ASCII digits, one optional leading +, no leading 0. */
const NUMBER = /^\+?[1-9][0-9]*$/;

/** What an import sends for a row. */
export interface ImportRequest {
  readonly number: string;
  readonly number_type: RequestedNumberType;
  readonly capabilities?: readonly Capability[];
}

export type FileRow =
  | { readonly row: number; readonly number: string; readonly request: ImportRequest; readonly name: string | null; readonly problem?: undefined }
  | { readonly row: number; readonly number: string; readonly problem: string };

export interface ImportFile {
  readonly rows: readonly FileRow[];
  /** sha256 of the file's bytes: with the row number, each row's idempotency key. */
  readonly digest: string;
}

/** A file that cannot be imported at all (no header, unknown columns): a usage error. */
export class ImportFileError extends Error {}

/** One data row of a CSV file, numbered from 1 (the header is row 0). */
export interface CsvRecord {
  readonly row: number;
  /** The fields as read; none when the parser could not read the record. */
  readonly fields: readonly string[];
  /** Why the row cannot be taken as it is: unreadable, or not as many fields as the header. */
  readonly problem: string | null;
}

/** A CSV file with a header row naming only allowed columns, each once. */
export interface CsvTable {
  /** The header's column names, trimmed and lower-cased. */
  readonly header: readonly string[];
  readonly records: readonly CsvRecord[];
  /** A record's field by column name, trimmed: '' when the row stops short of it, undefined when the header has no such column. */
  cell(record: CsvRecord, column: string): string | undefined;
}

export interface CsvColumns {
  /** Every column the header may name. */
  readonly allowed: readonly string[];
  /** The columns the header must name. */
  readonly required: readonly string[];
}

/**
 * Reads a whole CSV file: its header, checked against the columns, and every data row in
 * file order. A file that cannot be read as a table (no header, a column unknown, repeated or
 * missing, a quoted field never closed) is an ImportFileError; a row that cannot be read is a
 * record with a problem, so one bad line costs only its own row.
 */
export function readCsvTable(bytes: Buffer, columns: CsvColumns): CsvTable {
  // In file order: every record, and every record the parser had to skip, is one data row.
  const seen: ({ fields: string[] } | { error: string; line: number | undefined })[] = [];
  // The last line of the last record read: an unclosed quote opens on the line after it.
  let lastLine = 0;
  let unclosed: string | undefined;
  parse(bytes, {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    // A stray quote inside a field stays in the field, so that row alone is refused by the
    // row's own rules (or kept in a free-text field) instead of the parser giving up on the record.
    relax_quotes: true,
    skip_records_with_error: true,
    on_skip: (err: { message: string; code?: string; lines?: number } | undefined) => {
      if (err?.code === 'CSV_QUOTE_NOT_CLOSED') {
        unclosed = `line ${lastLine + 1} opens a quoted field that is never closed, so every line after it would be read as part of that field: close the quote (a quote inside a quoted field is written "")`;
        return;
      }
      // The parser may report one broken record more than once; it is one data row.
      const last = seen.at(-1);
      if (last !== undefined && 'line' in last && last.line === err?.lines) return;
      seen.push({ error: `not valid CSV: ${err?.message ?? 'unreadable record'}`, line: err?.lines });
      if (err?.lines !== undefined) lastLine = err.lines;
    },
    on_record: (record: string[], context: { lines: number }) => {
      seen.push({ fields: record });
      lastLine = context.lines;
      return record;
    },
  });
  if (unclosed !== undefined) throw new ImportFileError(unclosed);
  const first = seen.findIndex((s) => 'fields' in s);
  if (first === -1) throw new ImportFileError(`the file has no header row (${columns.allowed.join(', ')})`);
  if (first > 0) throw new ImportFileError(`the header row is not valid CSV: ${(seen[0] as { error: string }).error}`);
  const header = (seen[0] as { fields: string[] }).fields.map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !columns.allowed.includes(h));
  if (unknown.length > 0) throw new ImportFileError(`unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')}; the columns are ${columns.allowed.join(', ')}`);
  const repeated = header.filter((h, i) => header.indexOf(h) !== i);
  if (repeated.length > 0) throw new ImportFileError(`column ${repeated[0]} appears twice`);
  const missing = columns.required.find((c) => !header.includes(c));
  if (missing !== undefined) throw new ImportFileError(`the header has no ${missing} column`);
  const records = seen.slice(1).map((s, i): CsvRecord => {
    if ('error' in s) return { row: i + 1, fields: [], problem: s.error };
    const problem = s.fields.length === header.length ? null : `the row has ${s.fields.length} fields, the header ${header.length}`;
    return { row: i + 1, fields: s.fields, problem };
  });
  const index = new Map(header.map((h, i) => [h, i]));
  return {
    header,
    records,
    cell(record, column) {
      const at = index.get(column);
      return at === undefined ? undefined : (record.fields[at] ?? '').trim();
    },
  };
}

export function readImportFile(bytes: Buffer, options: { numberType?: RequestedNumberType } = {}): ImportFile {
  const digest = createHash('sha256').update(bytes).digest('hex');
  const table = readCsvTable(bytes, { allowed: COLUMNS, required: ['number'] });
  if (!table.header.includes('number_type') && options.numberType === undefined) {
    throw new ImportFileError('the header has no number_type column: add one, or give every row its type with --number-type longcode|tollfree');
  }
  const rows = table.records.map((r): FileRow => {
    const cell = (name: string) => table.cell(r, name);
    const number = cell('number') ?? '';
    if (r.problem !== null) return { row: r.row, number, problem: r.problem };
    return checkRow(r.row, number, cell('number_type'), cell('capabilities'), cell('name'), options.numberType);
  });
  return { rows, digest };
}

function checkRow(row: number, number: string, type: string | undefined, capabilities: string | undefined, name: string | undefined, defaultType: RequestedNumberType | undefined): FileRow {
  const refuse = (problem: string): FileRow => ({ row, number, problem });
  if (number === '') return refuse('number is empty');
  if (number.length < 5 || number.length > 30 || !NUMBER.test(number)) {
    return refuse("number must be an E.164 number: 5 to 30 ASCII digits with at most one leading '+', and a country code that does not start with 0");
  }
  const numberType = type === undefined ? defaultType! : type;
  if (numberType === '') return refuse('number_type is empty');
  if (!(NUMBER_TYPES as readonly string[]).includes(numberType)) return refuse(`number_type must be one of: ${NUMBER_TYPES.join(', ')}`);
  const e164 = canonicalNumber(number);
  const facts = numberFacts(e164);
  const declared = numberType === 'tollfree' ? 'toll-free' : 'longcode';
  if (facts.numberClass !== 'unknown' && facts.numberClass !== declared) {
    return refuse(facts.numberClass === 'toll-free' ? `${e164} is a toll-free number; use tollfree` : `${e164} is not a toll-free number; use longcode`);
  }
  let caps: Capability[] | undefined;
  if (capabilities !== undefined && capabilities !== '') {
    const parts = capabilities.split(/[;|]/).map((c) => c.trim());
    const bad = parts.find((c) => !(CAPABILITIES as readonly string[]).includes(c));
    if (bad !== undefined) return refuse(`capabilities: ${JSON.stringify(bad)} is not one of ${CAPABILITIES.join(', ')} (separate them with ; or |)`);
    caps = [...new Set(parts as Capability[])];
  }
  if (name !== undefined && name.includes('\u0000')) return refuse('name must not contain NUL');
  const request: ImportRequest = { number: e164, number_type: numberType as RequestedNumberType, ...(caps === undefined ? {} : { capabilities: caps }) };
  return { row, number: e164, request, name: name === undefined || name === '' ? null : name };
}

/** The row's Idempotency-Key: the same file re-run sends the same keys, so nothing lands twice. */
export function rowKey(file: ImportFile, row: number): string {
  return `numberspace-import-${file.digest.slice(0, 40)}-${row}`;
}
