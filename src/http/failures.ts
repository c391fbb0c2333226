import type { FastifyError } from 'fastify';
import { type ErrorKind, errors, NumberspaceError } from '../domain/errors.js';
import { isTransientDatabaseError } from '../storage/database-errors.js';
import { toProblems } from './validation-errors.js';

/** Seconds a client should wait after a 503; long enough for a database failover or restart to begin. */
export const RETRY_AFTER_SECONDS = 1;

/** The kinds a 4xx status from Fastify or Node (malformed JSON, bad framing) falls into. */
const CLIENT_STATUS_KINDS: Readonly<Record<number, ErrorKind>> = {
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/**
 * Any failure a request can meet, as the domain's error: numberspace's own errors as they are,
 * a schema's complaints about a body as problems, transient database failures as
 * `unavailable`, the caller's malformed input as `bad_request`, everything else `internal`.
 * Shared by every surface, so a failure is classified the same way whichever one it reaches.
 */
export function asNumberspaceError(err: FastifyError): NumberspaceError {
  if (err instanceof NumberspaceError) return err;
  if (isTransientDatabaseError(err)) return errors.unavailable();
  if (err.validation !== undefined) {
    // Query strings and path parameters are the caller's addressing, not a resource's
    // attributes: the contract answers those with 400.
    return err.validationContext === 'body' ? errors.invalid(toProblems(err.validation)) : errors.badRequest();
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType();
  }
  const status = err.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Malformed JSON, poisoned keys, bad framing: all the caller's fault, none worth detailing.
    return new NumberspaceError(CLIENT_STATUS_KINDS[status] ?? 'bad_request');
  }
  return errors.internal();
}
