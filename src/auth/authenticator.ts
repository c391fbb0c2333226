import { NumberspaceError, errors } from '../domain/errors.js';
import type { AuthThrottle } from '../limits/auth-throttle.js';
import { parseRateLimitSpec, type RateLimitSpec } from '../limits/rate-limit-spec.js';
import type { TenancyStore } from '../storage/tenant-records.js';
import { parseBasicAuth } from './basic-auth.js';
import type { Scope } from '../domain/scopes.js';
import { emulatorSecretHash, hashSecret, sameHash } from './token-secret.js';

/** Who is calling, once the credentials have been checked. */
export interface Principal {
  readonly projectId: string;
  /** The project's Space. */
  readonly spaceId: string;
  readonly tokenId: string;
  readonly scopes: ReadonlySet<Scope>;
  readonly partnerApi: boolean;
  /** The project's own rate limit; null when the installation's RATE_LIMIT applies. */
  readonly rateLimit: RateLimitSpec | null;
  /** Most active numbers the project may hold; null for no quota. */
  readonly numberQuota: number | null;
}

export interface AuthenticatorOptions {
  /**
   * How long a verified credential is trusted without asking the database again. This is
   * also the longest a revoked token or a Partner API switch can take to be seen. 0 disables.
   */
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries?: number;
  readonly now?: () => number;
  /** Decides how failed credentials are answered (401, or 429 for a client over its limit); absent: always 401. */
  readonly throttle?: AuthThrottle;
  /**
   * Emulator mode: called when no token has the credentials given; true when it made them
   * valid (see EmulatorProjects.provision), and they are then looked up again.
   */
  readonly provision?: (projectId: string, secret: string) => Promise<boolean>;
}

export interface Authenticator {
  /**
   * Resolves the principal or throws the 401 NumberspaceError (429 from a client address the throttle
   * holds); never reveals which part was wrong. Valid credentials are always accepted: the
   * client's address only ever changes how a failure is answered.
   */
  authenticate(authorization: string | undefined, clientAddress?: string): Promise<Principal>;
  /** Drops what this node remembers of a token whose credentials changed (revoked, rescoped): its next request is checked afresh. */
  forget(tokenId: string): void;
  /** Drops everything this node remembers, refusals included (emulator resets delete projects). */
  forgetAll(): void;
}

export function createAuthenticator(store: TenancyStore, options: AuthenticatorOptions): Authenticator {
  const now = options.now ?? Date.now;
  const maxEntries = options.cacheMaxEntries ?? 10_000;
  // Keyed by the whole header so a hit costs one map lookup and no hashing.
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();
  // Headers that just failed, for as long as a success is trusted: a client repeating the same
  // bad credentials costs no query. Only a header that failed is ever here, and a header can
  // turn valid only when a token with that very secret is created, so this delays no valid
  // credential beyond AUTH_CACHE_TTL_MS (the same bound a revocation has).
  const refused = new Map<string, number>();
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    if (map.size >= maxEntries) map.delete(map.keys().next().value!);
    map.set(key, value);
  };
  // Bumped by every forget(): a check that was in flight when a token changed may have read
  // its old state, so its result answers that one request but is not remembered.
  let generation = 0;
  const failure = (clientAddress: string | undefined): Promise<NumberspaceError> | NumberspaceError =>
    options.throttle === undefined ? errors.unauthorized() : options.throttle.refuse(clientAddress);

  async function verify(authorization: string | undefined): Promise<Principal> {
    const credentials = parseBasicAuth(authorization);
    if (credentials === undefined) throw errors.unauthorized();
    let hash = hashSecret(credentials.secret);
    let found = await store.findCredential(hash);
    if (options.provision !== undefined && (found === undefined || found.projectId !== credentials.projectId)) {
      // Emulator mode: the project's own token, or a project made for these credentials now.
      hash = emulatorSecretHash(credentials.projectId, credentials.secret);
      found = await store.findCredential(hash);
      if (found === undefined && (await options.provision(credentials.projectId, credentials.secret))) found = await store.findCredential(hash);
    }
    // Every failure below is the same 401: unknown secret, revoked token, another project's
    // token. The project id check compares ids the caller already knows; the hash compare is
    // constant-time.
    if (found === undefined || found.revoked || found.projectId !== credentials.projectId || !sameHash(found.secretHash, hash)) {
      throw errors.unauthorized();
    }
    return {
      projectId: found.projectId,
      spaceId: found.spaceId,
      tokenId: found.tokenId,
      scopes: new Set(found.scopes),
      partnerApi: found.partnerApi,
      rateLimit: projectRateLimit(found.rateLimit),
      numberQuota: found.numberQuota,
    };
  }

  return {
    forgetAll() {
      generation++;
      cache.clear();
      refused.clear();
    },
    forget(tokenId) {
      generation++;
      for (const [header, { principal }] of cache) if (principal.tokenId === tokenId) cache.delete(header);
    },
    async authenticate(authorization, clientAddress) {
      // No credentials at all is not a guess: plain 401, never counted against the address.
      if (authorization === undefined) throw errors.unauthorized();
      const caching = options.cacheTtlMs > 0;
      const t = caching ? now() : 0;
      if (caching) {
        const hit = cache.get(authorization);
        if (hit !== undefined && hit.expiresAt > t) return hit.principal;
        if (hit !== undefined) cache.delete(authorization);
        const refusedUntil = refused.get(authorization);
        if (refusedUntil !== undefined && refusedUntil > t) throw await failure(clientAddress);
        if (refusedUntil !== undefined) refused.delete(authorization);
      }
      let principal: Principal;
      const started = generation;
      try {
        principal = await verify(authorization);
      } catch (err) {
        if (!(err instanceof NumberspaceError) || err.kind !== 'unauthorized') throw err;
        if (caching && started === generation) remember(refused, authorization, t + options.cacheTtlMs);
        throw await failure(clientAddress);
      }
      if (caching && started === generation) remember(cache, authorization, { principal, expiresAt: t + options.cacheTtlMs });
      return principal;
    },
  };
}

/**
 * The CLI stores only specs it has parsed; a value it would refuse (edited into the database
 * by hand) falls back to the installation's limit rather than locking the project out.
 */
function projectRateLimit(stored: string | null): RateLimitSpec | null {
  if (stored === null) return null;
  try {
    return parseRateLimitSpec(stored);
  } catch {
    return null;
  }
}
