import type SQLite from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { AUDIT_COLUMNS, type AuditEvent } from '../../audit/audit.js';
import { groupCommitter } from '../../storage/group-commit.js';
import type { Database } from '../../storage/schema.js';
import { newPhoneNumberRow, type PhoneNumberRow, type UpdatableColumns } from './phone-number-record.js';

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
  /**
   * 'taken' when the number is already active anywhere in the installation (the unique index
   * said so). The audit event is written in the same transaction, and only if the row was.
   */
  insert(row: PhoneNumberRow, audit: AuditEvent): Promise<InsertOutcome>;
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
  updateActive(
    projectId: string,
    id: string,
    change: (stored: PhoneNumberRow) => UpdatableColumns,
    audit: (stored: PhoneNumberRow, columns: UpdatableColumns) => AuditEvent,
  ): Promise<PhoneNumberRow | undefined>;
  /**
   * Marks an active number released and records it, in one transaction. False when the
   * project has no such active number.
   */
  release(projectId: string, id: string, at: string, audit: (number: string) => AuditEvent): Promise<boolean>;
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

/** Every column of the table, in one fixed order, for the hand-written statements. */
const COLUMNS = Object.keys(
  newPhoneNumberRow({ id: '', projectId: '', number: '', numberType: 'longcode', capabilities: 0, countryCode: null, now: '' }),
) as (keyof PhoneNumberRow)[];

/**
 * The inventory on either database. Imports go through group commit (see
 * storage/group-commit.ts): concurrent imports share one transaction, and `ON CONFLICT DO
 * NOTHING` lets the unique index refuse a taken number without failing its batch-mates.
 * On SQLite the hot paths (import, get by id) run prepared statements on the raw handle;
 * everything else goes through Kysely.
 */
export function kyselyPhoneNumberStore(db: Kysely<Database>, sqlite: SQLite.Database | null): PhoneNumberStore {
  const insertBatch = sqlite === null ? postgresInsertBatch(db) : sqliteInsertBatch(sqlite);
  const findActive = sqlite === null ? undefined : sqliteFindActive(sqlite);
  return {
    insert: (row, audit) => insertBatch.submit({ row, audit }),
    async findActive(projectId, id) {
      if (findActive !== undefined) return findActive(projectId, id);
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
    async updateActive(projectId, id, change, audit) {
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
        await trx.insertInto('audit_events').values(audit(stored, columns)).execute();
        return { ...stored, ...columns };
      });
    },
    async release(projectId, id, at, audit) {
      return db.transaction().execute(async (trx) => {
        const released = await trx
          .updateTable('phone_numbers')
          .set({ released_at: at })
          .where('id', '=', id)
          .where('project_id', '=', projectId)
          .where('released_at', 'is', null)
          .returning('number')
          .executeTakeFirst();
        if (released === undefined) return false;
        await trx.insertInto('audit_events').values(audit(released.number)).execute();
        return true;
      });
    },
  };
}

/** Prepared on first use: the store is opened before migrations have created the table. */
function lazily<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** An import as the batcher carries it: the row and its audit record. */
interface PendingImport {
  readonly row: PhoneNumberRow;
  readonly audit: AuditEvent;
}

const insertStatement = (table: string, columns: readonly string[], tail = '') =>
  `insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})${tail}`;

function sqliteInsertBatch(handle: SQLite.Database) {
  const writeAll = lazily(() => {
    const insert = handle.prepare(insertStatement('phone_numbers', COLUMNS, ' on conflict do nothing'));
    const record = handle.prepare(insertStatement('audit_events', AUDIT_COLUMNS));
    return handle.transaction((items: readonly PendingImport[]): InsertOutcome[] =>
      items.map(({ row, audit }) => {
        if (insert.run(row).changes !== 1) return 'taken';
        record.run(audit);
        return 'inserted';
      }),
    );
  });
  return groupCommitter<PendingImport, InsertOutcome>({
    // One connection: batches are written one at a time, synchronously.
    maxInFlight: 1,
    maxBatch: 1000,
    write: async (items) => {
      // A Kysely transaction may be open on this same connection between two of its awaits;
      // writing now would make these rows part of it (and of its rollback). Wait for it.
      while (handle.inTransaction) await new Promise((r) => setImmediate(r));
      return writeAll()(items);
    },
  });
}

function postgresInsertBatch(db: Kysely<Database>) {
  return groupCommitter<PendingImport, InsertOutcome>({
    // Each batch is one transaction on its own pooled connection; a few may run at once.
    maxInFlight: 4,
    // 46 columns per row: 500 rows stay well under PostgreSQL's 65,535 parameters.
    maxBatch: 500,
    write: (items) =>
      db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('phone_numbers')
          .values(items.map((i) => i.row))
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .execute();
        const ids = new Set(inserted.map((r) => r.id));
        const audits = items.filter((i) => ids.has(i.row.id)).map((i) => i.audit);
        if (audits.length > 0) await trx.insertInto('audit_events').values(audits).execute();
        return items.map((i): InsertOutcome => (ids.has(i.row.id) ? 'inserted' : 'taken'));
      }),
  });
}

function sqliteFindActive(handle: SQLite.Database) {
  const select = lazily(() => handle.prepare('select * from phone_numbers where id = ? and project_id = ? and released_at is null'));
  return (projectId: string, id: string) => select().get(id, projectId) as PhoneNumberRow | undefined;
}
