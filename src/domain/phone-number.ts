import { type PhoneNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.max.json';
import { classify } from './number-plans.js';

/** The wire spelling of a number's type; the import request spells toll-free `tollfree`. */
export type NumberType = 'longcode' | 'toll-free';
export type RequestedNumberType = 'longcode' | 'tollfree';

/**
 * What the number itself says about its type. `unknown` when libphonenumber-js cannot
 * vouch for it (unassigned ranges, the 555 examples, numbering plans it does not cover):
 * only a certain classification may overrule what the caller declared.
 */
export type NumberClass = NumberType | 'unknown';

export interface NumberFacts {
  /** ISO 3166-1 alpha-2 region, or null for non-geographic codes (+800, +882 ...). */
  readonly countryCode: string | null;
  readonly numberClass: NumberClass;
}

const callingCodes = (metadata as { country_calling_codes: Record<string, string[]> }).country_calling_codes;

/**
 * Canonical E.164 form of an import request's `number`: `+` and the digits.
 * The caller has already checked the shape (ASCII digits, optional leading `+`, no leading 0).
 */
export function canonicalNumber(raw: string): string {
  return raw.charCodeAt(0) === 43 /* + */ ? raw : `+${raw}`;
}

export function requestedToWireType(t: RequestedNumberType): NumberType {
  return t === 'tollfree' ? 'toll-free' : 'longcode';
}

/**
 * Region and type of a canonical number. Never throws.
 *
 * A valid number reports its own region. A number that libphonenumber-js cannot validate
 * (for example +1 555 ranges) reports the main region of its calling code, which is what a
 * person reading the number would say; a non-geographic calling code reports null.
 *
 * Classification is the import path's costliest step. Most numbers are answered from the
 * library's metadata with precompiled patterns (number-plans.ts, about a fifth of the
 * library's own cost); the rest by the library itself, told not to search text for a number
 * (`extract: false`) since the input is exactly `+` and digits. Unit tests check that neither
 * shortcut changes any answer.
 */
export function numberFacts(e164: string): NumberFacts {
  const c = classify(e164);
  if (c === undefined) return numberFactsFromLibrary(e164);
  if (!c.valid) return { countryCode: mainRegion(c.regions), numberClass: 'unknown' };
  return { countryCode: c.country ?? mainRegion(c.regions), numberClass: classOf(c.type) };
}

/** The library's parser alone, with `extract: false`. */
export function numberFactsFromLibrary(e164: string): NumberFacts {
  return factsOf(parsePhoneNumberFromString(e164, { extract: false }));
}

/** The same, through the parser's default text-searching mode. */
export function numberFactsReference(e164: string): NumberFacts {
  return factsOf(parsePhoneNumberFromString(e164));
}

function factsOf(parsed: PhoneNumber | undefined): NumberFacts {
  if (parsed === undefined) return { countryCode: null, numberClass: 'unknown' };
  const regions = callingCodes[parsed.countryCallingCode];
  if (!parsed.isValid()) return { countryCode: mainRegion(regions), numberClass: 'unknown' };
  return { countryCode: parsed.country ?? mainRegion(regions), numberClass: classOf(parsed.getType()) };
}

function classOf(type: string | undefined): NumberClass {
  return type === undefined ? 'unknown' : type === 'TOLL_FREE' ? 'toll-free' : 'longcode';
}

function mainRegion(regions: readonly string[] | undefined): string | null {
  const first = regions?.[0];
  return first === undefined || first === '001' ? null : first;
}

/**
 * The national significant number of a canonical number: its digits after the country
 * calling code (`+15125550100` → `5125550100`). Searches by area code and by digits match it.
 */
export function nationalDigits(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164, { extract: false });
  if (parsed !== undefined) return parsed.nationalNumber;
  // Calling codes are prefix-free: at most one of the first three digits' prefixes is one.
  for (let length = 1; length <= 3; length++) {
    if (callingCodes[e164.slice(1, 1 + length)] !== undefined) return e164.slice(1 + length);
  }
  return e164.slice(1);
}
