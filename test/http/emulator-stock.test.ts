/**
 * Emulator mode's stock: searches list made-up numbers from ranges no subscriber has,
 * deterministically and never an active one, and any number active nowhere can be bought;
 * through the real server on the suite's engine. Emulator project ids are not UUIDs, so
 * requests go through plain fetch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basic, startServer, type TestServer } from '../helpers/server.js';

const SEARCH = '/api/relay/rest/phone_numbers/search';
const BUY = '/api/relay/rest/phone_numbers';

describe('emulator mode: stock', () => {
  let server: TestServer;
  let seq = 0;
  const project = () => `stock_${process.pid}_${++seq}`;

  before(async () => {
    server = await startServer({ emulator: true });
  });
  after(() => server.close());

  async function call(method: string, path: string, auth: string, json?: unknown) {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: auth, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  }
  const numbers = (body: { data: { number: string }[] }) => body.data.map((d) => d.number);

  test('a search by area code lists the fiction lines 555-0100 to 0199 of it, in order, with its place', async () => {
    const auth = basic(project(), 'any');
    const r = await call('GET', `${SEARCH}?areacode=512`, auth);
    assert.equal(r.status, 200);
    assert.deepEqual(numbers(r.body), Array.from({ length: 50 }, (_, i) => `+15125550${100 + i}`));
    assert.deepEqual(r.body.data[0], { number: '+15125550100', region: 'TX', city: 'Austin', capabilities: { voice: true, sms: true, mms: true, fax: true } });
    const again = await call('GET', `${SEARCH}?areacode=512`, basic(project(), 'other'));
    assert.deepEqual(again.body, r.body, 'the same query answers the same numbers, whoever asks');
    assert.deepEqual(numbers((await call('GET', `${SEARCH}?areacode=512&max_results=100&contains=0199`, auth)).body), ['+15125550199']);
    assert.deepEqual(numbers((await call('GET', `${SEARCH}?areacode=512&ends_with=0150`, auth)).body), ['+15125550150']);
    // An area code numberspace knows no place of still has its fiction lines.
    const unknown = await call('GET', `${SEARCH}?areacode=283&max_results=1`, auth);
    assert.deepEqual(unknown.body.data, [{ number: '+12835550100', capabilities: { voice: true, sms: true, mms: true, fax: true } }]);
  });

  test('searches by region, city, toll-free, and every number is a fiction one', async () => {
    const auth = basic(project(), 'any');
    const texas = await call('GET', `${SEARCH}?region=TX&max_results=100`, auth);
    assert.equal(texas.body.data.length, 100);
    assert.ok(texas.body.data.every((d: { number: string; region: string }) => d.region === 'TX' && /^\+1\d{3}55501\d\d$/.test(d.number)));
    const austin = await call('GET', `${SEARCH}?region=tx&city=AUSTIN&max_results=100`, auth);
    assert.ok(austin.body.data.every((d: { city: string }) => d.city === 'Austin'));
    assert.deepEqual(numbers((await call('GET', `${SEARCH}?region=TX&city=Austin&ends_with=0199`, auth)).body), ['+15125550199', '+17375550199']);
    const tollFree = await call('GET', `${SEARCH}?number_type=toll-free&max_results=3`, auth);
    assert.deepEqual(numbers(tollFree.body), ['+18005550100', '+18005550101', '+18005550102']);
    const london = await call('GET', `${SEARCH}?starts_with=2079460&max_results=2`, auth);
    assert.deepEqual(numbers(london.body), ['+442079460000', '+442079460001']);
    assert.equal((await call('GET', `${SEARCH}?city=Austin`, auth)).status, 422, 'the same validation as with stock');
  });

  test('a bought number is never listed again while active; released, it is listed again', async () => {
    const auth = basic(project(), 'any');
    const bought = await call('POST', BUY, auth, { number: '+15125550100' });
    assert.equal(bought.status, 200);
    assert.equal(bought.body.number, '+15125550100');
    const after = await call('GET', `${SEARCH}?areacode=512&max_results=2`, basic(project(), 'x'));
    assert.deepEqual(numbers(after.body), ['+15125550101', '+15125550102']);
    // A number imported elsewhere is active too.
    assert.equal((await call('POST', '/api/relay/rest/imported_phone_numbers', auth, { number: '+15125550101', number_type: 'longcode' })).status, 201);
    assert.deepEqual(numbers((await call('GET', `${SEARCH}?areacode=512&max_results=2`, auth)).body), ['+15125550102', '+15125550103']);
    assert.equal((await call('DELETE', `${BUY}/${bought.body.id}`, auth)).status, 204);
    assert.deepEqual(numbers((await call('GET', `${SEARCH}?areacode=512&max_results=1`, auth)).body), ['+15125550100']);
  });

  test('any number active nowhere can be bought; an active one cannot', async () => {
    const auth = basic(project(), 'any');
    const r = await call('POST', BUY, auth, { number: '+14155551234' });
    assert.equal(r.status, 200);
    assert.equal(r.body.country_code, 'US');
    const tollFree = await call('POST', BUY, auth, { number: '+18885550142' });
    assert.equal(tollFree.body.number_type, 'toll-free');
    const mine = await call('POST', BUY, auth, { number: '+14155551234' });
    assert.equal(mine.body.errors[0].detail, '+14155551234 is already active in this project');
    const theirs = await call('POST', BUY, basic(project(), 'any'), { number: '+14155551234' });
    assert.equal(theirs.body.errors[0].detail, '+14155551234 has already been taken');
    const compatBuy = await fetch(`${server.url}/api/laml/2010-04-01/Accounts/${encodeURIComponent('compat_' + project())}/IncomingPhoneNumbers.json`, {
      method: 'POST',
      headers: { authorization: basic('compat_' + project(), 'x'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'PhoneNumber=%2B442079460500',
    });
    assert.equal(compatBuy.status, 404, 'the path names another account than the credentials');
  });

  test('the Compatibility searches: the countries emulator mode has numbers in, and their ranges', async () => {
    const id = project();
    const auth = basic(id, 'any');
    const base = `/api/laml/2010-04-01/Accounts/${id}/AvailablePhoneNumbers`;
    const countries = await call('GET', base, auth);
    assert.deepEqual(countries.body.countries.map((c: { country_code: string }) => c.country_code), ['CA', 'GB', 'US']);
    const toronto = await call('GET', `${base}/CA/Local?AreaCode=416&PageSize=1`, auth);
    assert.deepEqual(toronto.body.available_phone_numbers.map((n: any) => [n.phone_number, n.region, n.locality, n.iso_country]), [['+14165550100', 'ON', 'Toronto', 'CA']]);
    const freephone = await call('GET', `${base}/GB/TollFree?PageSize=2`, auth);
    assert.deepEqual(freephone.body.available_phone_numbers.map((n: any) => n.phone_number), ['+448081570000', '+448081570001']);
    const bought = await fetch(`${server.url}/api/laml/2010-04-01/Accounts/${id}/IncomingPhoneNumbers`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ PhoneNumber: '+448081570000', FriendlyName: 'Freephone' }),
    });
    const resource = await bought.json();
    assert.equal(bought.status, 201);
    assert.deepEqual([resource.origin, resource.friendly_name, resource.country_code], ['signalwire', 'Freephone', 'GB']);
    const next = await call('GET', `${base}/GB/TollFree?PageSize=1`, auth);
    assert.deepEqual(next.body.available_phone_numbers.map((n: any) => n.phone_number), ['+448081570001']);
  });
});
