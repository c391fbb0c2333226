import { COMPATIBILITY_ERRORS } from './error-writer.js';
import { CompatibilityError, ImportError } from './schemas.js';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request is invalid (a malformed query value, page token or body).',
  401: 'Authentication failed.',
  403: 'The token lacks the "numbers" scope, or the Space has the Partner API disabled.',
  404: 'No such number, or the path names another account.',
  409: 'A request with this Idempotency-Key is still being processed; retry later.',
  413: 'The body exceeds 16 KiB.',
  415: 'The body is neither form-encoded nor JSON.',
  422: 'The request failed validation; message says why, naming the parameter.',
  429: 'Too many requests; retry after the Retry-After header\'s seconds.',
  500: 'An internal error occurred.',
  503: 'The database cannot serve the request right now, or the node is starting or stopping; retry after Retry-After.',
};

/** Error responses as the served OpenAPI document declares them; the import's 422 is the string-code variant. */
export function compatibilityResponses(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const status of statuses) {
    const kind = Object.values(COMPATIBILITY_ERRORS).find((e) => e.status === status);
    if (kind === undefined) throw new Error(`no Compatibility error for ${status}`);
    out[status] = { description: DESCRIPTIONS[status] ?? kind.message, ...CompatibilityError };
  }
  return out;
}

export function importResponses(...statuses: number[]): Record<number, unknown> {
  const out = compatibilityResponses(...statuses);
  if (statuses.includes(422)) out[422] = { description: DESCRIPTIONS[422], ...ImportError };
  return out;
}
