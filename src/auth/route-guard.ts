import type { onRequestAsyncHookHandler } from 'fastify';
import { errors } from '../domain/errors.js';
import { requestClass } from '../limits/rate-limit-spec.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Authenticator, Principal } from './authenticator.js';
import type { Scope } from '../domain/scopes.js';

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
  /** Any valid token may call it, whatever its scopes (`scope` is then not checked). */
  readonly anyScope?: boolean;
}

/** Who is calling, and how much the project may still do. */
export interface GuardDeps {
  readonly authenticator: Authenticator;
  readonly rateLimiter: RateLimiter;
}

/**
 * Runs on the matched route, before the body is parsed, so an unauthenticated caller learns
 * nothing about validation and cannot make the server parse a body. Order: credentials (401,
 * or 429 from a client address sending many bad ones), the project's rate limit (429), scope
 * (403), Partner API (403). The rate limit counts every authenticated request, refused ones
 * included: they cost the server all the same.
 */
export function guard(deps: GuardDeps, rule: GuardRule): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const principal = await deps.authenticator.authenticate(request.headers.authorization, request.ip);
    deps.rateLimiter.admit(principal.projectId, principal.rateLimit, requestClass(request.method), reply);
    if (rule.anyScope !== true && !principal.scopes.has(rule.scope)) {
      throw errors.forbidden('missing_scope', `This API token lacks the "${rule.scope}" scope this operation requires`);
    }
    if (rule.partnerApi === true && !principal.partnerApi) {
      throw errors.forbidden('partner_api_disabled', 'The Partner API is not enabled for this Space');
    }
    request.principal = principal;
  };
}
