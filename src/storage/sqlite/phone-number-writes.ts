import type SQLite from 'better-sqlite3';
import { AUDIT_COLUMNS } from '../../domain/audit.js';
import { type PhoneNumberRow, RENDERED_COLUMNS, UPDATABLE_COLUMNS } from '../../domain/phone-number-record.js';
import { planUpdate, releaseAudit } from '../../domain/phone-number-update.js';
import { nationalDigits } from '../../domain/phone-number.js';
import { stockEntryOf, stockRow } from '../../domain/stock.js';
import { IDEMPOTENCY_COLUMNS, idempotencyRow } from '../idempotency-store.js';
import { STOCK_COLUMNS } from '../stock-store.js';
import { ACTIVE, ROW, type ChangeItem, type ChangeOutcome, COLUMNS, type ImportItem, type InsertOutcome } from '../phone-number-store.js';

/**
 * The inventory's writes on SQLite, as functions of a connection and plain data: each takes a
 * batch, writes it in one transaction (one commit, so one fsync under synchronous=FULL), and
 * returns one outcome per item. Nothing here holds a closure or a promise, so the same code
 * runs on the server's own connection or on the writer thread's (writer.ts).
 */

const insertStatement = (table: string, columns: readonly string[], tail = '') =>
  `insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})${tail}`;

/**
 * An import as it crosses to the writer thread: each record's values in its statement's column
 * order (COLUMNS, AUDIT_COLUMNS, IDEMPOTENCY_COLUMNS), bound by position. As objects, copying
 * 50 property names per row to the thread and binding each value by its name took about a
 * tenth of the writer thread's time.
 */
export interface SqliteImportItem {
  readonly row: readonly unknown[];
  readonly audit: readonly unknown[];
  readonly quota: number | null;
  readonly answer: readonly unknown[] | null;
}

export function sqliteImportItem({ row, audit, quota, answer }: ImportItem): SqliteImportItem {
  return {
    row: COLUMNS.map((c) => row[c]),
    audit: AUDIT_COLUMNS.map((c) => audit[c]),
    quota,
    answer: answer === null ? null : keptValues(idempotencyRow(answer)),
  };
}

const keptValues = (kept: ReturnType<typeof idempotencyRow>) => IDEMPOTENCY_COLUMNS.map((c) => kept[c]);

const PROJECT_ID = COLUMNS.indexOf('project_id');
const KEY = (['project_id', 'operation', 'key'] as const).map((c) => IDEMPOTENCY_COLUMNS.indexOf(c));
/** `?, ?, …`: one positional parameter per column. */
const bindSlots = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const positionalInsert = (table: string, columns: readonly string[], tail = '') => `insert into ${table} (${columns.join(', ')}) values (${bindSlots(columns.length)})${tail}`;

/** Imports. `ON CONFLICT DO NOTHING` lets the unique index refuse a taken number without failing its batch-mates. */
export function sqliteImportWrites(handle: SQLite.Database): (items: readonly SqliteImportItem[]) => InsertOutcome[] {
  const insert = handle.prepare(positionalInsert('phone_numbers', COLUMNS, ' on conflict do nothing'));
  const record = handle.prepare(positionalInsert('audit_events', AUDIT_COLUMNS));
  // Count and insert in one statement: the count is taken under the write lock the insert
  // holds, so no other writer (another process on the same file) can slip in between.
  const insertWithinQuota = handle.prepare(
    `insert into phone_numbers (${COLUMNS.join(', ')}) select ${bindSlots(COLUMNS.length)}` +
      ` where (select count(*) from phone_numbers where project_id = ? and ${ACTIVE}) < ? on conflict do nothing`,
  );
  const activeCount = handle.prepare(`select count(*) from phone_numbers where project_id = ? and ${ACTIVE}`).pluck();
  // The key's answer goes in first: a key that already has one refuses the import in the same
  // statement, and the rare import refused after it takes its answer out again.
  const keep = handle.prepare(positionalInsert('idempotency_keys', IDEMPOTENCY_COLUMNS, ' on conflict do nothing'));
  const unkeep = handle.prepare('delete from idempotency_keys where project_id = ? and operation = ? and key = ?');
  return handle.transaction((items: readonly SqliteImportItem[]): InsertOutcome[] =>
    items.map(({ row, audit, quota, answer }) => {
      if (answer !== null && keep.run(answer).changes !== 1) return 'key_taken';
      const projectId = row[PROJECT_ID];
      const changes = quota === null ? insert.run(row).changes : insertWithinQuota.run([...row, projectId, quota]).changes;
      if (changes !== 1) {
        if (answer !== null) unkeep.run(KEY.map((i) => answer[i]));
        return quota !== null && (activeCount.get(projectId) as number) >= quota ? 'over_quota' : 'taken';
      }
      record.run(audit);
      return 'inserted';
    }),
  );
}

/**
 * Updates and releases. Items run in arrival order inside one transaction, each reading the
 * row as the items before it left it, so concurrent updates of one number serialise exactly
 * as separate transactions would. A refused update writes nothing and fails only itself.
 */
export function sqliteChangeWrites(handle: SQLite.Database): (items: readonly ChangeItem[]) => ChangeOutcome[] {
  const select = handle.prepare(`select ${ROW} from phone_numbers where id = ? and project_id = ? and ${ACTIVE}`);
  const columns = [...UPDATABLE_COLUMNS, ...RENDERED_COLUMNS] as const;
  const update = handle.prepare(`update phone_numbers set ${columns.map((c) => `${c} = @${c}`).join(', ')} where id = @id`);
  const release = handle.prepare(
    `update phone_numbers set released_at = @at where id = @id and project_id = @projectId and ${ACTIVE} and (purchased_at is null or @boughtBy is null or purchased_at <= @boughtBy) returning ${ROW}`,
  );
  const restock = handle.prepare(insertStatement('phone_numbers', STOCK_COLUMNS));
  const record = handle.prepare(insertStatement('audit_events', AUDIT_COLUMNS));
  return handle.transaction((items: readonly ChangeItem[]): ChangeOutcome[] =>
    items.map((item): ChangeOutcome => {
      if (item.kind === 'release') {
        const released = release.get({ at: item.at, id: item.id, projectId: item.projectId, boughtBy: item.boughtBy }) as PhoneNumberRow | undefined;
        if (released === undefined) {
          const held = select.get(item.id, item.projectId) as PhoneNumberRow | undefined;
          return held === undefined ? { kind: 'missing' } : { kind: 'cooling', purchasedAt: held.purchased_at! };
        }
        record.run(releaseAudit(item.actor, item.at, item.id, released.number));
        if (item.restock !== null && released.purchased_at !== null) {
          restock.run(stockRow(item.restock.spaceId, stockEntryOf(released, nationalDigits(released.number)), item.restock.id, item.at));
        }
        return { kind: 'released' };
      }
      const stored = select.get(item.id, item.projectId) as PhoneNumberRow | undefined;
      if (stored === undefined) return { kind: 'missing' };
      const planned = planUpdate(stored, item.request);
      if (!planned.ok) return { kind: 'refused', problems: planned.problems };
      update.run(planned.row);
      record.run(planned.audit);
      return { kind: 'updated', row: planned.row };
    }),
  );
}
