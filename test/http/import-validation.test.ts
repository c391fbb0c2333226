import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

const PATH = '/api/relay/rest/imported_phone_numbers';

/** Each invalid input class, the codes and a fragment of each detail it must produce. */
const INVALID: { name: string; body: unknown; errors: [code: string, detail: string][] }[] = [
  { name: 'empty object', body: {}, errors: [['missing_attribute', 'number is required'], ['missing_attribute', 'number_type is required']] },
  { name: 'missing number_type', body: { number: '+15550001111' }, errors: [['missing_attribute', 'number_type is required']] },
  { name: 'number is a JSON number', body: { number: 15550001111, number_type: 'longcode' }, errors: [['invalid_type', 'number must be a string']] },
  { name: 'number too short', body: { number: '+123', number_type: 'longcode' }, errors: [['invalid_length', 'number must be at least 5']] },
  { name: 'number too long', body: { number: `+${'1'.repeat(30)}`, number_type: 'longcode' }, errors: [['invalid_length', 'number must be at most 30']] },
  { name: 'spaces', body: { number: '+1 555 000 1111', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164 number']] },
  { name: 'dashes', body: { number: '+1-555-000-1111', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'parentheses', body: { number: '+1(555)0001111', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'letters', body: { number: '+1555CALLNOW', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'two plus signs', body: { number: '++15550001111', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'plus in the middle', body: { number: '1555+0001111', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'full-width digits', body: { number: '+１５５５０００１１１１', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'Arabic-Indic digits', body: { number: '+١٥٥٥٠٠٠١١١١', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'NUL byte', body: { number: '+1555000\u00001111', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'zero-width space', body: { number: '+1555000\u200b1111', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'byte-order mark', body: { number: '\ufeff+15550001111', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'trailing newline', body: { number: '+15550001111\n', number_type: 'longcode' }, errors: [['invalid_format', 'number must be an E.164']] },
  { name: 'country code starting with 0', body: { number: '+0155500011', number_type: 'longcode' }, errors: [['invalid_format', 'does not start with 0']] },
  { name: 'leading 0 without plus', body: { number: '0155500011', number_type: 'longcode' }, errors: [['invalid_format', 'does not start with 0']] },
  { name: 'number_type spelled like the response', body: { number: '+15550001111', number_type: 'toll-free' }, errors: [['invalid_value', 'number_type must be one of: longcode, tollfree']] },
  { name: 'number_type wrong case', body: { number: '+15550001111', number_type: 'LONGCODE' }, errors: [['invalid_value', 'number_type must be one of']] },
  { name: 'number_type null', body: { number: '+15550001111', number_type: null }, errors: [['invalid_type', 'number_type must be a string']] },
  { name: 'empty capabilities', body: { number: '+15550001111', number_type: 'longcode', capabilities: [] }, errors: [['empty_list', 'capabilities must not be empty']] },
  { name: 'unknown capability', body: { number: '+15550001111', number_type: 'longcode', capabilities: ['sms', 'telepathy'] }, errors: [['invalid_value', 'capabilities[1] must be one of: sms, voice, fax, mms']] },
  { name: 'capabilities as a string', body: { number: '+15550001111', number_type: 'longcode', capabilities: 'sms' }, errors: [['invalid_type', 'capabilities must be an array']] },
  { name: 'capabilities null', body: { number: '+15550001111', number_type: 'longcode', capabilities: null }, errors: [['invalid_type', 'capabilities must be an array']] },
  { name: 'unknown property', body: { number: '+15550001111', number_type: 'longcode', name: 'x' }, errors: [['unknown_attribute', 'name is not a known attribute']] },
  { name: 'body is an array', body: [{ number: '+15550001111', number_type: 'longcode' }], errors: [['invalid_body', 'must be a JSON object']] },
  { name: 'body is a string', body: '+15550001111', errors: [['invalid_body', 'must be a JSON object']] },
  { name: 'body is null', body: null, errors: [['invalid_body', 'must be a JSON object']] },
  {
    name: 'every problem at once',
    body: { number: '12', number_type: 'mobile', capabilities: [], extra: true },
    errors: [
      ['unknown_attribute', 'extra is not a known attribute'],
      ['invalid_length', 'number must be at least 5'],
      ['invalid_value', 'number_type must be one of'],
      ['empty_list', 'capabilities must not be empty'],
    ],
  },
];

describe('import: every invalid input class answers 422 with one item per problem', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  for (const c of INVALID) {
    test(c.name, async () => {
      const res = await server.request('POST', PATH, { body: c.body });
      assert.equal(res.status, 422, res.text);
      assert.deepEqual(Object.keys(res.body), ['errors']);
      const items = res.body.errors as { detail: string; status: string; title: string; code: string }[];
      assert.equal(items.length, c.errors.length, res.text);
      for (const item of items) {
        assert.deepEqual(Object.keys(item).sort(), ['code', 'detail', 'status', 'title']);
        assert.equal(item.status, '422');
        assert.equal(item.title, 'Invalid Attribute');
      }
      for (const [code, detail] of c.errors) {
        assert.ok(
          items.some((i) => i.code === code && i.detail.includes(detail)),
          `expected ${code} "${detail}" in ${res.text}`,
        );
      }
    });
  }

  test('a number whose certain type contradicts number_type is refused, naming the mismatch, and nothing is stored', async () => {
    const tf = await server.request('POST', PATH, { body: { number: '+18005550199', number_type: 'longcode' } });
    assert.equal(tf.status, 422);
    assert.deepEqual(tf.body.errors, [
      {
        detail: 'number_type is longcode but +18005550199 is a toll-free number; use tollfree',
        status: '422',
        title: 'Invalid Attribute',
        code: 'number_type_mismatch',
      },
    ]);
    const lc = await server.request('POST', PATH, { body: { number: '+14155552671', number_type: 'tollfree' } });
    assert.equal(lc.status, 422);
    assert.equal(lc.body.errors[0].code, 'number_type_mismatch');
    assert.match(lc.body.errors[0].detail, /\+14155552671 is not a toll-free number/);
    // Nothing was stored by either refusal: the right imports still succeed.
    assert.equal((await server.request('POST', PATH, { body: { number: '+18005550199', number_type: 'tollfree' } })).status, 201);
    assert.equal((await server.request('POST', PATH, { body: { number: '+14155552671', number_type: 'longcode' } })).status, 201);
  });

  test('refused requests store nothing: the same number imports afterwards', async () => {
    for (const c of INVALID) await server.request('POST', PATH, { body: c.body });
    const res = await server.request('POST', PATH, { body: { number: '+15550001111', number_type: 'longcode' } });
    assert.equal(res.status, 201, res.text);
  });
});

describe('import: accepted variants', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const ok = async (body: unknown) => {
    const res = await server.request('POST', PATH, { body });
    assert.equal(res.status, 201, res.text);
    return res.body;
  };

  test('a number without + is stored and returned with it', async () => {
    assert.equal((await ok({ number: '15550002222', number_type: 'longcode' })).number, '+15550002222');
  });

  test('tollfree answers toll-free', async () => {
    const b = await ok({ number: '+18885550123', number_type: 'tollfree' });
    assert.equal(b.number_type, 'toll-free');
    assert.equal(b.country_code, 'US');
  });

  test('capabilities collapse and come back in the order voice, sms, mms, fax', async () => {
    const b = await ok({ number: '+15550003333', number_type: 'longcode', capabilities: ['fax', 'sms', 'fax', 'mms'] });
    assert.deepEqual(b.capabilities, ['sms', 'mms', 'fax']);
    const one = await ok({ number: '+15550003334', number_type: 'longcode', capabilities: ['voice'] });
    assert.deepEqual(one.capabilities, ['voice']);
  });

  test('numbers the numbering plan cannot classify are accepted as either type', async () => {
    assert.equal((await ok({ number: '+15550004444', number_type: 'tollfree' })).number_type, 'toll-free');
    assert.equal((await ok({ number: '+15550004445', number_type: 'longcode' })).number_type, 'longcode');
  });

  test('country_code is the region of the number, null for non-geographic codes', async () => {
    assert.equal((await ok({ number: '+442071838750', number_type: 'longcode' })).country_code, 'GB');
    assert.equal((await ok({ number: '+33800123456', number_type: 'tollfree' })).country_code, 'FR');
    assert.equal((await ok({ number: '+80012345678', number_type: 'tollfree' })).country_code, null);
  });

  test('the shortest and longest numbers the contract allows', async () => {
    assert.equal((await ok({ number: '+1234', number_type: 'longcode' })).number, '+1234');
    const longest = `+${'9'.repeat(29)}`;
    assert.equal((await ok({ number: longest, number_type: 'longcode' })).number, longest);
  });

  test('a JSON body with a charset parameter is JSON', async () => {
    const res = await server.request('POST', PATH, {
      rawBody: JSON.stringify({ number: '+15550005555', number_type: 'longcode' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(res.status, 201);
  });
});
