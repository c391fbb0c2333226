import { type Capability, CAPABILITIES, capabilitiesToMask } from './capabilities.js';
import { areaPlace } from './nanp-areas.js';
import { canonicalNumber, nationalDigits, numberFacts, type RequestedNumberType, requestedToWireType } from './phone-number.js';
import type { StockEntry } from './stock.js';

/** A stock entry as an operator writes it (a CSV row): text fields, blank for none. */
export interface StockFields {
  readonly number: string;
  readonly number_type: string;
  readonly region?: string;
  readonly city?: string;
  readonly rate_center?: string;
  readonly lata?: string;
  /** Names separated by ; or |; blank: all four. */
  readonly capabilities?: string;
}

/** The import request's number rule: 5 to 30 characters, ASCII digits, one optional leading +, no leading 0. */
const NUMBER = /^\+?[1-9][0-9]*$/;
const REGION = /^[A-Za-z]{2}$/;
const PLACE_MAX = 100;

export type CheckedStockEntry = { readonly ok: true; readonly entry: StockEntry } | { readonly ok: false; readonly problem: string };

/**
 * A stock entry checked by the import's rules (the number's shape, its type against what the
 * number certainly is), with its country from the numbering plan and, for a North American
 * number whose entry names no region, the region of its area code where known.
 */
export function checkStockEntry(fields: StockFields): CheckedStockEntry {
  const refuse = (problem: string): CheckedStockEntry => ({ ok: false, problem });
  const raw = fields.number.trim();
  if (raw === '') return refuse('number is empty');
  if (raw.length < 5 || raw.length > 30 || !NUMBER.test(raw)) {
    return refuse("number must be an E.164 number: 5 to 30 ASCII digits with at most one leading '+', and a country code that does not start with 0");
  }
  const type = fields.number_type.trim();
  if (type !== 'longcode' && type !== 'tollfree') return refuse(type === '' ? 'number_type is empty' : 'number_type must be one of: longcode, tollfree');
  const number = canonicalNumber(raw);
  const facts = numberFacts(number);
  const numberType = requestedToWireType(type as RequestedNumberType);
  if (facts.numberClass !== 'unknown' && facts.numberClass !== numberType) {
    return refuse(facts.numberClass === 'toll-free' ? `${number} is a toll-free number; use tollfree` : `${number} is not a toll-free number; use longcode`);
  }
  let capabilities: Capability[] | undefined;
  const caps = fields.capabilities?.trim() ?? '';
  if (caps !== '') {
    const parts = caps.split(/[;|]/).map((c) => c.trim());
    const bad = parts.find((c) => !(CAPABILITIES as readonly string[]).includes(c));
    if (bad !== undefined) return refuse(`capabilities: ${JSON.stringify(bad)} is not one of ${CAPABILITIES.join(', ')} (separate them with ; or |)`);
    capabilities = parts as Capability[];
  }
  const text = (name: 'city' | 'rate_center' | 'lata'): string | null | { problem: string } => {
    const value = fields[name]?.trim() ?? '';
    if (value === '') return null;
    if (value.length > PLACE_MAX || /[\u0000-\u001f\u007f]/.test(value)) return { problem: `${name} must be at most ${PLACE_MAX} characters with no control characters` };
    return value;
  };
  const city = text('city');
  const rateCenter = text('rate_center');
  const lata = text('lata');
  for (const v of [city, rateCenter, lata]) if (v !== null && typeof v === 'object') return refuse(v.problem);
  const national = nationalDigits(number);
  const place = number.startsWith('+1') && numberType === 'longcode' ? areaPlace(national.slice(0, 3)) : undefined;
  let region = fields.region?.trim() ?? '';
  if (region !== '' && !REGION.test(region)) return refuse('region must be a two-letter state or province code (ISO 3166-2), e.g. TX');
  region = region === '' ? (place?.region ?? '') : region.toUpperCase();
  if (city !== null && region === '') return refuse('city needs a region: a search finds a city only within its region');
  return {
    ok: true,
    entry: {
      number,
      number_type: numberType,
      capabilities: capabilitiesToMask(capabilities),
      // The numbering plan's own answer first; the area-code table only where it cannot vouch.
      country_code: facts.numberClass === 'unknown' ? (place?.country ?? facts.countryCode) : facts.countryCode,
      region: region === '' ? null : region,
      city: city as string | null,
      rate_center: rateCenter as string | null,
      lata: lata as string | null,
      national,
    },
  };
}
