import { ALL_CAPABILITIES_MASK } from '../domain/capabilities.js';
import { AREA_PLACES, areaPlace } from '../domain/nanp-areas.js';
import type { NumberType } from '../domain/phone-number.js';
import type { StockedNumber } from '../storage/stock-store.js';
import type { StockQuery } from '../numbers/stock-service.js';

/**
 * Emulator mode's stock: numbers no real subscriber has, made up for each search.
 *
 * - North America: NPA-555-0100 to NPA-555-0199, the lines NANPA keeps for fiction, in the
 *   area codes of domain/nanp-areas.ts (or any area code a search names), with that area
 *   code's state and city; toll-free: the same lines in 800, 833, 844, 855, 866, 877 and 888
 *   (a convention of numberspace's: NANPA reserves the range for geographic area codes only).
 * - United Kingdom: Ofcom's drama numbers, 020 7946 0000 to 0999 (London), 01x1 496 0000 to
 *   0999 (the large cities below) and freephone 0808 157 0000 to 0999.
 *
 * Each search lists the candidates that match, in national-number order, so the same query
 * answers the same numbers while none of them is taken.
 */

interface Range {
  readonly country: 'US' | 'CA' | 'GB';
  readonly type: NumberType;
  readonly callingCode: '1' | '44';
  /** The national digits before the line part. */
  readonly lead: string;
  /** The first and last line parts, as digit strings of one length. */
  readonly lines: readonly [string, string];
  readonly region: string | null;
  readonly city: string | null;
}

const NANP_FICTION = ['0100', '0199'] as const;
const OFCOM_DRAMA = ['0000', '0999'] as const;
const NANP_TOLL_FREE = ['800', '833', '844', '855', '866', '877', '888'];
const GB_CITIES: readonly (readonly [string, string])[] = [
  ['113', 'Leeds'],
  ['114', 'Sheffield'],
  ['115', 'Nottingham'],
  ['116', 'Leicester'],
  ['117', 'Bristol'],
  ['118', 'Reading'],
  ['121', 'Birmingham'],
  ['131', 'Edinburgh'],
  ['141', 'Glasgow'],
  ['151', 'Liverpool'],
  ['161', 'Manchester'],
];

const nanpLocal = (areaCode: string): Range => {
  const place = areaPlace(areaCode);
  return { country: place?.country ?? 'US', type: 'longcode', callingCode: '1', lead: `${areaCode}555`, lines: NANP_FICTION, region: place?.region ?? null, city: place?.city ?? null };
};

const FIXED_RANGES: readonly Range[] = [
  ...AREA_PLACES.map((p) => nanpLocal(p.areaCode)),
  ...NANP_TOLL_FREE.map((code): Range => ({ country: 'US', type: 'toll-free', callingCode: '1', lead: `${code}555`, lines: NANP_FICTION, region: null, city: null })),
  { country: 'GB', type: 'longcode', callingCode: '44', lead: '207946', lines: OFCOM_DRAMA, region: null, city: 'London' },
  ...GB_CITIES.map(([code, city]): Range => ({ country: 'GB', type: 'longcode', callingCode: '44', lead: `${code}496`, lines: OFCOM_DRAMA, region: null, city })),
  { country: 'GB', type: 'toll-free', callingCode: '44', lead: '808157', lines: OFCOM_DRAMA, region: null, city: null },
];

/** The countries emulator mode has numbers in, in code order. */
export const SYNTHETIC_COUNTRIES = [...new Set(FIXED_RANGES.map((r) => r.country))].sort();

/** Every synthetic number matching the query, in national-number order. */
export function syntheticCandidates(q: StockQuery): (StockedNumber & { national: string })[] {
  if ((q.withoutCapabilities & ALL_CAPABILITIES_MASK) !== 0) return [];
  let ranges = FIXED_RANGES;
  // An area code the table lacks is still a North American one: its fiction lines are too.
  const areaCode = q.startsWith?.slice(0, 3);
  if (areaCode !== undefined && areaCode.length === 3 && /^[2-9]/.test(areaCode) && areaPlace(areaCode) === undefined && q.numberType === 'longcode' && !NANP_TOLL_FREE.includes(areaCode)) {
    ranges = [...ranges, nanpLocal(areaCode)];
  }
  const city = q.city?.toLowerCase() ?? null;
  const found: (StockedNumber & { national: string })[] = [];
  for (const r of ranges) {
    if (r.type !== q.numberType || (q.country !== null && r.country !== q.country)) continue;
    if (q.region !== null && r.region !== q.region) continue;
    if (city !== null && r.city?.toLowerCase() !== city) continue;
    const first = Number(r.lines[0]);
    const last = Number(r.lines[1]);
    const width = r.lines[0].length;
    // Skip a range whose lead already rules it out.
    if (q.startsWith !== null && !(r.lead.startsWith(q.startsWith) || q.startsWith.startsWith(r.lead))) continue;
    for (let line = first; line <= last; line++) {
      const national = r.lead + String(line).padStart(width, '0');
      if (q.startsWith !== null && !national.startsWith(q.startsWith)) continue;
      if (q.endsWith !== null && !national.endsWith(q.endsWith)) continue;
      if (q.contains !== null && !national.includes(q.contains)) continue;
      found.push({
        national,
        number: `+${r.callingCode}${national}`,
        number_type: r.type,
        capabilities: ALL_CAPABILITIES_MASK,
        country_code: r.country,
        region: r.region,
        city: r.city,
        rate_center: null,
        lata: null,
      });
    }
  }
  return found.sort((a, b) => (a.national < b.national ? -1 : a.national > b.national ? 1 : a.number < b.number ? -1 : 1));
}
