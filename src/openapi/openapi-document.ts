import type { FastifyInstance, RouteOptions } from 'fastify';

interface CollectedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: Record<string, unknown>;
}

/** Where the Compatibility API's own document is served; /openapi.json links to it. */
export const COMPATIBILITY_DOCUMENT_PATH = '/openapi/compatibility.json';

export interface OpenApiDocuments {
  /** Relay REST and the installation's own endpoints. */
  readonly relayRest: () => Record<string, unknown>;
  /** The Compatibility API: a document of its own, since both surfaces name operations alike (create_imported_phone_number). */
  readonly compatibility: () => Record<string, unknown>;
}

/**
 * The served OpenAPI 3.1 document is assembled from the very schemas the routes validate
 * and serialise with: a route that carries an `operationId` is documented, nothing else is.
 */
export function collectRoutes(app: FastifyInstance): OpenApiDocuments {
  const relay: CollectedRoute[] = [];
  const compatibility: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    // Aliases (the other prefix, the `.json` form) are the same operations: documented once.
    if (schema?.operationId === undefined || route.config?.documented === false) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      (route.url.startsWith('/api/laml/') ? compatibility : relay).push({ method: method.toLowerCase(), url: route.url, schema });
    }
  });
  let relayDoc: Record<string, unknown> | undefined;
  let compatibilityDoc: Record<string, unknown> | undefined;
  return {
    relayRest: () => (relayDoc ??= buildDocument(relay, RELAY_INFO)),
    compatibility: () => (compatibilityDoc ??= buildDocument(compatibility, COMPATIBILITY_INFO)),
  };
}

const RELAY_INFO = {
  title: 'numberspace',
  description: `A self-hostable phone-number inventory that speaks SignalWire's REST API: the Import a Phone Number Partner API and the Phone Numbers operations, with the same paths, fields and error bodies. Where SignalWire's contract is silent, numberspace's choices are stated on each operation. The Compatibility API (Twilio-shaped, under /api/laml/2010-04-01 and /2010-04-01) over the same inventory is described in its own document, ${COMPATIBILITY_DOCUMENT_PATH}.`,
  externalDocs: { description: 'The Compatibility API document', url: COMPATIBILITY_DOCUMENT_PATH },
};

const COMPATIBILITY_INFO = {
  title: 'numberspace Compatibility API',
  description:
    "The Twilio-shaped Compatibility API over numberspace's inventory: import and manage numbers as IncomingPhoneNumbers. Every operation is also served under /2010-04-01 (the base SignalWire's Node compatibility client uses) and with a .json suffix on its last segment; answers repeat the prefix and suffix of the request. AccountSid is the project id. Bodies are form-encoded or JSON.",
};

/** JSON round trip drops TypeBox's symbol keys and freezes a plain copy. */
const plain = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

function buildDocument(routes: readonly CollectedRoute[], about: { title: string; description: string; externalDocs?: Record<string, string> }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, url, schema } of routes) {
    const path = url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const { body, querystring, params, headers, response, operationId, summary, description, tags, consumes, ...rest } = schema;
    void rest;
    const operation: Record<string, unknown> = { operationId, summary, description, tags };
    const parameters = [...toParameters(params, 'path'), ...toParameters(querystring, 'query'), ...toParameters(headers, 'header')];
    if (parameters.length > 0) operation.parameters = parameters;
    if (body !== undefined) {
      const types = (consumes as string[] | undefined) ?? ['application/json'];
      operation.requestBody = { required: true, content: Object.fromEntries(types.map((t) => [t, { schema: plain(body) }])) };
    }
    operation.responses = toResponses(response as Record<string, Record<string, unknown>> | undefined);
    operation.security = [{ SignalWireBasicAuth: [] }];
    (paths[path] ??= {})[method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: about.title, version: '0.1.0', description: about.description, license: { name: 'MIT' } },
    ...(about.externalDocs === undefined ? {} : { externalDocs: about.externalDocs }),
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

function toParameters(schema: unknown, where: 'path' | 'query' | 'header'): Record<string, unknown>[] {
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
