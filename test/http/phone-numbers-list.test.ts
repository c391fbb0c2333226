import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type Tenant, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const BAD_REQUEST = '{"error":"Bad Request"}';

interface Listed {
  id: string;
  number: string;
  name: string | null;
  created_at: string;
}

describe('GET /api/relay/rest/phone_numbers: content, order, filters and query validation', () => {
  let server: TestServer;
  let seq = 0;
  /** When set, the server's clock stands still at this instant. */
  let frozen: Date | undefined;
  before(async () => {
    server = await startServer({ clock: () => frozen ?? new Date() });
  });
  after(() => server.close());

  async function importNumber(tenant: Tenant, name?: string, number = `+1555090${String(seq++).padStart(4, '0')}`): Promise<Listed> {
    const res = await server.request('POST', IMPORT, { auth: tenant.auth, body: { number, number_type: 'longcode' } });
    assert.equal(res.status, 201, res.text);
    if (name === undefined) return res.body;
    const named = await server.request('PUT', `${NUMBERS}/${res.body.id}`, { auth: tenant.auth, body: { name } });
    assert.equal(named.status, 200, named.text);
    return named.body;
  }

  async function list(tenant: Tenant, query = '') {
    const res = await server.request('GET', `${NUMBERS}${query}`, { auth: tenant.auth });
    assert.equal(res.status, 200, `${query}: ${res.text}`);
    return res.body as { links: Record<string, string>; data: Listed[] };
  }

  const newestFirst = (rows: Listed[]) =>
    [...rows].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));

  test('a project with no numbers: empty data, links self and first only', async () => {
    const t = await server.addTenant();
    const body = await list(t);
    assert.deepEqual(body, {
      links: { self: `${NUMBERS}?page_number=0&page_size=50`, first: `${NUMBERS}?page_number=0&page_size=50` },
      data: [],
    });
  });

  test("newest first, whole PhoneNumberResponse items, only the caller's project", async () => {
    const t = await server.addTenant();
    const other = await server.addTenant();
    const mine: Listed[] = [];
    for (let i = 0; i < 5; i++) mine.push(await importNumber(t));
    await importNumber(other);
    const body = await list(t);
    assert.deepEqual(body.data.map((n) => n.id), newestFirst(mine).map((n) => n.id));
    for (const n of body.data) {
      assert.deepEqual(n, (await server.request('GET', `${NUMBERS}/${n.id}`, { auth: t.auth })).body);
      assert.equal(Object.keys(n).length, 41);
    }
    assert.equal(body.links.next, undefined);
    assert.equal(body.links.prev, undefined);
  });

  test('numbers created in the same millisecond are ordered by id, descending', async () => {
    const t = await server.addTenant();
    frozen = new Date('2026-05-05T05:05:05.005Z');
    const ids: string[] = [];
    try {
      for (let i = 0; i < 8; i++) ids.push((await importNumber(t)).id);
    } finally {
      frozen = undefined;
    }
    const first = await list(t, '?page_size=3');
    const sorted = [...ids].sort().reverse();
    assert.deepEqual(first.data.map((n) => n.id), sorted.slice(0, 3));
    assert.ok(first.data.every((n) => n.created_at === '2026-05-05T05:05:05.005Z'));
    const second = await list(t, first.links.next!.slice(NUMBERS.length));
    assert.deepEqual(second.data.map((n) => n.id), sorted.slice(3, 6));
    const third = await list(t, second.links.next!.slice(NUMBERS.length));
    assert.deepEqual(third.data.map((n) => n.id), sorted.slice(6));
    assert.equal(third.links.next, undefined);
  });

  test('page_size defaults to 50 and accepts 1 and 1000', async () => {
    const t = await server.addTenant();
    for (let i = 0; i < 51; i++) await importNumber(t);
    const byDefault = await list(t);
    assert.equal(byDefault.data.length, 50);
    assert.match(byDefault.links.next ?? '', /page_number=1&page_size=50&page_token=/);
    assert.equal((await list(t, '?page_size=1')).data.length, 1);
    const all = await list(t, '?page_size=1000');
    assert.equal(all.data.length, 51);
    assert.equal(all.links.next, undefined);
  });

  test('filter_number matches a literal substring of the number', async () => {
    const t = await server.addTenant();
    const a = await importNumber(t, undefined, '+15550923401');
    const b = await importNumber(t, undefined, '+15550923402');
    await importNumber(t, undefined, '+15550929999');
    const ids = async (q: string) => (await list(t, q)).data.map((n) => n.id).sort();
    assert.deepEqual(await ids('?filter_number=2340'), [a.id, b.id].sort());
    assert.deepEqual(await ids('?filter_number=%2B155509234'), [a.id, b.id].sort());
    assert.deepEqual(await ids('?filter_number=923402'), [b.id]);
    assert.deepEqual(await ids('?filter_number=%25'), []);
    assert.deepEqual(await ids('?filter_number=_'), []);
  });

  test('filter_name matches a substring case-insensitively; unnamed numbers never match', async () => {
    const t = await server.addTenant();
    const office = await importNumber(t, 'Main Office Line');
    const backOffice = await importNumber(t, 'back OFFICE');
    await importNumber(t, 'Warehouse');
    await importNumber(t);
    const ids = async (q: string) => (await list(t, q)).data.map((n) => n.id).sort();
    assert.deepEqual(await ids('?filter_name=office'), [office.id, backOffice.id].sort());
    assert.deepEqual(await ids('?filter_name=OFFICE%20L'), [office.id]);
    assert.deepEqual(await ids('?filter_name=nothing'), []);
  });

  test('% _ and \\ in a filter match themselves, not as LIKE wildcards', async () => {
    const t = await server.addTenant();
    const percent = await importNumber(t, '100% sure');
    await importNumber(t, '100 percent sure');
    const underscore = await importNumber(t, 'a_b');
    await importNumber(t, 'axb');
    const backslash = await importNumber(t, 'back\\slash');
    await importNumber(t, 'backslash');
    const escaped = await importNumber(t, 'x\\%y');
    const plain = await importNumber(t, 'x%y');
    const ids = async (filter: string) => (await list(t, `?filter_name=${encodeURIComponent(filter)}`)).data.map((n) => n.id).sort();
    assert.deepEqual(await ids('%'), [percent.id, escaped.id, plain.id].sort());
    assert.deepEqual(await ids('0% s'), [percent.id]);
    assert.deepEqual(await ids('_'), [underscore.id]);
    assert.deepEqual(await ids('a_b'), [underscore.id]);
    assert.deepEqual(await ids('\\'), [backslash.id, escaped.id].sort());
    assert.deepEqual(await ids('k\\s'), [backslash.id]);
    assert.deepEqual(await ids('\\%'), [escaped.id]);
    assert.deepEqual(await ids('x%y'), [plain.id]);
  });

  test('filters combine, are repeated in every link, and an empty filter is no filter', async () => {
    const t = await server.addTenant();
    const both: Listed[] = [];
    for (let i = 0; i < 3; i++) both.push(await importNumber(t, `Sales ${i}`, `+155509300${i}0`));
    await importNumber(t, 'Sales other', '+15550940000');
    await importNumber(t, 'Support', '+15550930090');
    const page = await list(t, '?filter_name=sales&filter_number=0930&page_size=2');
    assert.deepEqual(page.data.map((n) => n.id), newestFirst(both).slice(0, 2).map((n) => n.id));
    for (const link of [page.links.self, page.links.first, page.links.next]) {
      assert.match(link ?? '', /^\/api\/relay\/rest\/phone_numbers\?filter_name=sales&filter_number=0930&page_number=\d+&page_size=2/);
    }
    const rest = await list(t, page.links.next!.slice(NUMBERS.length));
    assert.deepEqual(rest.data.map((n) => n.id), [newestFirst(both)[2]!.id]);
    const unfiltered = await list(t, '?filter_name=&filter_number=');
    assert.equal(unfiltered.data.length, 5);
    assert.equal(unfiltered.links.self, `${NUMBERS}?page_number=0&page_size=50`);
  });

  test('filter text with spaces and reserved characters survives the round trip through links', async () => {
    const t = await server.addTenant();
    const names = ['a&b=c d+e #1', 'a&b=c d+e #2', 'a&b=c d+e #3'];
    for (const name of names) await importNumber(t, name);
    const first = await list(t, `?filter_name=${encodeURIComponent('a&b=c d+e')}&page_size=2`);
    assert.equal(first.data.length, 2);
    assert.ok(first.links.next?.includes('filter_name=a%26b%3Dc%20d%2Be&'), first.links.next);
    const second = await list(t, first.links.next!.slice(NUMBERS.length));
    assert.equal(second.data.length, 1);
  });

  test('invalid query values answer 400 Bad Request, never 500', async () => {
    const t = await server.addTenant();
    await importNumber(t);
    const cases = [
      'page_size=0',
      'page_size=1001',
      'page_size=-1',
      'page_size=abc',
      'page_size=1.5',
      'page_size=',
      'page_size=1e2',
      'page_size=%2050',
      'page_size=0x10',
      'page_size=050',
      'page_size=99999999999999999999',
      'page_size=10&page_size=20',
      'page_number=-1',
      'page_number=abc',
      'page_number=1.0',
      'page_number=',
      'page_number=1',
      'page_number=7',
      'page_token=',
      'page_token=garbage',
      'page_token=a.b',
      'page_token=%00',
      `page_token=${'x'.repeat(600)}`,
      'filter_name=a&filter_name=b',
    ];
    for (const q of cases) {
      const res = await server.request('GET', `${NUMBERS}?${q}`, { auth: t.auth });
      assert.equal(res.status, 400, q);
      assert.equal(res.text, BAD_REQUEST, q);
    }
  });

  test('query parameters the operation does not define are ignored', async () => {
    const t = await server.addTenant();
    await importNumber(t);
    const res = await list(t, '?foo=bar&PageSize=2&page_size=50');
    assert.equal(res.data.length, 1);
    assert.equal(res.links.self, `${NUMBERS}?page_number=0&page_size=50`);
  });

  test('page_number=0 is the first page, like no page_number at all', async () => {
    const t = await server.addTenant();
    for (let i = 0; i < 3; i++) await importNumber(t);
    assert.deepEqual(await list(t, '?page_number=0&page_size=2'), await list(t, '?page_size=2'));
  });
});
