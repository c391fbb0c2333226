import { type GuardDeps, guard } from '../../auth/route-guard.js';
import type { App } from '../../http/app-type.js';
import { tokenResponse } from '../../tenancy/token-response.js';
import type { TokenService } from '../../tenancy/token-service.js';
import { pickErrors } from './error-responses.js';
import { CreateTokenRequest, TokenParams, TokenResponse, TokenValidationError, UpdateTokenRequest } from './token-schemas.js';

const TAGS = ['Project Tokens'];
const SCOPE_NOTE = 'Needs the "management" scope; reaches only the calling project\'s tokens.';


const invalid = { 422: { description: 'The request failed validation.', ...TokenValidationError } };

/** The Project Tokens API, under /api/project. */
export function tokenRoutes(app: App, deps: GuardDeps & { tokens: TokenService }): void {
  const onRequest = guard(deps, { scope: 'management' });
  const by = (request: { principal: { projectId: string; tokenId: string }; id: string }) => ({
    projectId: request.principal.projectId,
    tokenId: request.principal.tokenId,
    requestId: request.id,
    surface: 'relay-rest' as const,
  });
  app.post(
    '/tokens',
    {
      onRequest,
      config: { tokenErrors: true },
      schema: {
        operationId: 'create_token',
        summary: 'Create API token',
        description: `Creates an API token in the calling project and answers its secret, this once. ${SCOPE_NOTE} subproject_id is not emulated (422).`,
        tags: TAGS,
        body: CreateTokenRequest,
        response: { 200: { description: 'The token, with its secret.', ...TokenResponse }, ...pickErrors(400, 401, 403, 413, 415, 429, 500, 503), ...invalid },
      },
    },
    async (request) => {
      const { token, secret } = await deps.tokens.create(request.principal.projectId, request.body, by(request));
      return tokenResponse(token, secret);
    },
  );
  app.patch(
    '/tokens/:token_id',
    {
      onRequest,
      config: { tokenErrors: true },
      schema: {
        operationId: 'update_token',
        summary: 'Update API token',
        description: `Changes a token's name and/or permissions; absent ones stay. The new permissions apply on this node at once and on every node within AUTH_CACHE_TTL_MS. ${SCOPE_NOTE}`,
        tags: TAGS,
        params: TokenParams,
        body: UpdateTokenRequest,
        response: { 200: { description: 'The token; token is the empty string (the secret is shown only at creation).', ...TokenResponse }, ...pickErrors(400, 401, 403, 404, 413, 415, 429, 500, 503), ...invalid },
      },
    },
    async (request) => tokenResponse(await deps.tokens.update(request.principal.projectId, request.params.token_id, request.body ?? {}, by(request))),
  );
  app.delete(
    '/tokens/:token_id',
    {
      onRequest,
      schema: {
        operationId: 'delete_token',
        summary: 'Delete API token',
        description: `Revokes the token: it stops authenticating on this node at once and on every node within AUTH_CACHE_TTL_MS. A token may delete itself; the request that does so still completes. ${SCOPE_NOTE}`,
        tags: TAGS,
        params: TokenParams,
        response: { 204: { description: 'Deleted; no body.', type: 'null' }, ...pickErrors(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      await deps.tokens.delete(request.principal.projectId, request.params.token_id, by(request));
      return reply.code(204).send();
    },
  );
}
