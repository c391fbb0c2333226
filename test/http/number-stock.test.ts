/**
 * Number stock through the real server, on the engine the suite runs on: search on both
 * surfaces with every parameter and error, purchase on both, the rules between stock and
 * projects (one holder, the 50-way race, imports refused), release back to stock, the cooldown.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type Tenant, type TestServer } from '../helpers/server.js';

const SEARCH = '/api/relay/rest/phone_numbers/search';
const BUY = '/api/relay/rest/phone_numbers';
const compat = (t: Tenant) => `/api/laml/2010-04-01/Accounts/${t.projectId}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A stock of known shape: Austin and Dallas numbers, toll-free ones, London ones. */
const STOCK = [
  ...Array.from({ length: 60 }, (_, i) => ({ number: `+1512555${String(1000 + i)}`, number_type: 'longcode', city: i % 2 === 0 ? 'Austin' : '', rate_center: 'AUSTIN', lata: '558' })),
  ...Array.from({ length: 10 }, (_, i) => ({ number: `+1214555${String(2000 + i)}`, number_type: 'longcode', city: 'Dallas', capabilities: i < 5 ? 'voice' : 'voice;sms;mms' })),
  ...Array.from({ length: 5 }, (_, i) => ({ number: `+1800555${String(3000 + i)}`, number_type: 'tollfree' })),
  ...Array.from({ length: 5 }, (_, i) => ({ number: `+44207946${String(4000 + i)}`, number_type: 'longcode', city: 'London', region: 'LN' })),
];

const numbersOf = (body: { data: { number: string }[] }) => body.data.map((d) => d.number);
const national = (e164: string) => (e164.startsWith('+44') ? e164.slice(3) : e164.slice(2));
const inOrder = (numbers: string[]) => numbers.every((n, i) => i === 0 || national(numbers[i - 1]!) <= national(n));

