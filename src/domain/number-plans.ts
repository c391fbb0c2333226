import { Metadata, type MetadataJson } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.max.json';

/**
 * libphonenumber-js's own classification (parse, then getType and isValid), for an E.164
 * number that is `+` and ASCII digits, computed from the same metadata but with every
 * pattern compiled once. The library builds a `RegExp` from pattern text on each check and
 * tries each region of a shared calling code in turn, so classifying one number cost 10–25 µs;
 * this does the same tests against compiled expressions.
 *
 * Only the plain path is taken here: a known calling code of a country, a national number of
 * 2 to 17 digits, and no national prefix in front of it (which the library would try to strip
 * and re-check). Anything else answers undefined, and the caller asks the library itself. A
 * unit test compares both on every calling code.
 */

/** The library's name for a number type. */
export type NumberTypeName =
  | 'FIXED_LINE'
  | 'FIXED_LINE_OR_MOBILE'
  | 'MOBILE'
  | 'PREMIUM_RATE'
  | 'TOLL_FREE'
  | 'SHARED_COST'
  | 'VOIP'
  | 'PERSONAL_NUMBER'
  | 'PAGER'
  | 'UAN'
  | 'VOICEMAIL';

/** What parse plus getType/isValid say of a number. */
export interface Classification {
  /** The regions of the number's calling code, its main region first. */
  readonly regions: readonly string[];
  /** The region the parser settled on; undefined when no region of the calling code claims the number. */
  readonly country: string | undefined;
  readonly valid: boolean;
  readonly type: NumberTypeName | undefined;
}

interface TypeTest {
  readonly pattern: RegExp;
  readonly lengths: readonly number[] | undefined;
}

interface Plan {
  readonly nationalNumber: RegExp;
  readonly hasTypes: boolean;
  readonly leadingDigits: RegExp | undefined;
  readonly fixedLine: TypeTest | undefined;
  /** 'same': the mobile pattern was folded into fixed line (empty in the metadata). */
  readonly mobile: TypeTest | 'same' | undefined;
  /** The other types, in the order the library tries them after mobile. */
  readonly others: readonly (readonly [NumberTypeName, TypeTest])[];
}

interface CallingCode {
  readonly regions: readonly string[];
  /** The calling code's main plan: the one the parser uses to look for a national prefix. */
  readonly nationalPrefix: RegExp | undefined;
}

const NON_FIXED_LINE_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;
const MIN_NATIONAL_LENGTH = 2;
const MAX_NATIONAL_LENGTH = 17;

/** The library's NumberingPlan and Type accessors that classification reads. */
interface LibType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface LibPlan {
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: string): LibType | undefined;
}

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);

function typeTest(t: LibType | undefined): TypeTest | undefined {
  if (t === undefined || !t.pattern()) return undefined;
  return { pattern: whole(t.pattern()), lengths: t.possibleLengths() };
}

function compilePlan(plan: LibPlan): Plan {
  const mobile = plan.type('MOBILE');
  const leadingDigits = plan.leadingDigits();
  return {
    nationalNumber: whole(plan.nationalNumberPattern()),
    hasTypes: plan.hasTypes(),
    leadingDigits: leadingDigits ? new RegExp(`^(?:${leadingDigits})`) : undefined,
    fixedLine: typeTest(plan.type('FIXED_LINE')),
    mobile: mobile === undefined ? undefined : mobile.pattern() === '' ? 'same' : typeTest(mobile),
    others: NON_FIXED_LINE_TYPES.filter((name) => name !== 'MOBILE').flatMap((name) => {
      const test = typeTest(plan.type(name));
      return test === undefined ? [] : [[name, test] as const];
    }),
  };
}

// The typings know the numbering plan's accessors only in part, and calling codes not as plan keys.
const library = new Metadata(metadata as unknown as MetadataJson) as unknown as { selectNumberingPlan(code: string): void; numberingPlan: LibPlan };

const countryCallingCodes = (metadata as { country_calling_codes: Record<string, string[]> }).country_calling_codes;
const plans = new Map<string, Plan>();
const callingCodes = new Map<string, CallingCode>();
for (const [code, regions] of Object.entries(countryCallingCodes)) {
  // Non-geographic codes (+800, +882 …) keep their own rules in the library; it answers for them.
  if (regions.includes('001')) continue;
  for (const region of regions) {
    library.selectNumberingPlan(region);
    plans.set(region, compilePlan(library.numberingPlan));
  }
  library.selectNumberingPlan(code);
  const prefix = library.numberingPlan.nationalPrefixForParsing();
  callingCodes.set(code, { regions, nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined });
}

const isType = (nationalNumber: string, test: TypeTest | undefined): boolean =>
  test !== undefined && (test.lengths === undefined || test.lengths.includes(nationalNumber.length)) && test.pattern.test(nationalNumber);

/** getNumberType of the library, for one plan. */
function typeIn(plan: Plan, nationalNumber: string): NumberTypeName | undefined {
  if (!plan.nationalNumber.test(nationalNumber)) return undefined;
  if (isType(nationalNumber, plan.fixedLine)) {
    if (plan.mobile === undefined || plan.mobile === 'same') return 'FIXED_LINE_OR_MOBILE';
    return isType(nationalNumber, plan.mobile) ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
  }
  if (plan.mobile !== 'same' && isType(nationalNumber, plan.mobile)) return 'MOBILE';
  for (const [name, test] of plan.others) if (isType(nationalNumber, test)) return name;
  return undefined;
}

/** The library's classification of `+` and digits, or undefined where the library must answer itself. */
export function classify(e164: string): Classification | undefined {
  const digits = e164.slice(1);
  let code: CallingCode | undefined;
  let codeLength = 0;
  // The parser takes the shortest prefix that is a calling code; none is longer than 3 digits.
  for (let i = 1; i <= 3 && code === undefined; i++) {
    const candidate = digits.slice(0, i);
    if (candidate in countryCallingCodes) {
      code = callingCodes.get(candidate);
      codeLength = i;
      if (code === undefined) return undefined;
    }
  }
  if (code === undefined) return undefined;
  const nationalNumber = digits.slice(codeLength);
  if (nationalNumber.length < MIN_NATIONAL_LENGTH || nationalNumber.length > MAX_NATIONAL_LENGTH) return undefined;
  if (code.nationalPrefix?.test(nationalNumber) === true) return undefined;

  let country: string | undefined;
  if (code.regions.length === 1) country = code.regions[0];
  else {
    for (const region of code.regions) {
      const plan = plans.get(region)!;
      if (plan.leadingDigits !== undefined ? plan.leadingDigits.test(nationalNumber) : typeIn(plan, nationalNumber) !== undefined) {
        country = region;
        break;
      }
    }
  }
  // With no region settled, the library checks the number against its calling code's main plan.
  const plan = plans.get(country ?? code.regions[0]!)!;
  const type = typeIn(plan, nationalNumber);
  const valid = plan.hasTypes ? type !== undefined : plan.nationalNumber.test(nationalNumber);
  return { regions: code.regions, country, valid, type };
}
