import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, type ErrorItem, SIMPLE_REASONS, errors } from '../domain/errors.js';
import { isTransientDatabaseError } from '../storage/database-errors.js';
import { toErrorItems } from './validation-errors.js';

/**
 * The one place that turns any failure into SignalWire's wire shapes. Causes of 500s are
 * logged with the request id and never sent.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const apiError = toApiError(err);
    if (apiError.statusCode === 503) request.log.warn({ err }, 'database unavailable');
    else if (apiError.statusCode >= 500) request.log.error({ err }, 'request failed');
    return send(reply, apiError);
  });
  app.setNotFoundHandler((_request, reply) => send(reply, errors.notFound()));
}

/** Seconds a client should wait after a 503; long enough for a database failover or restart to begin. */
export const RETRY_AFTER_SECONDS = 1;

export function send(reply: FastifyReply, e: ApiError): FastifyReply {
  if (e.statusCode === 401) reply.header('www-authenticate', 'Basic realm="numberspace"');
  if (e.statusCode === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  else if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  reply.code(e.statusCode).type('application/json; charset=utf-8');
  return reply.send(e.items === null ? { error: e.message } : { errors: e.items satisfies readonly ErrorItem[] });
}

function toApiError(err: FastifyError): ApiError {
  if (err instanceof ApiError) return err;
  if (isTransientDatabaseError(err)) return errors.unavailable();
  if (err.validation !== undefined) {
    // Query strings and path parameters are the caller's addressing, not a resource's
    // attributes: the contract answers those with 400.
    return err.validationContext === 'body' ? errors.unprocessable(toErrorItems(err.validation)) : errors.badRequest();
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
    return SIMPLE_REASONS[status] !== undefined ? new ApiError(status, null, SIMPLE_REASONS[status]) : errors.badRequest();
  }
  return errors.internal();
}
