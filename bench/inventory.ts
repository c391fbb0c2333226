import { createHash } from 'node:crypto';

/**
 * Numbers and ids for the benchmark inventory, derived from an index so the runner can name
 * any seeded row again without keeping a million of them in memory.
 *
 * Every number is +1 555 and seven digits: libphonenumber-js cannot classify the 555 area
 * code, so each one imports as a longcode in region US, and the range holds ten million.
 * Seeds use the low indices; imports draw from IMPORT_BASE upwards, so no import ever
 * repeats a seeded number or an earlier import within a server's life.
 */
const NUMBER_PREFIX = '+1555';
const NUMBER_SPACE = 10_000_000;
export const IMPORT_BASE = 5_000_000;
/** The largest inventory a seed may ask for: seeds must stay below the import range. */
export const MAX_SEED = IMPORT_BASE;

export function numberAt(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= NUMBER_SPACE) throw new RangeError(`number index ${index} is outside the +1 555 range`);
  return NUMBER_PREFIX + String(index).padStart(7, '0');
}

/** Hands out fresh import numbers; one source per runner, shared by every target. */
export class ImportNumbers {
  #next = IMPORT_BASE;

  next(): string {
    return numberAt(this.#next++);
  }
}

/**
 * A UUID v4 for seeded row `index`. Hashed rather than counted so ids are scattered over the
 * primary-key index the way crypto.randomUUID() ids are; the salt keeps inventories apart.
 */
export function seededId(salt: string, index: number): string {
  const h = createHash('sha256').update(`${salt}:${index}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** What a seed put in one database, enough to address its rows afterwards. */
export interface Inventory {
  readonly projectId: string;
  readonly apiToken: string;
  readonly count: number;
  readonly salt: string;
}

/**
 * Ids to rotate over in the get and update scenarios: all of a small inventory, an evenly
 * random sample of a large one (so reads land all over the table, not in one hot corner).
 */
export function idSample(inventory: Inventory, max = 65_536): string[] {
  const n = Math.min(inventory.count, max);
  const ids: string[] = [];
  if (n === inventory.count) {
    for (let i = 0; i < n; i++) ids.push(seededId(inventory.salt, i));
  } else {
    for (let i = 0; i < n; i++) ids.push(seededId(inventory.salt, Math.floor(Math.random() * inventory.count)));
  }
  // Shuffled so consecutive requests do not walk the table in insertion order.
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}

export function basicAuth(inventory: Pick<Inventory, 'projectId' | 'apiToken'>): string {
  return `Basic ${Buffer.from(`${inventory.projectId}:${inventory.apiToken}`).toString('base64')}`;
}