describe('number stock: Relay REST search', () => {
  let server: TestServer;
  let otherSpace: Tenant;
  before(async () => {
    server = await startServer();
    await server.addStock(STOCK);
    otherSpace = await server.addTenant();
    await server.addStock([{ number: '+15125559999', number_type: 'longcode' }], otherSpace.spaceId);
  });
  after(() => server.close());

  test('local numbers by default, in national-number order, at most 50', async () => {
    const r = await server.request('GET', SEARCH);
    assert.equal(r.status, 200);
    assert.equal(r.body.data.length, 50);
    assert.ok(inOrder(numbersOf(r.body)), 'national-number order');
    // London's 20 sorts before Dallas's 214, which sorts before Austin's 512.
    assert.equal(r.body.data[0].number, '+442079464000');
    assert.ok(!numbersOf(r.body).some((n) => n.startsWith('+1800')), 'no toll-free numbers');
    assert.deepEqual(r.body.links, { self: SEARCH, first: SEARCH });
    const again = await server.request('GET', SEARCH);
    assert.deepEqual(numbersOf(again.body), numbersOf(r.body), 'the same query answers the same numbers');
  });

  test('each answer carries what the stock knows, and nothing it does not', async () => {
    const r = await server.request('GET', `${SEARCH}?areacode=512&max_results=2`);
    assert.deepEqual(r.body.data, [
      { number: '+15125551000', region: 'TX', city: 'Austin', rate_center: 'AUSTIN', lata: '558', capabilities: { voice: true, sms: true, mms: true, fax: true } },
      { number: '+15125551001', region: 'TX', rate_center: 'AUSTIN', lata: '558', capabilities: { voice: true, sms: true, mms: true, fax: true } },
    ]);
    assert.equal(r.body.links.self, `${SEARCH}?areacode=512&max_results=2`);
  });

  test('every parameter narrows the search', async () => {
    const search = async (query: string) => {
      const r = await server.request('GET', `${SEARCH}?${query}`);
      assert.equal(r.status, 200, `${query}: ${r.text}`);
      assert.ok(inOrder(numbersOf(r.body)), `${query}: order`);
      return numbersOf(r.body);
    };
    assert.equal((await search('areacode=214')).length, 10);
    assert.deepEqual(await search('area_code=214&max_results=1'), ['+12145552000'], 'area_code is the same parameter');
    assert.deepEqual(await search('starts_with=2145552'), Array.from({ length: 10 }, (_, i) => `+1214555${2000 + i}`));
    assert.deepEqual(await search('areacode=512&starts_with=5125551'), (await search('areacode=512')).filter((n) => n.startsWith('+15125551')));
    assert.deepEqual(await search('areacode=214&starts_with=5125'), [], 'an area code and a prefix that contradict match nothing');
    assert.deepEqual(await search('contains=5552005'), ['+12145552005']);
    assert.deepEqual(await search('contains=100&max_results=100'), ['+15125551000', '+15125551001', '+15125551002', '+15125551003', '+15125551004', '+15125551005', '+15125551006', '+15125551007', '+15125551008', '+15125551009']);
    assert.deepEqual(await search('ends_with=1059'), ['+15125551059']);
    assert.deepEqual(await search('ends_with=009&max_results=100'), ['+12145552009', '+15125551009']);
    assert.equal((await search('region=tx&max_results=100')).length, 70, 'region is case-insensitive and derived from the area code');
    assert.equal((await search('region=TX&city=austin&max_results=100')).length, 30);
    assert.deepEqual(await search('region=TX&city=dallas&areacode=214&contains=2001'), ['+12145552001']);
    assert.deepEqual(await search('region=LN&city=London&max_results=2'), ['+442079464000', '+442079464001']);
    assert.deepEqual(await search('number_type=toll-free'), ['+18005553000', '+18005553001', '+18005553002', '+18005553003', '+18005553004']);
    assert.deepEqual(await search('number_type=tollfree&ends_with=3004'), ['+18005553004']);
    assert.equal((await search('number_type=longcode&max_results=100')).length, 75);
    assert.equal((await search('max_results=100')).length, 75);
    assert.deepEqual(await search('areacode=999'), []);
    assert.deepEqual(await search('unknown_parameter=1&areacode=214&max_results=1'), ['+12145552000'], 'unknown parameters are ignored');
  });

  test("another Space's stock is invisible", async () => {
    const mine = await server.request('GET', `${SEARCH}?ends_with=9999`);
    assert.deepEqual(mine.body.data, []);
    const theirs = await server.request('GET', `${SEARCH}?ends_with=9999`, { auth: otherSpace.auth });
    assert.deepEqual(numbersOf(theirs.body), ['+15125559999']);
  });

  test('every invalid parameter answers 422 naming it', async () => {
    const cases: [string, string][] = [
      ['number_type=mobile', 'number_type must be local or toll-free'],
      ['areacode=5', 'areacode must be 2 to 5 digits'],
      ['areacode=5a2', 'areacode must be 2 to 5 digits'],
      ['starts_with=12', 'starts_with must be 3 to 7 digits'],
      ['contains=12345678', 'contains must be 3 to 7 digits'],
      ['ends_with=12x4', 'ends_with must be 3 to 7 digits'],
      ['starts_with=512&contains=555', 'contains cannot be combined with starts_with: use one of starts_with, contains and ends_with'],
      ['contains=555&ends_with=1000', 'ends_with cannot be combined with contains: use one of starts_with, contains and ends_with'],
      ['region=Texas', 'region must be a two-letter state or province code (ISO 3166-2), e.g. TX'],
      ['city=Austin', 'city must be used with region'],
      ['number_type=toll-free&region=TX', 'region is not supported for toll-free numbers'],
      ['number_type=toll-free&city=Austin', 'city is not supported for toll-free numbers'],
      ['max_results=0', 'max_results must be an integer from 1 to 100'],
      ['max_results=101', 'max_results must be an integer from 1 to 100'],
      ['max_results=ten', 'max_results must be an integer from 1 to 100'],
      ['areacode=512&areacode=214', 'areacode must be given once'],
    ];
    for (const [query, detail] of cases) {
      const r = await server.request('GET', `${SEARCH}?${query}`);
      assert.equal(r.status, 422, query);
      assert.deepEqual(r.body, { errors: [{ detail, status: '422', title: 'Invalid Attribute', code: 'invalid_value' }] }, query);
    }
  });

  test('needs credentials and the numbers scope', async () => {
    assert.equal((await server.request('GET', SEARCH, { auth: null })).status, 401);
    const noScope = await server.addTenant({ scopes: ['messaging'] });
    const r = await server.request('GET', SEARCH, { auth: noScope.auth });
    assert.equal(r.status, 403);
  });
});

