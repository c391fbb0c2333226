import type { Kysely } from 'kysely';
import { type Actor, auditEvent } from '../../domain/audit.js';
import type { Scope } from '../../domain/scopes.js';
import { isUniqueViolation } from '../database-errors.js';
import type { Database } from '../schema.js';
import { type Credential, OPERATOR, type ProjectLimits, type ProjectRecord, type SpaceRecord, type TenancyStore, type TokenRecord } from '../tenant-records.js';

const splitScopes = (s: string) => (s === '' ? [] : (s.split(',') as Scope[]));


/** Name and scopes only: the secret never reaches the audit trail. */
const tokenCreated = (t: TokenRecord, actor: Actor) =>
  auditEvent(actor, t.createdAt, 'token.created', t.id, { name: t.name, scopes: t.scopes });

export function kyselyTenancyStore(db: Kysely<Database>): TenancyStore {
  const spaceValues = (s: SpaceRecord) => ({ id: s.id, name: s.name, partner_api: s.partnerApi ? 1 : 0, created_at: s.createdAt });
  const projectValues = (p: ProjectRecord) => ({ id: p.id, space_id: p.spaceId, name: p.name, created_at: p.createdAt });
  /** Changes an active token and records it, in one transaction; false when no active token has that id. */
  const changeActiveToken = (
    tokenId: string,
    change: { secret_hash: string } | { revoked_at: string },
    action: 'token.rotated' | 'token.revoked',
    at: string,
    actor: Omit<Actor, 'projectId'>,
    inProject?: string,
  ) =>
    db.transaction().execute(async (trx) => {
      let update = trx.updateTable('api_tokens').set(change).where('id', '=', tokenId).where('revoked_at', 'is', null);
      if (inProject !== undefined) update = update.where('project_id', '=', inProject);
      const changed = await update.returning(['project_id', 'name']).executeTakeFirst();
      if (changed === undefined) return false;
      await trx
        .insertInto('audit_events')
        .values(auditEvent({ ...actor, projectId: changed.project_id }, at, action, tokenId, { name: changed.name }))
        .execute();
      return true;
    });
  const tokenValues = (t: TokenRecord, secretHash: string) => ({
    id: t.id,
    project_id: t.projectId,
    name: t.name,
    scopes: t.scopes.join(','),
    secret_hash: secretHash,
    created_at: t.createdAt,
    revoked_at: t.revokedAt,
  });

  /**
   * A project (and first its Space, when given) with its tokens, recorded, in one transaction;
   * false, with nothing written, when any of them exists already (another node or request
   * got there first).
   */
  const insertProject = async (space: SpaceRecord | undefined, project: ProjectRecord, tokens: readonly { token: TokenRecord; secretHash: string }[]) => {
    try {
      await db.transaction().execute(async (trx) => {
        if (space !== undefined) await trx.insertInto('spaces').values(spaceValues(space)).execute();
        await trx.insertInto('projects').values(projectValues(project)).execute();
        for (const { token, secretHash } of tokens) {
          await trx.insertInto('api_tokens').values(tokenValues(token, secretHash)).execute();
          await trx.insertInto('audit_events').values(tokenCreated(token, OPERATOR(project.id))).execute();
        }
      });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  };

  const toSpace = (r: Database['spaces']): SpaceRecord => ({
    id: r.id,
    name: r.name,
    partnerApi: r.partner_api === 1,
    createdAt: r.created_at,
  });
  const toProject = (r: Database['projects']): ProjectRecord & ProjectLimits => ({
    id: r.id,
    spaceId: r.space_id,
    name: r.name,
    createdAt: r.created_at,
    rateLimit: r.rate_limit,
    numberQuota: r.number_quota,
  });

  return {
    async countSpaces() {
      const row = await db.selectFrom('spaces').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async createSpace(s) {
      await db.insertInto('spaces').values(spaceValues(s)).execute();
    },
    async listSpaces() {
      return (await db.selectFrom('spaces').selectAll().orderBy('created_at').orderBy('id').execute()).map(toSpace);
    },
    async findSpace(idOrName) {
      const row = await db
        .selectFrom('spaces')
        .selectAll()
        .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
        .executeTakeFirst();
      return row && toSpace(row);
    },
    async setPartnerApi(spaceId, enabled) {
      await db.updateTable('spaces').set({ partner_api: enabled ? 1 : 0 }).where('id', '=', spaceId).execute();
    },
    async createProject(p) {
      await db.insertInto('projects').values(projectValues(p)).execute();
    },
    async listProjects(spaceId) {
      // A Space's stock project (domain/stock.ts) is storage, not a project anyone manages.
      let q = db.selectFrom('projects').selectAll().where('id', 'not like', 'stock:%');
      if (spaceId !== undefined) q = q.where('space_id', '=', spaceId);
      return (await q.orderBy('created_at').orderBy('id').execute()).map(toProject);
    },
    async findProject(id) {
      const row = await db.selectFrom('projects').selectAll().where('id', '=', id).where('id', 'not like', 'stock:%').executeTakeFirst();
      return row && toProject(row);
    },
    async setProjectLimits(projectId, limits) {
      const result = await db
        .updateTable('projects')
        .set({
          ...(limits.rateLimit === undefined ? {} : { rate_limit: limits.rateLimit }),
          ...(limits.numberQuota === undefined ? {} : { number_quota: limits.numberQuota }),
        })
        .where('id', '=', projectId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async createToken(t, secretHash, actor) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('api_tokens').values(tokenValues(t, secretHash)).execute();
        await trx.insertInto('audit_events').values(tokenCreated(t, actor)).execute();
      });
    },
    async listTokens(projectId) {
      const rows = await db
        .selectFrom('api_tokens')
        .select(['id', 'project_id', 'name', 'scopes', 'created_at', 'revoked_at'])
        .where('project_id', '=', projectId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        projectId: r.project_id,
        name: r.name,
        scopes: splitScopes(r.scopes),
        createdAt: r.created_at,
        revokedAt: r.revoked_at,
      }));
    },
    rotateToken: (tokenId, secretHash, at, actor) => changeActiveToken(tokenId, { secret_hash: secretHash }, 'token.rotated', at, actor),
    revokeToken: (tokenId, at, actor, inProject) => changeActiveToken(tokenId, { revoked_at: at }, 'token.revoked', at, actor, inProject),
    updateToken: (projectId, tokenId, change, at, actor) =>
      db.transaction().execute(async (trx) => {
        const values = {
          ...(change.name === undefined ? {} : { name: change.name }),
          ...(change.scopes === undefined ? {} : { scopes: change.scopes.join(',') }),
        };
        // An empty change still has to find the token (and is recorded as the no-op it was).
        const row = await trx
          .updateTable('api_tokens')
          .set(Object.keys(values).length === 0 ? { id: tokenId } : values)
          .where('id', '=', tokenId)
          .where('project_id', '=', projectId)
          .where('revoked_at', 'is', null)
          .returning(['id', 'project_id', 'name', 'scopes', 'created_at', 'revoked_at'])
          .executeTakeFirst();
        if (row === undefined) return undefined;
        await trx
          .insertInto('audit_events')
          .values(auditEvent(actor, at, 'token.updated', tokenId, { ...(change.name === undefined ? {} : { name: change.name }), ...(change.scopes === undefined ? {} : { scopes: change.scopes }) }))
          .execute();
        return { id: row.id, projectId: row.project_id, name: row.name, scopes: splitScopes(row.scopes), createdAt: row.created_at, revokedAt: row.revoked_at };
      }),
    async findCredential(secretHash) {
      const row = await db
        .selectFrom('api_tokens as t')
        .innerJoin('projects as p', 'p.id', 't.project_id')
        .innerJoin('spaces as s', 's.id', 'p.space_id')
        .select(['t.id', 't.project_id', 'p.space_id', 't.secret_hash', 't.scopes', 't.revoked_at', 's.partner_api', 'p.rate_limit', 'p.number_quota'])
        .where('t.secret_hash', '=', secretHash)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        tokenId: row.id,
        projectId: row.project_id,
        spaceId: row.space_id,
        secretHash: row.secret_hash,
        scopes: splitScopes(row.scopes),
        partnerApi: row.partner_api === 1,
        revoked: row.revoked_at !== null,
        rateLimit: row.rate_limit,
        numberQuota: row.number_quota,
      };
    },
    createProjectWithTokens: (project, tokens) => insertProject(undefined, project, tokens),
    async deleteProjects(projectIds) {
      if (projectIds.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const ids = [...projectIds];
        await trx.deleteFrom('idempotency_keys').where('project_id', 'in', ids).execute();
        await trx.deleteFrom('audit_events').where('project_id', 'in', ids).execute();
        await trx.deleteFrom('phone_numbers').where('project_id', 'in', ids).execute();
        await trx.deleteFrom('api_tokens').where('project_id', 'in', ids).execute();
        const gone = await trx.deleteFrom('projects').where('id', 'in', ids).executeTakeFirst();
        return Number(gone.numDeletedRows);
      });
    },
    createInitialTenancy: (space, project, token, secretHash) => insertProject(space, project, [{ token, secretHash }]),
  };
}
