import type { Actor } from '../domain/audit.js';
import { errors, type Problem, problem } from '../domain/errors.js';
import { isScope, SCOPES, type Scope } from '../domain/scopes.js';
import { generateSecret, hashSecret } from '../auth/token-secret.js';
import type { TenancyStore, TokenRecord } from '../storage/tenant-records.js';

/**
 * API tokens, the one set of rules for the Project Tokens API on every surface and for the
 * operator's `numberspace tokens` commands. A caller reaches only its own project's tokens:
 * any other id, a revoked token's included, is not found.
 */
export interface TokenService {
  create(projectId: string, request: CreateTokenRequest, actor: Actor): Promise<IssuedToken>;
  update(projectId: string, tokenId: string, request: UpdateTokenRequest, actor: Actor): Promise<TokenRecord>;
  /**
   * Revokes the token; it stops authenticating on this node at once, on others within
   * AUTH_CACHE_TTL_MS. `projectId` undefined is the operator, who may revoke any project's.
   */
  delete(projectId: string | undefined, tokenId: string, by: Omit<Actor, 'projectId'>): Promise<void>;
}

export interface CreateTokenRequest {
  readonly name?: unknown;
  readonly permissions?: unknown;
  readonly subproject_id?: unknown;
}

export interface UpdateTokenRequest {
  readonly name?: unknown;
  readonly permissions?: unknown;
}

export interface IssuedToken {
  readonly token: TokenRecord;
  /** Shown once; only its hash is stored. */
  readonly secret: string;
}

export interface TokenServiceDeps {
  readonly store: TenancyStore;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Told of every token whose credentials changed, so this node's credential cache drops it at once. */
  readonly changed?: (tokenId: string) => void;
}

/** Longest token name; the contract sets none, a name is a label for people. */
export const MAX_TOKEN_NAME = 255;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function tokenService(deps: TokenServiceDeps): TokenService {
  const now = () => deps.clock().toISOString();
  return {
    async create(projectId, request, actor) {
      const problems: Problem[] = [];
      const name = checkName(request.name, problems, true);
      const scopes = checkPermissions(request.permissions, problems, true);
      if (request.subproject_id !== undefined) {
        problems.push(problem('not_served', 'subproject_id: numberspace has no subprojects; create the token in the project itself', 'subproject_id'));
      }
      if (problems.length > 0) throw errors.invalid(problems);
      const secret = generateSecret();
      const token: TokenRecord = { id: deps.newId(), projectId, name: name!, scopes: scopes!, createdAt: now(), revokedAt: null };
      await deps.store.createToken(token, hashSecret(secret), actor);
      return { token, secret };
    },

    async update(projectId, rawId, request, actor) {
      const problems: Problem[] = [];
      const name = checkName(request.name, problems, false);
      const scopes = checkPermissions(request.permissions, problems, false);
      if (problems.length > 0) throw errors.invalid(problems);
      const tokenId = tokenIdOf(rawId);
      const updated = await deps.store.updateToken(projectId, tokenId, { ...(name === undefined ? {} : { name }), ...(scopes === undefined ? {} : { scopes }) }, now(), actor);
      if (updated === undefined) throw errors.notFound();
      deps.changed?.(tokenId);
      return updated;
    },

    async delete(projectId, rawId, by) {
      const tokenId = tokenIdOf(rawId);
      if (!(await deps.store.revokeToken(tokenId, now(), by, projectId))) throw errors.notFound();
      deps.changed?.(tokenId);
    },
  };
}

/** Token ids are UUIDs; anything else names no token. */
function tokenIdOf(raw: string): string {
  if (!UUID.test(raw)) throw errors.notFound();
  return raw.toLowerCase();
}

function checkName(value: unknown, problems: Problem[], required: boolean): string | undefined {
  if (value === undefined) {
    if (required) problems.push(problem('missing_attribute', 'name is required', 'name'));
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.push(problem('invalid_type', 'name must be a string', 'name'));
    return undefined;
  }
  if (value.trim() === '') {
    problems.push(problem('invalid_length', 'name must not be blank', 'name'));
    return undefined;
  }
  if ([...value].length > MAX_TOKEN_NAME) {
    problems.push(problem('invalid_length', `name must be at most ${MAX_TOKEN_NAME} characters long`, 'name'));
    return undefined;
  }
  // Names are shown in terminals and consoles: no control characters.
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    problems.push(problem('invalid_format', 'name must not contain control characters', 'name'));
    return undefined;
  }
  return value;
}

/** The scopes asked for, without repeats, in the canonical order the answers use. */
function checkPermissions(value: unknown, problems: Problem[], required: boolean): Scope[] | undefined {
  if (value === undefined) {
    if (required) problems.push(problem('missing_attribute', 'permissions is required', 'permissions'));
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.push(problem('invalid_type', 'permissions must be an array', 'permissions'));
    return undefined;
  }
  if (value.length === 0) {
    // A token with no scope could do nothing; delete it instead.
    problems.push(problem('empty_list', 'permissions must not be empty', 'permissions'));
    return undefined;
  }
  const bad = value.findIndex((v) => typeof v !== 'string' || !isScope(v));
  if (bad !== -1) {
    problems.push(problem('invalid_value', `permissions[${bad}] must be one of: ${SCOPES.join(', ')}`, `permissions[${bad}]`));
    return undefined;
  }
  return SCOPES.filter((s) => (value as string[]).includes(s));
}
