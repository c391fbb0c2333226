import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import { AUDIT_COLUMNS, type AuditEvent } from '../../audit/audit.js';
import { groupCommitter } from '../../storage/group-commit.js';
import type { Database } from '../../storage/schema.js';
import { newPhoneNumberRow, type PhoneNumberRow, UPDATABLE_COLUMNS, type UpdatableColumns, wireJson, withWire } from './phone-number-record.js';

/** 'over_quota': the project already holds its quota of active numbers; nothing was written. */
export type InsertOutcome = 'inserted' | 'taken' | 'over_quota';

/** What a listing needs of a number: its keyset position and its wire form. */
export type ListedNumber = Pick<PhoneNumberRow, 'id' | 'created_at' | 'wire'>;

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
   * With a `numberQuota`, 'over_quota' when the project already holds that many active
   * numbers, decided inside the same write so concurrent imports never overshoot it; null
   * costs nothing.
   */
  insert(row: PhoneNumberRow, audit: AuditEvent, numberQuota: number | null): Promise<InsertOutcome>;
  findActive(projectId: string, id: string): Promise<PhoneNumberRow | undefined>;
  /** An active number's wire form, the exact JSON a get answers; undefined as for findActive. */
  findActiveWire(projectId: string, id: string): Promise<string | undefined>;
  /**
   * Up to `limit` active numbers of the project, nearest the position first: newest first
   * from the top or going 'next', oldest first going 'prev'. One index range scan, whatever
   * the inventory's size.
   */
  listPage(query: ListPageQuery): Promise<ListedNumber[]>;
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
 *
 * Written by hand rather than built with Kysely: listing is a hot path, and its text depends
 * only on the query's shape, so each of the few shapes is spelled once and, on SQLite, each
 * prepared once.
 */
export function listPageQuery(dialect: 'sqlite' | 'postgres', q: ListPageQuery): CompiledQuery<ListedNumber> {
  const ahead = q.from === null || q.from.direction === 'next';
  const parameters: unknown[] = [q.projectId];
  if (q.from !== null) parameters.push(q.from.createdAt, q.from.createdAt, q.from.id);
  if (q.nameContains !== null) parameters.push(likeContains(q.nameContains));
  if (q.numberContains !== null) parameters.push(likeContains(q.numberContains));
  parameters.push(q.limit);
  const shape = `${dialect}${q.from === null ? '' : ahead ? '>' : '<'}${q.nameContains === null ? '' : 'n'}${q.numberContains === null ? '' : '#'}`;
  let text = PAGE_SQL.get(shape);
  if (text === undefined) PAGE_SQL.set(shape, (text = pageSql(dialect, q.from === null ? null : ahead, q.nameContains !== null, q.numberContains !== null)));
  return CompiledQuery.raw(text, parameters) as CompiledQuery<ListedNumber>;
}

const PAGE_SQL = new Map<string, string>();

