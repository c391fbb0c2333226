import type autocannon from 'autocannon';
import type { ImportNumbers } from './inventory.js';
import { FOUR_DIGITS, shuffled, STOCK_AREA_CODES, type StockNumbers, US_STOCK_AREA_CODES } from './stock.js';

export const SCENARIO_NAMES = ['import', 'get', 'list', 'list-deep', 'update', 'compat-import', 'compat-get', 'compat-list', 'search', 'search-contains', 'purchase', 'compat-search'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];
/**
 * The Relay REST scenarios: the ones a --compare build (which may predate the Compatibility
 * API) runs too. Not the stock scenarios: a compared build may predate number stock.
 */
export const RELAY_SCENARIOS: readonly ScenarioName[] = ['import', 'get', 'list', 'list-deep', 'update'];
/**
 * The number stock scenarios: run against servers whose Space holds a stock (stock.ts), at
 * the stock connection counts (by default only the largest of the run's).
 */
export const STOCK_SCENARIOS: readonly ScenarioName[] = ['search', 'search-contains', 'purchase', 'compat-search'];

export const LIST_PATH = '/api/relay/rest/phone_numbers';
export const FIRST_PAGE_PATH = `${LIST_PATH}?page_size=50`;
const IMPORT_PATH = '/api/relay/rest/imported_phone_numbers';
/** The Compatibility API as SignalWire's Node client calls it: `/2010-04-01/...json`, form bodies. */
export const compatAccountPath = (projectId: string) => `/2010-04-01/Accounts/${projectId}`;
export const compatFirstPagePath = (projectId: string) => `${compatAccountPath(projectId)}/IncomingPhoneNumbers.json?PageSize=50`;
export const compatNumberPath = (projectId: string, id: string) => `${compatAccountPath(projectId)}/IncomingPhoneNumbers/${id}.json`;
/** Results per search, on both surfaces: the Relay REST default and the Compatibility PageSize default. */
const SEARCH_RESULTS = 50;
export const searchPath = (areaCode: string) => `${LIST_PATH}/search?areacode=${areaCode}&max_results=${SEARCH_RESULTS}`;
export const compatSearchPath = (projectId: string, areaCode: string) => `${compatAccountPath(projectId)}/AvailablePhoneNumbers/US/Local.json?AreaCode=${areaCode}&PageSize=${SEARCH_RESULTS}`;

/** What a scenario needs to know about the target it is pointed at. */
export interface ScenarioContext {
  readonly auth: string;
  /** The project, which Compatibility paths name as the AccountSid. */
  readonly projectId: string;
  /** Ids of active numbers, rotated over by get and update. */
  readonly ids: readonly string[];
  /** A links.next path many pages into the listing; list-deep only. */
  readonly deepPath: string | undefined;
  /** Fresh numbers for imports: never one already in the database. */
  readonly numbers: ImportNumbers;
  /** The numbers in this target's stock not bought yet; purchase only. */
  readonly purchases?: StockNumbers;
}

export interface Scenario {
  readonly name: ScenarioName | 'import-keyed';
  readonly description: string;
  /**
   * The scenario whose baseline run this one is compared with: the baseline does the same
   * HTTP work (same request and response sizes) with nothing behind it, so list-deep shares
   * list's fixed page and update shares import's read-a-body-answer-a-number. The
   * Compatibility scenarios have baselines of their own, answering Compatibility-sized bodies.
   * A search's baseline answers a real search's 50 numbers; a purchase, like update, is
   * import's read-a-body-answer-a-number.
   */
  readonly baseline: 'import' | 'get' | 'list' | 'compat-import' | 'compat-get' | 'compat-list' | 'search' | 'compat-search';
  /**
   * The Relay REST scenario the report sets this one beside, on the same backend in the same
   * rounds: what a stock search costs against a get, a purchase against an import.
   */
  readonly beside?: 'get' | 'import';
  requests(ctx: ScenarioContext): autocannon.Request[];
}

