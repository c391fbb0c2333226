import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { canonicalNumber } from '../../domain/phone-number.js';
import type { FastifyReply } from 'fastify';
import type { App } from '../../http/app-type.js';
import type { EmulatorProjects } from '../../emulator/emulator-projects.js';
import type { Journal } from '../../emulator/journal.js';
import { resolveOperation, type Scenarios } from '../../emulator/scenarios.js';
import type { Recorder } from './recorder.js';
import { checkSeedDocument, SeedError } from './seed-document.js';

/**
 * The emulator's control endpoints under /__mock__: no credentials, served only in emulator
 * mode. Errors are `{"error": "..."}` with 400 (a bad request), 404 (an unknown operation)
 * or 422 (a seed document that cannot be applied).
 */

export interface ControlDeps {
  readonly journal: Journal;
  readonly scenarios: Scenarios;
  readonly recorder: Recorder;
  readonly projects: EmulatorProjects;
  /** The project an E.164 number is active in, if any. */
  readonly numberOwner: (number: string) => Promise<string | undefined>;
  /** Whether a project id is taken by a project emulator mode did not make. */
  readonly foreignProject: (projectId: string) => Promise<boolean>;
  /** How many API surfaces the server answers. */
  readonly surfaces: number;
  /** The API is open (the database migrated, the start's seed applied). */
  readonly apiReady: () => boolean;
  /** The database answers and holds the current schema. */
  readonly databaseReady: () => Promise<boolean>;
}

/** Seed documents and scenario bodies may be far larger than an API request. */
const CONTROL_BODY_LIMIT = 4 * 1024 * 1024;

const refuse = (reply: FastifyReply, status: number, message: string, extra: Record<string, unknown> = {}) =>
  reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify({ error: message, ...extra }));

const ScenarioBody = Type.Object(
  {
    status: Type.Integer({ minimum: 200, maximum: 599 }),
    response: Type.Optional(Type.Unknown()),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    project: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const ProjectQuery = Type.Object({ project: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false });
const JournalQuery = Type.Object(
  { project: Type.Optional(Type.String({ minLength: 1 })), matched_route: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

const SEED_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];

export function emulatorControl(deps: ControlDeps) {
  return async (app: App): Promise<void> => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.addContentTypeParser(SEED_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) =>
      refuse(reply, error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500, error.message),
    );
    app.setNotFoundHandler((request, reply) => refuse(reply, 404, `no such control endpoint: ${request.method} ${request.url.split('?')[0]}`));

    // Healthy once the API answers: a harness that waits for this finds the seed applied.
    app.get('/health', async (_request, reply) =>
      reply.code(deps.apiReady() ? 200 : 503).send({ status: deps.apiReady() ? 'ok' : 'starting', specs_loaded: deps.surfaces, emulator: true, operations: deps.recorder.operations().length }),
    );
    // Resets and seeds need the migrated database (the start's own seed runs before the API opens).
    const needDatabase = async (_request: unknown, reply: FastifyReply) => {
      if (!(await deps.databaseReady())) return refuse(reply, 503, 'the database is not ready yet');
    };

    app.get('/journal', { schema: { querystring: JournalQuery } }, async (request) =>
      deps.journal.list({
        ...(request.query.project === undefined ? {} : { project: request.query.project }),
        ...(request.query.matched_route === undefined ? {} : { matchedRoute: request.query.matched_route }),
      }),
    );
    app.post('/journal/reset', async () => {
      deps.journal.reset();
      return { status: 'ok' };
    });

    app.get('/scenarios', async () => ({ scenarios: deps.scenarios.list(), operations: deps.recorder.operations() }));
    app.post('/scenarios/reset', async () => {
      deps.scenarios.reset();
      return { status: 'ok' };
    });
    app.post('/scenarios/:operationId', { bodyLimit: CONTROL_BODY_LIMIT, schema: { params: Type.Object({ operationId: Type.String() }) } }, async (request, reply) => {
      const known = deps.recorder.operations();
      const resolved = resolveOperation(request.params.operationId, known);
      if ('unknown' in resolved) return refuse(reply, 404, `no operation is named ${request.params.operationId}`, { operations: known });
      if ('ambiguous' in resolved) {
        return refuse(reply, 400, `${request.params.operationId} names an operation of more than one surface: use ${resolved.ambiguous.join(' or ')}`, { operations: resolved.ambiguous });
      }
      let body: unknown;
      try {
        body = JSON.parse(typeof request.body === 'string' ? request.body : '');
      } catch {
        return refuse(reply, 400, 'the body must be JSON: {"status": N, "response": BODY}, optionally "headers" and "project"');
      }
      const problems = [...Value.Errors(ScenarioBody, body)].map((e) => `${e.path || '/'}: ${e.message}`);
      if (problems.length > 0) return refuse(reply, 400, `the scenario is not valid: ${problems.join('; ')}`);
      const s = body as { status: number; response?: unknown; headers?: Record<string, string>; project?: string };
      const scenario = {
        operation: resolved.operation,
        status: s.status,
        response: s.response ?? null,
        headers: s.headers ?? {},
        ...(s.project === undefined ? {} : { project: s.project }),
      };
      deps.scenarios.push(scenario);
      return reply.code(201).send(scenario);
    });

    app.post('/reset', { preHandler: needDatabase, schema: { querystring: ProjectQuery } }, async (request) => {
      const project = request.query.project;
      await deps.projects.reset(project);
      deps.journal.reset(project);
      deps.scenarios.reset(project);
      return { status: 'ok', ...(project === undefined ? {} : { project }) };
    });

    app.post('/seed', { bodyLimit: CONTROL_BODY_LIMIT, preHandler: needDatabase }, async (request, reply) => {
      if (typeof request.body !== 'string' || request.body.trim() === '') return refuse(reply, 400, 'send the seed document, JSON or YAML, as the body');
      let seed;
      try {
        seed = checkSeedDocument(request.body);
      } catch (err) {
        if (err instanceof SeedError) return refuse(reply, 422, err.message);
        throw err;
      }
      // What only the database knows, checked before anything is replaced.
      const replaced = new Set(seed.projects.map((p) => p.id));
      const clashes: string[] = [];
      for (const p of seed.projects) {
        if (await deps.foreignProject(p.id)) clashes.push(`project ${p.id} exists and was not made by emulator mode`);
        for (const n of p.numbers) {
          const number = canonicalNumber(n.import.number);
          const owner = await deps.numberOwner(number);
          if (owner !== undefined && !replaced.has(owner)) clashes.push(`${number} is active in project ${owner}`);
          // A reset plants every seeded project again: two may not hold one number.
          const seededIn = deps.projects.seededOwner(number);
          if (seededIn !== undefined && !replaced.has(seededIn)) clashes.push(`${number} is in the seeded state of project ${seededIn}`);
        }
      }
      if (clashes.length > 0) return refuse(reply, 422, `the seed document was refused, nothing of it applied: ${clashes.join('; ')}`);
      await deps.projects.seed(seed);
      return { status: 'ok', projects: seed.projects.map((p) => ({ id: p.id, tokens: p.tokens.length, numbers: p.numbers.length })) };
    });
  };
}
