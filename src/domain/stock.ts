import type { Actor } from './audit.js';
import { auditEvent, type AuditEvent } from './audit.js';
import { maskToCapabilities } from './capabilities.js';
import { newPhoneNumberRow, type PhoneNumberRow, unrenderedPhoneNumberRow, withRecordJson } from './phone-number-record.js';
import type { NumberType } from './phone-number.js';

/**
 * Number stock: numbers a Space holds that no project has yet. Each stock number is a row of
 * phone_numbers owned by its Space's stock project, a project with no tokens that no API
 * caller or operator listing ever sees; so the one active copy of a number, which the
 * database enforces, covers stock and projects alike.
 */

const STOCK_PREFIX = 'stock:';

/** The hidden project that holds a Space's stock. Never a UUID, so never a real project's id. */
export const stockProjectId = (spaceId: string): string => `${STOCK_PREFIX}${spaceId}`;
export const isStockProject = (projectId: string): boolean => projectId.startsWith(STOCK_PREFIX);

/** What a stock number is, as loaded: the fields a search answers with. */
export interface StockEntry {
  readonly number: string;
  readonly number_type: NumberType;
  /** Bit mask, see capabilities.ts. */
  readonly capabilities: number;
  readonly country_code: string | null;
  readonly region: string | null;
  readonly city: string | null;
  readonly rate_center: string | null;
  readonly lata: string | null;
  /** The national significant number's digits (nationalDigits in number-plans.ts). */
  readonly national: string;
}

/** A stock row as stored: a number of the stock project, with the columns the search reads. */
export interface StockRow extends PhoneNumberRow {
  stock_space_id: string;
  national: string;
  national_reversed: string;
}

export const reversed = (digits: string): string => [...digits].reverse().join('');

export function stockRow(spaceId: string, entry: StockEntry, id: string, now: string): StockRow {
  const row = unrenderedPhoneNumberRow({
    id,
    projectId: stockProjectId(spaceId),
    number: entry.number,
    numberType: entry.number_type,
    capabilities: entry.capabilities,
    countryCode: entry.country_code,
    now,
  });
  // No one reads a stock row's renderings: a purchase renders the bought number's afresh.
  return {
    ...row,
    region: entry.region,
    city: entry.city,
    rate_center: entry.rate_center,
    lata: entry.lata,
    stock_space_id: spaceId,
    national: entry.national,
    national_reversed: reversed(entry.national),
  };
}

/** The entry a number goes back to stock as, from its row. */
export function stockEntryOf(row: PhoneNumberRow, national: string): StockEntry {
  return {
    number: row.number,
    number_type: row.number_type,
    capabilities: row.capabilities,
    country_code: row.country_code,
    region: row.region,
    city: row.city,
    rate_center: row.rate_center,
    lata: row.lata,
    national,
  };
}

/**
 * The number a project buys: a new id, created now, in the buyer's project, with no name or
 * handler (the purchase's own attributes are applied to it as an update), and where it is.
 */
export function purchasedRow(entry: Omit<StockEntry, 'national'>, projectId: string, id: string, now: string): PhoneNumberRow {
  const row = newPhoneNumberRow({ id, projectId, number: entry.number, numberType: entry.number_type, capabilities: entry.capabilities, countryCode: entry.country_code, now });
  row.region = entry.region;
  row.city = entry.city;
  row.rate_center = entry.rate_center;
  row.lata = entry.lata;
  row.purchased_at = now;
  return withRecordJson(row);
}

export function purchaseAudit(actor: Actor, row: PhoneNumberRow): AuditEvent {
  return auditEvent(actor, row.created_at, 'number.purchased', row.id, {
    number: row.number,
    number_type: row.number_type,
    capabilities: maskToCapabilities(row.capabilities),
    ...(row.name === null ? {} : { name: row.name }),
  });
}

/** Why a number cannot be bought. */
export type Unavailable =
  /** Active in the buyer's own project already. */
  | 'yours'
  /** Active in another project (which one is never said). */
  | 'taken'
  /** In the stock of another Space. */
  | 'other_space'
  /** Not in any stock. */
  | 'not_in_stock';

/**
 * Why a purchase found no stock row to move, from the project the number is active in
 * (undefined: none). 'restocked': it is in the buyer's Space's stock after all, under another
 * id (bought and released back between the purchase's read and its write): worth a retry.
 */
export function unavailableReason(buyer: string, spaceId: string, holder: string | undefined): Unavailable | 'restocked' {
  if (holder === undefined) return 'not_in_stock';
  if (holder === buyer) return 'yours';
  if (holder === stockProjectId(spaceId)) return 'restocked';
  return isStockProject(holder) ? 'other_space' : 'taken';
}
