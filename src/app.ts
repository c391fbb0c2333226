import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { App } from './http/app-type.js';
import { createAuthenticator } from './auth/authenticator.js';
import { relayErrorHandler, relayNotFound, sendRelayError } from './surfaces/relay-rest/error-writer.js';
import { RELAY_REST_ROOT, relayRestSurface } from './surfaces/relay-rest/plugin.js';
import { sendCompatibilityError } from './surfaces/compatibility/error-writer.js';
import { COMPATIBILITY_ALIAS_PREFIX, COMPATIBILITY_PREFIX, compatibilitySurface, isCompatibilityPath } from './surfaces/compatibility/plugin.js';
import { errors } from './domain/errors.js';
import { answerClientError, hasAmbiguousHost } from './http/framing.js';
import { createMetrics, type MetricsGroup, type MetricsSnapshot, renderMetrics } from './http/metrics.js';
import { createAuthThrottle } from './limits/auth-throttle.js';
import { NO_RATE_LIMIT, type RateLimitSpec } from './limits/rate-limit-spec.js';
import { createRateLimiter } from './limits/rate-limiter.js';
import { createReadiness, type Readiness } from './http/readiness.js';
import { requestId } from './http/request-id.js';
import { accessLogWriter } from './logger.js';
import { ERROR_DETAIL_KEYWORD } from './http/validation-errors.js';
import { COMPATIBILITY_DOCUMENT_PATH, collectRoutes } from './openapi/openapi-document.js';
import { importService } from './numbers/import-service.js';
import { stockService } from './numbers/stock-service.js';
import { consoleSurface } from './surfaces/console/plugin.js';
import { SYNTHETIC_COUNTRIES, syntheticCandidates } from './emulator/synthetic-numbers.js';
import { phoneNumberService } from './numbers/phone-number-service.js';
import { tokenService } from './tenancy/token-service.js';
import { idempotency } from './http/idempotency.js';
import { expandKeptAnswer } from './numbers/kept-import-answer.js';
import type { Store } from './storage/store.js';
import { newRowId } from './domain/uuid-v7.js';
import { createJournal, type Journal } from './emulator/journal.js';
import { createScenarios, type Scenarios } from './emulator/scenarios.js';
import { emulatorProjects, type EmulatorProjects } from './emulator/emulator-projects.js';
import { CONTROL_PREFIX, installRecorder, type Recorder } from './surfaces/emulator-control/recorder.js';
import { emulatorControl } from './surfaces/emulator-control/plugin.js';

/** Largest request body accepted; an import body is under 200 bytes. */
export const BODY_LIMIT_BYTES = 16 * 1024;

export interface AppDeps {
  readonly store: Store;
  readonly logger: Logger;
  readonly authCacheTtlMs: number;
  /** How long after its purchase a bought number cannot be released; absent: no cooldown. */
  readonly releaseCooldownMs?: number;
  /** Where the console's built files are; absent: dist/console of this package. */
  readonly consoleDir?: string;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  /** Absent means the store is ready from the start (tests, the CLI). */
  readonly readiness?: Readiness;
  /** Whole-request and header deadlines; defaults 30 s and 10 s. */
  readonly timeouts?: { readonly requestMs: number; readonly headersMs: number };
  /** Abuse limits; absent ones are off (tests, the CLI). `numberspace serve` passes the configured ones. */
  readonly limits?: {
    /** For projects without their own; default off. */
    readonly rateLimit?: RateLimitSpec;
    /** Failed authentications per minute from one client address before they answer 429; default 0, off. */
    readonly authFailureLimit?: number;
    /** How long such a 429 is held; default 500 ms. */
    readonly authTarpitMs?: number;
    /** Monotonic milliseconds for the limits' windows and the credential cache. */
    readonly now?: () => number;
  };
  /** Proxies trusted to name the client in X-Forwarded-For; absent or empty: the socket's peer is the client. */
  readonly trustProxy?: readonly string[];
  /** PEM certificate chain and key: serve HTTPS instead of HTTP. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Emulator mode (see docs/using-in-tests.md): any credentials, and the /__mock__ control endpoints. */
  readonly emulator?: boolean;
  /** In a worker of `serve --workers N`: joins the group's metrics, so that /metrics answers for every worker. */
  readonly shareMetrics?: (own: () => MetricsSnapshot) => MetricsGroup;
}

