import type { FastifyInstance, RouteOptions } from 'fastify';

interface CollectedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: Record<string, unknown>;
}

/**
 * The served OpenAPI 3.1 document is assembled from the very schemas the routes validate
 * and serialise with: a route that carries an `operationId` is documented, nothing else is.
 */
export function collectRoutes(app: FastifyInstance): () => Record<string, unknown> {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (schema?.operationId === undefined) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method: method.toLowerCase(), url: route.url, schema });
    }
  });
  let cached: Record<string, unknown> | undefined;
  return () => (cached ??= buildDocument(routes));
}

/** JSON round trip drops TypeBox's symbol keys and freezes a plain copy. */
const plain = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

function buildDocument(routes: readonly CollectedRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, url, schema } of routes) {
    const path = url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const { body, querystring, params, response, operationId, summary, description, tags, ...rest } = schema;
    void rest;
    const operation: Record<string, unknown> = { operationId, summary, description, tags };
    const parameters = [...toParameters(params, 'path'), ...toParameters(querystring, 'query')];
    if (parameters.length > 0) operation.parameters = parameters;
    if (body !== undefined) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: plain(body) } } };
    }
    operation.responses = toResponses(response as Record<string, Record<string, unknown>> | undefined);
    operation.security = [{ SignalWireBasicAuth: [] }];
    (paths[path] ??= {})[method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'numberspace',
      version: '0.1.0',
      description:
        "A self-hostable phone-number inventory that speaks SignalWire's REST API: the Import a Phone Number Partner API and the Phone Numbers operations, with the same paths, fields and error bodies. Where SignalWire's contract is silent, numberspace's choices are stated on each operation.",
      license: { name: 'MIT' },
    },
    servers: [{ url: '/' }],
    security: [{ SignalWireBasicAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        SignalWireBasicAuth: {
          type: 'http',
          scheme: 'basic',
          description: 'HTTP Basic with the project id as user name and an API token as password.',
        },
      },
    },
  };
}

function toParameters(schema: unknown, where: 'path' | 'query'): Record<string, unknown>[] {
  if (schema === undefined) return [];
  const s = plain(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...propSchema } = prop;
    return {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      ...(description === undefined ? {} : { description }),
      schema: propSchema,
    };
  });
}

function toResponses(response: Record<string, Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(response ?? {})) {
    const { description, ...body } = plain(schema);
    const hasBody = Object.keys(body).length > 0 && !(body.type === 'null');
    out[status] = hasBody
      ? { description: description ?? '', content: { 'application/json': { schema: body } } }
      : { description: description ?? '' };
  }
  return out;
}
