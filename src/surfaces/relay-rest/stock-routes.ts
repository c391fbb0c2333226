import { Type } from '@sinclair/typebox';
import { type GuardDeps, guard } from '../../auth/route-guard.js';
import { recordJson } from '../../domain/phone-number-record.js';
import type { App } from '../../http/app-type.js';
import { type Idempotency, IdempotencyHeaders } from '../../http/idempotency.js';
import { digitsParam, integerParam, invalidParam, placeParam, type Query, regionParam, textParam } from '../../http/query-values.js';
import { sendJson } from '../../http/send-json.js';
import { ERROR_DETAIL_KEYWORD } from '../../http/validation-errors.js';
import type { SearchRequest, StockService } from '../../numbers/stock-service.js';
import type { StockedNumber } from '../../storage/stock-store.js';
import { pickErrors } from './error-responses.js';
import { PhoneNumberResponse } from './phone-number-schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** A search's parameters, read once in preValidation. */
    stockSearch?: SearchRequest;
  }
}

const TAGS = ['Phone Numbers'];
export const SEARCH_PATH = '/api/relay/rest/phone_numbers/search';
export const DEFAULT_MAX_RESULTS = 50;
export const MAX_RESULTS = 100;

const param = (description: string) => Type.Optional(Type.String({ description }));

/** Documented here; read by searchRequest, so that each bad value answers 422 naming it. */
const SearchQuery = Type.Object({
  areacode: param('Leading digits of the national number: an area code, 2 to 5 digits (e.g. 512). `area_code` is accepted as the same parameter.'),
  number_type: param('local (the default) or toll-free; longcode and tollfree are accepted too.'),
  starts_with: param('3 to 7 digits the national number starts with. At most one of starts_with, contains and ends_with.'),
  contains: param('3 to 7 digits found anywhere in the national number.'),
  ends_with: param('3 to 7 digits the national number ends with.'),
  region: param('A state or province, ISO 3166-2 without the country (e.g. TX), matched exactly. Local numbers only.'),
  city: param('A city, compared case-insensitively; needs region. Local numbers only.'),
  max_results: param(`At most this many numbers, 1 to ${MAX_RESULTS}; default ${DEFAULT_MAX_RESULTS}.`),
});

/** The query as the service's request; every bad parameter is a 422 naming it. */
export function searchRequest(query: Query): SearchRequest {
  const type = textParam(query, 'number_type') ?? 'local';
  if (!['local', 'longcode', 'toll-free', 'tollfree'].includes(type)) throw invalidParam('number_type', 'must be local or toll-free');
  const numberType = type === 'local' || type === 'longcode' ? 'longcode' : 'toll-free';
  const areaCode = digitsParam(query, 'areacode', 2, 5) ?? digitsParam(query, 'area_code', 2, 5);
  const startsWith = digitsParam(query, 'starts_with', 3, 7);
  const contains = digitsParam(query, 'contains', 3, 7);
  const endsWith = digitsParam(query, 'ends_with', 3, 7);
  const patterns = [startsWith && 'starts_with', contains && 'contains', endsWith && 'ends_with'].filter((n) => n !== null);
  if (patterns.length > 1) throw invalidParam(patterns[1]!, `cannot be combined with ${patterns[0]}: use one of starts_with, contains and ends_with`);
  const region = regionParam(query, 'region');
  const city = placeParam(query, 'city');
  if (numberType === 'toll-free' && (region !== null || city !== null)) throw invalidParam(region !== null ? 'region' : 'city', 'is not supported for toll-free numbers');
  if (city !== null && region === null) throw invalidParam('city', 'must be used with region');
  return {
    numberType,
    country: null,
    areaCode,
    startsWith,
    contains,
    endsWith,
    region,
    city,
    withCapabilities: 0,
    withoutCapabilities: 0,
    limit: integerParam(query, 'max_results', 1, MAX_RESULTS, DEFAULT_MAX_RESULTS),
  };
}

/** An AvailablePhoneNumber: what the stock knows, unknown fields left out (the contract's fields are strings, not nullable). */
function availableNumber(n: StockedNumber): Record<string, unknown> {
  const out: Record<string, unknown> = { number: n.number };
  if (n.region !== null) out.region = n.region;
  if (n.city !== null) out.city = n.city;
  if (n.rate_center !== null) out.rate_center = n.rate_center;
  if (n.lata !== null) out.lata = n.lata;
  out.capabilities = { voice: (n.capabilities & 1) !== 0, sms: (n.capabilities & 2) !== 0, mms: (n.capabilities & 4) !== 0, fax: (n.capabilities & 8) !== 0 };
  return out;
}

