import { CompiledQuery } from 'kysely';
import { ALL_CAPABILITIES_MASK } from '../domain/capabilities.js';
import { reversed } from '../domain/stock.js';
import { prefixBound, STOCKED_COLUMNS, type StockedNumber, type StockSearch } from './stock-store.js';

/**
 * The stock search as one statement per engine, exported so its plans can be checked against
 * the stock indexes (migrations/008-number-stock.ts): a national-number prefix or a region is
 * a range of an index already in answer order; a suffix is a range of the reversed-number
 * index; `contains` goes through each engine's trigram index (an FTS5 table on SQLite,
 * pg_trgm's GIN on PostgreSQL).
 *
 * `contains` with no prefix is the one search no index answers in order, and left alone both
 * planners read the national-number index in order instead, testing each number for the
 * digits until the limit is reached: quick when the digits are common, a scan of the Space's
 * whole stock when they are rare (a million numbers: 70 ms on SQLite for 7 digits, 80 ms on
 * PostgreSQL for 4, whose estimate of a LIKE pattern does not shrink with its length). So
 * there the trigram index finds the numbers, the other conditions filter them, and the few
 * found are sorted: on SQLite the FTS5 table is the outer loop of a CROSS JOIN (which SQLite
 * never reorders), on PostgreSQL the search without its order and limit is a MATERIALIZED CTE
 * (planned on its own, so only the cheapest way to find every match counts). Its cost is the
 * count of stock numbers holding the digits, about 1 % of the stock for 3 digits. With a
 * prefix (an area code and contains) the prefix's range of the national index, in order, stays
 * the better way, and the trigram match only filters it.
 */
export function stockSearchQuery(dialect: 'sqlite' | 'postgres', q: StockSearch): CompiledQuery<StockedNumber> {
  const parameters: unknown[] = [];
  const p = (value: unknown) => {
    parameters.push(value);
    return dialect === 'sqlite' ? '?' : `$${parameters.length}`;
  };
  const byTrigrams = q.contains !== null && q.startsWith === null;
  const columns = STOCKED_COLUMNS.join(', ');
  const phrase = () => p(`"${q.contains}"`); // A quoted string is a phrase of its trigrams: the digits in a row, anywhere.
  let text: string;
  let order = 'national, number';
  if (byTrigrams && dialect === 'sqlite') {
    text = `select ${columns} from stock_trigrams cross join phone_numbers on phone_numbers.rowid = stock_trigrams.rowid where stock_trigrams match ${phrase()} and`;
    order = 'phone_numbers.national, number'; // stock_trigrams has a column national too
  } else if (byTrigrams) {
    text = `with found as materialized (select ${columns}, national from phone_numbers where`;
  } else {
    text = `select ${columns} from phone_numbers where`;
  }
  text += ` stock_space_id = ${p(q.spaceId)} and number_type = ${p(q.numberType)}`;
  if (q.country !== null) text += ` and country_code = ${p(q.country)}`;
  if (q.region !== null) text += ` and region = ${p(q.region)}`;
  if (q.city !== null) text += ` and lower(city) = lower(${p(q.city)})`;
  text += range('national', q.startsWith, p);
  if (q.endsWith !== null) text += range('national_reversed', reversed(q.endsWith), p);
  if (q.contains !== null && !(byTrigrams && dialect === 'sqlite')) {
    text += dialect === 'sqlite' ? ` and rowid in (select rowid from stock_trigrams where stock_trigrams match ${phrase()})` : ` and national like ${p(`%${q.contains}%`)}`;
  }
  const mask = q.withCapabilities | q.withoutCapabilities;
  if (mask !== 0) {
    // The masks that have every bit asked for and none refused, as a list: PostgreSQL weighs a
    // list against the column's statistics, where `(capabilities & m) = w` gets a fixed 0.5 %,
    // which made it sort a country's whole stock for "voice, no fax" (80 % of numbers) rather
    // than read the national index in order. The same rows: a mask has 4 bits (capabilities.ts).
    const masks = Array.from({ length: (ALL_CAPABILITIES_MASK | mask) + 1 }, (_, m) => m).filter((m) => (m & mask) === q.withCapabilities);
    text += ` and capabilities in (${masks.map(p).join(', ')})`;
  }
  if (byTrigrams && dialect === 'postgres') text += `) select ${columns} from found`;
  text += ` order by ${order} limit ${p(q.limit)}`;
  return CompiledQuery.raw(text, parameters) as CompiledQuery<StockedNumber>;
}

/** `column` starts with `prefix`, as an index range. */
function range(column: string, prefix: string | null, p: (value: unknown) => string): string {
  if (prefix === null) return '';
  const bound = prefixBound(prefix);
  return ` and ${column} >= ${p(prefix)}${bound === null ? '' : ` and ${column} < ${p(bound)}`}`;
}

/**
 * The countries of a Space's stock, read by jumping through the country index from one code
 * to the next (a loose index scan): as many index probes as countries, whatever the stock's size.
 */
export function stockCountriesQuery(dialect: 'sqlite' | 'postgres', spaceId: string): CompiledQuery<{ code: string }> {
  const [first, second] = dialect === 'sqlite' ? ['?', '?'] : ['$1', '$1'];
  const text =
    `with recursive c(code) as (select min(country_code) from phone_numbers where stock_space_id = ${first}` +
    ` union all select (select min(country_code) from phone_numbers where stock_space_id = ${second} and country_code > c.code) from c where c.code is not null)` +
    ' select code from c where code is not null';
  return CompiledQuery.raw(text, dialect === 'sqlite' ? [spaceId, spaceId] : [spaceId]);
}
