import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A position in a project's listing, newest first: `created_at` descending, then `id`
 * descending. 'next' asks for the rows after it in that order, 'prev' for the rows before it.
 */
export interface PageCursor {
  readonly direction: 'next' | 'prev';
  readonly createdAt: string;
  readonly id: string;
  /** The page number the token leads to; never 0, the first page needs no token. */
  readonly pageNumber: number;
}

/**
 * What a token is only valid for. None of it travels inside the token: the request repeats
 * it and the signature covers it, so a token replayed by another project, or with other
 * filters or another page size, fails the signature check like a forged one.
 */
export interface PageTokenScope {
  readonly projectId: string;
  readonly filterName: string | null;
  readonly filterNumber: string | null;
  readonly pageSize: number;
}

const VERSION = 'numberspace/page-token/v1';
/** Far above any real token (about 150 characters); bounds the work a garbage token costs. */
const MAX_TOKEN_LENGTH = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX_PAGE_NUMBER = 2 ** 31 - 1;

function signature(key: Buffer, scope: PageTokenScope, payload: string): Buffer {
  // A JSON array keeps the fields unambiguous: no separator can be smuggled inside a filter,
  // and an absent filter (null) differs from any string.
  const message = JSON.stringify([VERSION, scope.projectId, scope.filterName, scope.filterNumber, scope.pageSize, payload]);
  return createHmac('sha256', key).update(message).digest();
}

/** `<payload>.<signature>`, both base64url: URL-safe as is, opaque to the caller. */
export function signPageToken(key: Buffer, scope: PageTokenScope, cursor: PageCursor): string {
  const payload = Buffer.from(
    JSON.stringify([cursor.direction === 'next' ? 'n' : 'p', cursor.pageNumber, cursor.createdAt, cursor.id]),
  ).toString('base64url');
  return `${payload}.${signature(key, scope, payload).toString('base64url')}`;
}

/**
 * The cursor a token carries, or undefined when the token is malformed, forged, or was
 * minted for another scope. Never throws.
 */
export function openPageToken(key: Buffer, scope: PageTokenScope, token: string): PageCursor | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [payload, mac] = parts as [string, string];
  if (!BASE64URL.test(payload) || !BASE64URL.test(mac)) return undefined;
  const given = Buffer.from(mac, 'base64url');
  // base64url decoding ignores the spare low bits of the last character, so several spellings
  // decode to one signature: only the one this server writes is the token.
  if (given.toString('base64url') !== mac) return undefined;
  const expected = signature(key, scope, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  // The signature is ours, so the payload is too; the shape check guards against a key
  // shared with something that signs other payloads, not against the caller.
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 4) return undefined;
  const [d, p, c, i] = fields as unknown[];
  if ((d !== 'n' && d !== 'p') || typeof c !== 'string' || typeof i !== 'string') return undefined;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > MAX_PAGE_NUMBER || !ISO_INSTANT.test(c)) return undefined;
  return { direction: d === 'n' ? 'next' : 'prev', pageNumber: p, createdAt: c, id: i };
}
