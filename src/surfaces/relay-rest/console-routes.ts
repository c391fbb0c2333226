import { Type } from '@sinclair/typebox';
import { type GuardDeps, guard } from '../../auth/route-guard.js';
import type { AuditEvent } from '../../domain/audit.js';
import { errors } from '../../domain/errors.js';
import type { App } from '../../http/app-type.js';
import { integerParam, invalidParam, type Query, textParam } from '../../http/query-values.js';
import { sendJson } from '../../http/send-json.js';
import type { PhoneNumberStore } from '../../storage/phone-number-store.js';
import type { AuditStore, TenancyStore } from '../../storage/tenant-records.js';
import { pickErrors } from './error-responses.js';

/**
 * numberspace's own read-only additions, under /api/numberspace: what the web console needs
 * that SignalWire's operations do not answer (counts and the audit trail), for any client.
 * Same credentials, scopes and error bodies as Relay REST; numberspace's own shapes.
 */

const TAGS = ['numberspace: inventory and activity'];
export const ACTIVITY_PATH = '/api/numberspace/activity';
const DAYS = 30;
const RECENT = 10;
const MAX_PAGE = 200;

/** The kinds of change a filter names, and the audit actions each stands for. */
const KINDS: Readonly<Record<string, readonly string[]>> = {
  imported: ['number.imported'],
  purchased: ['number.purchased'],
  updated: ['number.updated'],
  released: ['number.released'],
  tokens: ['token.created', 'token.updated', 'token.rotated', 'token.revoked'],
};
const NUMBER_ACTIONS = ['number.imported', 'number.purchased', 'number.updated', 'number.released'];

const ActivityItem = Type.Object(
  {
    id: Type.String(),
    at: Type.String({ description: 'ISO 8601, UTC.' }),
    action: Type.String({ description: 'number.imported, number.purchased, number.updated, number.released, token.created, token.updated, token.rotated or token.revoked.' }),
    resource_id: Type.String({ description: 'The number\'s or the token\'s id.' }),
    number: Type.Union([Type.String(), Type.Null()], { description: 'The E.164 number a number event concerns; null for token events.' }),
    surface: Type.Union([Type.String(), Type.Null()], { description: 'relay-rest, compatibility, cli or emulator; null for events recorded before surfaces were.' }),
    token_id: Type.Union([Type.String(), Type.Null()], { description: 'The API token that made the change; null for the operator\'s CLI.' }),
    request_id: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'What changed: for an update, the attributes and their new values.' }),
  },
  { additionalProperties: false },
);


const Overview = Type.Object(
  {
    active_numbers: Type.Integer(),
    by_country: Type.Array(
      Type.Object({ country_code: Type.Union([Type.String(), Type.Null()], { description: 'ISO 3166-1 alpha-2; null for non-geographic numbers.' }), count: Type.Integer() }, { additionalProperties: false }),
      { description: 'Most numbers first.' },
    ),
    by_type: Type.Array(Type.Object({ number_type: Type.String({ description: 'longcode or toll-free.' }), count: Type.Integer() }, { additionalProperties: false }), { description: 'Most numbers first.' }),
    daily: Type.Array(
      Type.Object({ date: Type.String({ description: 'YYYY-MM-DD, UTC.' }), imported: Type.Integer(), purchased: Type.Integer(), released: Type.Integer() }, { additionalProperties: false }),
      { description: `The last ${DAYS} UTC days, oldest first, today last.` },
    ),
    recent: Type.Array(ActivityItem, { description: `The ${RECENT} most recent changes.` }),
  },
  { additionalProperties: false },
);

const ActivityPage = Type.Object(
  {
    links: Type.Object({ self: Type.String(), first: Type.String(), next: Type.Optional(Type.String()) }, { additionalProperties: false }),
    data: Type.Array(ActivityItem),
  },
  { additionalProperties: false },
);

const param = (description: string) => Type.Optional(Type.String({ description }));
const ActivityQuery = Type.Object({
  number: param('Only events of numbers starting with this E.164 prefix: `+` and 1 to 15 digits (`+1512`, or a whole number).'),
  kind: param('Only these kinds of change, comma-separated: imported, purchased, updated, released, tokens.'),
  page_size: param(`1 to ${MAX_PAGE}, default 50.`),
  page_token: param('Where to resume, from links.next.'),
});

