import { newPhoneNumberRow, type PhoneNumberRow, recordJson } from '../domain/phone-number-record.js';
import type { IdempotentAnswer } from '../storage/idempotency-store.js';

/**
 * A Relay import's 201 is the new number's record, and that record is a pure function of the
 * columns an import sets once and nothing ever changes (id, number, type, capabilities,
 * country, created_at). So its Idempotency-Key keeps a reference to the number instead of
 * the 1.2 KB body, and a replay renders the record as it was at import, byte for byte, however
 * the number changed since (renamed, rerouted, released). On SQLite this takes the body out
 * of every keyed import's transaction: the single-threaded writer is the bottleneck of bulk
 * imports.
 */

const PREFIX = 'record:';

export const keptRecordReference = (row: PhoneNumberRow): string => `${PREFIX}${row.id}`;

/** The body a kept answer stands for: a reference made whole again, anything else as kept. */
export async function expandKeptAnswer(kept: IdempotentAnswer, findRow: (projectId: string, id: string) => Promise<PhoneNumberRow | undefined>): Promise<string> {
  if (!kept.body.startsWith(PREFIX)) return kept.body;
  const row = await findRow(kept.projectId, kept.body.slice(PREFIX.length));
  // A key and its number are deleted together (an emulator reset): never one without the other.
  if (row === undefined) throw new Error(`the number an Idempotency-Key answer names is gone (${kept.body})`);
  return recordJson(
    newPhoneNumberRow({
      id: row.id,
      projectId: row.project_id,
      number: row.number,
      numberType: row.number_type,
      capabilities: row.capabilities,
      countryCode: row.country_code,
      now: row.created_at,
    }),
  );
}
