import type { Answer, SpaceClient } from './space-client.js';
import { type FileRow, type ImportFile, rowKey } from './import-file.js';

/**
 * Imports every valid row of a file, `concurrency` at a time. Each row carries its own
 * Idempotency-Key (rowKey), so a run that is killed and started again sends the same keys:
 * rows that landed are answered from their kept answer, nothing is imported twice, nothing
 * is skipped. A 422 for a number that is active in the caller's own project (imported
 * earlier, or by a repeated row of this file) is `already_imported`.
 */

export type Outcome = 'imported' | 'already_imported' | 'rejected' | 'valid';

export interface RowResult {
  readonly row: number;
  readonly number: string;
  readonly outcome: Outcome;
  readonly id: string;
  /** Why a row was rejected, or what went wrong after its import (its name). */
  readonly error: string;
}

export interface Progress {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  /** Answers that had to be retried so far (429, 409, 5xx, no answer). */
  readonly retries: number;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 250, maxMs: 15_000 };

/** Credentials or the account are wrong: every row would fail alike, so the run stops. */
export class FatalAnswer extends Error {
  /** The rows that were finished before the run stopped, in no particular order. */
  finished: RowResult[] = [];
}

export async function bulkImport(o: {
  file: ImportFile;
  client?: SpaceClient;
  concurrency: number;
  dryRun?: boolean;
  retry?: RetryPolicy;
  onProgress?: (p: Progress) => void;
  /** Stops handing out rows (a signal); rows in flight finish. */
  signal?: AbortSignal;
}): Promise<RowResult[]> {
  const results: RowResult[] = new Array(o.file.rows.length);
  let done = 0;
  let failed = 0;
  let retries = 0;
  const report = () => o.onProgress?.({ total: o.file.rows.length, done, failed, retries });
  const finish = (index: number, r: RowResult) => {
    results[index] = r;
    done++;
    if (r.outcome === 'rejected' || r.error !== '') failed++;
    report();
  };
  const policy = o.retry ?? DEFAULT_RETRY;

  // Retries 409 (the same key still in flight), 429, 5xx and no answer, with capped
  // exponential backoff and jitter, or the server's own Retry-After when it gives one.
  const withRetries = async (call: () => Promise<Answer>): Promise<Answer> => {
    for (let attempt = 1; ; attempt++) {
      const answer = await call();
      const transient = answer.status === 0 || answer.status === 409 || answer.status === 429 || answer.status >= 500;
      if (!transient || attempt >= policy.attempts) return answer;
      retries++;
      const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      // A Retry-After is honoured within the policy's bounds: a server asking for an hour
      // would otherwise stall the whole run without a word.
      const wait = answer.retryAfter !== undefined ? Math.min(policy.maxMs, Math.max(answer.retryAfter * 1000, policy.baseMs)) : backoff;
      await new Promise((r) => setTimeout(r, wait));
    }
  };

  const importRow = async (row: Extract<FileRow, { request: unknown }>, client: SpaceClient): Promise<RowResult> => {
    const base = { row: row.row, number: row.number };
    const answer = await withRetries(() => client.importNumber(row.request, rowKey(o.file, row.row)));
    if (answer.status === 401 || answer.status === 403) throw new FatalAnswer(`the Space refused the credentials (${client.reasonOf(answer)})`);
    let outcome: Outcome;
    let id: string | undefined;
    if (answer.status === 201) {
      outcome = 'imported';
      id = client.idOf(answer.body);
    } else if (answer.status === 422) {
      // Taken: by this project (an earlier run, a repeated row) or by another one.
      let lookup: { answer: Answer; id?: string } | undefined;
      const own = await withRetries(async () => (lookup = await client.findOwn(row.number)).answer);
      const found = own.status === 200 ? lookup?.id : undefined;
      if (found === undefined) return { ...base, outcome: 'rejected', id: '', error: client.reasonOf(answer) };
      outcome = 'already_imported';
      id = found;
    } else if (answer.status === 404) {
      throw new FatalAnswer(`the Space answered 404 for the import: check --url and --project (${client.reasonOf(answer)})`);
    } else {
      const tries = answer.status === 0 || answer.status === 409 || answer.status === 429 || answer.status >= 500 ? ` after ${policy.attempts} attempts` : '';
      return { ...base, outcome: 'rejected', id: '', error: `${client.reasonOf(answer)}${tries}` };
    }
    if (row.name !== null && id !== undefined) {
      const renamed = await withRetries(() => client.rename(id!, row.name!));
      if (renamed.status !== 200) return { ...base, outcome, id, error: `the name was not set: ${client.reasonOf(renamed)}` };
    }
    return { ...base, outcome, id: id ?? '', error: '' };
  };

  let next = 0;
  let fatal: Error | undefined;
  const worker = async () => {
    for (;;) {
      if (fatal !== undefined || o.signal?.aborted === true) return;
      const index = next++;
      if (index >= o.file.rows.length) return;
      const row = o.file.rows[index]!;
      if (row.problem !== undefined) {
        finish(index, { row: row.row, number: row.number, outcome: 'rejected', id: '', error: row.problem });
      } else if (o.dryRun === true || o.client === undefined) {
        finish(index, { row: row.row, number: row.number, outcome: 'valid', id: '', error: '' });
      } else {
        try {
          finish(index, await importRow(row, o.client));
        } catch (err) {
          fatal ??= err as Error;
          return;
        }
      }
    }
  };
  report();
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  const finished = results.filter((r) => r !== undefined);
  if (fatal instanceof FatalAnswer) fatal.finished = finished;
  if (fatal !== undefined) throw fatal;
  return finished;
}