function activityItem(e: AuditEvent) {
  const details = JSON.parse(e.summary) as Record<string, unknown>;
  const { number, ...rest } = details;
  return {
    id: e.id,
    at: e.at,
    action: e.action,
    resource_id: e.resource_id,
    number: typeof number === 'string' ? number : null,
    surface: e.surface,
    token_id: e.token_id,
    request_id: e.request_id,
    details: rest,
  };
}

/** A position in the trail: only ever a place in the caller's own project's events, so it needs no signature. */
const encodeCursor = (e: AuditEvent) => Buffer.from(JSON.stringify([e.at, e.id])).toString('base64url');
function decodeCursor(token: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && at.length <= 40 && id.length <= 64) return { at, id };
  } catch {}
  throw errors.badRequest();
}

/** The actions a caller may read: token changes only with the management scope. */
function visibleActions(scopes: ReadonlySet<string>, kinds: string | undefined): string[] {
  const allowed = scopes.has('management') ? [...NUMBER_ACTIONS, ...KINDS.tokens!] : NUMBER_ACTIONS;
  if (kinds === undefined) return allowed;
  const wanted = kinds.split(',').map((k) => k.trim());
  const unknown = wanted.find((k) => KINDS[k] === undefined);
  if (unknown !== undefined) throw invalidParam('kind', `must be a comma-separated list of ${Object.keys(KINDS).join(', ')}`);
  return wanted.flatMap((k) => KINDS[k]!).filter((a) => allowed.includes(a));
}

