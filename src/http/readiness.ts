import type { onRequestHookHandler } from 'fastify';
import { errors } from '../domain/errors.js';
/**
 * Whether this node may serve the API: false until the database has been reached and
 * migrated. A node whose database is down at start listens anyway, answers 503 with
 * Retry-After and reports not-ready, and becomes ready on its own once the database answers,
 * instead of exiting into a crash loop.
 */
export interface Readiness {
  isReady(): boolean;
  markReady(): void;
  /** Shutting down: new API requests answer 503 so a load balancer retries them elsewhere. */
  markStopping(): void;
}

export function createReadiness(ready = false): Readiness {
  let state = ready;
  return {
    isReady: () => state,
    markReady: () => {
      state = true;
    },
    markStopping: () => {
      state = false;
    },
  };
}

/**
 * A surface's first hook: while the node is starting or stopping, its operations answer 503
 * (the surface's own body) before any credential or body is looked at.
 */
export function refuseUntilReady(readiness: Readiness): onRequestHookHandler {
  return (request, _reply, done) => {
    // A path that names no operation is simply not found, ready or not.
    if (readiness.isReady() || request.is404) done();
    else done(errors.unavailable());
  };
}
