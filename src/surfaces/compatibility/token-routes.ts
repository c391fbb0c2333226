import type { RouteShorthandOptions } from 'fastify';
import { type GuardDeps, guard } from '../../auth/route-guard.js';
import type { App } from '../../http/app-type.js';
import type { TokenService } from '../../tenancy/token-service.js';
import { tokenResponse } from '../../tenancy/token-response.js';
import { compatibilityResponses } from './responses.js';
import { listsFromForm, ownAccount, splitSid } from './route-kit.js';
import { AccountParams, CompatibilityTokenValidationError, CreateTokenRequest, TokenParams, TokenResponse, UpdateTokenRequest } from './token-schemas.js';

const TAGS = ['Compatibility: Tokens'];
const FORM_AND_JSON = ['application/x-www-form-urlencoded', 'application/json'];
const SCOPE_NOTE = 'Needs the "management" scope; reaches only the account\'s (the project\'s) own tokens.';

type Twice = (path: string, register: (url: string, suffix: string, options: { config: RouteShorthandOptions['config'] }) => void) => void;

function responses(...statuses: number[]): Record<number, unknown> {
  const out = compatibilityResponses(...statuses);
  if (statuses.includes(403)) out[403] = { ...(out[403] as object), description: 'The token lacks the "management" scope.' };
  if (statuses.includes(404)) out[404] = { ...(out[404] as object), description: 'No such token in this account (another account\'s, a revoked or a malformed id alike), or the path names another account.' };
  if (statuses.includes(422)) out[422] = { description: 'The request failed validation: the first problem\'s code and attribute, and a message naming every problem.', ...CompatibilityTokenValidationError };
  return out;
}

/** The Project Tokens API on the Compatibility surface: /Accounts/{AccountSid}/tokens. */
export function tokenRoutes(app: App, deps: GuardDeps & { tokens: TokenService }, { documented, metricsPrefix, twice }: { documented: boolean; metricsPrefix: string; twice: Twice }): void {
  const management = guard(deps, { scope: 'management' });
  const by = (request: { principal: { projectId: string; tokenId: string }; id: string }) => ({
    projectId: request.principal.projectId,
    tokenId: request.principal.tokenId,
    requestId: request.id,
    surface: 'compatibility' as const,
  });

  twice('/Accounts/:AccountSid/tokens', (url, _suffix, { config }) =>
    app.post(
      url,
      {
        onRequest: [management, ownAccount],
        preValidation: listsFromForm(['permissions']),
        config: { ...config, tokenErrors: true },
        schema: {
          operationId: 'create_token',
          summary: 'Create an API token',
          description: `Creates an API token in the account and answers its secret, this once. ${SCOPE_NOTE} A form sends permissions as repeated permissions= parameters. subproject_id is not emulated (422).`,
          tags: TAGS,
          consumes: FORM_AND_JSON,
          params: AccountParams,
          body: CreateTokenRequest,
          response: { 200: { description: 'The token, with its secret.', ...TokenResponse }, ...responses(400, 401, 403, 404, 413, 415, 422, 429, 500, 503) },
        },
      },
      async (request) => {
        const { token, secret } = await deps.tokens.create(request.principal.projectId, request.body, by(request));
        return tokenResponse(token, secret);
      },
    ),
  );

  const one = '/Accounts/:AccountSid/tokens/:token_id';
  const config = { documented, metricsRoute: `${metricsPrefix}${one}` };
  app.patch(
    one,
    {
      onRequest: [management, ownAccount],
      preValidation: listsFromForm(['permissions']),
      config: { ...config, tokenErrors: true },
      schema: {
        operationId: 'update_token',
        summary: 'Update an API token',
        description: `Changes a token's name and/or permissions; absent ones stay. The new permissions apply on this node at once and on every node within AUTH_CACHE_TTL_MS. ${SCOPE_NOTE}`,
        tags: TAGS,
        consumes: FORM_AND_JSON,
        params: TokenParams,
        body: UpdateTokenRequest,
        response: { 200: { description: 'The token; token is the empty string (the secret is shown only at creation).', ...TokenResponse }, ...responses(400, 401, 403, 404, 413, 415, 422, 429, 500, 503) },
      },
    },
    async (request) => tokenResponse(await deps.tokens.update(request.principal.projectId, splitSid(request.params.token_id).sid, request.body ?? {}, by(request))),
  );
  app.delete(
    one,
    {
      onRequest: [management, ownAccount],
      config,
      schema: {
        operationId: 'delete_token',
        summary: 'Delete an API token',
        description: `Revokes the token: it stops authenticating on this node at once and on every node within AUTH_CACHE_TTL_MS. A token may delete itself; the request that does so still completes. ${SCOPE_NOTE}`,
        tags: TAGS,
        params: TokenParams,
        response: { 204: { description: 'Deleted; no body.', type: 'null' }, ...responses(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      await deps.tokens.delete(request.principal.projectId, splitSid(request.params.token_id).sid, by(request));
      return reply.code(204).send();
    },
  );
}
