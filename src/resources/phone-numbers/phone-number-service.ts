import type { Actor } from '../../audit/audit.js';
import type { Principal } from '../../auth/authenticator.js';
import { errors } from '../../domain/errors.js';
import { wireJson } from './phone-number-record.js';
import {
  DEFAULT_PAGE_SIZE,
  type ListPhoneNumbersQuery,
  MAX_PAGE_SIZE,
  type PaginationLinks,
} from './phone-number-list-schemas.js';
import type { PhoneNumberStore } from './phone-number-store.js';
import type { UpdatePhoneNumberRequest } from './phone-number-update-schemas.js';
import { openPageToken, type PageCursor, type PageTokenScope, signPageToken } from './page-token.js';

/** Where the list lives; links are built on it. */
export const LIST_PATH = '/api/relay/rest/phone_numbers';

export interface PhoneNumberServiceDeps {
  readonly phoneNumbers: PhoneNumberStore;
  /** The installation-wide page-token key; see page-token-key.ts. */
  readonly pageTokenKey: () => Promise<Buffer>;
  readonly clock: () => Date;
}

/**
 * Every operation sees only the caller's project; anything else is not found. Answers are
 * JSON text, ready to send: numbers are sent from their stored wire form (see migration 005).
 */
export interface PhoneNumberService {
  /** A PhoneNumberListResponse. */
  list(principal: Principal, query: ListPhoneNumbersQuery): Promise<string>;
  /** A PhoneNumberResponse. */
  get(principal: Principal, id: string): Promise<string>;
  /** The updated PhoneNumberResponse. */
  update(principal: Principal, id: string, body: UpdatePhoneNumberRequest, requestId: string): Promise<string>;
  release(principal: Principal, id: string, requestId: string): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs, compared case-insensitively as UUIDs are. Anything else names no number:
 * 404 like an unknown id, so a caller learns nothing from the shape of a guess.
 */
function numberId(raw: string): string {
  if (!UUID.test(raw)) throw errors.notFound();
  return raw.toLowerCase();
}

const actor = (principal: Principal, requestId: string): Actor => ({
  projectId: principal.projectId,
  tokenId: principal.tokenId,
  requestId,
});

export function phoneNumberService(deps: PhoneNumberServiceDeps): PhoneNumberService {
  const { phoneNumbers } = deps;


  return {
    list: (principal, query) => listPage(deps, principal, query),

    async get(principal, rawId) {
      const wire = await phoneNumbers.findActiveWire(principal.projectId, numberId(rawId));
      if (wire === undefined) throw errors.notFound();
      return wire;
    },

    async update(principal, rawId, body, requestId) {
      const outcome = await phoneNumbers.updateActive(principal.projectId, numberId(rawId), {
        body,
        now: deps.clock().toISOString(),
        actor: actor(principal, requestId),
      });
      if (outcome.kind === 'missing') throw errors.notFound();
      if (outcome.kind === 'refused') throw errors.unprocessable(outcome.problems);
      return wireJson(outcome.row);
    },

    async release(principal, rawId, requestId) {
      // The row stays, with released_at set: the id is never reused, and the partial unique
      // index on active numbers lets the number itself be imported again at once.
      const released = await phoneNumbers.release(principal.projectId, numberId(rawId), deps.clock().toISOString(), actor(principal, requestId));
      if (!released) throw errors.notFound();
    },
  };
}

/**
 * One page of the project's active numbers, newest first, by keyset on (created_at, id):
 * a walk along links.next sees every number that exists throughout exactly once, whatever
 * is imported or released meanwhile, and each page costs one index range scan.
 */
async function listPage(deps: PhoneNumberServiceDeps, principal: Principal, query: ListPhoneNumbersQuery): Promise<string> {
  const pageSize = query.page_size === undefined ? DEFAULT_PAGE_SIZE : Number(query.page_size);
  const requestedPage = query.page_number === undefined ? undefined : Number(query.page_number);
  // The schema's patterns already bound both; this keeps the service safe on its own.
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw errors.badRequest();
  if (requestedPage !== undefined && (!Number.isInteger(requestedPage) || requestedPage < 0)) throw errors.badRequest();

  const scope: PageTokenScope = {
    projectId: principal.projectId,
    // An empty filter filters nothing; treating it as absent keeps links and tokens canonical.
    filterName: query.filter_name === undefined || query.filter_name === '' ? null : query.filter_name,
    filterNumber: query.filter_number === undefined || query.filter_number === '' ? null : query.filter_number,
    pageSize,
  };

  let cursor: PageCursor | null = null;
  const key = await deps.pageTokenKey();
  if (query.page_token !== undefined) {
    const opened = openPageToken(key, scope, query.page_token);
    if (opened === undefined) throw errors.badRequest();
    if (requestedPage !== undefined && requestedPage !== opened.pageNumber) throw errors.badRequest();
    cursor = opened;
  } else if (requestedPage !== undefined && requestedPage > 0) {
    // The contract: a page token is required when page_number > 0. Pages are not offsets.
    throw errors.badRequest();
  }

  const fetch = (from: PageCursor | null) =>
    deps.phoneNumbers.listPage({
      projectId: scope.projectId,
      nameContains: scope.filterName,
      numberContains: scope.filterNumber,
      from,
      // One extra row answers "is there more?" without a count.
      limit: pageSize + 1,
    });

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
  const link = (n: number, token?: string) => listLink(scope, n, token);
  const mint = (c: PageCursor) => signPageToken(key, scope, c);
  const first = page[0];
  const last = page.at(-1);

  const links: PaginationLinks = {
    self: cursor === null ? link(0) : link(pageNumber, query.page_token),
    first: link(0),
  };
  // Going forward, the extra row says whether more follow. A page reached going back has
  // older numbers after it: at least the one it was reached from, unless released since.
  const hasNext = cursor?.direction === 'prev' || more;
  if (hasNext && last !== undefined) {
    links.next = link(pageNumber + 1, mint({ direction: 'next', createdAt: last.created_at, id: last.id, pageNumber: pageNumber + 1 }));
  }
  if (pageNumber === 1) {
    links.prev = link(0);
  } else if (pageNumber > 1 && cursor !== null) {
    // An empty page (everything after the cursor was released) goes back from the cursor itself.
    const from = first === undefined ? cursor : { createdAt: first.created_at, id: first.id };
    links.prev = link(pageNumber - 1, mint({ direction: 'prev', createdAt: from.createdAt, id: from.id, pageNumber: pageNumber - 1 }));
  }
  // Numbers are spliced in as stored; links serialise in the schema's key order (self, first, next, prev).
  const data: string[] = [];
  for (const row of page) {
    // Every write stores the wire form (migration 005 filled the rows before it); a row
    // without one is rebuilt from its columns rather than sent incomplete.
    data.push(row.wire ?? wireJson((await deps.phoneNumbers.findActive(principal.projectId, row.id)) ?? row));
  }
  return `{"links":${JSON.stringify(links)},"data":[${data.join(',')}]}`;
}

/** A path, so it works behind any proxy; SignalWire's SDK follows a path or an absolute URL alike. */
function listLink(scope: PageTokenScope, pageNumber: number, token?: string): string {
  const params: [string, string][] = [];
  if (scope.filterName !== null) params.push(['filter_name', scope.filterName]);
  if (scope.filterNumber !== null) params.push(['filter_number', scope.filterNumber]);
  params.push(['page_number', String(pageNumber)], ['page_size', String(scope.pageSize)]);
  if (token !== undefined) params.push(['page_token', token]);
  // encodeURIComponent rather than URLSearchParams: a space must travel as %20, never as +.
  return `${LIST_PATH}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}
