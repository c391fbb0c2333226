/**
 * Every error numberspace raises, in one registry, free of any wire shape. An error is a kind
 * and its facts (problems with a code and a detail, a retry delay); each API surface's error
 * writer turns it into that surface's status and body (src/surfaces/<surface>/error-writer.ts).
 * Nothing else chooses a status code or a body.
 */

export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid'
  | 'too_many_requests'
  | 'internal'
  | 'unavailable';

/** Codes of the problems an error carries; stable, documented in docs/errors.md. */
export type ProblemCode =
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
  | 'quota_exceeded'
  | 'missing_scope'
  | 'partner_api_disabled'
  | 'not_served'
  | 'idempotency_key_reused'
  | 'not_in_stock'
  | 'release_cooldown';

/** One thing wrong with a request: what kind of fault, and a sentence naming the attribute. */
export interface Problem {
  readonly code: ProblemCode;
  readonly detail: string;
  /** The request attribute at fault (`name`, `permissions[1]`), where one is. */
  readonly attribute?: string;
}

export class NumberspaceError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** What is wrong, for the kinds that say (forbidden, invalid); empty otherwise. */
    readonly problems: readonly Problem[] = [],
    /** Seconds a client should wait before retrying a too_many_requests. */
    readonly retryAfterSeconds?: number,
  ) {
    super(problems.length > 0 ? problems.map((p) => p.detail).join('; ') : kind);
    this.name = 'NumberspaceError';
  }
}

export function problem(code: ProblemCode, detail: string, attribute?: string): Problem {
  return attribute === undefined ? { code, detail } : { code, detail, attribute };
}

const bare = (kind: ErrorKind) => () => new NumberspaceError(kind);

export const errors = {
  badRequest: bare('bad_request'),
  unauthorized: bare('unauthorized'),
  notFound: bare('not_found'),
  methodNotAllowed: bare('method_not_allowed'),
  /** A request with the same Idempotency-Key is still being processed. */
  conflict: bare('conflict'),
  payloadTooLarge: bare('payload_too_large'),
  unsupportedMediaType: bare('unsupported_media_type'),
  internal: bare('internal'),
  unavailable: bare('unavailable'),
  /** A rate limit or the failed-authentication throttle refused the request; retry after that many seconds (at least 1). */
  tooManyRequests: (retryAfterSeconds: number) => new NumberspaceError('too_many_requests', [], Math.max(1, Math.ceil(retryAfterSeconds))),
  forbidden: (code: 'missing_scope' | 'partner_api_disabled', detail: string) => new NumberspaceError('forbidden', [problem(code, detail)]),
  invalid: (problems: readonly Problem[]) => new NumberspaceError('invalid', problems),
  numberTaken: () => new NumberspaceError('invalid', [problem('number_taken', 'Number has already been taken')]),
  quotaExceeded: (quota: number) =>
    new NumberspaceError('invalid', [
      problem('quota_exceeded', `This project has reached its quota of ${quota} active ${quota === 1 ? 'number' : 'numbers'}`),
    ]),
  /** The Idempotency-Key already answered a request with another body. */
  keyReused: () =>
    new NumberspaceError('invalid', [
      problem('idempotency_key_reused', 'This Idempotency-Key was already used for a different request; use a new key for a new request', 'Idempotency-Key'),
    ]),
  /** A number that cannot be bought, saying why without naming any other project. */
  notPurchasable: (number: string, reason: 'yours' | 'taken' | 'other_space' | 'not_in_stock') =>
    new NumberspaceError('invalid', [
      reason === 'yours'
        ? problem('number_taken', `${number} is already active in this project`, 'number')
        : reason === 'taken'
          ? problem('number_taken', `${number} has already been taken`, 'number')
          : reason === 'other_space'
            ? problem('not_in_stock', `${number} is not in this Space's stock`, 'number')
            : problem('not_in_stock', `${number} is not in stock`, 'number'),
    ]),
  /** A number imported while it sits in a Space's stock: the platform holds it to sell. */
  inStock: (number: string) =>
    new NumberspaceError('invalid', [problem('number_taken', `${number} cannot be imported: the platform already holds it in stock`, 'number')]),
  /** A bought number released before the operator's cooldown has passed. */
  releaseCooldown: (until: string) =>
    new NumberspaceError('invalid', [problem('release_cooldown', `This number was bought too recently to release: it can be released from ${until}`)]),
  /** The operation exists in the contract but numberspace does not serve it. */
  notServed: (detail: string) => new NumberspaceError('invalid', [problem('not_served', detail)]),
} as const;