/** Builds the HTTP application. Reads no environment and listens on nothing. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const serverOptions = { headersTimeout: deps.timeouts?.headersMs ?? 10_000, connectionsCheckingInterval: 1000 };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Every log line carries the request id; requestId() keeps a sane incoming x-request-id.
    requestIdHeader: false,
    genReqId: requestId,
    // One access-log line per request (see onResponse) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // A slow or stalled client cannot hold a connection: the whole request must arrive within
    // requestMs and its headers within headersMs (checked every second, not Node's default 30 s).
    requestTimeout: deps.timeouts?.requestMs ?? 30_000,
    ...(deps.tls === undefined ? { http: serverOptions } : { https: { ...serverOptions, cert: deps.tls.cert, key: deps.tls.key } }),
    clientErrorHandler: answerClientError,
    // Requests that arrive while closing get the API's own 503 with Retry-After (see readiness).
    return503OnClosing: false,
    // A path parameter of any length reaches its route, which answers it (an over-long id is
    // simply not found); the 16 KiB header cap bounds it.
    routerOptions: { maxParamLength: 16 * 1024 },
    // A path with a malformed percent-escape matches no route: the simple 400 body, like every
    // other malformed request, instead of Fastify's own shape that echoes the URL.
    frameworkErrors: (_error, request, reply) => {
      if (isCompatibilityPath(request.url)) sendCompatibilityError(reply, errors.badRequest());
      else sendRelayError(reply, errors.badRequest());
    },
    // Only named proxies: trusting any sender would let a client pick the address its failed
    // authentications are counted under.
    trustProxy: deps.trustProxy !== undefined && deps.trustProxy.length > 0 ? [...deps.trustProxy] : false,
    ajv: {
      customOptions: {
        // The contract rejects unknown properties and never coerces: Fastify's defaults
        // (removeAdditional, coerceTypes) would silently do both.
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        // Report every problem in one answer, not just the first.
        allErrors: true,
        verbose: true,
        keywords: [ERROR_DETAIL_KEYWORD],
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The installation's own endpoints (health, metrics, the OpenAPI document) take no body and
  // answer errors in the simple shape Relay REST also uses; each API surface brings its own.
  app.removeAllContentTypeParsers();
  app.setErrorHandler(relayErrorHandler);
  app.setNotFoundHandler(relayNotFound);
  const openapi = collectRoutes(app);
  const readiness = deps.readiness ?? createReadiness(true);
  const metrics = createMetrics();
  const metricsGroup = deps.shareMetrics?.(() => metrics.snapshot(deps.store.poolStats()));
  if (metricsGroup !== undefined) app.addHook('onClose', async () => metricsGroup.leave());
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // No answer of the API is for a cache to keep: credentials vary, numbers change. The
    // console's own files say otherwise for themselves.
    reply.header('cache-control', 'no-store');
    if (hasAmbiguousHost(request.raw)) done(errors.badRequest());
    else done();
  });
  const accessLog = deps.logger.isLevelEnabled('info') ? accessLogWriter(deps.logger) : undefined;
  app.addHook('onResponse', (request, reply, done) => {
    const ms = reply.elapsedTime;
    const config = request.routeOptions.config;
    metrics.observe(request.method, config.metricsRoute ?? request.routeOptions.url ?? 'unmatched', reply.statusCode, ms / 1000, config.counts);
    accessLog?.(request.id, request.method, request.url, reply.statusCode, Math.round(ms * 10) / 10);
    done();
  });

  const limits = deps.limits ?? {};
  const limitsClock = limits.now === undefined ? {} : { now: limits.now };
  // Emulator mode's projects need the services, which need the authenticator: bound late.
  let emulatorProjectsRef: EmulatorProjects | undefined;
  const authenticator = createAuthenticator(deps.store.tenancy, {
    cacheTtlMs: deps.authCacheTtlMs,
    ...(deps.emulator === true ? { provision: (projectId: string, secret: string) => emulatorProjectsRef!.provision(projectId, secret) } : {}),
    throttle: createAuthThrottle({
      failureLimit: limits.authFailureLimit ?? 0,
      ...(limits.authTarpitMs === undefined ? {} : { tarpitMs: limits.authTarpitMs }),
      ...limitsClock,
    }),
    ...limitsClock,
  });
  const rateLimiter = createRateLimiter({ defaultSpec: limits.rateLimit ?? NO_RATE_LIMIT, ...limitsClock });
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? newRowId;

  const guardDeps = { authenticator, rateLimiter };
  const importNumber = importService({ phoneNumbers: deps.store.phoneNumbers, clock, newId });
  const phoneNumbers = phoneNumberService({
    phoneNumbers: deps.store.phoneNumbers,
    pageTokenKey: () => deps.store.pageTokenKeys.key(),
    clock,
    newId,
    releaseCooldownMs: deps.releaseCooldownMs ?? 0,
    restock: deps.emulator !== true,
  });
  const stock = stockService({
    stock: deps.store.stock,
    phoneNumbers: deps.store.phoneNumbers,
    clock,
    newId,
    synthetic: deps.emulator === true ? { candidates: syntheticCandidates, countries: SYNTHETIC_COUNTRIES } : null,
  });
  const tokens = tokenService({ store: deps.store.tenancy, clock, newId, changed: (tokenId) => authenticator.forget(tokenId) });
  const keys = idempotency({
    store: deps.store.idempotency,
    clock,
    expand: (kept) => expandKeptAnswer(kept, (projectId, id) => deps.store.phoneNumbers.findRow(projectId, id)),
  });
  const stopPurging = keys.startPurging(deps.logger as FastifyBaseLogger);
  app.addHook('onClose', async () => stopPurging());
  const surfaceDeps = { ...guardDeps, readiness, importNumber, phoneNumbers, stock, tokens, idempotency: keys, numbers: deps.store.phoneNumbers, audit: deps.store.audit, tenancy: deps.store.tenancy, clock };
  let emulator: { journal: Journal; scenarios: Scenarios; recorder: Recorder; projects: EmulatorProjects } | undefined;
  if (deps.emulator === true) {
    const journal = createJournal();
    const scenarios = createScenarios();
    // Before the surfaces: it must see their routes, and run ahead of their hooks.
    const recorder = installRecorder(app, { journal, scenarios, bodyLimit: BODY_LIMIT_BYTES });
    emulatorProjectsRef = emulatorProjects({ tenancy: deps.store.tenancy, importNumber, phoneNumbers, clock, newId, forgetCredentials: () => authenticator.forgetAll() });
    emulator = { journal, scenarios, recorder, projects: emulatorProjectsRef };
  }
  await app.register(relayRestSurface(surfaceDeps), { prefix: RELAY_REST_ROOT });
  for (const prefix of [COMPATIBILITY_PREFIX, COMPATIBILITY_ALIAS_PREFIX]) {
    await app.register(compatibilitySurface(surfaceDeps, prefix), { prefix });
  }

  if (emulator !== undefined) {
    const projects = emulator.projects;
    await app.register(
      emulatorControl({
        ...emulator,
        numberOwner: (number) => deps.store.phoneNumbers.findActiveOwner(number),
        foreignProject: async (id) => (await deps.store.tenancy.findProject(id)) !== undefined && !(await projects.owns(id)),
        surfaces: 2,
        apiReady: () => readiness.isReady(),
        databaseReady: () => deps.store.ready(),
      }),
      { prefix: CONTROL_PREFIX },
    );
  }

  await app.register(consoleSurface(deps.consoleDir));
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json; charset=utf-8').send(openapi.relayRest()));
  app.get(COMPATIBILITY_DOCUMENT_PATH, async (_request, reply) => reply.type('application/json; charset=utf-8').send(openapi.compatibility()));
  app.get('/metrics', async (_request, reply) => {
    const text = metricsGroup === undefined ? metrics.render(deps.store.poolStats()) : renderMetrics(await metricsGroup.gather());
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = readiness.isReady() && (await deps.store.ready());
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });

  await app.ready();
  return app;
}
