import type SQLite from 'better-sqlite3';
import type { PhoneNumberRow } from '../../domain/phone-number-record.js';
import { ACTIVE, ROW } from '../phone-number-store.js';
import { stockCountriesQuery, stockSearchQuery } from '../stock-search-query.js';
import { STOCKED_COLUMNS, type StockAddOutcome, type StockedNumber, type StockStore } from '../stock-store.js';
import { lazily, sqliteBatches } from './phone-numbers.js';
import type { SqliteWriter } from './writer.js';

/** The stock on SQLite: writes through the writer (writer.ts), reads on the server's connection. */
export function sqliteStockStore(handle: SQLite.Database, writer: SqliteWriter): StockStore {
  const stockBatch = sqliteBatches(writer, 'stock');
  const purchaseBatch = sqliteBatches(writer, 'purchase');
  const statements = new Map<string, SQLite.Statement>();
  const run = (compiled: { sql: string; parameters: readonly unknown[] }) => {
    let statement = statements.get(compiled.sql);
    if (statement === undefined) statements.set(compiled.sql, (statement = handle.prepare(compiled.sql)));
    return statement.all(...compiled.parameters);
  };
  const count = lazily(() => handle.prepare('select count(*) from phone_numbers where stock_space_id = ?').pluck());
  const stocked = lazily(() => handle.prepare(`select ${ROW} from phone_numbers where number = ? and ${ACTIVE} and stock_space_id = ?`));
  const listed = `select ${STOCKED_COLUMNS.join(', ')}, national from phone_numbers where stock_space_id = ?`;
  const listFirst = lazily(() => handle.prepare(`${listed} order by number_type, national, number limit ?`));
  const listAfter = lazily(() =>
    handle.prepare(`${listed} and (number_type, national, number) > (?, ?, ?) order by number_type, national, number limit ?`),
  );
  return {
    async add(spaceId, entries, ids, now) {
      const outcomes = await Promise.all(entries.map((entry, i) => stockBatch.submit({ kind: 'add', spaceId, entry, id: ids[i]!, now })));
      return outcomes as StockAddOutcome[];
    },
    async remove(spaceId, numbers) {
      const outcomes = await Promise.all(numbers.map((number) => stockBatch.submit({ kind: 'remove', spaceId, number })));
      return outcomes.map((o) => o === 'removed');
    },
    count: async (spaceId) => count().get(spaceId) as number,
    async list(spaceId, from, limit) {
      const rows = from === null ? listFirst().all(spaceId, limit) : listAfter().all(spaceId, from.numberType, from.national, from.number, limit);
      return rows as (StockedNumber & { national: string })[];
    },
    search: async (query) => run(stockSearchQuery('sqlite', query)) as StockedNumber[],
    countries: async (spaceId) => (run(stockCountriesQuery('sqlite', spaceId)) as { code: string }[]).map((r) => r.code),
    findStocked: async (spaceId, number) => stocked().get(number, spaceId) as PhoneNumberRow | undefined,
    async activeAmong(numbers) {
      if (numbers.length === 0) return new Set();
      const found = handle.prepare(`select number from phone_numbers where ${ACTIVE} and number in (${numbers.map(() => '?').join(', ')})`).pluck().all(...numbers);
      return new Set(found as string[]);
    },
    purchase: (item) => purchaseBatch.submit(item),
  };
}
