/**
 * The SQLite writer thread (see sqlite-writer.ts): owns a connection of its own and runs each
 * batch it is sent as one transaction, answering in the order the batches came.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteHandle } from './sqlite-handle.js';
import { SQLITE_WRITES, type WriteName, type WriterReply, type WriterRequest, type WriterThreadSettings } from './sqlite-writer.js';

const settings = workerData as WriterThreadSettings;
const port = parentPort!;
const handle = openSqliteHandle(settings.file, settings.synchronous);
const batches = new Map<WriteName, (items: readonly never[]) => unknown[]>();

port.on('message', (request: WriterRequest) => {
  if ('close' in request) {
    handle.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    let batch = batches.get(request.name);
    if (batch === undefined) batches.set(request.name, (batch = SQLITE_WRITES[request.name](handle) as (items: readonly never[]) => unknown[]));
    reply = { seq: request.seq, ok: true, results: batch(request.items as readonly never[]) };
  } catch (err) {
    const e = err as { message?: unknown; code?: unknown } | null;
    reply = { seq: request.seq, ok: false, error: { message: String(e?.message ?? err), code: e?.code } };
  }
  port.postMessage(reply);
});
