import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { signPageToken } from '../../src/numbers/page-token.js';
import { startServer, type Tenant, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';

interface Listed {
  id: string;
  created_at: string;
}
interface Page {
  links: { self: string; first: string; next?: string; prev?: string };
  data: Listed[];
}

/** Listing order: created_at, then id, both descending. */
const precedes = (a: Listed, b: Listed) => a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id);
const tokenOf = (link: string) => new URL(link, 'http://x').searchParams.get('page_token')!;
const pageNumberOf = (link: string) => new URL(link, 'http://x').searchParams.get('page_number');

describe('GET /api/relay/rest/phone_numbers: pagination', () => {
  let server: TestServer;
  let seq = 0;
  /** When set, the server's clock reads this instant. */
  let instant: Date | undefined;
  before(async () => {
    server = await startServer({ clock: () => instant ?? new Date() });
  });
  after(() => server.close());

  async function importNumber(tenant: Tenant): Promise<Listed> {
    const number = `+1555060${String(seq++).padStart(4, '0')}`;
    const res = await server.request('POST', IMPORT, { auth: tenant.auth, body: { number, number_type: 'longcode' } });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async function importMany(tenant: Tenant, count: number): Promise<Listed[]> {
    const out: Listed[] = [];
    for (let i = 0; i < count; i++) out.push(await importNumber(tenant));
    return out;
  }

  async function get(tenant: Tenant, path: string): Promise<Page> {
    const res = await server.request('GET', path, { auth: tenant.auth });
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    return res.body;
  }

  const release = async (tenant: Tenant, id: string) =>
    assert.equal((await server.request('DELETE', `${NUMBERS}/${id}`, { auth: tenant.auth })).status, 204);

  async function status(tenant: Tenant, path: string): Promise<[number, string]> {
    const res = await server.request('GET', path, { auth: tenant.auth });
    return [res.status, res.text];
  }

  test('walking links.next over 250 numbers while others are imported and released: each survivor exactly once, in order', async () => {
    const t = await server.addTenant();
    // Five creation instants, fifty numbers each: most positions tie on created_at and are
    // ordered by id alone, the hard case for a keyset.
    const instants = Array.from({ length: 5 }, (_, i) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    const initial: Listed[] = [];
    for (let i = 0; i < 250; i++) {
      instant = instants[i % 5];
      initial.push(await importNumber(t));
    }
    // During the walk new numbers share an instant with fifty old ones, so they land among
    // them by id: some ahead of the cursor, some behind it.
    instant = instants[2];

    const releasedDuring = new Set<string>();
    const importedDuring = new Set<string>();
    const seen: Listed[] = [];
    let path: string | undefined = `${NUMBERS}?page_size=50`;
    let pages = 0;
    const shuffled = [...initial].sort(() => Math.random() - 0.5);
    try {
      while (path !== undefined) {
        // The page request races a burst of imports and releases.
        const mutations = (async () => {
          for (let i = 0; i < 4; i++) {
            const victim = shuffled.pop()!;
            releasedDuring.add(victim.id);
            await release(t, victim.id);
            importedDuring.add((await importNumber(t)).id);
          }
        })();
        const [page]: [Page, void] = await Promise.all([get(t, path), mutations]);
        assert.ok(page.data.length <= 50);
        assert.equal(pageNumberOf(page.links.self), String(pages));
        seen.push(...page.data);
        path = page.links.next;
        pages++;
        assert.ok(pages < 20, 'the walk ends');
      }
    } finally {
      instant = undefined;
    }

    const seenIds = seen.map((n) => n.id);
    assert.equal(new Set(seenIds).size, seenIds.length, 'no number twice');
    for (let i = 1; i < seen.length; i++) assert.ok(precedes(seen[i - 1]!, seen[i]!), `listing order at ${i}`);
    const survivors = initial.filter((n) => !releasedDuring.has(n.id));
    const seenSet = new Set(seenIds);
    const missing = survivors.filter((n) => !seenSet.has(n.id));
    assert.deepEqual(missing, [], 'every number that existed throughout was seen');
    const known = new Set([...initial.map((n) => n.id), ...importedDuring]);
    assert.deepEqual(seenIds.filter((id) => !known.has(id)), []);
    // Numbers imported while the walk was still above their instant are met further down.
    assert.ok(seenIds.some((id) => importedDuring.has(id)), 'newcomers ahead of the cursor are listed');
    assert.ok(survivors.length >= 250 - 4 * pages && pages >= 5);
  });

  test('links: page numbers count up, self reproduces the page, next stops at the end, prev walks back to the first page', async () => {
    const t = await server.addTenant();
    await importMany(t, 23);
    const forward: Page[] = [];
    let path: string | undefined = `${NUMBERS}?page_size=5`;
    while (path !== undefined) {
      const page = await get(t, path);
      forward.push(page);
      path = page.links.next;
    }
    assert.deepEqual(forward.map((p) => p.data.length), [5, 5, 5, 5, 3]);
    const first = `${NUMBERS}?page_number=0&page_size=5`;
    forward.forEach((page, n) => {
      assert.equal(page.links.first, first);
      assert.equal(pageNumberOf(page.links.self), String(n));
      assert.equal(page.links.prev === undefined, n === 0, `prev only off the first page (page ${n})`);
      assert.equal(page.links.next === undefined, n === 4, `next only while more follow (page ${n})`);
      if (page.links.next !== undefined) assert.equal(pageNumberOf(page.links.next), String(n + 1));
      if (page.links.prev !== undefined) assert.equal(pageNumberOf(page.links.prev), String(n - 1));
      for (const link of Object.values(page.links)) assert.ok(link.startsWith(`${NUMBERS}?`), link);
    });
    assert.equal(forward[0]!.links.self, first);
    assert.equal(forward[1]!.links.prev, first, 'the page before page 1 is the first page itself');
    for (const page of forward) assert.deepEqual(await get(t, page.links.self), page, 'self answers the same page');

    let back: Page = forward[4]!;
    for (let n = 3; n >= 0; n--) {
      back = await get(t, back.links.prev!);
      assert.deepEqual(back.data, forward[n]!.data, `page ${n} walking back`);
      assert.equal(pageNumberOf(back.links.self), String(n));
    }
    assert.equal(back.links.prev, undefined);
    assert.equal(back.links.self, first);
  });

  test('links are paths an SDK can follow as they are, or made absolute against the server', async () => {
    const t = await server.addTenant();
    await importMany(t, 3);
    const page = await get(t, `${NUMBERS}?page_size=2`);
    const viaPath = await get(t, page.links.next!);
    const res = await fetch(new URL(page.links.next!, server.url), { headers: { authorization: t.auth } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), viaPath);
  });

  test('page_number must agree with the token; a token alone serves its own page', async () => {
    const t = await server.addTenant();
    await importMany(t, 7);
    const page0 = await get(t, `${NUMBERS}?page_size=3`);
    const page1 = await get(t, page0.links.next!);
    const token = tokenOf(page0.links.next!);
    assert.deepEqual(await get(t, `${NUMBERS}?page_size=3&page_token=${token}`), page1);
    for (const n of ['0', '2', '5']) {
      assert.deepEqual(await status(t, `${NUMBERS}?page_size=3&page_number=${n}&page_token=${token}`), [400, '{"error":"Bad Request"}'], n);
    }
    assert.deepEqual(await status(t, `${NUMBERS}?page_size=3&page_number=1`), [400, '{"error":"Bad Request"}'], 'page_number > 0 needs a token');
  });

  test('a page token only works for the project, filters and page_size it was minted for', async () => {
    const a = server.tenant;
    const b = await server.addTenant();
    await importMany(a, 3);
    await importMany(b, 3);
    const next = (await get(a, `${NUMBERS}?page_size=1&filter_number=555`)).links.next!;
    assert.equal((await status(a, next))[0], 200, 'the link itself works');
    const token = tokenOf(next);
    const q = (extra: string) => `${NUMBERS}?page_number=1&page_token=${token}${extra}`;
    const refused: [Tenant, string, string][] = [
      [b, q('&page_size=1&filter_number=555'), "project B presenting project A's token"],
      [a, q('&page_size=2&filter_number=555'), 'another page_size'],
      [a, q('&filter_number=555'), 'page_size left to its default'],
      [a, q('&page_size=1&filter_number=5555'), 'another filter_number'],
      [a, q('&page_size=1'), 'filter_number dropped'],
      [a, q('&page_size=1&filter_number=555&filter_name=x'), 'filter_name added'],
    ];
    for (const [tenant, path, label] of refused) assert.deepEqual(await status(tenant, path), [400, '{"error":"Bad Request"}'], label);
  });

  test('forged and altered tokens answer 400', async () => {
    const t = await server.addTenant();
    const rows = await importMany(t, 3);
    const next = (await get(t, `${NUMBERS}?page_size=1`)).links.next!;
    const token = tokenOf(next);
    const [payload, mac] = token.split('.') as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const reencoded = (fields: unknown) => Buffer.from(JSON.stringify(fields)).toString('base64url');
    // A token with the right shape and scope, signed with a key this installation does not hold.
    const foreignKey = signPageToken(randomBytes(32), { projectId: t.projectId, filterName: null, filterNumber: null, pageSize: 1 }, {
      direction: 'next',
      createdAt: rows[2]!.created_at,
      id: rows[2]!.id,
      pageNumber: 1,
    });
    const forged = [
      ['payload altered', `${flip(payload, 5)}.${mac}`],
      ['signature altered', `${payload}.${flip(mac, 5)}`],
      ['signature dropped', payload],
      ['signature truncated', `${payload}.${mac.slice(0, 20)}`],
      ['cursor moved, old signature', `${reencoded([decoded[0], decoded[1], decoded[2], rows[0]!.id])}.${mac}`],
      ['another key', foreignKey],
      ['extra segment', `${token}.x`],
      ['not base64url', `${payload}.${mac.replace(/.$/, '=')}`],
    ];
    for (const [label, forgedToken] of forged) {
      assert.deepEqual(await status(t, `${NUMBERS}?page_size=1&page_number=1&page_token=${encodeURIComponent(forgedToken!)}`), [400, '{"error":"Bad Request"}'], label);
    }
  });

  test('a walk back that reaches the newest numbers, after releases, answers the first page', async () => {
    const t = await server.addTenant();
    const rows = (await importMany(t, 14)).reverse(); // newest first
    const page0 = await get(t, `${NUMBERS}?page_size=5`);
    const page1 = await get(t, page0.links.next!);
    const page2 = await get(t, page1.links.next!);
    assert.deepEqual(page2.data.map((n) => n.id), rows.slice(10).map((n) => n.id));
    for (const n of rows.slice(0, 7)) await release(t, n.id);
    const back = await get(t, page2.links.prev!);
    assert.deepEqual(back.data.map((n) => n.id), rows.slice(7, 12).map((n) => n.id));
    assert.equal(back.links.self, `${NUMBERS}?page_number=0&page_size=5`);
    assert.equal(back.links.prev, undefined);
    assert.equal(pageNumberOf(back.links.next!), '1');
    assert.deepEqual((await get(t, back.links.next!)).data.map((n) => n.id), rows.slice(12).map((n) => n.id));
  });

  test('a next page whose numbers were all released meanwhile is empty, with no next link', async () => {
    const t = await server.addTenant();
    const rows = (await importMany(t, 6)).reverse();
    const page0 = await get(t, `${NUMBERS}?page_size=3`);
    for (const n of rows.slice(3)) await release(t, n.id);
    const page1 = await get(t, page0.links.next!);
    assert.deepEqual(page1.data, []);
    assert.equal(page1.links.next, undefined);
    assert.equal(page1.links.prev, `${NUMBERS}?page_number=0&page_size=3`);
  });
});
