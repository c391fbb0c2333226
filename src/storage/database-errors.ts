/** Classifies driver errors the services must treat as outcomes, not faults. */

const code = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/** A unique constraint refused the write (SQLite SQLITE_CONSTRAINT_UNIQUE, PostgreSQL 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const c = code(err);
  return c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === '23505';
}

const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * The database is briefly unable to answer, and the same request may succeed on retry:
 * SQLite busy or locked beyond busy_timeout; PostgreSQL unreachable, restarting, shutting
 * down, out of connections, a serialization failure or deadlock, or a connection dropped
 * mid-query. Such failures answer 503 with Retry-After instead of 500.
 */
export function isTransientDatabaseError(err: unknown): boolean {
  const c = code(err);
  if (typeof c === 'string') {
    if (c === 'SQLITE_BUSY' || c === 'SQLITE_LOCKED' || c.startsWith('SQLITE_BUSY_') || c.startsWith('SQLITE_LOCKED_')) return true;
    // 08: connection exception; 57P0x: admin/crash shutdown, cannot connect now; 53300: too many connections;
    // 40001/40P01: serialization failure, deadlock.
    if (/^08...$/.test(c) || /^57P0[1-4]$/.test(c) || c === '53300' || c === '40001' || c === '40P01') return true;
    if (TRANSIENT_NODE_CODES.has(c)) return true;
  }
  const message = (err as { message?: unknown } | null)?.message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/i.test(message)
  );
}
