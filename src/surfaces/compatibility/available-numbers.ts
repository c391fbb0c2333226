import { Type } from '@sinclair/typebox';
import type { RouteShorthandOptions, onRequestAsyncHookHandler } from 'fastify';
import { booleanParam, integerParam, invalidParam, placeParam, type Query, regionParam, textParam } from '../../http/query-values.js';
import { sendJson } from '../../http/send-json.js';
import { errors } from '../../domain/errors.js';
import { capabilitiesToMask } from '../../domain/capabilities.js';
import type { NumberType } from '../../domain/phone-number.js';
import type { App } from '../../http/app-type.js';
import type { SearchRequest, StockService } from '../../numbers/stock-service.js';
import type { StockedNumber } from '../../storage/stock-store.js';
import { readable } from '../../domain/incoming-number-record.js';
import { accountPath, type PathStyle } from './incoming-phone-number.js';
import { compatibilityResponses } from './responses.js';
import { splitSid } from './route-kit.js';
import { AccountParams } from './schemas.js';

const TAGS = ['Compatibility: Available Phone Numbers'];
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;
/** Where Contains reads letters: the telephone keypad (ITU E.161). */
const KEYPAD: Readonly<Record<string, string>> = Object.fromEntries(
  [['2', 'abc'], ['3', 'def'], ['4', 'ghi'], ['5', 'jkl'], ['6', 'mno'], ['7', 'pqrs'], ['8', 'tuv'], ['9', 'wxyz']].flatMap(([digit, letters]) => [...letters!].map((l) => [l, digit!])),
);

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** The ISO 3166-1 alpha-2 codes a numbering plan exists for, as libphonenumber knows them. */
let knownCountries: ReadonlySet<string> | undefined;
async function isCountry(code: string): Promise<boolean> {
  knownCountries ??= new Set((await import('libphonenumber-js/max')).getCountries());
  return knownCountries.has(code);
}

const param = (description: string) => Type.Optional(Type.String({ description }));
const ignored = 'Accepted for Twilio compatibility; has no effect.';
/** Documented here; read by searchRequest, so that each bad value answers 422 naming it. */
const SearchQuery = Type.Object({
  AreaCode: param('Leading three digits of the national number (US and CA only), e.g. 512.'),
  Contains: param('3 to 15 characters found anywhere in the national number: digits, or letters read as keypad digits (CALL is 2255).'),
  InRegion: param('A state or province, two letters (e.g. TX), matched exactly.'),
  InLocality: param('A city, compared case-insensitively; needs InRegion.'),
  VoiceEnabled: param('true: only numbers with voice; false: only numbers without.'),
  SmsEnabled: param('true: only numbers with SMS; false: only numbers without.'),
  MmsEnabled: param('true: only numbers with MMS; false: only numbers without.'),
  FaxEnabled: param('true: only numbers with fax; false: only numbers without.'),
  Beta: param(ignored),
  ExcludeAllAddressRequired: param(ignored),
  ExcludeForeignAddressRequired: param(ignored),
  ExcludeLocalAddressRequired: param(ignored),
  PageSize: param(`At most this many numbers, 1 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}. (Twilio's libraries send it as their limit.)`),
});