const json = (auth: string) => ({ authorization: auth, 'content-type': 'application/json' });
const form = (auth: string) => ({ authorization: auth, 'content-type': 'application/x-www-form-urlencoded' });

/** Rotates over the ids, a different one for every request. */
function rotation(ids: readonly string[]): () => string {
  if (ids.length === 0) throw new Error('the scenario needs at least one existing number');
  let i = 0;
  return () => ids[i++ % ids.length]!;
}

/** Search GETs, each request's path made by `path` from the next of `values`, in an order shuffled afresh for every run. */
function searches(ctx: ScenarioContext, values: readonly string[], path: (value: string) => string): autocannon.Request[] {
  const next = rotation(shuffled(values));
  return [{ method: 'GET', headers: { authorization: ctx.auth }, setupRequest: (req) => ({ ...req, path: path(next()) }) }];
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  import: {
    name: 'import',
    description: 'POST imported_phone_numbers, a fresh valid +1 555 number each time (201)',
    baseline: 'import',
    requests: (ctx) => [
      {
        method: 'POST',
        path: IMPORT_PATH,
        headers: json(ctx.auth),
        setupRequest: (req) => ({ ...req, body: `{"number":"${ctx.numbers.next()}","number_type":"longcode"}` }),
      },
    ],
  },
  get: {
    name: 'get',
    description: 'GET phone_numbers/{id}, rotating over existing numbers (200)',
    baseline: 'get',
    requests: (ctx) => {
      const next = rotation(ctx.ids);
      return [{ method: 'GET', headers: { authorization: ctx.auth }, setupRequest: (req) => ({ ...req, path: `${LIST_PATH}/${next()}` }) }];
    },
  },
  list: {
    name: 'list',
    description: 'GET phone_numbers?page_size=50, the first page (50 numbers, about 61 KB)',
    baseline: 'list',
    requests: (ctx) => [{ method: 'GET', path: FIRST_PAGE_PATH, headers: { authorization: ctx.auth } }],
  },
  'list-deep': {
    name: 'list-deep',
    description: 'GET a page of 50 reached by following links.next many pages in',
    baseline: 'list',
    requests: (ctx) => {
      if (ctx.deepPath === undefined) throw new Error('list-deep needs a deep page path');
      return [{ method: 'GET', path: ctx.deepPath, headers: { authorization: ctx.auth } }];
    },
  },
  update: {
    name: 'update',
    description: 'PUT phone_numbers/{id} {"name":…}, rotating over existing numbers (200)',
    baseline: 'import',
    requests: (ctx) => {
      const next = rotation(ctx.ids);
      let n = 0;
      return [
        {
          method: 'PUT',
          headers: json(ctx.auth),
          setupRequest: (req) => ({ ...req, path: `${LIST_PATH}/${next()}`, body: `{"name":"bench ${n++}"}` }),
        },
      ];
    },
  },
  'compat-import': {
    name: 'compat-import',
    description: 'POST /2010-04-01/Accounts/{project}/ImportedPhoneNumbers.json, a form body with a fresh +1 555 number (201)',
    baseline: 'compat-import',
    requests: (ctx) => [
      {
        method: 'POST',
        path: `${compatAccountPath(ctx.projectId)}/ImportedPhoneNumbers.json`,
        headers: form(ctx.auth),
        setupRequest: (req) => ({ ...req, body: `number=${encodeURIComponent(ctx.numbers.next())}&number_type=longcode` }),
      },
    ],
  },
  'compat-get': {
    name: 'compat-get',
    description: 'GET /2010-04-01/Accounts/{project}/IncomingPhoneNumbers/{sid}.json, rotating over existing numbers (200)',
    baseline: 'compat-get',
    requests: (ctx) => {
      const next = rotation(ctx.ids);
      return [{ method: 'GET', headers: { authorization: ctx.auth }, setupRequest: (req) => ({ ...req, path: compatNumberPath(ctx.projectId, next()) }) }];
    },
  },
  'compat-list': {
    name: 'compat-list',
    description: 'GET /2010-04-01/Accounts/{project}/IncomingPhoneNumbers.json?PageSize=50, the first page',
    baseline: 'compat-list',
    requests: (ctx) => [{ method: 'GET', path: compatFirstPagePath(ctx.projectId), headers: { authorization: ctx.auth } }],
  },
  search: {
    name: 'search',
    description: `GET phone_numbers/search?areacode=…&max_results=${SEARCH_RESULTS}, rotating over the stock's area codes (200, ${SEARCH_RESULTS} numbers)`,
    baseline: 'search',
    beside: 'get',
    requests: (ctx) => searches(ctx, STOCK_AREA_CODES, searchPath),
  },
  'search-contains': {
    name: 'search-contains',
    description: `GET phone_numbers/search?contains=…&max_results=${SEARCH_RESULTS}, rotating over every 4-digit string (200)`,
    baseline: 'search',
    beside: 'get',
    requests: (ctx) => searches(ctx, FOUR_DIGITS, (digits) => `${LIST_PATH}/search?contains=${digits}&max_results=${SEARCH_RESULTS}`),
  },
  purchase: {
    name: 'purchase',
    description: 'POST phone_numbers {"number":…}, a stock number not bought before each time (200)',
    baseline: 'import',
    beside: 'import',
    requests: (ctx) => {
      const stock = ctx.purchases;
      if (stock === undefined) throw new Error('purchase needs a target with stock to buy');
      return [{ method: 'POST', path: LIST_PATH, headers: json(ctx.auth), setupRequest: (req) => ({ ...req, body: `{"number":"${stock.next()}"}` }) }];
    },
  },
  'compat-search': {
    name: 'compat-search',
    description: `GET /2010-04-01/Accounts/{project}/AvailablePhoneNumbers/US/Local.json?AreaCode=…&PageSize=${SEARCH_RESULTS}, rotating over the stock's US area codes (200)`,
    baseline: 'compat-search',
    beside: 'get',
    requests: (ctx) => searches(ctx, US_STOCK_AREA_CODES, (areaCode) => compatSearchPath(ctx.projectId, areaCode)),
  },
};

