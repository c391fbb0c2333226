import { auditEvent } from '../../audit/audit.js';
import type { Principal } from '../../auth/authenticator.js';
import { capabilitiesToMask, maskToCapabilities } from '../../domain/capabilities.js';
import { errors, invalid } from '../../domain/errors.js';
import { canonicalNumber, numberFacts, requestedToWireType } from '../../domain/phone-number.js';
import type { PhoneNumberStore } from '../phone-numbers/phone-number-store.js';
import { newPhoneNumberRow } from '../phone-numbers/phone-number-record.js';
import type { ImportPhoneNumberRequest } from './import-schemas.js';

export interface ImportServiceDeps {
  readonly phoneNumbers: PhoneNumberStore;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/** Resolves the created number's PhoneNumberResponse as JSON text, ready to send. */
export type ImportService = (principal: Principal, request: ImportPhoneNumberRequest, requestId: string) => Promise<string>;

/**
 * Imports a number hosted elsewhere into the caller's project. The body has already passed
 * the schema; this adds the rules a schema cannot state: the declared type must not
 * contradict what the number certainly is, the number must not be active anywhere, and the
 * project must have room under its number quota, if it has one.
 */
export function importService(deps: ImportServiceDeps): ImportService {
  return async (principal, request, requestId) => {
    const number = canonicalNumber(request.number);
    const facts = numberFacts(number);
    const numberType = requestedToWireType(request.number_type);
    if (facts.numberClass !== 'unknown' && facts.numberClass !== numberType) {
      throw errors.unprocessable([
        invalid(
          'number_type_mismatch',
          facts.numberClass === 'toll-free'
            ? `number_type is ${request.number_type} but ${number} is a toll-free number; use tollfree`
            : `number_type is ${request.number_type} but ${number} is not a toll-free number; use longcode`,
        ),
      ]);
    }
    const row = newPhoneNumberRow({
      id: deps.newId(),
      projectId: principal.projectId,
      number,
      numberType,
      capabilities: capabilitiesToMask(request.capabilities),
      countryCode: facts.countryCode,
      now: deps.clock().toISOString(),
    });
    const audit = auditEvent({ projectId: principal.projectId, tokenId: principal.tokenId, requestId }, row.created_at, 'number.imported', row.id, {
      number,
      number_type: numberType,
      capabilities: maskToCapabilities(row.capabilities),
    });
    // The unique index decides races: exactly one concurrent import of a number wins. The
    // quota is checked inside the same write, so concurrent imports never overshoot it.
    const outcome = await deps.phoneNumbers.insert(row, audit, principal.numberQuota);
    if (outcome === 'taken') throw errors.numberTaken();
    if (outcome === 'over_quota') throw errors.quotaExceeded(principal.numberQuota!);
    return row.wire!;
  };
}