function pageSql(dialect: 'sqlite' | 'postgres', ahead: boolean | null, byName: boolean, byNumber: boolean): string {
  let n = 0;
  const p = () => (dialect === 'sqlite' ? '?' : `$${++n}`);
  // The page is sent from the stored wire form; the keyset needs only created_at and id.
  let text = `select id, created_at, wire from phone_numbers where project_id = ${p()} and released_at is null`;
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
  const findActiveWire = sqlite === null ? undefined : sqliteFindActiveWire(sqlite);
  const pageStatements = new Map<string, SQLite.Statement>();
  async function findActiveRow(projectId: string, id: string): Promise<PhoneNumberRow | undefined> {
    if (findActive !== undefined) return findActive(projectId, id);
    return db
      .selectFrom('phone_numbers')
      .selectAll()
      .where('id', '=', id)
      .where('project_id', '=', projectId)
      .where('released_at', 'is', null)
      .executeTakeFirst();
  }
  const changeBatch = sqlite === null ? undefined : sqliteChangeBatch(sqlite);
  return {
    insert: (row, audit, quota) => insertBatch.submit({ row, audit, quota }),
    findActive: findActiveRow,
    async findActiveWire(projectId, id) {
      // Only the wire column: materialising all 46 columns as an object costs about four
      // times the whole lookup on SQLite.
      const wire =
        findActiveWire !== undefined
          ? findActiveWire(projectId, id)
          : (
              await db
                .selectFrom('phone_numbers')
                .select('wire')
                .where('id', '=', id)
                .where('project_id', '=', projectId)
                .where('released_at', 'is', null)
                .executeTakeFirst()
            )?.wire;
      if (wire !== null) return wire;
      const row = await findActiveRow(projectId, id);
      return row === undefined ? undefined : wireJson(row);
    },
    async listPage(query) {
      // Stored text never holds NUL (updates refuse it), so a filter containing one matches
      // nothing; and neither database can take it as a LIKE pattern (SQLite would end the
      // pattern there, PostgreSQL refuses the query).
      if (query.nameContains?.includes('\u0000') === true || query.numberContains?.includes('\u0000') === true) return [];
      if (sqlite === null) return (await db.executeQuery(listPageQuery('postgres', query))).rows;
      const compiled = listPageQuery('sqlite', query);
      let statement = pageStatements.get(compiled.sql);
      if (statement === undefined) pageStatements.set(compiled.sql, (statement = sqlite.prepare(compiled.sql)));
      return statement.all(...compiled.parameters) as ListedNumber[];
    },
    async updateActive(projectId, id, change, audit) {
      if (changeBatch !== undefined) {
        const outcome = await changeBatch.submit({ kind: 'update', projectId, id, change, audit });
        if (outcome.kind === 'refused') throw outcome.error;
        return outcome.kind === 'updated' ? outcome.row : undefined;
      }
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
        const updated = withWire({ ...stored, ...columns });
        await trx.updateTable('phone_numbers').set({ ...columns, wire: updated.wire }).where('id', '=', id).execute();
        await trx.insertInto('audit_events').values(audit(stored, columns)).execute();
        return updated;
      });
    },
    async release(projectId, id, at, audit) {
      if (changeBatch !== undefined) return (await changeBatch.submit({ kind: 'release', projectId, id, at, audit })).kind === 'released';
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

/** An import as the batcher carries it: the row, its audit record and the project's quota (null: none). */
interface PendingImport {
  readonly row: PhoneNumberRow;
  readonly audit: AuditEvent;
  readonly quota: number | null;
}

const insertStatement = (table: string, columns: readonly string[], tail = '') =>
  `insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})${tail}`;

function sqliteInsertBatch(handle: SQLite.Database) {
  const writeAll = lazily(() => {
    const insert = handle.prepare(insertStatement('phone_numbers', COLUMNS, ' on conflict do nothing'));
    const record = handle.prepare(insertStatement('audit_events', AUDIT_COLUMNS));
    // Count and insert in one statement: the count is taken under the write lock the insert
    // holds, so no other writer (another process on the same file) can slip in between.
    const insertWithinQuota = handle.prepare(
      `insert into phone_numbers (${COLUMNS.join(', ')}) select ${COLUMNS.map((c) => `@${c}`).join(', ')}` +
        ` where (select count(*) from phone_numbers where project_id = @project_id and released_at is null) < @quota on conflict do nothing`,
    );
    const activeCount = handle.prepare('select count(*) from phone_numbers where project_id = ? and released_at is null').pluck();
    return handle.transaction((items: readonly PendingImport[]): InsertOutcome[] =>
      items.map(({ row, audit, quota }) => {
        const changes = quota === null ? insert.run(row).changes : insertWithinQuota.run({ ...row, quota }).changes;
        if (changes !== 1) return quota !== null && (activeCount.get(row.project_id) as number) >= quota ? 'over_quota' : 'taken';
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
        const insertRows = async (rows: readonly PhoneNumberRow[]) =>
          rows.length === 0
            ? []
            : trx.insertInto('phone_numbers').values([...rows]).onConflict((oc) => oc.doNothing()).returning('id').execute();
        const ids = new Set<string>();
        const overQuota = await insertWithinQuotas(trx, items, insertRows, ids);
        for (const r of await insertRows(items.filter((i) => i.quota === null).map((i) => i.row))) ids.add(r.id);
        const audits = items.filter((i) => ids.has(i.row.id)).map((i) => i.audit);
        if (audits.length > 0) await trx.insertInto('audit_events').values(audits).execute();
        return items.map((i): InsertOutcome => (ids.has(i.row.id) ? 'inserted' : overQuota.has(i.row.id) ? 'over_quota' : 'taken'));
      }),
  });
}

/**
 * The imports of a PostgreSQL batch whose projects have a quota. Concurrent batches (on this
 * node or another) would each count the same committed rows and together overshoot, so each
 * such project's row is locked first (FOR UPDATE, in id order, before anything is inserted,
 * so two batches never wait on each other in opposite orders); the count read after the lock
 * sees everything the previous holder committed. Inserts up to the room left; a number
 * refused as taken frees its slot for the next import in line. Adds the ids written to
 * `ids`; returns the ids refused for the quota.
 */
async function insertWithinQuotas(
  trx: Transaction<Database>,
  items: readonly PendingImport[],
  insertRows: (rows: readonly PhoneNumberRow[]) => Promise<{ id: string }[]>,
  ids: Set<string>,
): Promise<Set<string>> {
  const overQuota = new Set<string>();
  const byProject = new Map<string, { quota: number; pending: PhoneNumberRow[] }>();
  for (const { row, quota } of items) {
    if (quota === null) continue;
    const p = byProject.get(row.project_id);
    // Two callers may briefly disagree on a changed quota (credential caches): the lower wins.
    if (p === undefined) byProject.set(row.project_id, { quota, pending: [row] });
    else {
      p.quota = Math.min(p.quota, quota);
      p.pending.push(row);
    }
  }
  if (byProject.size === 0) return overQuota;
  const projectIds = [...byProject.keys()].sort();
  await trx.selectFrom('projects').select('id').where('id', 'in', projectIds).orderBy('id').forUpdate().execute();
  const counts = await trx
    .selectFrom('phone_numbers')
    .select((eb) => ['project_id', eb.fn.countAll<string | number>().as('n')])
    .where('project_id', 'in', projectIds)
    .where('released_at', 'is', null)
    .groupBy('project_id')
    .execute();
  const active = new Map(counts.map((c) => [c.project_id, Number(c.n)]));
  for (const projectId of projectIds) {
    const { quota, pending } = byProject.get(projectId)!;
    let room = quota - (active.get(projectId) ?? 0);
    let next = 0;
    while (room > 0 && next < pending.length) {
      const batch = pending.slice(next, next + room);
      next += batch.length;
      const inserted = await insertRows(batch);
      for (const r of inserted) ids.add(r.id);
      room -= inserted.length;
    }
    for (let i = next; i < pending.length; i++) overQuota.add(pending[i]!.id);
  }
  return overQuota;
}

function sqliteFindActive(handle: SQLite.Database) {
  const select = lazily(() => handle.prepare('select * from phone_numbers where id = ? and project_id = ? and released_at is null'));
  return (projectId: string, id: string) => select().get(id, projectId) as PhoneNumberRow | undefined;
}

function sqliteFindActiveWire(handle: SQLite.Database) {
  const select = lazily(() => handle.prepare('select wire from phone_numbers where id = ? and project_id = ? and released_at is null').pluck());
  return (projectId: string, id: string) => select().get(id, projectId) as string | null | undefined;
}

/** An update or a release as the SQLite batcher carries it. */
type PendingChange =
  | {
      readonly kind: 'update';
      readonly projectId: string;
      readonly id: string;
      readonly change: (stored: PhoneNumberRow) => UpdatableColumns;
      readonly audit: (stored: PhoneNumberRow, columns: UpdatableColumns) => AuditEvent;
    }
  | { readonly kind: 'release'; readonly projectId: string; readonly id: string; readonly at: string; readonly audit: (number: string) => AuditEvent };

type ChangeOutcome =
  | { readonly kind: 'updated'; readonly row: PhoneNumberRow }
  | { readonly kind: 'released' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'refused'; readonly error: unknown };

/**
 * Updates and releases on SQLite go through group commit like imports: with
 * synchronous=FULL each commit is an fsync, and one shared by a batch is what keeps power-loss
 * durability affordable. Items run in arrival order inside one transaction, each reading the
 * row as the items before it left it, so concurrent updates of one number serialise exactly
 * as separate transactions would. A refused update (its rules threw) writes nothing and fails
 * only itself.
 */
function sqliteChangeBatch(handle: SQLite.Database) {
  const writeAll = lazily(() => {
    const select = handle.prepare('select * from phone_numbers where id = ? and project_id = ? and released_at is null');
    const columns = [...UPDATABLE_COLUMNS, 'wire'] as const;
    const update = handle.prepare(`update phone_numbers set ${columns.map((c) => `${c} = @${c}`).join(', ')} where id = @id`);
    const release = handle.prepare(
      'update phone_numbers set released_at = ? where id = ? and project_id = ? and released_at is null returning number',
    );
    const record = handle.prepare(insertStatement('audit_events', AUDIT_COLUMNS));
    return handle.transaction((items: readonly PendingChange[]): ChangeOutcome[] =>
      items.map((item): ChangeOutcome => {
        if (item.kind === 'release') {
          const released = release.get(item.at, item.id, item.projectId) as { number: string } | undefined;
          if (released === undefined) return { kind: 'missing' };
          record.run(item.audit(released.number));
          return { kind: 'released' };
        }
        const stored = select.get(item.id, item.projectId) as PhoneNumberRow | undefined;
        if (stored === undefined) return { kind: 'missing' };
        let changed: UpdatableColumns;
        try {
          changed = item.change(stored);
        } catch (error) {
          return { kind: 'refused', error };
        }
        const row = withWire({ ...stored, ...changed });
        update.run(row);
        record.run(item.audit(stored, changed));
        return { kind: 'updated', row };
      }),
    );
  });
  return groupCommitter<PendingChange, ChangeOutcome>({
    maxInFlight: 1,
    maxBatch: 1000,
    write: async (items) => {
      while (handle.inTransaction) await new Promise((r) => setImmediate(r));
      return writeAll()(items);
    },
  });
}
