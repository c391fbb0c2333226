import { CompiledQuery } from 'kysely';
import { RENDERINGS, type RenderedColumn } from '../domain/phone-number-record.js';
import { ACTIVE, type ListedNumber, type ListPageQuery } from './phone-number-store.js';

/** LIKE treats `%`, `_` and the escape character as syntax; filters are literal text. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The page query, exported so its plan can be checked against the listing index. The
 * keyset condition is spelled `created_at <= c AND (created_at < c OR id < i)` rather than
 * as a row-value comparison: both planners turn the first conjunct into an index range
 * bound, and the index's order then serves ORDER BY with no sort.
 *
 * Written by hand rather than built with Kysely: listing is a hot path, and its text depends
 * only on the query's shape, so each of the few shapes is spelled once and, on SQLite, each
 * prepared once.
 */
export function listPageQuery(dialect: 'sqlite' | 'postgres', q: ListPageQuery): CompiledQuery<ListedNumber> {
  const column = RENDERINGS[q.rendering];
  const ahead = q.from === null || q.from.direction === 'next';
  const parameters: unknown[] = [q.projectId];
  if (q.from !== null) parameters.push(q.from.createdAt, q.from.createdAt, q.from.id);
  if (q.nameContains !== null) parameters.push(likeContains(q.nameContains));
  if (q.numberContains !== null) parameters.push(likeContains(q.numberContains));
  parameters.push(q.limit);
  const shape = `${dialect}${column}${q.from === null ? '' : ahead ? '>' : '<'}${q.nameContains === null ? '' : 'n'}${q.numberContains === null ? '' : '#'}`;
  let text = PAGE_SQL.get(shape);
  if (text === undefined) PAGE_SQL.set(shape, (text = pageSql(dialect, column, q.from === null ? null : ahead, q.nameContains !== null, q.numberContains !== null)));
  return CompiledQuery.raw(text, parameters) as CompiledQuery<ListedNumber>;
}

const PAGE_SQL = new Map<string, string>();

function pageSql(dialect: 'sqlite' | 'postgres', column: RenderedColumn, ahead: boolean | null, byName: boolean, byNumber: boolean): string {
  let n = 0;
  const p = () => (dialect === 'sqlite' ? '?' : `$${++n}`);
  // A page sent as stored needs only the rendering and the keyset's created_at and id.
  let text = `select id, created_at, ${column === 'wire' ? 'wire' : `${column} as wire`} from phone_numbers where project_id = ${p()} and ${ACTIVE}`;
  if (ahead !== null) {
    const [edge, strict] = ahead ? ['<=', '<'] : ['>=', '>'];
    text += ` and created_at ${edge} ${p()} and (created_at ${strict} ${p()} or id ${strict} ${p()})`;
  }
  // ESCAPE is spelled out: PostgreSQL defaults to backslash, SQLite has no default escape.
  if (byName) text += ` and lower(name) like lower(${p()}) escape '\\'`;
  if (byNumber) text += ` and number like ${p()} escape '\\'`;
  const order = ahead === false ? 'asc' : 'desc';
  return `${text} order by created_at ${order}, id ${order} limit ${p()}`;
}

