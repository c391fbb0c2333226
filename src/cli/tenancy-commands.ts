import { EMULATOR_SPACE_NAME } from '../emulator/emulator-projects.js';
import { parseArgs } from 'node:util';
import { parseScopes } from '../domain/scopes.js';
import { generateSecret, hashSecret } from '../auth/token-secret.js';
import type { Config } from '../config/config.js';
import { formatRateLimitSpec, parseRateLimitSpec, RateLimitSpecError } from '../limits/rate-limit-spec.js';
import { openStore, type Store } from '../storage/store.js';
import { NumberspaceError } from '../domain/errors.js';
import { OPERATOR } from '../storage/tenant-records.js';
import { createProject, createSpace, type TenancyDeps } from '../tenancy/tenancy-service.js';
import { tokenService } from '../tenancy/token-service.js';
import { type Io, UsageError, onOff, printTable } from './io.js';

async function withStore<T>(config: Config, fn: (store: Store, deps: TenancyDeps) => Promise<T>): Promise<T> {
  const store = openStore(config.databaseUrl, { poolSize: 2 });
  try {
    await store.migrate();
    return await fn(store, { store: store.tenancy, clock: () => new Date(), newId: () => crypto.randomUUID() });
  } finally {
    await store.close();
  }
}

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>): Parsed {
  try {
    return parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** `numberspace spaces create|list|update` */
export async function spacesCommand(config: Config, io: Io, [action, ...rest]: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { name: { type: 'string' }, 'partner-api': { type: 'string' } });
  const json = values.json === true;
  return withStore(config, async (store, deps) => {
    switch (action) {
      case 'create': {
        const name = required(values.name, '--name');
        if (name === EMULATOR_SPACE_NAME) throw new UsageError(`the Space name "${EMULATOR_SPACE_NAME}" is kept for emulator mode, whose resets delete what it holds`);
        const space = await createSpace(deps, name, onOff(values['partner-api'] as string | undefined, '--partner-api', true));
        printTable(io, [spaceRow(space)], json);
        return 0;
      }
      case 'list':
        printTable(io, (await store.tenancy.listSpaces()).map(spaceRow), json);
        return 0;
      case 'update': {
        const key = required(positionals[0], 'a space id or name');
        const space = await store.tenancy.findSpace(key);
        if (space === undefined) {
          io.err(`no space "${key}"`);
          return 1;
        }
        if (values['partner-api'] === undefined) throw new UsageError('nothing to update: give --partner-api on|off');
        const enabled = onOff(values['partner-api'] as string, '--partner-api', space.partnerApi);
        await store.tenancy.setPartnerApi(space.id, enabled);
        printTable(io, [spaceRow({ ...space, partnerApi: enabled })], json);
        return 0;
      }
      default:
        throw new UsageError(`spaces takes create, list or update`);
    }
  });
}

const spaceRow = (s: { id: string; name: string; partnerApi: boolean; createdAt: string }) => ({
  id: s.id,
  name: s.name,
  partner_api: s.partnerApi ? 'on' : 'off',
  created_at: s.createdAt,
});

/** `numberspace projects create|list|update` */
export async function projectsCommand(config: Config, io: Io, [action, ...rest]: string[]): Promise<number> {
  const { values, positionals } = parse(rest, {
    space: { type: 'string' },
    name: { type: 'string' },
    'rate-limit': { type: 'string' },
    'number-quota': { type: 'string' },
  });
  const json = values.json === true;
  return withStore(config, async (store, deps) => {
    const space = async () => {
      const key = values.space as string | undefined;
      const found = key === undefined ? (await store.tenancy.listSpaces())[0] : await store.tenancy.findSpace(key);
      if (found === undefined) throw new UsageError(key === undefined ? 'no space exists yet: create one first' : `no space "${key}"`);
      return found;
    };
    switch (action) {
      case 'create': {
        const into = await space();
        if (into.name === EMULATOR_SPACE_NAME) throw new UsageError(`the "${EMULATOR_SPACE_NAME}" Space holds only the projects emulator mode makes (its resets delete them): choose another`);
        const project = await createProject(deps, into.id, (values.name as string | undefined) ?? 'project');
        printTable(io, [projectRow(project)], json);
        return 0;
      }
      case 'list': {
        const spaceId = values.space === undefined ? undefined : (await space()).id;
        printTable(io, (await store.tenancy.listProjects(spaceId)).map(projectRow), json);
        return 0;
      }
      case 'update': {
        const id = required(positionals[0], 'a project id');
        const limits: { rateLimit?: string | null; numberQuota?: number | null } = {};
        if (values['rate-limit'] !== undefined) limits.rateLimit = rateLimitFlag(values['rate-limit'] as string);
        if (values['number-quota'] !== undefined) limits.numberQuota = numberQuotaFlag(values['number-quota'] as string);
        if (Object.keys(limits).length === 0) throw new UsageError('nothing to update: give --rate-limit <spec|default> or --number-quota <n|none>');
        if (!(await store.tenancy.setProjectLimits(id, limits))) {
          io.err(`no project "${id}"`);
          return 1;
        }
        printTable(io, [projectRow((await store.tenancy.findProject(id))!)], json);
        // Nodes read limits along with credentials, so a change waits out their credential cache.
        if (!json) io.err('Running servers apply this within their AUTH_CACHE_TTL_MS (2000 ms unless set otherwise).');
        return 0;
      }
      default:
        throw new UsageError('projects takes create, list or update');
    }
  });
}

/** `default` (the installation's RATE_LIMIT) or a spec, stored in canonical form. */
function rateLimitFlag(value: string): string | null {
  if (value.trim().toLowerCase() === 'default') return null;
  try {
    return formatRateLimitSpec(parseRateLimitSpec(value));
  } catch (err) {
    if (err instanceof RateLimitSpecError) throw new UsageError(`--rate-limit ${err.message} (or default)`);
    throw err;
  }
}

/** Most active numbers the project may hold: 0 to 10,000,000, or none. */
function numberQuotaFlag(value: string): number | null {
  if (value === 'none') return null;
  if (!/^\d{1,8}$/.test(value) || Number(value) > 10_000_000) {
    throw new UsageError(`--number-quota takes a whole number from 0 to 10000000, or none (got "${value}")`);
  }
  return Number(value);
}

const projectRow = (p: { id: string; spaceId: string; name: string; createdAt: string; rateLimit?: string | null; numberQuota?: number | null }) => ({
  id: p.id,
  space_id: p.spaceId,
  name: p.name,
  created_at: p.createdAt,
  // "default": the installation's RATE_LIMIT applies.
  rate_limit: p.rateLimit ?? 'default',
  number_quota: p.numberQuota ?? null,
});

/** `numberspace tokens create|list|revoke` */
export async function tokensCommand(config: Config, io: Io, [action, ...rest]: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { project: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' } });
  const json = values.json === true;
  return withStore(config, async (store, deps) => {
    const project = async () => {
      const id = required(values.project, '--project');
      const found = await store.tenancy.findProject(id);
      if (found === undefined) throw new UsageError(`no project "${id}"`);
      return found;
    };
    switch (action) {
      case 'create': {
        let scopes;
        try {
          scopes = parseScopes(required(values.scopes, '--scopes'));
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const projectId = (await project()).id;
        const { token, secret } = await asUsage(tokenService(deps).create(projectId, { name: (values.name as string | undefined) ?? 'token', permissions: scopes }, OPERATOR(projectId)));
        printTable(io, [{ ...tokenRow(token), secret }], json);
        if (!json) io.err('The secret is shown only this once; numberspace stores only its hash.');
        return 0;
      }
      case 'list':
        printTable(io, (await store.tenancy.listTokens((await project()).id)).map(tokenRow), json);
        return 0;
      case 'revoke': {
        const id = required(positionals[0], 'a token id');
        try {
          await tokenService(deps).delete(undefined, id, { tokenId: null, requestId: null, surface: 'cli' });
        } catch (err) {
          if (!(err instanceof NumberspaceError) || err.kind !== 'not_found') throw err;
          io.err(`no active token "${id}"`);
          return 1;
        }
        io.out(`revoked ${id}`);
        return 0;
      }
      case 'rotate': {
        const id = required(positionals[0], 'a token id');
        const secret = generateSecret();
        if (!(await store.tenancy.rotateToken(id, hashSecret(secret), new Date().toISOString(), { tokenId: null, requestId: null, surface: 'cli' }))) {
          io.err(`no active token "${id}"`);
          return 1;
        }
        if (json) io.out(JSON.stringify([{ id, secret }], null, 2));
        else {
          io.out(`rotated ${id}\nsecret  ${secret}`);
          io.err(`The new secret is shown only this once. The old one is refused by running servers within AUTH_CACHE_TTL_MS.`);
        }
        return 0;
      }
      default:
        throw new UsageError('tokens takes create, list, rotate or revoke');
    }
  });
}

/** The service's refusals (a blank name, say) are the operator's usage errors. */
async function asUsage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof NumberspaceError && err.kind === 'invalid') throw new UsageError(err.message);
    throw err;
  }
}

const tokenRow = (t: { id: string; projectId: string; name: string; scopes: readonly string[]; createdAt: string; revokedAt: string | null }) => ({
  id: t.id,
  project_id: t.projectId,
  name: t.name,
  scopes: t.scopes.join(','),
  created_at: t.createdAt,
  revoked_at: t.revokedAt,
});
