import { auditEvent, type Origin } from '../domain/audit.js';
import type { Principal } from '../auth/authenticator.js';
import { type Capability, capabilitiesToMask, maskToCapabilities } from '../domain/capabilities.js';
import { errors, problem } from '../domain/errors.js';
import { canonicalNumber, numberFacts, type RequestedNumberType, requestedToWireType } from '../domain/phone-number.js';
import type { IdempotentAnswer } from '../storage/idempotency-store.js';
import type { PhoneNumberStore } from '../storage/phone-number-store.js';
import { newPhoneNumberRow, type PhoneNumberRow } from '../domain/phone-number-record.js';
import { isStockProject } from '../domain/stock.js';

export interface ImportServiceDeps {
  readonly phoneNumbers: PhoneNumberStore;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/**
 * An import as every surface asks for it (both contracts use these names and spellings); each
 * surface's schema has already checked the shape of `number`.
 */
export interface ImportRequest {
  /** ASCII digits with at most one leading `+`. */
  readonly number: string;
  readonly number_type: RequestedNumberType;
  /** Absent: all four. */
  readonly capabilities?: readonly Capability[];
}

/**
 * Resolves the created number's row. With `answerFor` (a request with an Idempotency-Key), the
 * answer it makes of the row is written in the import's transaction; a key already taken
 * meanwhile is a conflict, and nothing is imported.
 */
export type ImportService = (principal: Principal, request: ImportRequest, origin: Origin, answerFor?: (row: PhoneNumberRow) => IdempotentAnswer) => Promise<PhoneNumberRow>;

/**
 * The row an import creates, checked by the rules a schema cannot state that need no
 * database (the declared type must not contradict what the number certainly is): throws the
 * 422 otherwise. Pure, so a document can be checked whole before any of it is written.
 */
export function importedRow(projectId: string, request: ImportRequest, id: string, now: string): PhoneNumberRow {
  const number = canonicalNumber(request.number);
  const facts = numberFacts(number);
  const numberType = requestedToWireType(request.number_type);
  if (facts.numberClass !== 'unknown' && facts.numberClass !== numberType) {
    throw errors.invalid([
      problem(
        'number_type_mismatch',
        facts.numberClass === 'toll-free'
          ? `number_type is ${request.number_type} but ${number} is a toll-free number; use tollfree`
          : `number_type is ${request.number_type} but ${number} is not a toll-free number; use longcode`,
      ),
    ]);
  }
  return newPhoneNumberRow({ id, projectId, number, numberType, capabilities: capabilitiesToMask(request.capabilities), countryCode: facts.countryCode, now });
}

/**
 * Imports a number hosted elsewhere into the caller's project. The body has already passed
 * the schema; this adds the rules a schema cannot state: the declared type must not
 * contradict what the number certainly is, the number must not be active anywhere, and the
 * project must have room under its number quota, if it has one.
 */
export function importService(deps: ImportServiceDeps): ImportService {
  return async (principal, request, origin, answerFor) => {
    const row = importedRow(principal.projectId, request, deps.newId(), deps.clock().toISOString());
    const audit = auditEvent({ projectId: principal.projectId, tokenId: principal.tokenId, ...origin }, row.created_at, 'number.imported', row.id, {
      number: row.number,
      number_type: row.number_type,
      capabilities: maskToCapabilities(row.capabilities),
    });
    // The unique index decides races: exactly one concurrent import of a number wins. The
    // quota is checked inside the same write, so concurrent imports never overshoot it.
    const outcome = await deps.phoneNumbers.insert(row, audit, principal.numberQuota, answerFor?.(row));
    if (outcome === 'key_taken') throw errors.conflict();
    if (outcome === 'taken') {
      // Only a refusal pays for the lookup: a number the platform holds in stock is for sale, not for import.
      const holder = await deps.phoneNumbers.findActiveOwner(row.number);
      throw holder !== undefined && isStockProject(holder) ? errors.inStock(row.number) : errors.numberTaken();
    }
    if (outcome === 'over_quota') throw errors.quotaExceeded(principal.numberQuota!);
    return row;
  };
}
