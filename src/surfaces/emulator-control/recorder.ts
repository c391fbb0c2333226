import { Readable } from 'node:stream';
import type { FastifyRequest, RouteOptions } from 'fastify';
import { parseBasicAuth } from '../../auth/basic-auth.js';
import type { App } from '../../http/app-type.js';
import { type Journal, journalBody, maskAuthorization, queryParams } from '../../emulator/journal.js';
import type { Scenarios } from '../../emulator/scenarios.js';

/**
 * The emulator's hooks on every request: the journal entry, and a queued scenario served in
 * place of the operation. Registered before the API surfaces, so it sees their routes and
 * runs ahead of their own hooks (credentials included): a scenario answers before anything
 * is processed or stored.
 */

export const CONTROL_PREFIX = '/__mock__';
/** The installation's own endpoints: not API requests, not journaled. */
const NOT_JOURNALED = /^\/(__mock__|healthz|readyz|metrics|openapi)(\/|\.|\?|$)/;

declare module 'fastify' {
  interface FastifyRequest {
    /** Emulator mode: the request's body, read before the route's own hooks. */
    emulatorBody?: Buffer;
    /** Emulator mode: when it arrived (epoch seconds), for its journal entry. */
    emulatorArrived?: number;
  }
}

export interface Recorder {
  /** Every `<surface>.<operationId>` the server answers, sorted. */
  operations(): string[];
}

const surfaceOf = (url: string) => (url.startsWith('/api/laml/') || url.startsWith('/2010-04-01/') ? 'compatibility' : 'relay-rest');

/** The Basic user name: the project a request speaks for, verified or not. */
export const projectOf = (request: FastifyRequest) => parseBasicAuth(request.headers.authorization)?.projectId;

export function installRecorder(app: App, deps: { journal: Journal; scenarios: Scenarios; bodyLimit: number }): Recorder {
  const byRoute = new Map<string, string>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const operationId = (route.schema as { operationId?: string } | undefined)?.operationId;
    if (operationId === undefined) return;
    for (const method of [route.method].flat()) byRoute.set(`${method} ${route.url}`, `${surfaceOf(route.url)}.${operationId}`);
  });
  const operationOf = (request: FastifyRequest) => {
    const url = request.routeOptions.url;
    return url === undefined ? null : (byRoute.get(`${request.method} ${url}`) ?? null);
  };

  app.addHook('onRequest', async (request, reply) => {
    if (NOT_JOURNALED.test(request.url)) return;
    request.emulatorArrived = Date.now() / 1000;
    const headers = request.headers;
    if (headers['content-length'] !== undefined && headers['content-length'] !== '0' || headers['transfer-encoding'] !== undefined) {
      // Read here, ahead of the route's credentials check, so that the journal shows what a
      // refused request carried too. More than the limit is kept only up to it; the route then
      // refuses the body as too large, as it always does.
      request.emulatorBody = await readUpTo(request.raw, deps.bodyLimit + 1);
    }
    const operation = operationOf(request);
    if (operation === null || deps.scenarios.empty) return;
    const scenario = deps.scenarios.take(operation, projectOf(request));
    if (scenario === undefined) return;
    reply.code(scenario.status).headers({ ...scenario.headers });
    if (scenario.response === null) return reply.send();
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(scenario.response));
  });

  // The body was read above: the route's parser reads it again from here.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const body = request.emulatorBody;
    if (body === undefined) return payload;
    const replay = Readable.from([body]) as Readable & { receivedEncodedLength?: number };
    replay.receivedEncodedLength = body.length;
    return replay;
  });

  app.addHook('onResponse', (request, reply, done) => {
    if (request.emulatorArrived !== undefined) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined) continue;
        const text = Array.isArray(value) ? value.join(', ') : value;
        headers[name] = name === 'authorization' ? maskAuthorization(text) : text;
      }
      const q = request.url.indexOf('?');
      deps.journal.record(
        {
          timestamp: request.emulatorArrived,
          method: request.method,
          path: q === -1 ? request.url : request.url.slice(0, q),
          query_params: queryParams(request.url),
          headers,
          body: journalBody(request.headers['content-type'], request.emulatorBody),
          matched_route: operationOf(request),
          response_status: reply.statusCode,
        },
        projectOf(request),
      );
    }
    done();
  });

  return { operations: () => [...new Set(byRoute.values())].sort() };
}

/** Reads a stream to its end, keeping at most `max` bytes (the rest is read and dropped). */
async function readUpTo(stream: NodeJS.ReadableStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (size >= max) continue;
    const piece = chunk.length > max - size ? chunk.subarray(0, max - size) : chunk;
    chunks.push(piece);
    size += piece.length;
  }
  return Buffer.concat(chunks);
}
