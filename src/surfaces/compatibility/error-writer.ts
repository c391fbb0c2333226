import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorKind, errors, type NumberspaceError } from '../../domain/errors.js';
import { asksForChallenge } from '../../http/challenge.js';
import { asNumberspaceError, RETRY_AFTER_SECONDS } from '../../http/failures.js';
import { TOKEN_ERROR_URL } from '../../http/token-errors.js';
import { inCompatibilityTerms } from './field-mapping.js';

/**
 * The Compatibility API's error bodies, written in one place: the contract's
 * CompatibilityErrorResponse (`code` an integer) everywhere, and its string-code variant for
 * an import refused with 422. The codes are numberspace's own, one per status, in the
 * 20xxx range Twilio-shaped clients expect; docs/compatibility-api.md lists them.
 */
export const COMPATIBILITY_ERRORS: Readonly<Record<ErrorKind, { readonly status: number; readonly code: number; readonly message: string }>> = {
  bad_request: { status: 400, code: 20400, message: 'Bad request' },
  unauthorized: { status: 401, code: 20003, message: 'Authentication failed' },
  forbidden: { status: 403, code: 20403, message: 'Forbidden' },
  not_found: { status: 404, code: 20404, message: 'The requested resource was not found' },
  method_not_allowed: { status: 405, code: 20405, message: 'Method not allowed' },
  conflict: { status: 409, code: 20409, message: 'A request with this Idempotency-Key is still being processed; retry later' },
  payload_too_large: { status: 413, code: 20413, message: 'The request body exceeds 16 KiB' },
  unsupported_media_type: {
    status: 415,
    code: 20415,
    message: 'Unsupported media type: send application/x-www-form-urlencoded or application/json',
  },
  invalid: { status: 422, code: 20422, message: 'Invalid request' },
  too_many_requests: { status: 429, code: 20429, message: 'Too many requests' },
  internal: { status: 500, code: 20500, message: 'Internal server error' },
  unavailable: { status: 503, code: 20503, message: 'Service unavailable' },
};

export const MORE_INFO = 'https://signalwire.com/docs/compatibility-api/reference/errors';
export const IMPORT_MORE_INFO = 'https://signalwire.com/docs/rest/compatibility-api/overview/error-codes';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers a 422 with the string-code variant (ImportedPhoneNumbers). */
    readonly stringCodes?: boolean;
  }
}

/**
 * The token routes' 422: the contract's flat CompatibilityTokenValidationError, one object.
 * It has room for one attribute: the first problem's; the message carries every problem.
 */
function tokenValidationError(e: NumberspaceError, message: string) {
  const first = e.problems[0];
  // A problem with the body as a whole (not an object at all) names the body.
  return { type: 'validation_error', code: first?.code ?? 'invalid_value', message, attribute: first?.attribute ?? 'body', url: TOKEN_ERROR_URL };
}

export function sendCompatibilityError(reply: FastifyReply, e: NumberspaceError, stringCodes = false, tokenErrors = false): FastifyReply {
  // Twilio-shaped clients hear "not now" as a conflict: a release within the cooldown is one.
  const { status, code, message } = e.problems[0]?.code === 'release_cooldown' ? COMPATIBILITY_ERRORS.conflict : COMPATIBILITY_ERRORS[e.kind];
  if (status === 401 && asksForChallenge(reply)) reply.header('www-authenticate', 'Basic realm="numberspace"');
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  else if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  reply.code(status).type('application/json; charset=utf-8');
  // Token bodies keep lower-case names on this surface too: their problems need no translation.
  const said = e.problems.length === 0 ? message : e.problems.map((p) => (tokenErrors ? p.detail : inCompatibilityTerms(p.detail))).join('; ');
  if (tokenErrors && status === 422) return reply.send(tokenValidationError(e, said));
  if (stringCodes && status === 422) {
    return reply.send({ code: e.problems[0]?.code ?? 'invalid_value', message: said, more_info: IMPORT_MORE_INFO, status });
  }
  return reply.send({ code, message: said, more_info: MORE_INFO, status });
}

export function compatibilityErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = asNumberspaceError(err);
  if (e.kind === 'unavailable') request.log.warn({ err }, 'database unavailable');
  else if (e.kind === 'internal') request.log.error({ err }, 'request failed');
  const config = request.routeOptions.config;
  return sendCompatibilityError(reply, e, config?.stringCodes === true, config?.tokenErrors === true);
}

export const compatibilityNotFound = (_request: FastifyRequest, reply: FastifyReply): FastifyReply => sendCompatibilityError(reply, errors.notFound());
