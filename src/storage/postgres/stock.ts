import { type Kysely, sql } from 'kysely';
import { stockProjectId, stockRow, unavailableReason } from '../../domain/stock.js';
import { IDEMPOTENCY_COLUMNS, idempotencyRow } from '../idempotency-store.js';
import { ACTIVE, COLUMNS } from '../phone-number-store.js';
import type { Database } from '../schema.js';
import { stockCountriesQuery, stockSearchQuery } from '../stock-search-query.js';
import { type PurchaseOutcome, STOCK_COLUMNS, STOCKED_COLUMNS, type StockAddOutcome, type StockedNumber, type StockStore } from '../stock-store.js';
import { RENDERED_COLUMNS, UPDATABLE_COLUMNS } from '../../domain/phone-number-record.js';
import { unnestInsert } from './phone-numbers.js';

/** A purchase that must not happen: its transaction rolls back and the outcome is answered. */
class Refusal extends Error {
  constructor(readonly outcome: PurchaseOutcome) {
    super(outcome.kind);
  }
}

const byNumber = <T extends { number: string }>(rows: T[]) => rows.sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));

/**
 * The stock on PostgreSQL. A purchase is one transaction: of concurrent purchases of one stock
 * number, the first to update the stock row holds its lock; the rest wait, then find the row
 * no longer in stock and buy nothing.
 */
export function postgresStockStore(db: Kysely<Database>): StockStore {
  return {
    add: (spaceId, entries, ids, now) =>
      db.transaction().execute(async (trx) => {
        await trx.insertInto('projects').values({ id: stockProjectId(spaceId), space_id: spaceId, name: 'stock', created_at: now, rate_limit: null, number_quota: null }).onConflict((oc) => oc.doNothing()).execute();
        // In number order, as imports insert: concurrent loads take row locks in one order.
        const rows = byNumber(entries.map((entry, i) => stockRow(spaceId, entry, ids[i]!, now)));
        const added = new Set(
          rows.length === 0 ? [] : (await trx.executeQuery<{ number: string }>(unnestInsert('phone_numbers', STOCK_COLUMNS, rows, ' on conflict do nothing returning number'))).rows.map((r) => r.number),
        );
        const refused = entries.filter((e) => !added.has(e.number)).map((e) => e.number);
        const inStock = new Set(
          refused.length === 0 ? [] : (await trx.selectFrom('phone_numbers').select('number').where('number', 'in', refused).where(sql.raw<boolean>(ACTIVE)).where('stock_space_id', '=', spaceId).execute()).map((r) => r.number),
        );
        // A number twice in one call is added once; its second entry finds it in stock.
        const seen = new Set<string>();
        return entries.map((e): StockAddOutcome => {
          const first = !seen.has(e.number);
          seen.add(e.number);
          if (added.has(e.number) && first) return 'added';
          return added.has(e.number) || inStock.has(e.number) ? 'in_stock' : 'held';
        });
      }),
    async remove(spaceId, numbers) {
      if (numbers.length === 0) return [];
      const gone = await db.deleteFrom('phone_numbers').where('number', 'in', [...numbers]).where(sql.raw<boolean>(ACTIVE)).where('stock_space_id', '=', spaceId).returning('number').execute();
      const removed = new Set(gone.map((r) => r.number));
      return numbers.map((n) => removed.delete(n));
    },
    async count(spaceId) {
      const found = await db.selectFrom('phone_numbers').select((eb) => eb.fn.countAll<string>().as('n')).where('stock_space_id', '=', spaceId).executeTakeFirstOrThrow();
      return Number(found.n);
    },
    async list(spaceId, from, limit) {
      let query = db.selectFrom('phone_numbers').select([...STOCKED_COLUMNS, 'national']).where('stock_space_id', '=', spaceId);
      if (from !== null) query = query.where(sql<boolean>`(number_type, national, number) > (${from.numberType}, ${from.national}, ${from.number})`);
      return (await query.orderBy('number_type').orderBy('national').orderBy('number').limit(limit).execute()) as (StockedNumber & { national: string })[];
    },
    search: async (query) => (await db.executeQuery(stockSearchQuery('postgres', query))).rows,
    countries: async (spaceId) => (await db.executeQuery(stockCountriesQuery('postgres', spaceId))).rows.map((r) => r.code),
    // `released_at is null` lets the unique index on active numbers find the row (stock rows are always active).
    findStocked: (spaceId, number) =>
      db.selectFrom('phone_numbers').select(COLUMNS).where('number', '=', number).where(sql.raw<boolean>(ACTIVE)).where('stock_space_id', '=', spaceId).executeTakeFirst(),
    async activeAmong(numbers) {
      if (numbers.length === 0) return new Set();
      const found = await db.selectFrom('phone_numbers').select('number').where(sql.raw<boolean>(ACTIVE)).where('number', 'in', [...numbers]).execute();
      return new Set(found.map((r) => r.number));
    },
    async purchase({ row, stockId, spaceId, audit, quota, answer }) {
      try {
        return await db.transaction().execute(async (trx): Promise<PurchaseOutcome> => {
          if (answer !== null) {
            const claimed = await trx.executeQuery(unnestInsert('idempotency_keys', IDEMPOTENCY_COLUMNS, [idempotencyRow(answer)], ' on conflict do nothing returning key'));
            if (claimed.rows.length === 0) throw new Refusal({ kind: 'key_taken' });
          }
          if (quota !== null) {
            // The project's row lock serialises its purchases and imports, as for imports (phone-numbers.ts).
            await trx.selectFrom('projects').select('id').where('id', '=', row.project_id).forUpdate().execute();
            const held = await trx.selectFrom('phone_numbers').select((eb) => eb.fn.countAll<string>().as('n')).where('project_id', '=', row.project_id).where(sql.raw<boolean>(ACTIVE)).executeTakeFirstOrThrow();
            if (Number(held.n) >= quota) throw new Refusal({ kind: 'over_quota' });
          }
          let moved;
          if (stockId === null) {
            moved = (await trx.executeQuery(unnestInsert('phone_numbers', COLUMNS, [row], ' on conflict do nothing returning id'))).rows;
          } else {
            const changes: Record<string, unknown> = { stock_space_id: null, national: null, national_reversed: null };
            for (const c of ['id', 'project_id', 'created_at', 'purchased_at', ...UPDATABLE_COLUMNS, ...RENDERED_COLUMNS] as const) changes[c] = row[c];
            moved = await trx.updateTable('phone_numbers').set(changes).where('id', '=', stockId).where('stock_space_id', '=', spaceId).returning('id').execute();
          }
          if (moved.length === 0) {
            const holder = await trx.selectFrom('phone_numbers').select('project_id').where('number', '=', row.number).where(sql.raw<boolean>(ACTIVE)).executeTakeFirst();
            throw new Refusal({ kind: 'unavailable', reason: unavailableReason(row.project_id, spaceId, holder?.project_id) });
          }
          await trx.insertInto('audit_events').values(audit).execute();
          return { kind: 'purchased', row };
        });
      } catch (err) {
        if (err instanceof Refusal) return err.outcome;
        throw err;
      }
    },
  };
}