/** Paths are relative to /api. */
export function consoleRoutes(app: App, deps: GuardDeps & { numbers: PhoneNumberStore; audit: AuditStore; tenancy: TenancyStore; clock: () => Date }): void {
  const onRequest = guard(deps, { scope: 'numbers' });

  app.get(
    '/numberspace/token',
    {
      // Any scope: a client learns what its token may do before it tries.
      onRequest: guard(deps, { scope: 'numbers', anyScope: true }),
      schema: {
        operationId: 'numberspace_token',
        summary: 'The calling token',
        description: 'numberspace extension. The project and token the credentials name and the token\'s scopes, so a client (the web console) can offer only what the token may do instead of trying and failing. Any valid token may ask, whatever its scopes.',
        tags: TAGS,
        response: {
          200: {
            description: 'The token.',
            ...Type.Object({ project_id: Type.String(), token_id: Type.String(), scopes: Type.Array(Type.String(), { description: 'In alphabetical order.' }) }, { additionalProperties: false }),
          },
          ...pickErrors(401, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { projectId, tokenId, scopes } = request.principal;
      return sendJson(reply, JSON.stringify({ project_id: projectId, token_id: tokenId, scopes: [...scopes].sort() }));
    },
  );

  app.get(
    '/numberspace/tokens',
    {
      onRequest: guard(deps, { scope: 'management' }),
      schema: {
        operationId: 'numberspace_list_tokens',
        summary: 'List the project\'s API tokens',
        description:
          'numberspace extension: the Project Tokens API creates, changes and deletes tokens but lists none. The project\'s active tokens, oldest first, each as the Project Tokens API shows it with `token` never present (secrets are not kept), and when it was created. Needs the "management" scope.',
        tags: TAGS,
        response: {
          200: {
            description: 'The tokens.',
            ...Type.Object(
              {
                data: Type.Array(
                  Type.Object({ id: Type.String(), name: Type.String(), permissions: Type.Array(Type.String()), created_at: Type.String() }, { additionalProperties: false }),
                ),
              },
              { additionalProperties: false },
            ),
          },
          ...pickErrors(401, 403, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const tokens = (await deps.tenancy.listTokens(request.principal.projectId)).filter((t) => t.revokedAt === null);
      return sendJson(reply, JSON.stringify({ data: tokens.map((t) => ({ id: t.id, name: t.name, permissions: t.scopes, created_at: t.createdAt })) }));
    },
  );

  app.get(
    '/numberspace/overview',
    {
      onRequest,
      schema: {
        operationId: 'numberspace_overview',
        summary: 'The project\'s inventory at a glance',
        description: `numberspace extension. The project's active numbers counted by country and by type (from an index of those columns, as fast at a million numbers as at a thousand), imports, purchases and releases per UTC day over the last ${DAYS} days, and the ${RECENT} most recent changes (token changes only for a token with the "management" scope). Needs the "numbers" scope.`,
        tags: TAGS,
        response: { 200: { description: 'The overview.', ...Overview }, ...pickErrors(401, 403, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const { projectId, scopes } = request.principal;
      const today = new Date(deps.clock().toISOString().slice(0, 10));
      const first = new Date(today.getTime() - (DAYS - 1) * 86_400_000).toISOString();
      const [counts, perDay, recent] = await Promise.all([
        deps.numbers.counts(projectId),
        deps.audit.perDay(projectId, first, ['number.imported', 'number.purchased', 'number.released']),
        deps.audit.page(projectId, { after: null, limit: RECENT, actions: visibleActions(scopes, undefined), numberPrefix: null }),
      ]);
      const tally = (key: 'country_code' | 'number_type') => {
        const totals = new Map<string | null, number>();
        for (const c of counts) totals.set(c[key], (totals.get(c[key]) ?? 0) + c.n);
        return [...totals].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0]))).map(([value, n]) => ({ [key]: value, count: n }));
      };
      const daily = Array.from({ length: DAYS }, (_, i) => ({ date: new Date(Date.parse(first) + i * 86_400_000).toISOString().slice(0, 10), imported: 0, purchased: 0, released: 0 }));
      const byDate = new Map(daily.map((d) => [d.date, d]));
      for (const { day, action, n } of perDay) {
        const d = byDate.get(day);
        if (d !== undefined) d[action.slice('number.'.length) as 'imported' | 'purchased' | 'released'] = n;
      }
      return sendJson(
        reply,
        JSON.stringify({ active_numbers: counts.reduce((s, c) => s + c.n, 0), by_country: tally('country_code'), by_type: tally('number_type'), daily, recent: recent.map(activityItem) }),
      );
    },
  );

  app.get(
    '/numberspace/activity',
    {
      onRequest,
      // Read before the schema checks the query, so each bad parameter answers 422 naming it.
      preValidation: async (request) => {
        const query = request.query as Query;
        const number = textParam(query, 'number');
        if (number !== undefined && !/^\+[0-9]{1,15}$/.test(number)) throw invalidParam('number', "must be '+' and 1 to 15 digits");
        textParam(query, 'page_token');
        visibleActions(request.principal.scopes, textParam(query, 'kind'));
        integerParam(query, 'page_size', 1, MAX_PAGE, 50);
      },
      schema: {
        operationId: 'numberspace_activity',
        summary: 'The project\'s audit trail',
        description:
          'numberspace extension. The project\'s changes, newest first: imports, purchases, updates and releases of numbers (who, through which surface, in which request), and for a token with the "management" scope its token changes. Filter by number prefix and by kind; follow links.next for older events. Needs the "numbers" scope. An invalid parameter answers 422 naming it; a page_token this server did not issue, 400.',
        tags: TAGS,
        querystring: ActivityQuery,
        response: { 200: { description: 'One page of events.', ...ActivityPage }, ...pickErrors(400, 401, 403, 422, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const numberPrefix = textParam(query, 'number') ?? null;
      const kind = textParam(query, 'kind');
      const limit = integerParam(query, 'page_size', 1, MAX_PAGE, 50);
      const token = textParam(query, 'page_token');
      const actions = visibleActions(request.principal.scopes, kind);
      const events =
        actions.length === 0
          ? []
          : await deps.audit.page(request.principal.projectId, { after: token === undefined ? null : decodeCursor(token), limit: limit + 1, actions, numberPrefix });
      const page = events.slice(0, limit);
      const link = (pageToken?: string) => {
        const params: [string, string][] = [];
        if (numberPrefix !== null) params.push(['number', numberPrefix]);
        if (kind !== undefined) params.push(['kind', kind]);
        params.push(['page_size', String(limit)]);
        if (pageToken !== undefined) params.push(['page_token', pageToken]);
        return `${ACTIVITY_PATH}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
      };
      const links: Record<string, string> = { self: link(token), first: link() };
      if (events.length > limit) links.next = link(encodeCursor(page.at(-1)!));
      return sendJson(reply, JSON.stringify({ links, data: page.map(activityItem) }));
    },
  );
}
