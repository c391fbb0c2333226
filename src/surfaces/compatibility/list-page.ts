import type { Page, PageLink, PageRequest } from '../../numbers/phone-number-service.js';
import type { PageTokenScope } from '../../numbers/page-token.js';
import { accountPath, type IncomingNumberRow, incomingPhoneNumber, type PathStyle } from './incoming-phone-number.js';
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
 * An IncomingPhoneNumberListResponse. Its page links are paths, never absolute URLs (the
 * Node compatibility client joins them to its own base), on the prefix and suffix the request
 * used, so a client keeps talking the way it started.
 */
export function listPageJson(page: Page<IncomingNumberRow>, style: PathStyle, accountSid: string): string {
  const base = `${accountPath(style, accountSid)}/IncomingPhoneNumbers${style.suffix}`;
  const link = (l: PageLink) => pageUri(base, page.scope, l);
  return JSON.stringify({
    uri: link(page.self),
    first_page_uri: link({ pageNumber: 0 }),
    next_page_uri: page.next === undefined ? null : link(page.next),
    previous_page_uri: page.prev === undefined ? null : link(page.prev),
    page: page.self.pageNumber,
    page_size: page.scope.pageSize,
    incoming_phone_numbers: page.rows.map((row) => incomingPhoneNumber(row, style)),
  });
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