export interface DeepPage {
  readonly path: string;
  readonly pageNumber: number;
  /** How long the walk took, following links.next one page at a time. */
  readonly seconds: number;
}

/**
 * Walks links.next from the first page, `pages` pages in (or to the last page that has a
 * next link), the way a client paging through the inventory would, and returns where it got.
 */
export async function walkToDeepPage(baseUrl: string, auth: string, pages: number): Promise<DeepPage> {
  const started = performance.now();
  let path = FIRST_PAGE_PATH;
  let pageNumber = 0;
  while (pageNumber < pages) {
    const res = await fetch(baseUrl + path, { headers: { authorization: auth } });
    if (res.status !== 200) throw new Error(`walking the listing: ${path} answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { links: { next?: string }; data: unknown[] };
    if (body.links.next === undefined) break;
    path = body.links.next;
    pageNumber++;
  }
  return { path, pageNumber, seconds: (performance.now() - started) / 1000 };
}

/**
 * The import scenario with an Idempotency-Key on every request, as `numberspace import` sends
 * them: run beside the bulk import only, to show what the keys themselves cost the server.
 */
export const KEYED_IMPORT: Scenario = {
  ...SCENARIOS.import,
  name: 'import-keyed',
  description: 'POST imported_phone_numbers, a fresh number and a fresh Idempotency-Key each time (201)',
  requests: (ctx) => {
    const prefix = `bench-${process.pid}-${Date.now()}-`;
    let n = 0;
    return [
      {
        method: 'POST',
        path: IMPORT_PATH,
        headers: json(ctx.auth),
        setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': `${prefix}${n++}` }, body: `{"number":"${ctx.numbers.next()}","number_type":"longcode"}` }),
      },
    ];
  },
};
