import formBody from '@fastify/formbody';
import type { onRequestAsyncHookHandler, RouteShorthandOptions } from 'fastify';
import { type GuardDeps, guard } from '../../auth/route-guard.js';
import { errors } from '../../domain/errors.js';
import type { App } from '../../http/app-type.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../http/json-depth.js';
import { type Readiness, refuseUntilReady } from '../../http/readiness.js';
import { sendJson } from '../../http/send-json.js';
import type { ImportService } from '../../numbers/import-service.js';
import type { PhoneNumberService } from '../../numbers/phone-number-service.js';
import type { StockService } from '../../numbers/stock-service.js';
import { availableNumberRoutes } from './available-numbers.js';
import { type PhoneNumberRow, renderedJson } from '../../domain/phone-number-record.js';
import type { TokenService } from '../../tenancy/token-service.js';
import { type Idempotency, IdempotencyHeaders } from '../../http/idempotency.js';
import { compatibilityErrorHandler, compatibilityNotFound } from './error-writer.js';
import { type CompatibilityUpdate, toNumberChanges } from './field-mapping.js';
import { incomingPhoneNumberJson, type PathStyle } from './incoming-phone-number.js';
import { listPageJson, listRequest } from './list-page.js';
import { listsFromForm, ownAccount, splitSid } from './route-kit.js';
import { tokenRoutes } from './token-routes.js';
import { compatibilityResponses, importResponses } from './responses.js';
import {
  AccountParams,
  CompatibilityImportRequest,
  CompatibilityPurchaseRequest,
  CompatibilityUpdateRequest,
  IncomingPhoneNumber,
  IncomingPhoneNumberList,
  ListQuery,
  NumberParams,
} from './schemas.js';

/** The documented base, used by SignalWire's TypeScript SDK. */
export const COMPATIBILITY_PREFIX = '/api/laml/2010-04-01';
/** The base SignalWire's Node compatibility client (a Twilio library) uses. */
export const COMPATIBILITY_ALIAS_PREFIX = '/2010-04-01';

/** Whether a raw request URL is under either Compatibility prefix (for answers given before routing). */
export function isCompatibilityPath(url: string): boolean {
  return url.startsWith(`${COMPATIBILITY_PREFIX}/`) || url.startsWith(`${COMPATIBILITY_ALIAS_PREFIX}/`);
}

export interface CompatibilityDeps extends GuardDeps {
  readonly importNumber: ImportService;
  readonly phoneNumbers: PhoneNumberService;
  readonly stock: StockService;
  readonly tokens: TokenService;
  readonly idempotency: Idempotency;
  readonly readiness: Readiness;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: an alias of a documented route (the other prefix, or the `.json` form). */
    readonly documented?: boolean;
    /** The route's label in metrics: every alias of an operation counts under one. */
    readonly metricsRoute?: string;
  }
}

const TAGS = ['Compatibility: Incoming Phone Numbers'];
const FORM_AND_JSON = ['application/x-www-form-urlencoded', 'application/json'];

/**
 * The Twilio-shaped Compatibility API over the same inventory, as an encapsulated plugin
 * registered once per prefix: form and JSON bodies, its own error bodies and not-found answer.
 * Every operation answers with and without a `.json` suffix on its last segment, and the paths
 * in its answers repeat the prefix and suffix the request used.
 */
