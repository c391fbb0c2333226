/**
 * The SQLite writer thread (see writer.ts): owns a connection of its own and writes
 * the batches it is sent, answering each in the order they came.
 *
 * Every batch waiting when the thread comes to write joins one transaction, so batches sent
 * while a commit (and its fsync) was under way share the next commit. Each batch is a
 * savepoint inside it: a batch that fails rolls back alone and fails only its own callers.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openSqliteHandle } from './handle.js';
import { type WriterReply, type WriterRequest, type WriterThreadSettings, writeBatches } from './writer.js';

type WriteRequest = Extract<WriterRequest, { seq: number }>;

const settings = workerData as WriterThreadSettings;
const port = parentPort!;
const handle = openSqliteHandle(settings.file, settings.synchronous);
const batchOf = writeBatches(handle);

const failure = (seq: number, err: unknown): WriterReply => {
  const e = err as { message?: unknown; code?: unknown } | null;
  return { seq, ok: false, error: { message: String(e?.message ?? err), code: e?.code } };
};

// Each batch function is itself a transaction; called inside this one it runs as a savepoint.
const writeAll = handle.transaction((requests: readonly WriteRequest[]): WriterReply[] =>
  requests.map((r): WriterReply => {
    try {
      return { seq: r.seq, ok: true, results: batchOf(r.name)(r.items) };
    } catch (err) {
      return failure(r.seq, err);
    }
  }),
);

port.on('message', (first: WriterRequest) => {
  const requests: WriteRequest[] = [];
  let closing = false;
  for (let next: WriterRequest | undefined = first; next !== undefined; next = receiveMessageOnPort(port)?.message as WriterRequest | undefined) {
    if ('close' in next) closing = true;
    else requests.push(next);
  }
  if (requests.length > 0) {
    let replies: WriterReply[];
    try {
      // IMMEDIATE takes the write lock up front, waiting under busy_timeout for another
      // connection to finish; a deferred transaction could instead fail when it first writes.
      replies = writeAll.immediate(requests);
    } catch (err) {
      // The commit itself failed (busy beyond busy_timeout, I/O): nothing of any batch was written.
      replies = requests.map((r) => failure(r.seq, err));
    }
    for (const reply of replies) port.postMessage(reply);
  }
  if (closing) {
    handle.close();
    port.close();
  }
});
