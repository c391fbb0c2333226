import type { Principal } from '../auth/authenticator.js';
import type { Origin } from '../domain/audit.js';
import { errors } from '../domain/errors.js';
import { canonicalNumber, nationalDigits, numberFacts, type NumberType } from '../domain/phone-number.js';
import type { PhoneNumberRow } from '../domain/phone-number-record.js';
import { type NumberChanges, planUpdate } from '../domain/phone-number-update.js';
import { purchaseAudit, purchasedRow, type StockEntry, unavailableReason } from '../domain/stock.js';
import { ALL_CAPABILITIES_MASK } from '../domain/capabilities.js';
import type { IdempotentAnswer } from '../storage/idempotency-store.js';
import type { PhoneNumberStore } from '../storage/phone-number-store.js';
import type { PurchaseOutcome, StockedNumber, StockSearch, StockStore } from '../storage/stock-store.js';

/** A search in the words both surfaces share; each parses its own parameters into it. */
export type StockQuery = Omit<StockSearch, 'spaceId'>;

/** A search as a surface asks it: an area code and a prefix may both be given. */
export interface SearchRequest extends Omit<StockQuery, 'startsWith'> {
  /** Leading national digits; with startsWith, both must hold. */
  readonly areaCode: string | null;
  readonly startsWith: string | null;
}

/** Where emulator mode's made-up numbers come from (emulator/synthetic-numbers.ts). */
export interface SyntheticStock {
  readonly candidates: (query: StockQuery) => (StockedNumber & { national: string })[];
  readonly countries: readonly string[];
}

export interface StockServiceDeps {
  readonly stock: StockStore;
  readonly phoneNumbers: Pick<PhoneNumberStore, 'findActiveOwner'>;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Emulator mode: searches list made-up numbers, and any number active nowhere can be bought. */
  readonly synthetic: SyntheticStock | null;
}

export interface PurchaseRequest {
  /** E.164 (the surface has checked its shape). */
  readonly number: string;
  /** The surface's own purchase attributes, as an update would apply them; null: none. */
  readonly changes: NumberChanges | null;
}

export interface StockService {
  /** Numbers the caller's Space has in stock that match, in national-number order. */
  search(principal: Principal, request: SearchRequest): Promise<StockedNumber[]>;
  /** The countries the caller's Space has stock in. */
  countries(principal: Principal): Promise<readonly string[]>;
  /** Moves a number from the Space's stock into the caller's project: the bought number. */
  purchase(principal: Principal, request: PurchaseRequest, origin: Origin, answerFor?: (row: PhoneNumberRow) => IdempotentAnswer): Promise<PhoneNumberRow>;
}

/** An area code and a prefix as one prefix; null when they contradict each other (nothing matches). */
function leadingDigits(areaCode: string | null, startsWith: string | null): string | null | false {
  if (areaCode === null) return startsWith;
  if (startsWith === null || areaCode.startsWith(startsWith)) return areaCode;
  return startsWith.startsWith(areaCode) ? startsWith : false;
}

export function stockService(deps: StockServiceDeps): StockService {
  const synthetic = deps.synthetic;

  /** Made-up numbers in order, skipping any that is active, up to the limit. */
  const syntheticSearch = async (query: StockQuery): Promise<StockedNumber[]> => {
    const candidates = synthetic!.candidates(query);
    const found: StockedNumber[] = [];
    for (let i = 0; i < candidates.length && found.length < query.limit; i += query.limit) {
      const chunk = candidates.slice(i, i + query.limit);
      const active = await deps.stock.activeAmong(chunk.map((c) => c.number));
      for (const { national: _, ...number } of chunk) if (!active.has(number.number) && found.length < query.limit) found.push(number);
    }
    return found;
  };

  /** Emulator mode: what a number active nowhere is bought as, or undefined if no numbering plan has it. */
  const unstocked = (number: string): Omit<StockEntry, 'national'> | undefined => {
    const facts = numberFacts(number);
    if (facts.countryCode === null && facts.numberClass === 'unknown') return undefined;
    const type: NumberType = facts.numberClass === 'toll-free' ? 'toll-free' : 'longcode';
    const made = synthetic!.candidates({
      numberType: type, country: null, startsWith: nationalDigits(number), contains: null, endsWith: null, region: null, city: null,
      withCapabilities: 0, withoutCapabilities: 0, limit: 1,
    }).find((c) => c.number === number);
    return made ?? { number, number_type: type, capabilities: ALL_CAPABILITIES_MASK, country_code: facts.countryCode, region: null, city: null, rate_center: null, lata: null };
  };

  const purchaseOnce = async (
    principal: Principal,
    number: string,
    changes: NumberChanges | null,
    origin: Origin,
    answerFor: ((row: PhoneNumberRow) => IdempotentAnswer) | undefined,
  ): Promise<PurchaseOutcome> => {
    const stocked = await deps.stock.findStocked(principal.spaceId, number);
    let entry: Omit<StockEntry, 'national'> | undefined = stocked;
    if (entry === undefined) {
      const holder = await deps.phoneNumbers.findActiveOwner(number);
      if (synthetic === null || holder !== undefined) return { kind: 'unavailable', reason: unavailableReason(principal.projectId, principal.spaceId, holder) };
      entry = unstocked(number);
      if (entry === undefined) return { kind: 'unavailable', reason: 'not_in_stock' };
    }
    const now = deps.clock().toISOString();
    const actor = { projectId: principal.projectId, tokenId: principal.tokenId, ...origin };
    let row = purchasedRow(entry, principal.projectId, deps.newId(), now);
    if (changes !== null) {
      // Checked on the number as bought: a refusal buys nothing.
      const planned = planUpdate(row, { body: changes, now, actor });
      if (!planned.ok) throw errors.invalid(planned.problems);
      row = planned.row;
    }
    return deps.stock.purchase({
      spaceId: principal.spaceId,
      stockId: stocked?.id ?? null,
      row,
      audit: purchaseAudit(actor, row),
      quota: principal.numberQuota,
      answer: answerFor?.(row) ?? null,
    });
  };

  return {
    async search(principal, { areaCode, startsWith, ...rest }) {
      const lead = leadingDigits(areaCode, startsWith);
      if (lead === false) return [];
      const query: StockQuery = { ...rest, startsWith: lead };
      if (synthetic !== null) return syntheticSearch(query);
      return deps.stock.search({ ...query, spaceId: principal.spaceId });
    },

    async countries(principal) {
      return synthetic !== null ? synthetic.countries : deps.stock.countries(principal.spaceId);
    },

    async purchase(principal, request, origin, answerFor) {
      const number = canonicalNumber(request.number);
      // A number bought and released back between the read and the write is back in stock
      // under a new id: read it again. Each round needs another such race to repeat.
      for (let attempt = 0; ; attempt++) {
        const outcome = await purchaseOnce(principal, number, request.changes, origin, answerFor);
        if (outcome.kind === 'purchased') return outcome.row;
        if (outcome.kind === 'unavailable' && outcome.reason === 'restocked' && attempt < 3) continue;
        if (outcome.kind === 'key_taken') throw errors.conflict();
        if (outcome.kind === 'over_quota') throw errors.quotaExceeded(principal.numberQuota!);
        throw errors.notPurchasable(number, outcome.reason === 'restocked' ? 'taken' : outcome.reason);
      }
    },
  };
}
