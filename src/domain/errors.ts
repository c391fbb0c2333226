/**
 * Every error numberspace answers with, in one registry. The HTTP layer turns an ApiError
 * into SignalWire's wire shapes in one place (src/http/error-handler.ts); nothing else
 * chooses a status code.
 *
 * Two body shapes exist on the wire, both from the contract:
 *  - simple: `{"error":"<reason>"}` for 400, 401, 404, 405, 413, 415, 429, 500, 503;
 *  - list:   `{"errors":[{"detail","status","title","code"}]}` for 422 and 403.
 */

export interface ErrorItem {
  readonly detail: string;
  readonly status: string;
  readonly title: string;
  readonly code: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    /** Present for list-shaped errors (403, 422). */
    readonly items: readonly ErrorItem[] | null,
    message: string,
    /** Seconds for the Retry-After field of a 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const SIMPLE_REASONS: Readonly<Record<number, string>> = Object.freeze({
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
});

function simple(status: number): ApiError {
  return new ApiError(status, null, SIMPLE_REASONS[status] ?? 'Error');
}

/** Codes of 422 items; stable, documented in the README error table. */
export type InvalidCode =
  | 'missing_attribute'
  | 'unknown_attribute'
  | 'invalid_type'
  | 'invalid_value'
  | 'invalid_length'
  | 'invalid_format'
  | 'empty_list'
  | 'invalid_body'
  | 'number_taken'
  | 'number_type_mismatch'
  | 'handler_mismatch'
  | 'quota_exceeded';

export function invalid(code: InvalidCode, detail: string): ErrorItem {
  return { detail, status: '422', title: 'Invalid Attribute', code };
}

export const errors = {
  badRequest: () => simple(400),
  unauthorized: () => simple(401),
  notFound: () => simple(404),
  payloadTooLarge: () => simple(413),
  unsupportedMediaType: () => simple(415),
  internal: () => simple(500),
  unavailable: () => simple(503),
  /** A rate limit or the failed-authentication throttle refused the request; retry after that many seconds (at least 1). */
  tooManyRequests: (retryAfterSeconds: number) =>
    new ApiError(429, null, SIMPLE_REASONS[429]!, Math.max(1, Math.ceil(retryAfterSeconds))),
  forbidden: (code: 'missing_scope' | 'partner_api_disabled', detail: string) =>
    new ApiError(403, [{ detail, status: '403', title: 'Forbidden', code }], detail),
  unprocessable: (items: readonly ErrorItem[]) =>
    new ApiError(422, items, items.map((i) => i.detail).join('; ')),
  numberTaken: () =>
    new ApiError(422, [invalid('number_taken', 'Number has already been taken')], 'Number has already been taken'),
  quotaExceeded: (quota: number) => {
    const detail = `This project has reached its quota of ${quota} active ${quota === 1 ? 'number' : 'numbers'}`;
    return new ApiError(422, [invalid('quota_exceeded', detail)], detail);
  },
} as const;
