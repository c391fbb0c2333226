import type { Actor, AuditEvent } from '../domain/audit.js';
import type { Problem } from '../domain/errors.js';
import { newPhoneNumberRow, type PhoneNumberRow, type RenderedColumn, type Rendering, renderedJson } from '../domain/phone-number-record.js';
import type { UpdateRequest } from '../domain/phone-number-update.js';
import type { IdempotentAnswer } from './idempotency-store.js';

/**
 * The phone-number inventory as every engine keeps it. The rules are the same on each (see
 * sqlite/phone-numbers.ts and postgres/phone-numbers.ts, where each is written once):
 * an active number is one whose released_at is null; a number has at most one active copy in
 * the installation (a partial unique index, migration 001); a project with a quota never holds
 * more active numbers than it, however many imports race.
 *
 * Each number's answers are stored beside its columns as JSON (PhoneNumberRow.wire, the Relay
 * record, and compat_wire, the Compatibility view), written in the same statement as the
 * columns they are made of; see withRecordJson for why they cannot go stale.
 */

/**
 * 'over_quota': the project already holds its quota of active numbers; 'key_taken': the
 * import's idempotency key already has an answer (or another node is writing one). Nothing
 * was written for either.
 */
export type InsertOutcome = 'inserted' | 'taken' | 'over_quota' | 'key_taken';

/**
 * An import: the row, its audit record, the project's quota (null: none) and, for a request
 * with an Idempotency-Key, the answer to keep with it (null: none). The number, its audit
 * record and the answer commit together or not at all.
 */
export interface ImportItem {
  readonly row: PhoneNumberRow;
  readonly audit: AuditEvent;
  readonly quota: number | null;
  readonly answer: IdempotentAnswer | null;
}

export type ChangeItem =
  | { readonly kind: 'update'; readonly projectId: string; readonly id: string; readonly request: UpdateRequest }
  | ({ readonly kind: 'release'; readonly projectId: string; readonly id: string; readonly at: string; readonly actor: Actor } & ReleaseTerms);

/** How a release treats a number bought from stock. */
export interface ReleaseTerms {
  /** A bought number bought after this (ISO 8601) is not released yet; null: no cooldown. */
  readonly boughtBy: string | null;
  /** Where a bought number goes back to stock, under a new id; null: it does not. */
  readonly restock: { readonly spaceId: string; readonly id: string } | null;
}

export type ReleaseOutcome =
  | { readonly kind: 'released' }
  | { readonly kind: 'missing' }
  /** Bought too recently: released at the earliest a cooldown after this purchase time. */
  | { readonly kind: 'cooling'; readonly purchasedAt: string };

export type UpdateOutcome =
  | { readonly kind: 'updated'; readonly row: PhoneNumberRow }
  | { readonly kind: 'missing' }
  | { readonly kind: 'refused'; readonly problems: Problem[] };

/** Every column of the table, in one fixed order, for the hand-written statements. */
export const COLUMNS = Object.keys(
  newPhoneNumberRow({ id: '', projectId: '', number: '', numberType: 'longcode', capabilities: 0, countryCode: null, now: '' }),
) as (keyof PhoneNumberRow)[];

/** The select list of a whole row: every column of PhoneNumberRow, none of the stock's own. */
export const ROW = COLUMNS.join(', ');

export type ChangeOutcome = UpdateOutcome | ReleaseOutcome;

/** What a listing needs of a number: its keyset position and the page's rendering of it. */
export interface ListedNumber {
  readonly id: string;
  readonly created_at: string;
  /** The number as the page's rendering stores it, exactly as a get in that rendering answers it. */
  readonly wire: string;
}

export interface NumberCount {
  readonly country_code: string | null;
  readonly number_type: PhoneNumberRow['number_type'];
  readonly n: number;
}

/** A keyset position in the listing order (`created_at` descending, then `id` descending). */
export interface ListPosition {
  /** 'next': rows after the position in listing order; 'prev': rows before it. */
  readonly direction: 'next' | 'prev';
  readonly createdAt: string;
  readonly id: string;
}

