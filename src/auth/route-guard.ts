import type { onRequestAsyncHookHandler } from 'fastify';
import { errors } from '../domain/errors.js';
import type { Authenticator, Principal } from './authenticator.js';
import type { Scope } from './scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the route guard on every authenticated route before the body is read. */
    principal: Principal;
  }
}

export interface GuardRule {
  readonly scope: Scope;
  /** The operation is a Partner API: the caller's Space must have it enabled. */
  readonly partnerApi?: boolean;
}

/**
 * Runs on the matched route, before the body is parsed, so an unauthenticated caller learns
 * nothing about validation and cannot make the server parse a body. Order: credentials (401),
 * scope (403), Partner API (403).
 */
export function guard(authenticator: Authenticator, rule: GuardRule): onRequestAsyncHookHandler {
  return async (request) => {
    const principal = await authenticator.authenticate(request.headers.authorization);
    if (!principal.scopes.has(rule.scope)) {
      throw errors.forbidden('missing_scope', `This API token lacks the "${rule.scope}" scope this operation requires`);
    }
    if (rule.partnerApi === true && !principal.partnerApi) {
      throw errors.forbidden('partner_api_disabled', 'The Partner API is not enabled for this Space');
    }
    request.principal = principal;
  };
}
