import type { GuardDeps } from '../../auth/route-guard.js';
import { type Readiness, refuseUntilReady } from '../../http/readiness.js';
import { errors } from '../../domain/errors.js';
import type { App } from '../../http/app-type.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../http/json-depth.js';
import type { ImportService } from '../../numbers/import-service.js';
import type { PhoneNumberService } from '../../numbers/phone-number-service.js';
import { relayErrorHandler, relayNotFound } from './error-writer.js';
import { importRoutes } from './import-routes.js';
import { phoneNumberRoutes } from './phone-number-routes.js';
import { stockRoutes } from './stock-routes.js';
import { consoleRoutes } from './console-routes.js';
import type { PhoneNumberStore } from '../../storage/phone-number-store.js';
import type { AuditStore, TenancyStore } from '../../storage/tenant-records.js';
import type { StockService } from '../../numbers/stock-service.js';
import { tokenRoutes } from './token-routes.js';
import type { TokenService } from '../../tenancy/token-service.js';
import type { Idempotency } from '../../http/idempotency.js';

/** Where the surface is registered; its numbers live under /relay/rest, its tokens under /project. */
export const RELAY_REST_ROOT = '/api';

export interface RelayRestDeps extends GuardDeps {
  readonly importNumber: ImportService;
  readonly phoneNumbers: PhoneNumberService;
  readonly stock: StockService;
  /** Read-only, for numberspace's own counts and activity (console-routes.ts). */
  readonly numbers: PhoneNumberStore;
  readonly audit: AuditStore;
  readonly tenancy: TenancyStore;
  readonly clock: () => Date;
  readonly tokens: TokenService;
  readonly idempotency: Idempotency;
  readonly readiness: Readiness;
}

/**
 * SignalWire's Relay REST surface, registered under RELAY_REST_ROOT as an encapsulated
 * plugin: JSON bodies only, its own error bodies and its own not-found answer, for the
 * numbers (/api/relay/rest) and the Project Tokens API (/api/project) alike.
 */
export function relayRestSurface(deps: RelayRestDeps) {
  return async (app: App): Promise<void> => {
    // JSON only: no other media type reaches a route (415).
    app.removeAllContentTypeParsers();
    // An empty body labelled JSON is no body (clients that send the header on every request,
    // DELETE included); anything else goes through Fastify's poisoning-safe parser.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') done(null, undefined);
      else if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) done(errors.badRequest(), undefined);
      else parseJson(request, body as string, done);
    });
    app.addHook('onRequest', refuseUntilReady(deps.readiness));
    app.setErrorHandler(relayErrorHandler);
    app.setNotFoundHandler(relayNotFound);
    await app.register(
      async (numbers: App) => {
        importRoutes(numbers, deps);
        phoneNumberRoutes(numbers, deps);
        stockRoutes(numbers, deps);
      },
      { prefix: '/relay/rest' },
    );
    await app.register(async (project: App) => tokenRoutes(project, deps), { prefix: '/project' });
    consoleRoutes(app, deps);
  };
}