export interface ListPageQuery {
  readonly projectId: string;
  /** Case-insensitive literal substring of `name`; null for no filter. */
  readonly nameContains: string | null;
  /** Literal substring of `number`; null for no filter. */
  readonly numberContains: string | null;
  /** null: from the newest number. */
  readonly from: ListPosition | null;
  readonly limit: number;
  /** Which stored rendering of each number the page carries. */
  readonly rendering: Rendering;
}

/** The phone-number inventory. Every read and write is scoped to one project. */
export interface PhoneNumberStore {
  /**
   * 'taken' when the number is already active anywhere in the installation (the unique index
   * said so). The audit event is written in the same transaction, and only if the row was.
   * With a `numberQuota`, 'over_quota' when the project already holds that many active
   * numbers, decided inside the same write so concurrent imports never overshoot it; null
   * costs nothing.
   */
  insert(row: PhoneNumberRow, audit: AuditEvent, numberQuota: number | null, answer?: IdempotentAnswer): Promise<InsertOutcome>;
  findActive(projectId: string, id: string): Promise<PhoneNumberRow | undefined>;
  /** A number of the project whatever its state, released included (an import's kept answer names it). */
  findRow(projectId: string, id: string): Promise<PhoneNumberRow | undefined>;
  /** The project an E.164 number is active in, anywhere in the installation; undefined when it is active nowhere. */
  findActiveOwner(number: string): Promise<string | undefined>;
  /** An active number's rendering, the exact text a get on that surface answers (before any splicing); undefined as for findActive. */
  findActiveJson(projectId: string, id: string, rendering: Rendering): Promise<string | undefined>;
  /**
   * Up to `limit` active numbers of the project, nearest the position first: newest first
   * from the top or going 'next', oldest first going 'prev'. One index range scan, whatever
   * the inventory's size.
   */
  listPage(query: ListPageQuery): Promise<ListedNumber[]>;
  /** The project's active numbers counted by country and type, from an index alone (migration 009). */
  counts(projectId: string): Promise<NumberCount[]>;
  /**
   * Applies an update (see planUpdate) to an active number atomically: the rules are checked
   * against the row as it is under the write lock, so no other write of that number lands
   * between the read and the write. A refused update writes nothing. The update and its audit
   * record commit together.
   */
  updateActive(projectId: string, id: string, request: UpdateRequest): Promise<UpdateOutcome>;
  /**
   * Marks an active number released and records it, in one transaction; a number bought from
   * stock goes back to it in the same transaction, if the terms say so. 'missing' when the
   * project has no such active number.
   */
  release(projectId: string, id: string, at: string, actor: Actor, terms: ReleaseTerms): Promise<ReleaseOutcome>;
}


/**
 * Pages come from a stored rendering (selected as `wire`, whichever column keeps it); a row
 * with none (written before the column existed and not touched since) gets it rendered from
 * its whole row, so no answer is ever incomplete. A row gone by then (an emulator reset
 * deleted it) is left out, as a page read a moment later would.
 */
export async function withJson(
  rows: readonly { id: string; created_at: string; wire: string | null }[],
  column: RenderedColumn,
  wholeRow: (id: string) => Promise<PhoneNumberRow | undefined> | PhoneNumberRow | undefined,
): Promise<ListedNumber[]> {
  const listed: ListedNumber[] = [];
  for (const row of rows) {
    if (row.wire !== null) {
      listed.push(row as ListedNumber);
      continue;
    }
    const whole = await wholeRow(row.id);
    if (whole !== undefined) listed.push({ id: row.id, created_at: row.created_at, wire: renderedJson(whole, column) });
  }
  return listed;
}

/**
 * The one condition that makes a number active, in every engine's statements: released rows
 * stay (for the audit trail and so ids are never reused) but are invisible.
 */
export const ACTIVE = 'released_at is null';

/** The count statement both engines run (text for the plan test). */
export const COUNTS_SQL = (p: string) =>
  `select country_code, number_type, count(*) as n from phone_numbers where project_id = ${p} and ${ACTIVE} group by country_code, number_type order by country_code, number_type`;
