import { type Scope, SCOPES } from '../domain/scopes.js';
import { generateSecret, hashSecret } from '../auth/token-secret.js';
import { OPERATOR, type ProjectRecord, type SpaceRecord, type TenancyStore, type TokenRecord } from '../storage/tenant-records.js';

/** Operator actions on spaces, projects and tokens, shared by the CLI and first start. */
export interface TenancyDeps {
  readonly store: TenancyStore;
  readonly clock: () => Date;
  readonly newId: () => string;
}

export interface IssuedToken {
  readonly token: TokenRecord;
  /** Shown once; only its hash is stored. */
  readonly secret: string;
}

export async function createSpace(deps: TenancyDeps, name: string, partnerApi: boolean): Promise<SpaceRecord> {
  const space: SpaceRecord = { id: deps.newId(), name, partnerApi, createdAt: deps.clock().toISOString() };
  await deps.store.createSpace(space);
  return space;
}

export async function createProject(deps: TenancyDeps, spaceId: string, name: string, id?: string): Promise<ProjectRecord> {
  const project: ProjectRecord = { id: id ?? deps.newId(), spaceId, name, createdAt: deps.clock().toISOString() };
  await deps.store.createProject(project);
  return project;
}

export async function issueToken(
  deps: TenancyDeps,
  projectId: string,
  name: string,
  scopes: readonly Scope[],
  secret = generateSecret(),
): Promise<IssuedToken> {
  const token: TokenRecord = { id: deps.newId(), projectId, name, scopes, createdAt: deps.clock().toISOString(), revokedAt: null };
  await deps.store.createToken(token, hashSecret(secret), OPERATOR(projectId));
  return { token, secret };
}

export interface BootstrapResult {
  /** What was created, to print once; undefined when nothing was. */
  readonly created?: { readonly space?: SpaceRecord; readonly project: ProjectRecord; readonly secret: string; readonly secretWasGiven: boolean };
}

/**
 * Makes a fresh installation usable at once. On an empty database: a Space named "default"
 * with the Partner API on, a project and an all-scopes token, taken from
 * SIGNALWIRE_PROJECT_ID / SIGNALWIRE_API_TOKEN when set, generated otherwise. On a database
 * that already has data, credentials given in the environment are added if missing, so a
 * development setup can always be started with known credentials.
 */
export async function bootstrap(deps: TenancyDeps, given: { projectId?: string; apiToken?: string }): Promise<BootstrapResult> {
  const now = deps.clock().toISOString();
  if ((await deps.store.countSpaces()) === 0) {
    const space: SpaceRecord = { id: deps.newId(), name: 'default', partnerApi: true, createdAt: now };
    const project: ProjectRecord = { id: given.projectId ?? deps.newId(), spaceId: space.id, name: 'default', createdAt: now };
    const secret = given.apiToken ?? generateSecret();
    const token: TokenRecord = { id: deps.newId(), projectId: project.id, name: 'bootstrap', scopes: SCOPES, createdAt: now, revokedAt: null };
    // Several nodes may start on one empty database at once: one creates, the rest see it done.
    if (await deps.store.createInitialTenancy(space, project, token, hashSecret(secret))) {
      return { created: { space, project, secret, secretWasGiven: given.apiToken !== undefined } };
    }
  }
  if (given.projectId === undefined || given.apiToken === undefined) return {};

  let project: ProjectRecord | undefined = await deps.store.findProject(given.projectId);
  if (project === undefined) {
    const [space] = await deps.store.listSpaces();
    project = await createProject(deps, space!.id, 'default', given.projectId);
  }
  const existing = await deps.store.findCredential(hashSecret(given.apiToken));
  if (existing === undefined) {
    await issueToken(deps, project.id, 'bootstrap', SCOPES, given.apiToken);
    return { created: { project, secret: given.apiToken, secretWasGiven: true } };
  }
  if (existing.projectId !== project.id) {
    throw new Error('SIGNALWIRE_API_TOKEN already belongs to another project; refusing to reuse it');
  }
  return {};
}
