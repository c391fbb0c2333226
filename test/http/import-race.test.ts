/**
 * The one-active-number rule under contention, through the real server on the configured
 * store: 50 concurrent imports of one number from several projects give exactly one 201 and
 * 49 × 422 number_taken, never a 5xx; the winner alone holds the number; after its release,
 * the next race again has exactly one winner.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorBodyProblems, phoneNumberProblems, withDeadline } from '../helpers/contract-shapes.js';
import { startServer, type Tenant, type TestResponse, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const TAKEN = JSON.stringify({ errors: [{ detail: 'Number has already been taken', status: '422', title: 'Invalid Attribute', code: 'number_taken' }] });
const RACERS = 50;

describe('import race: 50 concurrent imports of one number', () => {
  let server: TestServer;
  let tenants: Tenant[];
  before(async () => {
    server = await startServer();
    const first = await server.addTenant();
    // Projects in five Spaces, and two sharing a Space.
    tenants = [first, await server.addTenant({ spaceId: first.spaceId }), await server.addTenant(), await server.addTenant(), await server.addTenant(), await server.addTenant()];
  });
  after(() => server.close());

  const post = (tenant: Tenant, body: unknown) =>
    withDeadline(server.request('POST', IMPORT, { auth: tenant.auth, body }), 20_000, `import ${JSON.stringify(body)}`);

  /** Launches every racer for each number at once; returns the answers by number, each with the tenant that sent it. */
  async function race(numbers: string[]): Promise<Map<string, { tenant: Tenant; res: TestResponse }[]>> {
    const launched = numbers.flatMap((number, n) =>
      Array.from({ length: RACERS }, (_, i) => {
        const tenant = tenants[(i + n) % tenants.length]!;
        // The same number written with and without '+', as either type, with various capabilities.
        const body = {
          number: i % 3 === 0 ? number.slice(1) : number,
          number_type: i % 2 === 0 ? 'longcode' : 'tollfree',
          ...(i % 4 === 0 ? {} : { capabilities: [['sms'], ['voice', 'fax'], ['mms', 'mms']][i % 3]! }),
        };
        return post(tenant, body).then((res) => ({ number, tenant, res }));
      }),
    );
    const byNumber = new Map<string, { tenant: Tenant; res: TestResponse }[]>(numbers.map((n) => [n, []]));
    for (const { number, tenant, res } of await Promise.all(launched)) byNumber.get(number)!.push({ tenant, res });
    return byNumber;
  }

  /** Exactly one 201 and 49 exact number_taken answers; the winner holds the number, nobody else. Returns the winner. */
  async function assertOneWinner(number: string, answers: { tenant: Tenant; res: TestResponse }[]) {
    for (const { res } of answers) {
      assert.ok(res.status < 500, `${number}: ${res.status} ${res.text}`);
      if (res.status !== 201) assert.deepEqual(errorBodyProblems('POST', res.status, res.text), []);
    }
    const statuses = answers.map((a) => a.res.status).sort();
    assert.deepEqual(statuses, [201, ...Array<number>(RACERS - 1).fill(422)], `${number}: ${JSON.stringify(statuses)}`);
    for (const { res } of answers.filter((a) => a.res.status === 422)) assert.equal(res.text, TAKEN);
    const winner = answers.find((a) => a.res.status === 201)!;
    assert.deepEqual(phoneNumberProblems(winner.res.body), []);
    assert.equal(winner.res.body.number, number);
    const got = await server.request('GET', `${NUMBERS}/${winner.res.body.id}`, { auth: winner.tenant.auth });
    assert.deepEqual([got.status, got.body], [200, winner.res.body]);
    for (const tenant of tenants) {
      const listed = await server.request('GET', `${NUMBERS}?filter_number=${encodeURIComponent(number)}`, { auth: tenant.auth });
      assert.equal(listed.status, 200);
      const ids = listed.body.data.map((n: { id: string }) => n.id);
      assert.deepEqual(ids, tenant === winner.tenant ? [winner.res.body.id] : [], `${number} is held by the winner's project alone`);
    }
    return winner;
  }

  test('10 numbers, one race after another: one 201 and 49 × 422 number_taken each, never a 5xx', async () => {
    for (let i = 0; i < 10; i++) {
      const number = `+1555600${String(i).padStart(4, '0')}`;
      const answers = (await race([number])).get(number)!;
      await assertOneWinner(number, answers);
    }
  });

  test('10 numbers raced at the same time (500 imports at once): one winner each', async () => {
    const numbers = Array.from({ length: 10 }, (_, i) => `+1555601${String(i).padStart(4, '0')}`);
    for (const [number, answers] of await race(numbers)) await assertOneWinner(number, answers);
  });

  test('released winners free their numbers: the next race again has exactly one winner, under a new id', async () => {
    const numbers = Array.from({ length: 10 }, (_, i) => `+1555602${String(i).padStart(4, '0')}`);
    const first = new Map<string, { tenant: Tenant; res: TestResponse }>();
    for (const [number, answers] of await race(numbers)) first.set(number, await assertOneWinner(number, answers));
    for (const { tenant, res } of first.values()) {
      const released = await server.request('DELETE', `${NUMBERS}/${res.body.id}`, { auth: tenant.auth });
      assert.equal(released.status, 204);
    }
    for (const [number, answers] of await race(numbers)) {
      const winner = await assertOneWinner(number, answers);
      assert.notEqual(winner.res.body.id, first.get(number)!.res.body.id);
    }
  });
});
