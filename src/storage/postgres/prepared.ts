import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Runs a hot statement as a named prepared statement, straight on the pool: each connection parses
 * and plans its text once, later runs send only the parameters, and no query builder runs per
 * request. Measured on a get by id at 50 concurrent queries: the Kysely builder cost about
 * 75-105 µs of this process's CPU a query, the same text unnamed on the pool 55, named 41-62.
 * A name is the hash of its text: a connection refuses a name it has prepared with other text,
 * whoever else prepares statements on the same pool.
 */
export function preparedStatements(pool: pg.Pool) {
  const names = new Map<string, string>();
  return async <R extends object>(text: string, values: readonly unknown[]): Promise<R[]> => {
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = `numberspace_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`));
    return (await pool.query<R & pg.QueryResultRow>({ name, text, values: values as unknown[] })).rows;
  };
}
