import type { Principal } from '../auth/authenticator.js';
import type { Actor, Origin } from '../domain/audit.js';
import { errors } from '../domain/errors.js';
import type { PhoneNumberRow, Rendering } from '../domain/phone-number-record.js';
import type { NumberChanges } from '../domain/phone-number-update.js';
import type { ListedNumber, ListPageQuery, PhoneNumberStore } from '../storage/phone-number-store.js';
import { openPageToken, type PageCursor, type PageTokenScope, signPageToken } from './page-token.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export interface PhoneNumberServiceDeps {
  readonly phoneNumbers: PhoneNumberStore;
  /** The installation-wide page-token key; see storage/kysely/page-token-keys.ts. */
  readonly pageTokenKey: () => Promise<Buffer>;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** How long after its purchase a bought number may not be released (RELEASE_COOLDOWN_S); 0: none. */
  readonly releaseCooldownMs: number;
  /** Whether a released bought number goes back to its Space's stock (not in emulator mode, where stock is synthetic). */
  readonly restock: boolean;
}

/** A list request in the words every surface shares; each surface parses its own parameters into it. */
export interface PageRequest {
  /** Case-insensitive substring of the name; null or empty: no filter. */
  readonly filterName: string | null;
  /** Substring of the E.164 number; null or empty: no filter. */
  readonly filterNumber: string | null;
  readonly pageSize: number;
  /** Absent: the token's page, or 0 without a token. */
  readonly pageNumber?: number;
  readonly pageToken?: string;
}

/** Where another page of the same listing is: its number and the token that reaches it (none for page 0). */
export interface PageLink {
  readonly pageNumber: number;
  readonly token?: string;
}

/** One page, with what a surface needs to write its links. Rows are in listing order. */
export interface Page<R> {
  readonly rows: R[];
  /** The listing this page belongs to, filters made canonical (empty is none). */
  readonly scope: PageTokenScope;
  readonly self: PageLink;
  readonly next?: PageLink;
  readonly prev?: PageLink;
}

/**
 * Every operation sees only the caller's project; anything else is not found. A number is
 * handed out as the text of the surface's stored rendering (see storage/phone-number-store.ts).
 */
