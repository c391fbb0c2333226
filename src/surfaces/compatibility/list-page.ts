import type { Page, PageLink, PageRequest } from '../../numbers/phone-number-service.js';
import type { PageTokenScope } from '../../numbers/page-token.js';
import type { ListedNumber } from '../../storage/phone-number-store.js';
import { accountPath, incomingPhoneNumberJson, type PathStyle } from './incoming-phone-number.js';
import { DEFAULT_COMPAT_PAGE_SIZE, type ListQuery } from './schemas.js';

/** The query (the schema's patterns already bound it) as the service's request. */
export function listRequest(query: ListQuery): PageRequest {
  return {
    filterName: query.FriendlyName ?? null,
    filterNumber: query.PhoneNumber ?? null,
    pageSize: query.PageSize === undefined ? DEFAULT_COMPAT_PAGE_SIZE : Number(query.PageSize),
    ...(query.Page === undefined ? {} : { pageNumber: Number(query.Page) }),
    ...(query.PageToken === undefined ? {} : { pageToken: query.PageToken }),
  };
}

/**
 * An IncomingPhoneNumberListResponse as text: numbers spliced in as stored, each with the
 * request's prefix and suffix in its uri, fields in the schema's order. Its page links are
 * paths, never absolute URLs (the Node compatibility client joins them to its own base), on
 * the prefix and suffix the request used, so a client keeps talking the way it started.
 */
export function listPageJson(page: Page<ListedNumber>, style: PathStyle, accountSid: string): string {
  const base = `${accountPath(style, accountSid)}/IncomingPhoneNumbers${style.suffix}`;
  const link = (l: PageLink) => pageUri(base, page.scope, l);
  const head = JSON.stringify({
    uri: link(page.self),
    first_page_uri: link({ pageNumber: 0 }),
    next_page_uri: page.next === undefined ? null : link(page.next),
    previous_page_uri: page.prev === undefined ? null : link(page.prev),
    page: page.self.pageNumber,
    page_size: page.scope.pageSize,
  });
  let numbers = '';
  for (const row of page.rows) numbers += numbers === '' ? incomingPhoneNumberJson(row.wire, style) : `,${incomingPhoneNumberJson(row.wire, style)}`;
  return `${head.slice(0, -1)},"incoming_phone_numbers":[${numbers}]}`;
}

function pageUri(base: string, scope: PageTokenScope, { pageNumber, token }: PageLink): string {
  const params: [string, string][] = [];
  if (scope.filterName !== null) params.push(['FriendlyName', scope.filterName]);
  if (scope.filterNumber !== null) params.push(['PhoneNumber', scope.filterNumber]);
  params.push(['Page', String(pageNumber)], ['PageSize', String(scope.pageSize)]);
  if (token !== undefined) params.push(['PageToken', token]);
  // encodeURIComponent rather than URLSearchParams: a space must travel as %20, never as +.
  return `${base}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}
