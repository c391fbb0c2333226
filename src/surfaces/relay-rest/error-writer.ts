import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorKind, errors, type NumberspaceError } from '../../domain/errors.js';
import { asksForChallenge } from '../../http/challenge.js';
import { asNumberspaceError, RETRY_AFTER_SECONDS } from '../../http/failures.js';
import { TOKEN_ERROR_URL } from '../../http/token-errors.js';

/**
 * Relay REST's wire shapes for every error, written in one place. Two bodies exist, both from
 * the contract:
 *  - simple: `{"error":"<reason>"}` for 400, 401, 404, 405, 409, 413, 415, 429, 500, 503;
 *  - list:   `{"errors":[{"detail","status","title","code"}]}` for 422 and 403;
 * and the Project Tokens API's own 422, `{"errors":[{"type","code","message","attribute","url"}]}`.
 */


const STATUS: Readonly<Record<ErrorKind, number>> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid: 422,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
};

export const SIMPLE_REASONS: Readonly<Record<number, string>> = Object.freeze({
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
});

const LIST_TITLES: Readonly<Record<number, string>> = { 403: 'Forbidden', 422: 'Invalid Attribute' };

export function sendRelayError(reply: FastifyReply, e: NumberspaceError, tokenErrors = false): FastifyReply {
  const status = STATUS[e.kind];
  if (status === 401 && asksForChallenge(reply)) reply.header('www-authenticate', 'Basic realm="numberspace"');
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  else if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  reply.code(status).type('application/json; charset=utf-8');
  if (tokenErrors && status === 422) {
    return reply.send({
      errors: e.problems.map((p) => ({ type: 'validation_error', code: p.code, message: p.detail, attribute: p.attribute ?? null, url: TOKEN_ERROR_URL })),
    });
  }
  const title = LIST_TITLES[status];
  if (title === undefined) return reply.send({ error: SIMPLE_REASONS[status] });
  const code = String(status);
  return reply.send({ errors: e.problems.map((p) => ({ detail: p.detail, status: code, title, code: p.code })) });
}

/** The error handler of the Relay surface: causes of 500s are logged with the request id and never sent. */
export function relayErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = asNumberspaceError(err);
  if (e.kind === 'unavailable') request.log.warn({ err }, 'database unavailable');
  else if (e.kind === 'internal') request.log.error({ err }, 'request failed');
  return sendRelayError(reply, e, request.routeOptions.config?.tokenErrors === true);
}

export const relayNotFound = (_request: FastifyRequest, reply: FastifyReply): FastifyReply => sendRelayError(reply, errors.notFound());

