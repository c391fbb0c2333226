import { type Options, parse } from 'csv-parse/browser/esm/sync';
import { CAPABILITIES, type Capability } from './types.js';

/**
 * A bulk-import CSV file read in the page by the rules `numberspace import` uses
 * (docs/bulk-import.md), with the same parser and options: columns number, number_type,
 * capabilities and name; a header row; every row checked before anything is sent, so the
 * rows the server would refuse for their content are refused here. The one rule left to the
 * server is whether the declared type contradicts the numbering plan (it needs the plan's
 * metadata); such a row comes back rejected with the server's own words.
 */

export const COLUMNS = ['number', 'number_type', 'capabilities', 'name'] as const;
export type NumberType = 'longcode' | 'tollfree';
const NUMBER_TYPES: readonly string[] = ['longcode', 'tollfree'];
const NUMBER = /^\+?[1-9][0-9]*$/;

export interface ImportRequest {
  readonly number: string;
  readonly number_type: NumberType;
  readonly capabilities?: readonly Capability[];
}

export type FileRow =
  | { readonly row: number; readonly number: string; readonly request: ImportRequest; readonly name: string | null; readonly problem?: undefined }
  | { readonly row: number; readonly number: string; readonly problem: string };

/** A file that cannot be imported at all: the problem is shown and nothing is sent. */
export class ImportFileError extends Error {}

export interface CsvFile {
  readonly header: readonly string[];
  /** Each data row's cells by column (trimmed), or why the record could not be read. */
  readonly records: readonly ({ readonly row: number; readonly cells: ReadonlyMap<string, string>; readonly problem: string | null })[];
}

interface SkipError {
  message: string;
  code?: string;
  lines?: number;
}

export function readCsv(bytes: Uint8Array): CsvFile {
  const seen: ({ fields: string[] } | { error: string; line: number | undefined })[] = [];
  let lastLine = 0;
  let unclosed: string | undefined;
  // The parser's browser build reads text: decoded as UTF-8 as the CLI's does (a byte-order mark is dropped here).
  const text = new TextDecoder('utf-8').decode(bytes);
  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_records_with_error: true,
      on_skip: (err: SkipError | undefined) => {
        if (err?.code === 'CSV_QUOTE_NOT_CLOSED') {
          unclosed = `line ${lastLine + 1} opens a quoted field that is never closed, so every line after it would be read as part of that field: close the quote (a quote inside a quoted field is written "")`;
          return;
        }
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
    } as unknown as Options);
  } catch (error) {
    throw new ImportFileError(`the file is not valid CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (unclosed !== undefined) throw new ImportFileError(unclosed);
  const first = seen.findIndex((s) => 'fields' in s);
  if (first === -1) throw new ImportFileError(`the file has no header row (${COLUMNS.join(', ')})`);
  if (first > 0) throw new ImportFileError(`the header row is not valid CSV: ${(seen[0] as { error: string }).error}`);
  const header = (seen[0] as { fields: string[] }).fields.map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) throw new ImportFileError(`unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')}; the columns are ${COLUMNS.join(', ')}`);
  const repeated = header.filter((h, i) => header.indexOf(h) !== i);
  if (repeated.length > 0) throw new ImportFileError(`column ${repeated[0]} appears twice`);
  if (!header.includes('number')) throw new ImportFileError('the header has no number column');
  const records = seen.slice(1).map((s, i) => {
    const row = i + 1;
    if ('error' in s) return { row, cells: new Map<string, string>(), problem: s.error };
    const cells = new Map(header.map((h, at) => [h, (s.fields[at] ?? '').trim()]));
    const problem = s.fields.length === header.length ? null : `the row has ${s.fields.length} fields, the header ${header.length}`;
    return { row, cells, problem };
  });
  return { header, records };
}

/** Every row checked; `numberType` is the type of every row of a file without a number_type column. */
export function checkRows(file: CsvFile, numberType: NumberType | undefined): FileRow[] {
  const hasType = file.header.includes('number_type');
  return file.records.map((r): FileRow => {
    const number = r.cells.get('number') ?? '';
    if (r.problem !== null) return { row: r.row, number, problem: r.problem };
    const refuse = (problem: string): FileRow => ({ row: r.row, number, problem });
    if (number === '') return refuse('number is empty');
    if (number.length < 5 || number.length > 30 || !NUMBER.test(number)) {
      return refuse("number must be an E.164 number: 5 to 30 ASCII digits with at most one leading '+', and a country code that does not start with 0");
    }
    const type = hasType ? (r.cells.get('number_type') ?? '') : (numberType ?? '');
    if (type === '') return refuse(hasType ? 'number_type is empty' : 'choose the type of every row');
    if (!NUMBER_TYPES.includes(type)) return refuse(`number_type must be one of: ${NUMBER_TYPES.join(', ')}`);
    const e164 = number.startsWith('+') ? number : `+${number}`;
    const list = r.cells.get('capabilities');
    let capabilities: Capability[] | undefined;
    if (list !== undefined && list !== '') {
      const parts = list.split(/[;|]/).map((c) => c.trim());
      const bad = parts.find((c) => !(CAPABILITIES as readonly string[]).includes(c));
      if (bad !== undefined) return refuse(`capabilities: ${JSON.stringify(bad)} is not one of ${CAPABILITIES.join(', ')} (separate them with ; or |)`);
      capabilities = [...new Set(parts as Capability[])];
    }
    const name = r.cells.get('name');
    if (name !== undefined && name.includes('\u0000')) return refuse('name must not contain NUL');
    const request: ImportRequest = { number: e164, number_type: type as NumberType, ...(capabilities === undefined ? {} : { capabilities }) };
    return { row: r.row, number: e164, request, name: name === undefined || name === '' ? null : name };
  });
}
