import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import { sqliteChangeWrites, sqliteImportWrites } from './phone-number-writes.js';
import { sqlitePurchaseWrites, sqliteStockWrites } from './stock-writes.js';

/** The SQLite writes, by name: what crosses to the writer thread is a name and plain data. */
export const SQLITE_WRITES = { import: sqliteImportWrites, change: sqliteChangeWrites, stock: sqliteStockWrites, purchase: sqlitePurchaseWrites };

type Writes = typeof SQLITE_WRITES;
export type WriteName = keyof Writes;
type Batch<K extends WriteName> = ReturnType<Writes[K]>;
export type WriteItem<K extends WriteName> = Parameters<Batch<K>>[0][number];
export type WriteResult<K extends WriteName> = ReturnType<Batch<K>>[number];

/**
 * Runs SQLite write batches, one transaction each, in the order given. A batch's promise
 * settles once its transaction has committed (or rolled back as a whole).
 */
export interface SqliteWriter {
  write<K extends WriteName>(name: K, items: readonly WriteItem<K>[]): Promise<WriteResult<K>[]>;
  /** Lets the batches already given finish, then closes the writer's connection, if it has its own. */
  close(): Promise<void>;
}

export interface WriterThreadSettings {
  readonly file: string;
  readonly synchronous: 'NORMAL' | 'FULL';
}

/** Messages to the thread. */
export type WriterRequest = { readonly seq: number; readonly name: WriteName; readonly items: readonly unknown[] } | { readonly close: true };
/** Messages from the thread. */
export type WriterReply =
  | { readonly seq: number; readonly ok: true; readonly results: unknown[] }
  | { readonly seq: number; readonly ok: false; readonly error: { readonly message: string; readonly code: unknown } };

/**
 * Writes on the server's own connection, in its own thread: for `:memory:` databases, which
 * a second connection cannot open.
 */
export function inProcessWriter(handle: SQLite.Database): SqliteWriter {
  const batchOf = writeBatches(handle);
  return {
    async write(name, items) {
      // A Kysely transaction may be open on this same connection between two of its awaits;
      // writing now would make these rows part of it (and of its rollback). Wait for it.
      while (handle.inTransaction) await new Promise((r) => setImmediate(r));
      return batchOf(name)(items) as WriteResult<typeof name>[];
    },
    async close() {},
  };
}

/** The write batches of one connection, by name, their statements prepared on first use. */
export function writeBatches(handle: SQLite.Database): (name: WriteName) => (items: readonly unknown[]) => unknown[] {
  const batches = new Map<WriteName, (items: readonly unknown[]) => unknown[]>();
  return (name) => {
    let batch = batches.get(name);
    if (batch === undefined) batches.set(name, (batch = SQLITE_WRITES[name](handle) as (items: readonly unknown[]) => unknown[]));
    return batch;
  };
}

const THREAD_ENTRY = new URL(`./writer-thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * Built, the thread runs its compiled module. Run from the TypeScript sources (the tests, a
 * development server under tsx), a worker does not inherit the parent's loader, so the thread
 * first registers tsx, then loads its module.
 */
function spawnThread(options: { workerData: unknown; resourceLimits: Worker['resourceLimits'] }): Worker {
  if (THREAD_ENTRY.pathname.endsWith('.js')) return new Worker(THREAD_ENTRY, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(THREAD_ENTRY.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * Writes on a connection of their own in a worker thread. Inserting rows, updating indexes,
 * writing WAL frames and the commit's fsync then no longer hold up the event loop that parses,
 * validates and answers requests: the two run on separate cores, and while a batch commits
 * the next one is already being gathered. The server's connection still serves every read;
 * in WAL mode it sees each batch as soon as it has committed, which is before the caller hears
 * of it.
 *
 * The thread starts with the first write (a CLI command that writes nothing never starts it).
 * If it dies, the batches it held fail and the next write starts a new one.
 */
export function threadWriter(settings: WriterThreadSettings): SqliteWriter {
  type Pending = { resolve: (results: unknown[]) => void; reject: (err: unknown) => void };
  let thread: { readonly worker: Worker; readonly pending: Map<number, Pending> } | undefined;
  let seq = 0;

  function start() {
    // Its heap holds little beyond the batch in hand: a small young generation keeps its memory small.
    const worker = spawnThread({ workerData: settings, resourceLimits: { maxYoungGenerationSizeMb: 2 } });
    // Each thread answers only what it was sent: a replacement never inherits a dead one's failures.
    const pending = new Map<number, Pending>();
    const failAll = (err: unknown) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on('message', (reply: WriterReply) => {
      const p = pending.get(reply.seq);
      if (p === undefined) return;
      pending.delete(reply.seq);
      if (pending.size === 0) worker.unref();
      if (reply.ok) p.resolve(reply.results);
      else p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (thread?.worker === worker) thread = undefined;
      failAll(new Error(`the SQLite writer thread stopped (exit code ${code})`));
    });
    return { worker, pending };
  }

  return {
    write(name, items) {
      thread ??= start();
      const { worker, pending } = thread;
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (results: unknown[]) => void, reject });
        // Referenced while it owes answers, so they arrive even if nothing else keeps the process up.
        worker.ref();
        worker.postMessage({ seq: id, name, items } satisfies WriterRequest);
      });
    },
    async close() {
      const current = thread;
      if (current === undefined) return;
      thread = undefined;
      // Requests are answered in order, so the close request is handled after every batch already sent.
      const exited = new Promise<void>((resolve) => current.worker.once('exit', () => resolve()));
      current.worker.ref();
      current.worker.postMessage({ close: true } satisfies WriterRequest);
      await exited;
    },
  };
}
