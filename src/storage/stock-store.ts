import type { AuditEvent } from '../domain/audit.js';
import type { PhoneNumberRow } from '../domain/phone-number-record.js';
import type { NumberType } from '../domain/phone-number.js';
import type { StockEntry, Unavailable } from '../domain/stock.js';
import type { IdempotentAnswer } from './idempotency-store.js';
import { COLUMNS } from './phone-number-store.js';

/** 'added'; 'in_stock': already in this Space's stock; 'held': active in a project or in another Space's stock. */
export type StockAddOutcome = 'added' | 'in_stock' | 'held';

/** A stock number as searches and listings answer it. */
export type StockedNumber = Pick<PhoneNumberRow, 'number' | 'number_type' | 'capabilities' | 'country_code' | 'region' | 'city' | 'rate_center' | 'lata'>;

/** Every column of a stock row: a number's, and the stock's own (written only on stock rows). */
export const STOCK_COLUMNS = [...COLUMNS, 'stock_space_id', 'national', 'national_reversed'] as const;

export const STOCKED_COLUMNS = ['number', 'number_type', 'capabilities', 'country_code', 'region', 'city', 'rate_center', 'lata'] as const satisfies readonly (keyof StockedNumber)[];

/**
 * A search of one Space's stock. Every condition given must hold; digits are of the national
 * significant number. Answers come in national-number order (then E.164), so the same query
 * over the same stock answers the same numbers in the same order.
 */
export interface StockSearch {
  readonly spaceId: string;
  readonly numberType: NumberType;
  /** ISO 3166-1 alpha-2; null: any. */
  readonly country: string | null;
  readonly startsWith: string | null;
  /** At least 3 digits (the trigram indexes cannot look for fewer). */
  readonly contains: string | null;
  readonly endsWith: string | null;
  readonly region: string | null;
  /** Compared case-insensitively. */
  readonly city: string | null;
  /** Capability bits every answer has, and bits none has. */
  readonly withCapabilities: number;
  readonly withoutCapabilities: number;
  readonly limit: number;
}

/** Where a stock listing resumes: after this number of this type, in listing order. */
export interface StockPosition {
  readonly numberType: NumberType;
  readonly national: string;
  readonly number: string;
}

/**
 * A purchase: the stock row `stockId` becomes `row` (the bought number, built from that stock
 * row by the service: stock rows never change, so what was read is what moves), with its audit
 * record, within the project's quota, with the Idempotency-Key's answer if any: all in one
 * transaction, or nothing. A null stockId creates `row` outright (emulator mode, where any
 * number active nowhere can be bought).
 */
export interface PurchaseItem {
  readonly spaceId: string;
  readonly stockId: string | null;
  readonly row: PhoneNumberRow;
  readonly audit: AuditEvent;
  readonly quota: number | null;
  readonly answer: IdempotentAnswer | null;
}

export type PurchaseOutcome =
  | { readonly kind: 'purchased'; readonly row: PhoneNumberRow }
  | { readonly kind: 'unavailable'; readonly reason: Unavailable | 'restocked' }
  | { readonly kind: 'over_quota' }
  | { readonly kind: 'key_taken' };

/**
 * The stock of each Space. Stock rows live in phone_numbers (see domain/stock.ts), so every
 * write here goes through the same engine paths (the SQLite writer, PostgreSQL transactions)
 * as the inventory's own.
 */
export interface StockStore {
  /** Adds each entry to the Space's stock (creating its stock project on first use), one transaction per call. */
  add(spaceId: string, entries: readonly StockEntry[], ids: readonly string[], now: string): Promise<StockAddOutcome[]>;
  /** Withdraws numbers from the Space's stock; true for each that was in it. */
  remove(spaceId: string, numbers: readonly string[]): Promise<boolean[]>;
  count(spaceId: string): Promise<number>;
  /** The Space's stock by type, then national number, from after `from`; up to `limit`. */
  list(spaceId: string, from: StockPosition | null, limit: number): Promise<(StockedNumber & { national: string })[]>;
  search(query: StockSearch): Promise<StockedNumber[]>;
  /** The countries the Space has stock in, in code order. */
  countries(spaceId: string): Promise<string[]>;
  /** The number's row in the Space's stock, if it is there. */
  findStocked(spaceId: string, number: string): Promise<PhoneNumberRow | undefined>;
  /** Which of these E.164 numbers are active anywhere (in a project or a stock). */
  activeAmong(numbers: readonly string[]): Promise<Set<string>>;
  purchase(item: PurchaseItem): Promise<PurchaseOutcome>;
}

/**
 * The upper bound of the digit strings that start with `prefix`, for an index range
 * `>= prefix and < bound`; null when every larger string starts with it (all nines).
 */
export function prefixBound(prefix: string): string | null {
  let i = prefix.length - 1;
  while (i >= 0 && prefix[i] === '9') i--;
  if (i < 0) return null;
  return prefix.slice(0, i) + String.fromCharCode(prefix.charCodeAt(i) + 1);
}