export function compatibilitySurface(deps: CompatibilityDeps, prefix: string) {
  const documented = prefix === COMPATIBILITY_PREFIX;
  return async (app: App): Promise<void> => {
    app.removeAllContentTypeParsers();
    // Repeated keys arrive as arrays (the contract's encoding of a list); a repeated key where
    // one value is expected then fails its schema, never silently keeping one of them.
    await app.register(formBody, { bodyLimit: 16 * 1024 });
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') done(null, undefined);
      else if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) done(errors.badRequest(), undefined);
      else parseJson(request, body as string, done);
    });
    app.addHook('onRequest', refuseUntilReady(deps.readiness));
    app.setErrorHandler(compatibilityErrorHandler);
    app.setNotFoundHandler(compatibilityNotFound);

    const numbers = guard(deps, { scope: 'numbers' });
    const imports = guard(deps, { scope: 'numbers', partnerApi: true });
    const style = (suffix: string): PathStyle => ({ prefix, suffix });

    /** Registers the route at `path` and at `path.json`; only the first is documented. */
    const twice = (path: string, register: (url: string, suffix: string, options: { config: RouteShorthandOptions['config'] }) => void) => {
      for (const suffix of ['', '.json']) {
        register(`${path}${suffix}`, suffix, { config: { documented: documented && suffix === '', metricsRoute: `${COMPATIBILITY_PREFIX}${path}` } });
      }
    };

    twice('/Accounts/:AccountSid/ImportedPhoneNumbers', (url, suffix, { config }) =>
      app.post(
        url,
        {
          onRequest: [imports, ownAccount],
          // The key's body hash is taken of the body as the lists make it: a form and a JSON
          // body saying the same are the same request.
          preValidation: [listsFromForm(['capabilities']), deps.idempotency.claim('compatibility.import')],
          onSend: deps.idempotency.keepRefusal,
          onResponse: deps.idempotency.release,
          config: { ...config, stringCodes: true, counts: 'import' },
          schema: {
            operationId: 'create_imported_phone_number',
            summary: 'Import phone number',
            description:
              'Imports a number hosted at another carrier into the account (the project). The same rules as the Relay REST import: Partner API on for the Space, the "numbers" scope, one active copy of a number in the installation, the project\'s quota. Answers an IncomingPhoneNumber; the number is at once visible on both surfaces.',
            tags: ['Compatibility: Imported Phone Numbers'],
            consumes: FORM_AND_JSON,
            params: AccountParams,
            headers: IdempotencyHeaders,
            body: CompatibilityImportRequest,
            response: {
              201: { description: 'The number was imported (or, with Idempotent-Replayed: true, the first answer to this Idempotency-Key).', ...IncomingPhoneNumber },
              ...importResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503),
            },
          },
        },
        async (request, reply) =>
          deps.idempotency.answerOnce(
            request,
            reply,
            201,
            (row: PhoneNumberRow) => answerOf(row, style(suffix)),
            (answerFor) => deps.importNumber(request.principal, request.body, { requestId: request.id, surface: 'compatibility' }, answerFor),
          ),
      ),
    );

    twice('/Accounts/:AccountSid/IncomingPhoneNumbers', (url, suffix, { config }) => {
      app.get(
        url,
        {
          onRequest: [numbers, ownAccount],
          config,
          schema: {
            operationId: 'list_incoming_phone_numbers',
            summary: 'List incoming phone numbers',
            description:
              'The account\'s active numbers, newest first, by the same keyset cursor as Relay REST: follow next_page_uri (a path) to walk every number that exists throughout the walk exactly once. Page above 0 needs the PageToken of a link this server returned. Unknown query parameters are ignored; invalid values answer 400.',
            tags: TAGS,
            params: AccountParams,
            querystring: ListQuery,
            response: { 200: { description: 'One page of numbers.', ...IncomingPhoneNumberList }, ...compatibilityResponses(400, 401, 403, 404, 429, 500, 503) },
          },
        },
        async (request, reply) => {
          const page = await deps.phoneNumbers.listJson(request.principal, listRequest(request.query), 'compatibility');
          return sendJson(reply, listPageJson(page, style(suffix), request.params.AccountSid));
        },
      );
      app.post(
        url,
        {
          onRequest: [numbers, ownAccount],
          preValidation: deps.idempotency.claim('compatibility.purchase'),
          onSend: deps.idempotency.keepRefusal,
          onResponse: deps.idempotency.release,
          config,
          schema: {
            operationId: 'create_incoming_phone_number',
            summary: 'Buy a phone number',
            description:
              'Buys a number from the caller\'s Space\'s stock, exactly as the Relay REST purchase (the "numbers" scope, the project\'s quota, the audit trail, one buyer of a number), and applies the voice and SMS parameters as an update would (docs/compatibility-api.md maps them). Answers the bought number, `origin` signalwire. A number not in stock, in another Space\'s stock, or active in a project answers 422 saying which.',
            tags: TAGS,
            consumes: FORM_AND_JSON,
            params: AccountParams,
            headers: IdempotencyHeaders,
            body: CompatibilityPurchaseRequest,
            response: {
              201: { description: 'The bought number (or, with Idempotent-Replayed: true, the first answer to this Idempotency-Key).', ...IncomingPhoneNumber },
              ...compatibilityResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503),
            },
          },
        },
        async (request, reply) => {
          const { PhoneNumber, ...attributes } = request.body as CompatibilityPurchaseRequest;
          const changes = Object.keys(attributes).length === 0 ? null : toNumberChanges(attributes as CompatibilityUpdate);
          return deps.idempotency.answerOnce(
            request,
            reply,
            201,
            (row: PhoneNumberRow) => answerOf(row, style(suffix)),
            (answerFor) => deps.stock.purchase(request.principal, { number: PhoneNumber, changes }, { requestId: request.id, surface: 'compatibility' }, answerFor),
          );
        },
      );
    });

    availableNumberRoutes(app, deps, { onRequest: [numbers, ownAccount], style, twice, documented, metricsPrefix: COMPATIBILITY_PREFIX });

    tokenRoutes(app, deps, { documented, metricsPrefix: COMPATIBILITY_PREFIX, twice });

    const number = '/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid';
    const one = { onRequest: [numbers, ownAccount], config: { documented, metricsRoute: `${COMPATIBILITY_PREFIX}${number}` } };
    app.get(
      number,
      {
        ...one,
        schema: {
          operationId: 'retrieve_incoming_phone_number',
          summary: 'Get an incoming phone number',
          description: 'One of the account\'s active numbers. An unknown, malformed, released or other account\'s sid answers 404 alike.',
          tags: TAGS,
          params: NumberParams,
          response: { 200: { description: 'The number.', ...IncomingPhoneNumber }, ...compatibilityResponses(400, 401, 403, 404, 429, 500, 503) },
        },
      },
      async (request, reply) => {
        const { sid, suffix } = splitSid(request.params.Sid);
        return sendJson(reply, incomingPhoneNumberJson(await deps.phoneNumbers.getJson(request.principal, sid, 'compatibility'), style(suffix)));
      },
    );
    app.post(
      number,
      {
        ...one,
        schema: {
          operationId: 'update_incoming_phone_number',
          summary: 'Update an incoming phone number',
          description:
            'A partial update (POST): absent parameters keep their values, an empty value clears an optional one. Voice and SMS parameters land on the number\'s Relay REST handler fields as docs/compatibility-api.md tables them: a VoiceUrl chooses the laml_webhooks call handler, a VoiceApplicationSid the laml_application one, and likewise for Sms*. Unknown parameters answer 422. The change is visible on both surfaces at once.',
          tags: TAGS,
          consumes: FORM_AND_JSON,
          params: NumberParams,
          body: CompatibilityUpdateRequest,
          response: { 200: { description: 'The updated number.', ...IncomingPhoneNumber }, ...compatibilityResponses(400, 401, 403, 404, 413, 415, 422, 429, 500, 503) },
        },
      },
      async (request, reply) => {
        const { sid, suffix } = splitSid(request.params.Sid);
        const body = request.body ?? {};
        const refused = notEmulated(body, request.principal.projectId);
        if (refused !== null) throw errors.invalid([refused]);
        const row = await deps.phoneNumbers.update(request.principal, sid, toNumberChanges(body as CompatibilityUpdate), { requestId: request.id, surface: 'compatibility' });
        return sendJson(reply, answerOf(row, style(suffix)));
      },
    );
    app.delete(
      number,
      {
        ...one,
        config: { ...one.config, counts: 'release' },
        schema: {
          operationId: 'delete_incoming_phone_number',
          summary: 'Release an incoming phone number',
          description: 'Releases the number from the account, exactly as the Relay REST release: it is gone from both surfaces and free to import again.',
          tags: TAGS,
          params: NumberParams,
          response: { 204: { description: 'Released; no body.', type: 'null' }, ...compatibilityResponses(400, 401, 403, 404, 429, 500, 503) },
        },
      },
      async (request, reply) => {
        await deps.phoneNumbers.release(request.principal, splitSid(request.params.Sid).sid, { requestId: request.id, surface: 'compatibility' });
        return reply.code(204).send();
      },
    );
  };
}

/** A written number's IncomingPhoneNumber, from the view its write stored. */
const answerOf = (row: PhoneNumberRow, style: PathStyle) => incomingPhoneNumberJson(renderedJson(row, 'compat_wire'), style);

/** The contract's update parameters numberspace does not emulate; null when the body has none. */
function notEmulated(body: Record<string, unknown>, projectId: string) {
  if (typeof body.AccountSid === 'string' && body.AccountSid.toLowerCase() !== projectId) {
    return { code: 'invalid_value' as const, detail: 'AccountSid: moving a number to another account is not emulated; only the number\'s own account is accepted' };
  }
  if (body.EmergencyAddressSid !== undefined) {
    return { code: 'invalid_value' as const, detail: 'EmergencyAddressSid: E911 addresses are not emulated' };
  }
  return null;
}
