import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../storage/database-errors.js';
import type { Database } from '../../storage/schema.js';
import type { PhoneNumberRow } from './phone-number-record.js';

export type InsertOutcome = 'inserted' | 'taken';

/** The phone-number inventory. Every read and write is scoped to one project. */
export interface PhoneNumberStore {
  /** 'taken' when the number is already active anywhere in the installation (the unique index said so). */
  insert(row: PhoneNumberRow): Promise<InsertOutcome>;
  findActive(projectId: string, id: string): Promise<PhoneNumberRow | undefined>;
}

export function kyselyPhoneNumberStore(db: Kysely<Database>): PhoneNumberStore {
  return {
    async insert(row) {
      try {
        await db.insertInto('phone_numbers').values(row).execute();
        return 'inserted';
      } catch (err) {
        if (isUniqueViolation(err)) return 'taken';
        throw err;
      }
    },
    async findActive(projectId, id) {
      return db
        .selectFrom('phone_numbers')
        .selectAll()
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('released_at', 'is', null)
        .executeTakeFirst();
    },
  };
}