describe('number stock: purchase, one holder, release back to stock', () => {
  let server: TestServer;
  let now = Date.parse('2026-06-01T12:00:00.000Z');
  before(async () => {
    server = await startServer({ clock: () => new Date(now), releaseCooldownMs: 60_000 });
    await server.addStock(STOCK);
  });
  after(() => server.close());
  const tick = (ms: number) => {
    now += ms;
  };

  test('a Relay purchase moves the number from stock into the project, as the stock described it', async () => {
    const r = await server.request('POST', BUY, { body: { number: '+12145552000' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.number, '+12145552000');
    assert.deepEqual(r.body.capabilities, ['voice']);
    assert.equal(r.body.number_type, 'longcode');
    assert.equal(r.body.country_code, 'US');
    assert.equal(r.body.name, null);
    assert.equal(r.body.created_at, new Date(now).toISOString());
    assert.match(r.body.id, /^[0-9a-f-]{36}$/);
    const got = await server.request('GET', `${BUY}/${r.body.id}`);
    assert.equal(got.text, r.text, 'a get answers the same record');
    const search = await server.request('GET', `${SEARCH}?areacode=214`);
    assert.ok(!numbersOf(search.body).includes('+12145552000'), 'no longer in stock');
    assert.equal(search.body.data.length, 9);
    const events = (await server.store.audit.list(server.tenant.projectId)).filter((e) => e.resource_id === r.body.id);
    assert.deepEqual(events.map((e) => [e.action, e.surface, JSON.parse(e.summary)]), [
      ['number.purchased', 'relay-rest', { number: '+12145552000', number_type: 'longcode', capabilities: ['voice'] }],
    ]);
  });

  test('a number that cannot be bought answers 422 saying why, naming no other project', async () => {
    const other = await server.addTenant({ spaceId: server.tenant.spaceId });
    const elsewhere = await server.addTenant();
    await server.addStock([{ number: '+15125558888', number_type: 'longcode' }], elsewhere.spaceId);
    const cases: [string, string | undefined, string, string][] = [
      ['+12145552000', undefined, '+12145552000 is already active in this project', 'number_taken'],
      ['+12145552000', other.auth, '+12145552000 has already been taken', 'number_taken'],
      ['+15125558888', undefined, "+15125558888 is not in this Space's stock", 'not_in_stock'],
      ['+15125557777', undefined, '+15125557777 is not in stock', 'not_in_stock'],
      ['15125557777', undefined, '+15125557777 is not in stock', 'not_in_stock'],
    ];
    for (const [number, auth, detail, code] of cases) {
      const r = await server.request('POST', BUY, { body: { number }, ...(auth === undefined ? {} : { auth }) });
      assert.equal(r.status, 422, number);
      assert.deepEqual(r.body, { errors: [{ detail, status: '422', title: 'Invalid Attribute', code }] });
    }
    for (const body of [{}, { number: '+1214555200x' }, { number: '+12145552001', name: 'x' }]) {
      assert.equal((await server.request('POST', BUY, { body })).status, 422, JSON.stringify(body));
    }
    const stillThere = await server.request('GET', `${SEARCH}?ends_with=2001`);
    assert.deepEqual(numbersOf(stillThere.body), ['+12145552001'], 'a refused purchase buys nothing');
  });

  test('an import of a number in stock is refused: the platform already holds it', async () => {
    const r = await server.request('POST', '/api/relay/rest/imported_phone_numbers', { body: { number: '+12145552001', number_type: 'longcode' } });
    assert.equal(r.status, 422);
    assert.equal(r.body.errors[0].detail, '+12145552001 cannot be imported: the platform already holds it in stock');
    const c = await server.request('POST', `${compat(server.tenant)}/ImportedPhoneNumbers`, { body: { number: '+12145552001', number_type: 'longcode' } });
    assert.equal(c.status, 422);
    assert.match(c.body.message, /the platform already holds it in stock/);
  });

  test('50 concurrent purchases of one number from 50 projects: exactly one succeeds', async () => {
    const buyers = await Promise.all(Array.from({ length: 50 }, () => server.addTenant({ spaceId: server.tenant.spaceId })));
    const answers = await Promise.all(buyers.map((b) => server.request('POST', BUY, { body: { number: '+12145552002' }, auth: b.auth })));
    const won = answers.filter((a) => a.status === 200);
    assert.equal(won.length, 1);
    assert.deepEqual(new Set(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body.errors[0].detail}`)), new Set(['422 +12145552002 has already been taken']));
    const winner = buyers[answers.indexOf(won[0]!)]!;
    assert.equal((await server.request('GET', `${BUY}/${won[0]!.body.id}`, { auth: winner.auth })).status, 200);
    assert.equal(await server.store.phoneNumbers.findActiveOwner('+12145552002'), winner.projectId);
  });

  test('purchases count against the quota and take an Idempotency-Key', async () => {
    const t = await server.addTenant({ spaceId: server.tenant.spaceId });
    await server.store.tenancy.setProjectLimits(t.projectId, { numberQuota: 1 });
    const key = { 'idempotency-key': 'buy-2003' };
    const first = await server.request('POST', BUY, { body: { number: '+12145552003' }, auth: t.auth, headers: key });
    assert.equal(first.status, 200);
    const replay = await server.request('POST', BUY, { body: { number: '+12145552003' }, auth: t.auth, headers: key });
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.text, first.text);
    const reused = await server.request('POST', BUY, { body: { number: '+12145552004' }, auth: t.auth, headers: key });
    assert.equal(reused.status, 422);
    assert.equal(reused.body.errors[0].code, 'idempotency_key_reused');
    const over = await server.request('POST', BUY, { body: { number: '+12145552004' }, auth: t.auth });
    assert.equal(over.status, 422);
    assert.equal(over.body.errors[0].code, 'quota_exceeded');
    assert.deepEqual(numbersOf((await server.request('GET', `${SEARCH}?ends_with=2004`)).body), ['+12145552004'], 'refused for the quota: still in stock');
  });

  test('a bought number cannot be released within the cooldown; then it goes back to stock under a new id', async () => {
    const bought = await server.request('POST', BUY, { body: { number: '+12145552005' } });
    assert.equal(bought.status, 200);
    const until = new Date(now + 60_000).toISOString();
    tick(30_000);
    const early = await server.request('DELETE', `${BUY}/${bought.body.id}`);
    assert.equal(early.status, 422);
    assert.deepEqual(early.body, {
      errors: [{ detail: `This number was bought too recently to release: it can be released from ${until}`, status: '422', title: 'Invalid Attribute', code: 'release_cooldown' }],
    });
    const compatEarly = await server.request('DELETE', `${compat(server.tenant)}/IncomingPhoneNumbers/${bought.body.id}`);
    assert.equal(compatEarly.status, 409);
    assert.equal(compatEarly.body.code, 20409);
    assert.equal(compatEarly.body.message, `This number was bought too recently to release: it can be released from ${until}`);
    tick(30_000);
    assert.equal((await server.request('DELETE', `${BUY}/${bought.body.id}`)).status, 204);
    assert.equal((await server.request('GET', `${BUY}/${bought.body.id}`)).status, 404);
    const back = await server.request('GET', `${SEARCH}?ends_with=2005`);
    assert.deepEqual(back.body.data, [{ number: '+12145552005', region: 'TX', city: 'Dallas', capabilities: { voice: true, sms: true, mms: true, fax: false } }]);
    const other = await server.addTenant({ spaceId: server.tenant.spaceId });
    const again = await server.request('POST', BUY, { body: { number: '+12145552005' }, auth: other.auth });
    assert.equal(again.status, 200);
    assert.notEqual(again.body.id, bought.body.id);
  });

  test('an imported number releases as before: at once, and not into stock', async () => {
    const imported = await server.request('POST', '/api/relay/rest/imported_phone_numbers', { body: { number: '+15125556666', number_type: 'longcode' } });
    assert.equal(imported.status, 201);
    assert.equal((await server.request('DELETE', `${BUY}/${imported.body.id}`)).status, 204);
    assert.deepEqual((await server.request('GET', `${SEARCH}?ends_with=6666`)).body.data, []);
  });
});

describe('number stock: Compatibility API', () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startServer();
    await server.addStock(STOCK);
    base = compat(server.tenant);
  });
  after(() => server.close());

  test('the countries of the stock, one country, and unknown ones', async () => {
    const r = await server.request('GET', `${base}/AvailablePhoneNumbers`);
    assert.equal(r.status, 200);
    const root = `${base}/AvailablePhoneNumbers`;
    const country = (code: string, name: string, suffix = '') => ({
      country_code: code,
      country: name,
      uri: `${root}/${code}${suffix}`,
      beta: false,
      subresource_uris: { local: `${root}/${code}/Local${suffix}`, toll_free: `${root}/${code}/TollFree${suffix}` },
    });
    assert.deepEqual(r.body, { uri: root, countries: [country('GB', 'United Kingdom'), country('US', 'United States')] });
    const json = await server.request('GET', `${base}/AvailablePhoneNumbers.json`);
    assert.deepEqual(json.body.countries[0], country('GB', 'United Kingdom', '.json'));
    assert.deepEqual((await server.request('GET', `${base}/AvailablePhoneNumbers/ca`)).body, country('CA', 'Canada'));
    assert.deepEqual((await server.request('GET', `${base}/AvailablePhoneNumbers/CA.json`)).body, country('CA', 'Canada', '.json'));
    for (const bad of ['ZZ', 'USA', '1']) assert.equal((await server.request('GET', `${base}/AvailablePhoneNumbers/${bad}`)).status, 404, bad);
    assert.equal((await server.request('GET', `${base}/AvailablePhoneNumbers/ZZ/Local`)).status, 404);
  });

  test('Local and TollFree searches, with every parameter', async () => {
    const search = async (path: string) => {
      const r = await server.request('GET', `${base}/AvailablePhoneNumbers/${path}`);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      return r.body.available_phone_numbers as Record<string, any>[];
    };
    const first = await search('US/Local?AreaCode=512&PageSize=1');
    assert.deepEqual(first, [
      {
        friendly_name: '(512) 555-1000',
        phone_number: '+15125551000',
        lata: '558',
        locality: 'Austin',
        rate_center: 'AUSTIN',
        latitude: null,
        longitude: null,
        region: 'TX',
        postal_code: null,
        iso_country: 'US',
        capabilities: { voice: true, SMS: true, MMS: true },
        beta: false,
      },
    ]);
    const r = await server.request('GET', `${base}/AvailablePhoneNumbers/US/Local.json?AreaCode=512&PageSize=1`);
    assert.equal(r.body.uri, `${base}/AvailablePhoneNumbers/US/Local.json?AreaCode=512&PageSize=1`);
    const phones = (list: Record<string, any>[]) => list.map((n) => n.phone_number);
    assert.equal((await search('US/Local')).length, 50, 'PageSize defaults to 50');
    assert.ok(!phones(await search('US/Local?PageSize=100')).some((n) => n.startsWith('+44')), 'one country');
    assert.deepEqual(phones(await search('US/Local?Contains=5552007')), ['+12145552007']);
    // Letters are keypad digits: JKL is 555.
    assert.equal((await search('US/Local?Contains=JKL&PageSize=100')).length, 70);
    assert.deepEqual(phones(await search('US/Local?Contains=jkl2003')), ['+12145552003']);
    assert.equal((await search('US/Local?InRegion=tx&InLocality=AUSTIN&PageSize=100')).length, 30);
    assert.deepEqual(phones(await search('US/Local?AreaCode=214&SmsEnabled=false')), ['+12145552000', '+12145552001', '+12145552002', '+12145552003', '+12145552004']);
    assert.deepEqual(phones(await search('US/Local?AreaCode=214&MmsEnabled=true&VoiceEnabled=true')), ['+12145552005', '+12145552006', '+12145552007', '+12145552008', '+12145552009']);
    assert.deepEqual(await search('US/Local?AreaCode=214&VoiceEnabled=false'), []);
    assert.equal((await search('US/Local?AreaCode=214&FaxEnabled=false&Beta=true&ExcludeAllAddressRequired=false&ExcludeForeignAddressRequired=true&ExcludeLocalAddressRequired=true')).length, 10);
    assert.deepEqual(phones(await search('US/TollFree?Contains=3001')), ['+18005553001']);
    assert.deepEqual(phones(await search('GB/Local?InRegion=LN&PageSize=2')), ['+442079464000', '+442079464001']);
    assert.deepEqual(await search('GB/TollFree'), []);
    assert.deepEqual(await search('CA/Local'), []);
  });

  test('every invalid parameter answers 422 naming it', async () => {
    const cases: [string, string][] = [
      ['GB/Local?AreaCode=207', 'AreaCode is only available for numbers in US and CA'],
      ['US/Local?AreaCode=51', 'AreaCode must be 3 digits'],
      ['US/Local?Contains=55', 'Contains must be 3 to 15 digits or letters'],
      ['US/Local?Contains=55*5', 'Contains must be 3 to 15 digits or letters'],
      ['US/Local?InRegion=Texas', 'InRegion must be a two-letter state or province code (ISO 3166-2), e.g. TX'],
      ['US/Local?InLocality=Austin', 'InLocality must be used with InRegion'],
      ['US/TollFree?InRegion=TX', 'InRegion is not supported for toll-free numbers'],
      ['US/Local?SmsEnabled=yes', 'SmsEnabled must be true or false'],
      ['US/Local?Beta=1', 'Beta must be true or false'],
      ['US/Local?PageSize=0', 'PageSize must be an integer from 1 to 100'],
      ['US/Local?AreaCode=512&AreaCode=214', 'AreaCode must be given once'],
    ];
    for (const [path, message] of cases) {
      const r = await server.request('GET', `${base}/AvailablePhoneNumbers/${path}`);
      assert.equal(r.status, 422, path);
      assert.deepEqual(r.body, { code: 20422, message, more_info: 'https://signalwire.com/docs/compatibility-api/reference/errors', status: 422 }, path);
    }
  });

  test('buying with a form body: the voice and SMS parameters land as an update would set them, origin signalwire', async () => {
    const body = 'PhoneNumber=%2B15125551002&FriendlyName=Front%20desk&VoiceUrl=https%3A%2F%2Fexample.com%2Fvoice&SmsUrl=https%3A%2F%2Fexample.com%2Fsms&SmsMethod=GET';
    const r = await server.request('POST', `${base}/IncomingPhoneNumbers.json`, { rawBody: body, headers: FORM });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.origin, 'signalwire');
    assert.equal(r.body.friendly_name, 'Front desk');
    assert.equal(r.body.voice_url, 'https://example.com/voice');
    assert.equal(r.body.sms_url, 'https://example.com/sms');
    assert.equal(r.body.sms_method, 'GET');
    assert.equal(r.body.uri, `${base}/IncomingPhoneNumbers/${r.body.sid}.json`);
    const relay = await server.request('GET', `${BUY}/${r.body.sid}`);
    assert.equal(relay.body.call_handler, 'laml_webhooks');
    assert.equal(relay.body.message_handler, 'laml_webhooks');
    assert.equal(relay.body.name, 'Front desk');
    const events = (await server.store.audit.list(server.tenant.projectId)).filter((e) => e.resource_id === r.body.sid);
    assert.deepEqual(events.map((e) => [e.action, e.surface]), [['number.purchased', 'compatibility']]);
    const imported = await server.request('POST', `${base}/ImportedPhoneNumbers`, { body: { number: '+15125556667', number_type: 'longcode' } });
    const list = await server.request('GET', `${base}/IncomingPhoneNumbers`);
    const origins = Object.fromEntries(list.body.incoming_phone_numbers.map((n: any) => [n.phone_number, n.origin]));
    assert.deepEqual(origins, { '+15125556667': 'hosted', '+15125551002': 'signalwire' });
    assert.equal(imported.body.origin, 'hosted');
  });

  test('a JSON purchase, and the refusals', async () => {
    const r = await server.request('POST', `${base}/IncomingPhoneNumbers`, { body: { PhoneNumber: '+18005553000' } });
    assert.equal(r.status, 201);
    assert.equal(r.body.friendly_name, '(800) 555-3000', 'no FriendlyName: the number formatted');
    assert.equal(r.body.verification_status, 'Unverified');
    const refusals: [unknown, RegExp][] = [
      [{ PhoneNumber: '+18005553000' }, /^\+18005553000 is already active in this project$/],
      [{ PhoneNumber: '+15125557777' }, /^\+15125557777 is not in stock$/],
      [{ PhoneNumber: '15125551003' }, /PhoneNumber/],
      [{ PhoneNumber: '+15125551003', AreaCode: '512' }, /AreaCode/],
      [{ PhoneNumber: '+15125551003', VoiceUrl: 'ftp://example.com' }, /VoiceUrl/],
      [{}, /PhoneNumber/],
    ];
    for (const [body, message] of refusals) {
      const answer = await server.request('POST', `${base}/IncomingPhoneNumbers`, { body });
      assert.equal(answer.status, 422, JSON.stringify(body));
      assert.match(answer.body.message, message, JSON.stringify(body));
    }
    const stillThere = await server.request('GET', `${SEARCH}?ends_with=1003`);
    assert.deepEqual(numbersOf(stillThere.body), ['+15125551003'], 'a refused purchase buys nothing');
    const other = await server.addTenant();
    assert.equal((await server.request('POST', `${compat(other)}/IncomingPhoneNumbers`, { body: { PhoneNumber: '+15125551003' }, auth: other.auth })).body.message, "+15125551003 is not in this Space's stock");
    assert.equal((await server.request('POST', `${base}/IncomingPhoneNumbers`, { body: { PhoneNumber: '+15125551003' }, auth: other.auth })).status, 404, "another account's path");
  });
});
