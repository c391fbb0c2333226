import { errors } from '../domain/errors.js';
import type { TenancyStore } from '../tenancy/tenancy-store.js';
import { parseBasicAuth } from './basic-auth.js';
import type { Scope } from './scopes.js';
import { hashSecret, sameHash } from './token-secret.js';

/** Who is calling, once the credentials have been checked. */
export interface Principal {
  readonly projectId: string;
  readonly tokenId: string;
  readonly scopes: ReadonlySet<Scope>;
  readonly partnerApi: boolean;
}

export interface AuthenticatorOptions {
  /**
   * How long a verified credential is trusted without asking the database again. This is
   * also the longest a revoked token or a Partner API switch can take to be seen. 0 disables.
   */
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries?: number;
  readonly now?: () => number;
}

export interface Authenticator {
  /** Resolves the principal or throws the 401 ApiError; never reveals which part was wrong. */
  authenticate(authorization: string | undefined): Promise<Principal>;
}

export function createAuthenticator(store: TenancyStore, options: AuthenticatorOptions): Authenticator {
  const now = options.now ?? Date.now;
  const maxEntries = options.cacheMaxEntries ?? 10_000;
  // Keyed by the whole header so a hit costs one map lookup and no hashing.
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();

  async function verify(authorization: string | undefined): Promise<Principal> {
    const credentials = parseBasicAuth(authorization);
    if (credentials === undefined) throw errors.unauthorized();
    const hash = hashSecret(credentials.secret);
    const found = await store.findCredential(hash);
    // Every failure below is the same 401: unknown secret, revoked token, another project's
    // token. The project id check compares ids the caller already knows; the hash compare is
    // constant-time.
    if (found === undefined || found.revoked || found.projectId !== credentials.projectId || !sameHash(found.secretHash, hash)) {
      throw errors.unauthorized();
    }
    return {
      projectId: found.projectId,
      tokenId: found.tokenId,
      scopes: new Set(found.scopes),
      partnerApi: found.partnerApi,
    };
  }

  return {
    async authenticate(authorization) {
      if (options.cacheTtlMs <= 0 || authorization === undefined) return verify(authorization);
      const t = now();
      const hit = cache.get(authorization);
      if (hit !== undefined && hit.expiresAt > t) return hit.principal;
      if (hit !== undefined) cache.delete(authorization);
      const principal = await verify(authorization);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(authorization, { principal, expiresAt: t + options.cacheTtlMs });
      return principal;
    },
  };
}