/** The query as the service's request; every bad parameter is a 422 naming it. */
export function searchRequest(query: Query, country: string, numberType: NumberType): SearchRequest {
  const areaCode = textParam(query, 'AreaCode') ?? null;
  if (areaCode !== null) {
    if (country !== 'US' && country !== 'CA') throw invalidParam('AreaCode', 'is only available for numbers in US and CA');
    if (!/^[0-9]{3}$/.test(areaCode)) throw invalidParam('AreaCode', 'must be 3 digits');
  }
  const rawContains = textParam(query, 'Contains');
  let contains: string | null = null;
  if (rawContains !== undefined) {
    if (!/^[0-9A-Za-z]{3,15}$/.test(rawContains)) throw invalidParam('Contains', 'must be 3 to 15 digits or letters');
    contains = [...rawContains.toLowerCase()].map((c) => KEYPAD[c] ?? c).join('');
  }
  const region = regionParam(query, 'InRegion');
  const city = placeParam(query, 'InLocality');
  if (numberType === 'toll-free' && (region !== null || city !== null)) throw invalidParam(region !== null ? 'InRegion' : 'InLocality', 'is not supported for toll-free numbers');
  if (city !== null && region === null) throw invalidParam('InLocality', 'must be used with InRegion');
  const flags = [['VoiceEnabled', 'voice'], ['SmsEnabled', 'sms'], ['MmsEnabled', 'mms'], ['FaxEnabled', 'fax']] as const;
  let withCapabilities = 0;
  let withoutCapabilities = 0;
  for (const [name, capability] of flags) {
    const on = booleanParam(query, name);
    if (on === true) withCapabilities |= capabilitiesToMask([capability]);
    if (on === false) withoutCapabilities |= capabilitiesToMask([capability]);
  }
  for (const name of ['Beta', 'ExcludeAllAddressRequired', 'ExcludeForeignAddressRequired', 'ExcludeLocalAddressRequired']) booleanParam(query, name);
  return {
    numberType,
    country,
    areaCode,
    startsWith: null,
    contains,
    endsWith: null,
    region,
    city,
    withCapabilities,
    withoutCapabilities,
    limit: integerParam(query, 'PageSize', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
  };
}

/** The contract's AvailablePhoneNumber, fields in its order. */
function availableNumber(n: StockedNumber, country: string) {
  return {
    friendly_name: readable(n.number),
    phone_number: n.number,
    lata: n.lata,
    locality: n.city,
    rate_center: n.rate_center,
    latitude: null,
    longitude: null,
    region: n.region,
    postal_code: null,
    iso_country: n.country_code ?? country,
    capabilities: { voice: (n.capabilities & 1) !== 0, SMS: (n.capabilities & 2) !== 0, MMS: (n.capabilities & 4) !== 0 },
    beta: false,
  };
}

const nullableText = Type.Union([Type.String(), Type.Null()]);
const AvailablePhoneNumberList = Type.Object(
  {
    uri: Type.String(),
    available_phone_numbers: Type.Array(
      Type.Object(
        {
          friendly_name: Type.String({ description: 'The number formatted for reading.' }),
          phone_number: Type.String({ description: 'E.164.' }),
          lata: nullableText,
          locality: Type.Union([Type.String(), Type.Null()], { description: 'The city the stock names for the number.' }),
          rate_center: nullableText,
          latitude: Type.Null(),
          longitude: Type.Null(),
          region: nullableText,
          postal_code: Type.Null(),
          iso_country: Type.String(),
          capabilities: Type.Object({ voice: Type.Boolean(), SMS: Type.Boolean(), MMS: Type.Boolean() }, { additionalProperties: false }),
          beta: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
const CountryResource = Type.Object(
  {
    country_code: Type.String(),
    country: Type.String(),
    uri: Type.String(),
    beta: Type.Boolean(),
    subresource_uris: Type.Object({ local: Type.String(), toll_free: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
const CountryList = Type.Object({ uri: Type.String(), countries: Type.Array(CountryResource) }, { additionalProperties: false });
const CountryParams = Type.Object({
  AccountSid: AccountParams.properties.AccountSid,
  IsoCountry: Type.String({ description: 'ISO 3166-1 alpha-2 country code (any case), optionally followed by `.json`. A code no numbering plan has answers 404.' }),
});

function countryResource(code: string, base: string, suffix: string) {
  return {
    country_code: code,
    country: countryNames.of(code) ?? code,
    uri: `${base}/${code}${suffix}`,
    beta: false,
    subresource_uris: { local: `${base}/${code}/Local${suffix}`, toll_free: `${base}/${code}/TollFree${suffix}` },
  };
}

/** The country of a path, upper-cased, or 404. */
async function countryOf(raw: string): Promise<string> {
  const code = raw.toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !(await isCountry(code))) throw errors.notFound();
  return code;
}

type Twice = (path: string, register: (url: string, suffix: string, options: { config: RouteShorthandOptions['config'] }) => void) => void;

/** AvailablePhoneNumbers: the countries, one country, and its Local and TollFree searches. */
export function availableNumberRoutes(
  app: App,
  deps: { stock: StockService },
  options: { onRequest: onRequestAsyncHookHandler[]; style: (suffix: string) => PathStyle; twice: Twice; documented: boolean; metricsPrefix: string },
): void {
  const { onRequest, style, twice } = options;
  const base = (suffix: string, account: string) => `${accountPath(style(suffix), account)}/AvailablePhoneNumbers`;
  const searchNote =
    'Numbers of the caller\'s Space\'s stock that can be bought, in national-number order: the same search over the same stock answers the same numbers. Needs the "numbers" scope. Every condition given must hold; an invalid parameter answers 422 naming it; parameters not listed are ignored. In emulator mode the numbers are made up from ranges no subscriber has (docs/number-stock.md).';

  twice('/Accounts/:AccountSid/AvailablePhoneNumbers', (url, suffix, { config }) =>
    app.get(
      url,
      {
        onRequest,
        config,
        schema: {
          operationId: 'list_available_phone_number_resources',
          summary: 'List the countries with numbers to buy',
          description: 'The countries the caller\'s Space has stock in, in country-code order (in emulator mode, the countries it makes numbers up for).',
          tags: TAGS,
          params: AccountParams,
          response: { 200: { description: 'The countries.', ...CountryList }, ...compatibilityResponses(401, 403, 404, 429, 500, 503) },
        },
      },
      async (request, reply) => {
        const root = base('', request.params.AccountSid);
        const countries = (await deps.stock.countries(request.principal)).map((code) => countryResource(code, root, suffix));
        return sendJson(reply, JSON.stringify({ uri: `${root}${suffix}`, countries }));
      },
    ),
  );

  const country = '/Accounts/:AccountSid/AvailablePhoneNumbers/:IsoCountry';
  app.get(
    country,
    {
      onRequest,
      config: { documented: options.documented, metricsRoute: `${options.metricsPrefix}${country}` },
      schema: {
        operationId: 'list_available_phone_number_resources_by_country',
        summary: 'One country\'s number searches',
        description: 'Where to search one country\'s local and toll-free numbers. Answers for any country a numbering plan exists for, whether or not the stock holds numbers there.',
        tags: TAGS,
        params: CountryParams,
        response: { 200: { description: 'The country.', ...CountryResource }, ...compatibilityResponses(401, 403, 404, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const { sid, suffix } = splitSid(request.params.IsoCountry);
      return sendJson(reply, JSON.stringify(countryResource(await countryOf(sid), base('', request.params.AccountSid), suffix)));
    },
  );

  for (const [kind, numberType, operationId] of [
    ['Local', 'longcode', 'search_local_available_phone_numbers'],
    ['TollFree', 'toll-free', 'search_toll_free_available_phone_numbers'],
  ] as const) {
    twice(`/Accounts/:AccountSid/AvailablePhoneNumbers/:IsoCountry/${kind}`, (url, suffix, { config }) =>
      app.get(
        url,
        {
          onRequest,
          config,
          preValidation: async (request) => {
            const { IsoCountry } = request.params as { IsoCountry: string };
            request.stockSearch = searchRequest(request.query as Query, await countryOf(IsoCountry), numberType);
          },
          schema: {
            operationId,
            summary: kind === 'Local' ? 'Search local numbers' : 'Search toll-free numbers',
            description: searchNote,
            tags: TAGS,
            params: CountryParams,
            querystring: SearchQuery,
            response: { 200: { description: 'The matching numbers, at most PageSize.', ...AvailablePhoneNumberList }, ...compatibilityResponses(401, 403, 404, 422, 429, 500, 503) },
          },
        },
        async (request, reply) => {
          const code = await countryOf(request.params.IsoCountry);
          const found = await deps.stock.search(request.principal, request.stockSearch!);
          const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
          const uri = `${base('', request.params.AccountSid)}/${code}/${kind}${suffix}${query}`;
          return sendJson(reply, JSON.stringify({ uri, available_phone_numbers: found.map((n) => availableNumber(n, code)) }));
        },
      ),
    );
  }
}
