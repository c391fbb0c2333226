import type { Actor, AuditEvent } from '../domain/audit.js';
import type { Scope } from '../domain/scopes.js';

export interface SpaceRecord {
  readonly id: string;
  readonly name: string;
  readonly partnerApi: boolean;
  readonly createdAt: string;
}

export interface ProjectRecord {
  readonly id: string;
  readonly spaceId: string;
  readonly name: string;
  readonly createdAt: string;
}

/** A project's own abuse limits, set by the operator; null means none of its own. */
export interface ProjectLimits {
  /** A rate-limit spec in canonical form (src/limits/rate-limit-spec.ts); null: RATE_LIMIT applies. */
  readonly rateLimit: string | null;
  /** Most active numbers the project may hold; null: no quota. */
  readonly numberQuota: number | null;
}

export interface TokenRecord {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface TokenChange {
  readonly name?: string;
  readonly scopes?: readonly Scope[];
}

/** What authentication learns from a secret: enough to authorise without another query. */
export interface Credential {
  readonly tokenId: string;
  readonly projectId: string;
  /** The project's Space: whose stock its purchases come from. */
  readonly spaceId: string;
  readonly secretHash: string;
  readonly scopes: readonly Scope[];
  readonly partnerApi: boolean;
  readonly revoked: boolean;
  /** The project's limits ride along with the credential, so enforcing them costs no query. */
  readonly rateLimit: string | null;
  readonly numberQuota: number | null;
}

/** Spaces, projects and API tokens. */
export interface TenancyStore {
  countSpaces(): Promise<number>;
  createSpace(space: SpaceRecord): Promise<void>;
  listSpaces(): Promise<SpaceRecord[]>;
  findSpace(idOrName: string): Promise<SpaceRecord | undefined>;
  setPartnerApi(spaceId: string, enabled: boolean): Promise<void>;
  createProject(project: ProjectRecord): Promise<void>;
  listProjects(spaceId?: string): Promise<(ProjectRecord & ProjectLimits)[]>;
  findProject(id: string): Promise<(ProjectRecord & ProjectLimits) | undefined>;
  /** Sets the limits given (absent ones stay); false when there is no such project. */
  setProjectLimits(projectId: string, limits: Partial<ProjectLimits>): Promise<boolean>;
  /** Creates the token and records it in the audit trail, in one transaction. */
  createToken(token: TokenRecord, secretHash: string, actor: Actor): Promise<void>;
  listTokens(projectId: string): Promise<TokenRecord[]>;
  /**
   * Changes an active token's name and/or scopes and records it (the changed values), in one
   * transaction. Undefined when no active token has that id in that project.
   */
  updateToken(projectId: string, tokenId: string, change: TokenChange, at: string, actor: Actor): Promise<TokenRecord | undefined>;
  /**
   * Revokes and records it, in one transaction. Returns false when no active token has that
   * id (in `inProject`, when given: an API caller reaches only its own project's tokens).
   */
  revokeToken(tokenId: string, at: string, actor: Omit<Actor, 'projectId'>, inProject?: string): Promise<boolean>;
  /**
   * Gives an active token a new secret (same id, name and scopes) and records it, in one
   * transaction; the old secret stops working. False when no active token has that id.
   */
  rotateToken(tokenId: string, secretHash: string, at: string, actor: Omit<Actor, 'projectId'>): Promise<boolean>;
  findCredential(secretHash: string): Promise<Credential | undefined>;
  /**
   * Creates the first Space, its project and token in one transaction. Resolves false, with
   * nothing written, when another node got there first (a Space of that name exists).
   */
  createInitialTenancy(space: SpaceRecord, project: ProjectRecord, token: TokenRecord, secretHash: string): Promise<boolean>;
  /**
   * Creates a project with its tokens (each with its secret's hash) in one transaction, and
   * records the tokens. Resolves false, with nothing written, when a project with that id
   * exists (another request created it first).
   */
  createProjectWithTokens(project: ProjectRecord, tokens: readonly { token: TokenRecord; secretHash: string }[]): Promise<boolean>;
  /**
   * Deletes projects and everything of theirs (numbers, released ones included, tokens, audit
   * events, kept idempotency answers) in one transaction. Returns how many projects went.
   */
  deleteProjects(projectIds: readonly string[]): Promise<number>;
}


/** Changes made at the CLI or at first start: no token, no request. */
export const OPERATOR = (projectId: string): Actor => ({ projectId, tokenId: null, requestId: null, surface: 'cli' });

/** A page of a project's audit trail, newest first. */
export interface AuditPageQuery {
  /** Resume after this event (in newest-first order); null: from the newest. */
  readonly after: { readonly at: string; readonly id: string } | null;
  readonly limit: number;
  /** Only these actions; null: every action. */
  readonly actions: readonly string[] | null;
  /** Only events whose number starts with this E.164 prefix (`+1512`); null: no filter. */
  readonly numberPrefix: string | null;
}

/** Reading the audit trail; rows are written by the stores that make the changes, in the same transaction. */
export interface AuditStore {
  /** A project's events, oldest first, from `since` (inclusive) when given. */
  list(projectId: string, since?: string): Promise<AuditEvent[]>;
  page(projectId: string, query: AuditPageQuery): Promise<AuditEvent[]>;
  /** How many events of each of these actions each UTC day from `since` had, by day (YYYY-MM-DD). */
  perDay(projectId: string, since: string, actions: readonly string[]): Promise<{ day: string; action: string; n: number }[]>;
}

export interface PageTokenKeys {
  /**
   * The installation's page-token signing key: the same bytes on every node over one database.
   * Read once, then served from memory; a failed read is not cached, so the next call retries.
   */
  key(): Promise<Buffer>;
}
