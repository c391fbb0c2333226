import type { Principal } from '../auth/authenticator.js';
import { emulatorSecretHash } from '../auth/token-secret.js';
import { SCOPES } from '../domain/scopes.js';
import { canonicalNumber } from '../domain/phone-number.js';
import type { ImportService } from '../numbers/import-service.js';
import type { PhoneNumberService } from '../numbers/phone-number-service.js';
import type { ProjectRecord, SpaceRecord, TenancyStore, TokenRecord } from '../storage/tenant-records.js';
import type { ImportRequest } from '../numbers/import-service.js';
import type { NumberChanges } from '../domain/phone-number-update.js';

/**
 * The projects emulator mode makes: created on first use of any credentials, or from a seed
 * document, all in one Space with the Partner API on, each holding every scope. Only they are
 * ever reset; the installation's other projects are left alone.
 */

/** A seed document that passed every check: each project, its tokens' secrets and its numbers. */
export interface CheckedSeed {
  readonly projects: readonly {
    readonly id: string;
    readonly tokens: readonly string[];
    readonly numbers: readonly { readonly import: ImportRequest; readonly update?: NumberChanges }[];
  }[];
}

export const EMULATOR_SPACE_NAME = 'emulator';
/** What a test suite may use as a project id: SignalWire's harnesses use ids like `test_proj`. */
export const EMULATOR_PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface EmulatorProjectsDeps {
  readonly tenancy: TenancyStore;
  readonly importNumber: ImportService;
  readonly phoneNumbers: PhoneNumberService;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Drops every credential the server remembers (the projects they named may be gone). */
  readonly forgetCredentials: () => void;
}

export interface EmulatorProjects {
  /**
   * For the authenticator, when no token has these credentials: creates the project with this
   * token when no project has the id. True when the credentials may now be valid (created here,
   * or by a concurrent request), false when the project exists (its token is another one).
   */
  provision(projectId: string, secret: string): Promise<boolean>;
  /** Whether the project is one emulator mode made. */
  owns(projectId: string): Promise<boolean>;
  /** Deletes every emulator project (or one) and brings back what the seed documents made. */
  reset(projectId?: string): Promise<void>;
  /** Replaces the named projects by the document's, and keeps it as part of the seeded state. */
  seed(document: CheckedSeed): Promise<void>;
  /** The seeded project that holds an E.164 number in the seeded state, if any. */
  seededOwner(number: string): string | undefined;
}

export function emulatorProjects(deps: EmulatorProjectsDeps): EmulatorProjects {
  let space: SpaceRecord | undefined;
  // The seeded state, by project id: what a reset brings back.
  const seeded = new Map<string, CheckedSeed['projects'][number]>();

  const emulatorSpace = async (): Promise<SpaceRecord> => {
    if (space !== undefined) return space;
    const found = await deps.tenancy.findSpace(EMULATOR_SPACE_NAME);
    if (found !== undefined) return (space = found);
    const made: SpaceRecord = { id: deps.newId(), name: EMULATOR_SPACE_NAME, partnerApi: true, createdAt: deps.clock().toISOString() };
    try {
      await deps.tenancy.createSpace(made);
      return (space = made);
    } catch (err) {
      // Another request created it at the same moment.
      const again = await deps.tenancy.findSpace(EMULATOR_SPACE_NAME);
      if (again === undefined) throw err;
      return (space = again);
    }
  };

  const create = async (projectId: string, secrets: readonly string[]): Promise<boolean> => {
    const now = deps.clock().toISOString();
    const project: ProjectRecord = { id: projectId, spaceId: (await emulatorSpace()).id, name: projectId, createdAt: now };
    const tokens = [...new Set(secrets)].map((secret) => ({
      token: { id: deps.newId(), projectId, name: 'emulator', scopes: SCOPES, createdAt: now, revokedAt: null } satisfies TokenRecord,
      secretHash: emulatorSecretHash(projectId, secret),
    }));
    return deps.tenancy.createProjectWithTokens(project, tokens);
  };

  const ownIds = async (): Promise<string[]> => (await deps.tenancy.listProjects((await emulatorSpace()).id)).map((p) => p.id);

  /** Creates a seeded project, its tokens and numbers, through the same services as the API. */
  const plant = async (project: CheckedSeed['projects'][number]): Promise<void> => {
    // A request may have made the project on first use since it was deleted: it goes again.
    if (!(await create(project.id, project.tokens))) {
      await deps.tenancy.deleteProjects([project.id]);
      deps.forgetCredentials();
      if (!(await create(project.id, project.tokens))) throw new Error(`project ${project.id} was made again while it was being seeded`);
    }
    const principal: Principal = { projectId: project.id, spaceId: (await emulatorSpace()).id, tokenId: '', scopes: new Set(SCOPES), partnerApi: true, rateLimit: null, numberQuota: null };
    const origin = { requestId: 'seed', surface: 'emulator' as const };
    for (const n of project.numbers) {
      const row = await deps.importNumber(principal, n.import, origin);
      if (n.update !== undefined) await deps.phoneNumbers.update(principal, row.id, n.update, origin);
    }
  };

  // Resets and seeds one at a time: two at once would delete and plant the same projects
  // under each other.
  let queue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    async provision(projectId, secret) {
      if (!EMULATOR_PROJECT_ID.test(projectId) || secret === '') return false;
      if ((await deps.tenancy.findProject(projectId)) !== undefined) return false;
      // False here means another request created it first: its token may be this one.
      await create(projectId, [secret]);
      return true;
    },
    async owns(projectId) {
      const project = await deps.tenancy.findProject(projectId);
      return project !== undefined && project.spaceId === (await emulatorSpace()).id;
    },
    reset: (projectId) =>
      oneAtATime(async () => {
        const ids = projectId === undefined ? await ownIds() : (await ownIds()).filter((id) => id === projectId);
        await deps.tenancy.deleteProjects(ids);
        deps.forgetCredentials();
        for (const project of seeded.values()) if (projectId === undefined || project.id === projectId) await plant(project);
      }),
    seed: (document) =>
      oneAtATime(async () => {
        await deps.tenancy.deleteProjects(document.projects.map((p) => p.id));
        deps.forgetCredentials();
        for (const project of document.projects) seeded.set(project.id, project);
        for (const project of document.projects) await plant(project);
      }),
    seededOwner(number) {
      for (const project of seeded.values()) if (project.numbers.some((n) => canonicalNumber(n.import.number) === number)) return project.id;
      return undefined;
    },
  };
}
