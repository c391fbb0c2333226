import type SQLite from 'better-sqlite3';
import { AUDIT_COLUMNS } from '../../domain/audit.js';
import { RENDERED_COLUMNS, UPDATABLE_COLUMNS } from '../../domain/phone-number-record.js';
import { type StockEntry, stockProjectId, stockRow, unavailableReason } from '../../domain/stock.js';
import { IDEMPOTENCY_COLUMNS, idempotencyRow } from '../idempotency-store.js';
import { ACTIVE, COLUMNS } from '../phone-number-store.js';
import { type PurchaseItem, type PurchaseOutcome, STOCK_COLUMNS, type StockAddOutcome } from '../stock-store.js';

const insertStatement = (table: string, columns: readonly string[], tail = '') =>
  `insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})${tail}`;

export type StockWrite =
  | { readonly kind: 'add'; readonly spaceId: string; readonly entry: StockEntry; readonly id: string; readonly now: string }
  | { readonly kind: 'remove'; readonly spaceId: string; readonly number: string };

/** Stock loads and withdrawals, a batch per transaction; one outcome per item ('removed' or 'absent' for withdrawals). */
export function sqliteStockWrites(handle: SQLite.Database): (items: readonly StockWrite[]) => (StockAddOutcome | 'removed' | 'absent')[] {
  const project = handle.prepare(`insert into projects (id, space_id, name, created_at) values (?, ?, 'stock', ?) on conflict do nothing`);
  const insert = handle.prepare(insertStatement('phone_numbers', STOCK_COLUMNS, ' on conflict do nothing'));
  // `released_at is null` lets the unique index on active numbers find the row (stock rows are always active).
  const inThisStock = handle.prepare(`select 1 from phone_numbers where number = ? and ${ACTIVE} and stock_space_id = ?`).pluck();
  const remove = handle.prepare(`delete from phone_numbers where number = ? and ${ACTIVE} and stock_space_id = ?`);
  return handle.transaction((items: readonly StockWrite[]) => {
    const spaces = new Set<string>();
    return items.map((item) => {
      if (item.kind === 'remove') return remove.run(item.number, item.spaceId).changes === 1 ? 'removed' : 'absent';
      if (!spaces.has(item.spaceId)) {
        project.run(stockProjectId(item.spaceId), item.spaceId, item.now);
        spaces.add(item.spaceId);
      }
      if (insert.run(stockRow(item.spaceId, item.entry, item.id, item.now)).changes === 1) return 'added';
      return inThisStock.get(item.entry.number, item.spaceId) === undefined ? 'held' : 'in_stock';
    });
  });
}

/**
 * Purchases, in arrival order inside one transaction: the single writer makes each one's
 * reads and writes atomic, so of any number of purchases of one stock number exactly one
 * finds it still in stock.
 */
export function sqlitePurchaseWrites(handle: SQLite.Database): (items: readonly PurchaseItem[]) => PurchaseOutcome[] {
  const owner = handle.prepare(`select project_id from phone_numbers where number = ? and ${ACTIVE}`).pluck();
  const activeCount = handle.prepare(`select count(*) from phone_numbers where project_id = ? and ${ACTIVE}`).pluck();
  const columns = ['id', 'project_id', 'created_at', 'purchased_at', ...UPDATABLE_COLUMNS, ...RENDERED_COLUMNS] as const;
  const move = handle.prepare(
    `update phone_numbers set ${columns.map((c) => `${c} = @${c}`).join(', ')}, stock_space_id = null, national = null, national_reversed = null` +
      ' where id = @stock_id and stock_space_id = @space_id',
  );
  const insert = handle.prepare(insertStatement('phone_numbers', COLUMNS, ' on conflict do nothing'));
  const record = handle.prepare(insertStatement('audit_events', AUDIT_COLUMNS));
  const keep = handle.prepare(insertStatement('idempotency_keys', IDEMPOTENCY_COLUMNS, ' on conflict do nothing'));
  const unkeep = handle.prepare('delete from idempotency_keys where project_id = ? and operation = ? and key = ?');

  const purchase = ({ row, stockId, spaceId, quota, audit }: PurchaseItem): PurchaseOutcome => {
    if (quota !== null && (activeCount.get(row.project_id) as number) >= quota) return { kind: 'over_quota' };
    const changes = stockId === null ? insert.run(row).changes : move.run({ ...row, stock_id: stockId, space_id: spaceId }).changes;
    if (changes !== 1) return { kind: 'unavailable', reason: unavailableReason(row.project_id, spaceId, owner.get(row.number) as string | undefined) };
    record.run(audit);
    return { kind: 'purchased', row };
  };

  return handle.transaction((items: readonly PurchaseItem[]): PurchaseOutcome[] =>
    items.map((item) => {
      if (item.answer !== null && keep.run(idempotencyRow(item.answer)).changes !== 1) return { kind: 'key_taken' };
      const outcome = purchase(item);
      if (outcome.kind !== 'purchased' && item.answer !== null) unkeep.run(item.answer.projectId, item.answer.operation, item.answer.key);
      return outcome;
    }),
  );
}
