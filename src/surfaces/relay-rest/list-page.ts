import type { Page, PageLink, PageRequest } from '../../numbers/phone-number-service.js';
import { DEFAULT_PAGE_SIZE } from '../../numbers/phone-number-service.js';
import type { PageTokenScope } from '../../numbers/page-token.js';
import type { ListedNumber } from '../../storage/phone-number-store.js';
import type { ListPhoneNumbersQuery, PaginationLinks } from './phone-number-list-schemas.js';

/** Where the list lives; links are paths on it, so they work behind any proxy. */
export const LIST_PATH = '/api/relay/rest/phone_numbers';

/** The query's strings (the schema's patterns already bound them) as the service's request. */
export function listRequest(query: ListPhoneNumbersQuery): PageRequest {
  return {
    filterName: query.filter_name ?? null,
    filterNumber: query.filter_number ?? null,
    pageSize: query.page_size === undefined ? DEFAULT_PAGE_SIZE : Number(query.page_size),
    ...(query.page_number === undefined ? {} : { pageNumber: Number(query.page_number) }),
    ...(query.page_token === undefined ? {} : { pageToken: query.page_token }),
  };
}

/**
 * A PhoneNumberListResponse as text: numbers are spliced in as stored, and links serialise in
 * the schema's key order (self, first, next, prev).
 */
export function pageJson(page: Page<ListedNumber>): string {
  const link = (l: PageLink) => listLink(page.scope, l);
  const links: PaginationLinks = { self: link(page.self), first: link({ pageNumber: 0 }) };
  if (page.next !== undefined) links.next = link(page.next);
  if (page.prev !== undefined) links.prev = link(page.prev);
  let data = '';
  for (const row of page.rows) data += data === '' ? row.wire : `,${row.wire}`;
  return `{"links":${JSON.stringify(links)},"data":[${data}]}`;
}

/** SignalWire's SDK follows a path or an absolute URL alike. */
function listLink(scope: PageTokenScope, { pageNumber, token }: PageLink): string {
  const params: [string, string][] = [];
  if (scope.filterName !== null) params.push(['filter_name', scope.filterName]);
  if (scope.filterNumber !== null) params.push(['filter_number', scope.filterNumber]);
  params.push(['page_number', String(pageNumber)], ['page_size', String(scope.pageSize)]);
  if (token !== undefined) params.push(['page_token', token]);
  // encodeURIComponent rather than URLSearchParams: a space must travel as %20, never as +.
  return `${LIST_PATH}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}
