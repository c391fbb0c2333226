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
