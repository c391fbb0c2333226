import { type Kysely, sql } from 'kysely';
import { isUniqueViolation } from '../../storage/database-errors.js';
import type { Database } from '../../storage/schema.js';
import type { PhoneNumberRow, UpdatableColumns } from './phone-number-record.js';

export type InsertOutcome = 'inserted' | 'taken';

/** A keyset position in the listing order (`created_at` descending, then `id` descending). */
export interface ListPosition {
  /** 'next': rows after the position in listing order; 'prev': rows before it. */
  readonly direction: 'next' | 'prev';
  readonly createdAt: string;
  readonly id: string;
}

export interface ListPageQuery {
  readonly projectId: string;
  /** Case-insensitive literal substring of `name`; null for no filter. */
  readonly nameContains: string | null;
  /** Literal substring of `number`; null for no filter. */
  readonly numberContains: string | null;
  /** null: from the newest number. */
  readonly from: ListPosition | null;
  readonly limit: number;
}

/** The phone-number inventory. Every read and write is scoped to one project. */
export interface PhoneNumberStore {
  /** 'taken' when the number is already active anywhere in the installation (the unique index said so). */
  insert(row: PhoneNumberRow): Promise<InsertOutcome>;
  findActive(projectId: string, id: string): Promise<PhoneNumberRow | undefined>;
  /**
   * Up to `limit` active numbers of the project, nearest the position first: newest first
   * from the top or going 'next', oldest first going 'prev'. One index range scan, whatever
   * the inventory's size.
   */
  listPage(query: ListPageQuery): Promise<PhoneNumberRow[]>;
  /**
   * Updates an active number with the columns `change` derives from it, atomically: no other
   * write of that number lands between the read and the write. `change` may throw to refuse;
   * nothing is written then. Undefined when the project has no such active number.
   */
  updateActive(projectId: string, id: string, change: (stored: PhoneNumberRow) => UpdatableColumns): Promise<PhoneNumberRow | undefined>;
  /** Marks an active number released. False when the project has no such active number. */
  release(projectId: string, id: string, at: string): Promise<boolean>;
}

/** LIKE treats `%`, `_` and the escape character as syntax; filters are literal text. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The page query, exported so its plan can be checked against the listing index. The
 * keyset condition is spelled `created_at <= c AND (created_at < c OR id < i)` rather than
 * as a row-value comparison: both planners turn the first conjunct into an index range
 * bound, and the index's order then serves ORDER BY with no sort.
 */
export function listPageQuery(db: Kysely<Database>, q: ListPageQuery) {
  const ahead = q.from === null || q.from.direction === 'next';
  let query = db
    .selectFrom('phone_numbers')
    .selectAll()
    .where('project_id', '=', q.projectId)
    .where('released_at', 'is', null);
  if (q.from !== null) {
    const { createdAt, id } = q.from;
    query = ahead
      ? query.where('created_at', '<=', createdAt).where((eb) => eb.or([eb('created_at', '<', createdAt), eb('id', '<', id)]))
      : query.where('created_at', '>=', createdAt).where((eb) => eb.or([eb('created_at', '>', createdAt), eb('id', '>', id)]));
  }
  // ESCAPE is spelled out: PostgreSQL defaults to backslash, SQLite has no default escape.
  if (q.nameContains !== null) query = query.where(sql<boolean>`lower(${sql.ref('name')}) like lower(${likeContains(q.nameContains)}) escape '\\'`);
  if (q.numberContains !== null) query = query.where(sql<boolean>`${sql.ref('number')} like ${likeContains(q.numberContains)} escape '\\'`);
  const order = ahead ? 'desc' : 'asc';
  return query.orderBy('created_at', order).orderBy('id', order).limit(q.limit);
}

export function kyselyPhoneNumberStore(db: Kysely<Database>): PhoneNumberStore {
  return {
    async insert(row) {
      try {
        await db.insertInto('phone_numbers').values(row).execute();
        return 'inserted';
      } catch (err) {
        if (isUniqueViolation(err)) return 'taken';
        throw err;
      }
    },
    async findActive(projectId, id) {
      return db
        .selectFrom('phone_numbers')
        .selectAll()
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('released_at', 'is', null)
        .executeTakeFirst();
    },
    async listPage(query) {
      return listPageQuery(db, query).execute();
    },
    async updateActive(projectId, id, change) {
      return db.transaction().execute(async (trx) => {
        // Touching the row before reading it takes its write lock on both backends (a row lock
        // on PostgreSQL, the database write lock on SQLite), so concurrent updates of one
        // number queue here instead of each deciding on a row that is about to change.
        const stored = await trx
          .updateTable('phone_numbers')
          .set((eb) => ({ updated_at: eb.ref('updated_at') }))
          .where('id', '=', id)
          .where('project_id', '=', projectId)
          .where('released_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (stored === undefined) return undefined;
        const columns = change(stored);
        await trx.updateTable('phone_numbers').set(columns).where('id', '=', id).execute();
        return { ...stored, ...columns };
      });
    },
    async release(projectId, id, at) {
      const result = await db
        .updateTable('phone_numbers')
        .set({ released_at: at })
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('released_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
