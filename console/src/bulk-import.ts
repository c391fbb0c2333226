import { type Answer, failureText, NUMBERS_PATH, query, relayDetails, send, Unreachable } from './api.js';
import type { FileRow } from './import-file.js';
import type { RowResult } from './import-results.js';
import type { PhoneNumber } from './types.js';

/**
 * Runs a bulk import in the page as `numberspace import` does (docs/bulk-import.md): each row
 * sent with an Idempotency-Key made of the file's digest and the row number, so a retry, a
 * reload or a second run of the same file imports nothing twice; a 422 looked up in the
 * project (found: already imported); 409, 429, 5xx and no answer retried; a name set by an
 * update once the number is there. 403 and 404 would fail every row alike: the run stops.
 */

export const IMPORT_PATH = '/api/relay/rest/imported_phone_numbers';
const ATTEMPTS = 8;

export function rowKey(digest: string, row: number): string {
  return `console-${digest.slice(0, 40)}-${row}`;
}

export interface Run {
  readonly results: RowResult[];
  /** Why the run stopped before the end: credentials or scope refused, the API not found. */
  readonly fatal: string | null;
  /** Rows never started (stopped by the user or by a fatal answer). */
  readonly skipped: number;
}

class Fatal extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryable(answer: Answer): boolean {
  return answer.status === 409 || answer.status === 429 || answer.status >= 500;
}

function delay(attempt: number, answer: Answer | null): number {
  const after = answer?.headers.get('retry-after');
  if (after !== null && after !== undefined && /^\d+(\.\d+)?$/.test(after)) return Math.min(15_000, Math.max(250, Number(after) * 1000));
  return Math.min(15_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}

/** The answer, retried while it is one worth waiting out; Unreachable after the last attempt without one. */
async function withRetries(request: () => Promise<Answer>): Promise<{ answer: Answer | null; attempts: number }> {
  let last: Answer | null = null;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      last = await request();
      if (!retryable(last)) return { answer: last, attempts: attempt };
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      last = null;
    }
    if (attempt < ATTEMPTS) await sleep(delay(attempt, last));
  }
  return { answer: last, attempts: ATTEMPTS };
}

function refusal(answer: Answer | null, attempts: number): string {
  const base = answer === null ? 'no answer from the server' : `${answer.status}: ${failureText(answer)}`;
  return attempts >= ATTEMPTS && (answer === null || retryable(answer)) ? `${base} after ${ATTEMPTS} attempts` : base;
}

async function findOwn(number: string): Promise<string | undefined> {
  const { answer } = await withRetries(() => send('GET', `${NUMBERS_PATH}${query({ filter_number: number, page_size: 50 })}`));
  if (answer === null || !answer.ok) return undefined;
  const data = (answer.body as { data?: PhoneNumber[] } | null)?.data ?? [];
  return data.find((n) => n.number === number)?.id;
}

async function importRow(row: FileRow, digest: string): Promise<RowResult> {
  if (row.problem !== undefined) return { row: row.row, number: row.number, outcome: 'rejected', id: '', error: row.problem };
  const { answer, attempts } = await withRetries(() =>
    send('POST', IMPORT_PATH, { body: row.request, headers: { 'Idempotency-Key': rowKey(digest, row.row) } }),
  );
  let result: RowResult;
  if (answer !== null && answer.status === 201) {
    // A replayed answer (Idempotent-Replayed: true) is the first one's: imported all the same.
    result = { row: row.row, number: row.number, outcome: 'imported', id: String((answer.body as PhoneNumber).id), error: '' };
  } else if (answer !== null && answer.status === 422) {
    const id = await findOwn(row.number);
    const details = relayDetails(answer.body);
    result =
      id !== undefined
        ? { row: row.row, number: row.number, outcome: 'already_imported', id, error: '' }
        : { row: row.row, number: row.number, outcome: 'rejected', id: '', error: details.length > 0 ? details.join('; ') : failureText(answer) };
  } else if (answer !== null && (answer.status === 403 || answer.status === 404)) {
    throw new Fatal(
      answer.status === 403
        ? `the server refused the import: ${failureText(answer)}`
        : 'the server has no import operation at this address (404): check that this is a numberspace server',
    );
  } else {
    return { row: row.row, number: row.number, outcome: 'rejected', id: '', error: refusal(answer, attempts) };
  }
  if (row.name !== null && result.outcome !== 'rejected') {
    const named = await withRetries(() => send('PUT', `${NUMBERS_PATH}/${encodeURIComponent(result.id)}`, { body: { name: row.name } }));
    if (named.answer === null || !named.answer.ok) result = { ...result, error: `the name was not set: ${refusal(named.answer, named.attempts)}` };
  }
  return result;
}

export async function runImport(options: {
  readonly rows: readonly FileRow[];
  readonly digest: string;
  readonly concurrency: number;
  readonly onProgress: (done: number) => void;
  readonly stopped: () => boolean;
}): Promise<Run> {
  const { rows, digest } = options;
  const results: (RowResult | undefined)[] = new Array(rows.length);
  let next = 0;
  let done = 0;
  let fatal: string | null = null;
  const worker = async () => {
    while (fatal === null && !options.stopped() && next < rows.length) {
      const at = next++;
      try {
        results[at] = await importRow(rows[at]!, digest);
      } catch (error) {
        if (error instanceof Fatal) {
          fatal ??= error.message;
          continue;
        }
        throw error;
      }
      done++;
      options.onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(1, rows.length)) }, worker));
  const finished = results.filter((r): r is RowResult => r !== undefined);
  return { results: finished, fatal, skipped: rows.length - finished.length };
}