export interface PhoneNumberService {
  /** Each number of the page in the surface's stored rendering. */
  listJson(principal: Principal, request: PageRequest, rendering: Rendering): Promise<Page<ListedNumber>>;
  /** One number in the surface's stored rendering. */
  getJson(principal: Principal, id: string, rendering: Rendering): Promise<string>;
  /** The updated row. */
  update(principal: Principal, id: string, changes: NumberChanges, origin: Origin): Promise<PhoneNumberRow>;
  release(principal: Principal, id: string, origin: Origin): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs, compared case-insensitively as UUIDs are. Anything else names no number:
 * not found like an unknown id, so a caller learns nothing from the shape of a guess.
 */
function numberId(raw: string): string {
  if (!UUID.test(raw)) throw errors.notFound();
  return raw.toLowerCase();
}

const actor = (principal: Principal, origin: Origin): Actor => ({ projectId: principal.projectId, tokenId: principal.tokenId, ...origin });

export function phoneNumberService(deps: PhoneNumberServiceDeps): PhoneNumberService {
  const { phoneNumbers } = deps;
  return {
    listJson: (principal, request, rendering) => listPage(deps, principal, request, rendering, (query) => phoneNumbers.listPage(query)),

    async getJson(principal, rawId, rendering) {
      const json = await phoneNumbers.findActiveJson(principal.projectId, numberId(rawId), rendering);
      if (json === undefined) throw errors.notFound();
      return json;
    },

    async update(principal, rawId, changes, origin) {
      const outcome = await phoneNumbers.updateActive(principal.projectId, numberId(rawId), {
        body: changes,
        now: deps.clock().toISOString(),
        actor: actor(principal, origin),
      });
      if (outcome.kind === 'missing') throw errors.notFound();
      if (outcome.kind === 'refused') throw errors.invalid(outcome.problems);
      return outcome.row;
    },

    async release(principal, rawId, origin) {
      // The row stays, with released_at set: the id is never reused, and the partial unique
      // index on active numbers lets the number itself be imported again at once.
      // A number bought from stock goes back to it, under a new id.
      const now = deps.clock();
      const outcome = await phoneNumbers.release(principal.projectId, numberId(rawId), now.toISOString(), actor(principal, origin), {
        boughtBy: deps.releaseCooldownMs > 0 ? new Date(now.getTime() - deps.releaseCooldownMs).toISOString() : null,
        restock: deps.restock ? { spaceId: principal.spaceId, id: deps.newId() } : null,
      });
      if (outcome.kind === 'missing') throw errors.notFound();
      if (outcome.kind === 'cooling') throw errors.releaseCooldown(new Date(Date.parse(outcome.purchasedAt) + deps.releaseCooldownMs).toISOString());
    },
  };
}

/**
 * One page of the project's active numbers, newest first, by keyset on (created_at, id):
 * a walk along the next links sees every number that exists throughout exactly once,
 * whatever is imported or released meanwhile, and each page costs one index range scan.
 */
async function listPage<Row extends { readonly id: string; readonly created_at: string }>(
  deps: PhoneNumberServiceDeps,
  principal: Principal,
  request: PageRequest,
  rendering: Rendering,
  read: (query: ListPageQuery) => Promise<Row[]>,
): Promise<Page<Row>> {
  const { pageSize, pageNumber: requestedPage } = request;
  // Each surface's schema already bounds both; this keeps the service safe on its own.
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw errors.badRequest();
  if (requestedPage !== undefined && (!Number.isInteger(requestedPage) || requestedPage < 0)) throw errors.badRequest();

  const scope: PageTokenScope = {
    projectId: principal.projectId,
    // An empty filter filters nothing; treating it as absent keeps links and tokens canonical.
    filterName: request.filterName === null || request.filterName === '' ? null : request.filterName,
    filterNumber: request.filterNumber === null || request.filterNumber === '' ? null : request.filterNumber,
    pageSize,
  };

  let cursor: PageCursor | null = null;
  const key = await deps.pageTokenKey();
  if (request.pageToken !== undefined) {
    const opened = openPageToken(key, scope, request.pageToken);
    if (opened === undefined) throw errors.badRequest();
    if (requestedPage !== undefined && requestedPage !== opened.pageNumber) throw errors.badRequest();
    cursor = opened;
  } else if (requestedPage !== undefined && requestedPage > 0) {
    // The contracts: a page token is required above page 0. Pages are not offsets.
    throw errors.badRequest();
  }

  const fetch = async (from: PageCursor | null) => {
    const query: ListPageQuery = {
      projectId: scope.projectId,
      nameContains: scope.filterName,
      numberContains: scope.filterNumber,
      from,
      // One extra row answers "is there more?" without a count.
      limit: pageSize + 1,
      rendering,
    };
    return read(query);
  };

  let rows = await fetch(cursor);
  let more = rows.length > pageSize;
  if (cursor?.direction === 'prev' && !more) {
    // Walking back reached the newest numbers (some were released since the walk passed
    // them): the page before this one would be short or empty, so this is the first page.
    cursor = null;
    rows = await fetch(null);
    more = rows.length > pageSize;
  }
  const page = rows.slice(0, pageSize);
  if (cursor?.direction === 'prev') page.reverse();

  const pageNumber = cursor?.pageNumber ?? 0;
  const mint = (c: PageCursor) => signPageToken(key, scope, c);
  const first = page[0];
  const last = page.at(-1);
  let next: PageLink | undefined;
  let prev: PageLink | undefined;
  // Going forward, the extra row says whether more follow. A page reached going back has
  // older numbers after it: at least the one it was reached from, unless released since.
  const hasNext = cursor?.direction === 'prev' || more;
  if (hasNext && last !== undefined) {
    next = { pageNumber: pageNumber + 1, token: mint({ direction: 'next', createdAt: last.created_at, id: last.id, pageNumber: pageNumber + 1 }) };
  }
  if (pageNumber === 1) {
    prev = { pageNumber: 0 };
  } else if (pageNumber > 1 && cursor !== null) {
    // An empty page (everything after the cursor was released) goes back from the cursor itself.
    const from = first === undefined ? cursor : { createdAt: first.created_at, id: first.id };
    prev = { pageNumber: pageNumber - 1, token: mint({ direction: 'prev', createdAt: from.createdAt, id: from.id, pageNumber: pageNumber - 1 }) };
  }
  const self: PageLink = cursor === null ? { pageNumber: 0 } : { pageNumber, ...(request.pageToken === undefined ? {} : { token: request.pageToken }) };
  return { rows: page, scope, self, ...(next === undefined ? {} : { next }), ...(prev === undefined ? {} : { prev }) };
}
