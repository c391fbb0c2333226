import { AREA_PLACES } from '../src/domain/nanp-areas.js';
import type { StockFields } from '../src/domain/stock-entry.js';

/**
 * Stock numbers for the search and purchase scenarios, derived from an index like the
 * inventory's (inventory.ts), so the runner can name any stocked number again without
 * keeping them.
 *
 * The stock is spread over every North American area code numberspace knows the place of
 * (256: 232 in the US, 24 in Canada), as an operator's file would give it: number,
 * number_type longcode, region, city and rate center of the area code; capabilities left
 * blank (all four). Index i is in area code i mod 256, so any prefix of the indices holds
 * every area code about equally; within an area code the numbers are spread evenly over
 * exchanges 200-999 and all line numbers (a fixed stride through the 8,000,000 numbers an
 * area code has), so a `contains` search meets digits as a real stock's would.
 */
export const STOCK_AREAS = AREA_PLACES;
export const STOCK_AREA_CODES: readonly string[] = STOCK_AREAS.map((p) => p.areaCode);
/** The US ones: the Compatibility search names its country (AvailablePhoneNumbers/US/Local). */
export const US_STOCK_AREA_CODES: readonly string[] = STOCK_AREAS.filter((p) => p.country === 'US').map((p) => p.areaCode);

/** Subscriber numbers per area code: exchanges 200-999, lines 0000-9999. */
const PER_AREA = 8_000_000;
/**
 * Coprime with PER_AREA (2^9 · 5^6), so k ↦ k · STRIDE mod PER_AREA never repeats below
 * PER_AREA; about PER_AREA over the golden ratio, so any first few hundred spread evenly.
 */
const STRIDE = 4_944_271;
const AREA_OFFSET = 104_729;
/** The largest stock a run may ask for; far below what the area codes hold. */
export const MAX_STOCK = 20_000_000;

function slot(index: number): { area: number; subscriber: number } {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_STOCK) throw new RangeError(`stock index ${index} is outside 0-${MAX_STOCK - 1}`);
  const area = index % STOCK_AREAS.length;
  const k = Math.floor(index / STOCK_AREAS.length);
  return { area, subscriber: (k * STRIDE + area * AREA_OFFSET) % PER_AREA };
}

export function stockNumberAt(index: number): string {
  const { area, subscriber } = slot(index);
  const exchange = 200 + Math.floor(subscriber / 10_000);
  const line = subscriber % 10_000;
  return `+1${STOCK_AREAS[area]!.areaCode}${exchange}${String(line).padStart(4, '0')}`;
}

/** Stock entry `index` as a row of `numberspace stock add`'s CSV file. */
export function stockFieldsAt(index: number): StockFields {
  const place = STOCK_AREAS[slot(index).area]!;
  return { number: stockNumberAt(index), number_type: 'longcode', region: place.region, city: place.city, rate_center: place.city.toUpperCase(), lata: '', capabilities: '' };
}

/**
 * Hands out a purchase target's stock numbers, each once, in index order (so area codes
 * take turns), and counts what is left to buy. One per purchase target: each has a stock of
 * its own.
 */
export class StockNumbers {
  #next = 0;
  #stocked: number;

  constructor(stocked: number) {
    this.#stocked = stocked;
  }

  next(): string {
    return stockNumberAt(this.#next++);
  }

  /** Numbers stocked and not yet handed out; negative once purchases went beyond the stock. */
  remaining(): number {
    return this.#stocked - this.#next;
  }

  /** Every index stocked so far: a top-up continues from here. */
  stocked(): number {
    return this.#stocked;
  }

  added(count: number): void {
    this.#stocked += count;
  }
}

/** Every 4-digit string: what the search-contains scenario rotates over. */
export const FOUR_DIGITS: readonly string[] = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));

export function shuffled<T>(values: readonly T[]): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
