import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';

/** A SQLite connection set up as every numberspace connection is, on the server or its writer thread. */
export function openSqliteHandle(file: string, synchronous: 'NORMAL' | 'FULL'): SQLite.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const handle = new SQLite(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma(`synchronous = ${synchronous}`);
  handle.pragma('foreign_keys = ON');
  // Other connections (the writer thread, the CLI next to a running server) may hold the write lock briefly.
  handle.pragma('busy_timeout = 5000');
  return handle;
}