const AvailablePhoneNumbersResponse = Type.Object(
  {
    links: Type.Object({ self: Type.String(), first: Type.String() }, { additionalProperties: false, description: 'The search itself: results are not paged.' }),
    data: Type.Array(
      Type.Object(
        {
          number: Type.String({ description: 'E.164.' }),
          region: Type.Optional(Type.String()),
          city: Type.Optional(Type.String()),
          rate_center: Type.Optional(Type.String()),
          lata: Type.Optional(Type.String()),
          capabilities: Type.Object({ voice: Type.Boolean(), sms: Type.Boolean(), mms: Type.Boolean(), fax: Type.Boolean() }, { additionalProperties: false }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const PurchasePhoneNumberRequest = Type.Object(
  {
    number: Type.String({
      minLength: 5,
      maxLength: 30,
      pattern: '^\\+?[1-9][0-9]*$',
      [ERROR_DETAIL_KEYWORD]: "must be an E.164 number: ASCII digits with at most one leading '+', and a country code that does not start with 0",
      description: 'The number to buy, E.164, as a search answered it.',
      examples: ['+15125550100'],
    }),
  },
  { additionalProperties: false },
);

/** Paths are relative to the surface's prefix, /api/relay/rest. */
export function stockRoutes(app: App, deps: GuardDeps & { stock: StockService; idempotency: Idempotency }): void {
  const onRequest = guard(deps, { scope: 'numbers' });

  app.get(
    '/phone_numbers/search',
    {
      onRequest,
      // Read before the schema checks the query: a repeated parameter then answers 422 naming it.
      preValidation: async (request) => {
        request.stockSearch = searchRequest(request.query as Query);
      },
      schema: {
        operationId: 'search_available_phone_numbers',
        summary: 'Search phone numbers',
        description: [
          'Numbers of the caller\'s Space\'s stock that can be bought, in national-number order (then E.164): the same search over the same stock answers the same numbers in the same order. Needs the "numbers" scope. Every condition given must hold; digits are matched against the national number (the digits after the country code).',
          'In emulator mode the stock is made up for each search from numbers no subscriber has (docs/number-stock.md), never one that is active.',
          'An invalid parameter answers 422 naming it. Query parameters this operation does not define are ignored.',
        ].join('\n\n'),
        tags: TAGS,
        querystring: SearchQuery,
        response: { 200: { description: 'The matching numbers, at most max_results.', ...AvailablePhoneNumbersResponse }, ...pickErrors(401, 403, 422, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const found = await deps.stock.search(request.principal, request.stockSearch!);
      const self = `${SEARCH_PATH}${request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : ''}`;
      return sendJson(reply, JSON.stringify({ links: { self, first: self }, data: found.map(availableNumber) }));
    },
  );

  app.post(
    '/phone_numbers',
    {
      onRequest,
      preValidation: deps.idempotency.claim('relay-rest.purchase'),
      onSend: deps.idempotency.keepRefusal,
      onResponse: deps.idempotency.release,
      schema: {
        operationId: 'purchase_phone_number',
        summary: 'Purchase phone number',
        description: [
          'Buys a number from the caller\'s Space\'s stock: it leaves the stock and becomes the project\'s, under a new id, created now, as a search answered it (type, capabilities). Needs the "numbers" scope; counts against the project\'s number quota; recorded in the audit trail.',
          'A number not in stock, in another Space\'s stock, or active in a project (this one or another, which is never named) answers 422 saying which. Of concurrent purchases of one number exactly one succeeds. In emulator mode any number active nowhere can be bought.',
        ].join('\n\n'),
        tags: TAGS,
        headers: IdempotencyHeaders,
        body: PurchasePhoneNumberRequest,
        response: {
          200: { description: 'The bought number (or, with Idempotent-Replayed: true, the first answer to this Idempotency-Key).', ...PhoneNumberResponse },
          ...pickErrors(400, 401, 403, 409, 413, 415, 422, 429, 500, 503),
        },
      },
    },
    async (request, reply) =>
      deps.idempotency.answerOnce(request, reply, 200, recordJson, (answerFor) =>
        deps.stock.purchase(request.principal, { number: request.body.number, changes: null }, { requestId: request.id, surface: 'relay-rest' }, answerFor),
      ),
  );
}
