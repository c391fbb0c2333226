/**
 * The Compatibility API for numbers through the real server: both prefixes, with and without
 * `.json`, form and JSON bodies, the resource's fields, paging, errors, and the same numbers
 * seen and changed through Relay REST.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type Tenant, type TestServer } from '../helpers/server.js';

const PREFIXES = ['/api/laml/2010-04-01', '/2010-04-01'] as const;
const SUFFIXES = ['', '.json'] as const;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const RFC2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

let counter = 0;
const nextNumber = () => `+1555${String(7_000_000 + ++counter).padStart(7, '0')}`;

/** A form body with repeated keys for lists, as the contract encodes them. */
function form(fields: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) params.append(k, value);
  return params.toString();
}

describe('Compatibility API: incoming phone numbers', () => {
  let server: TestServer;
  let account: string;
  const base = (prefix: string, sid = account) => `${prefix}/Accounts/${sid}`;

  const compat = (method: string, path: string, init: { form?: Record<string, string | readonly string[]>; json?: unknown; auth?: string | null } = {}) =>
    server.request(method, path, {
      ...(init.form !== undefined ? { rawBody: form(init.form), headers: FORM } : {}),
      ...(init.json !== undefined ? { body: init.json } : {}),
      ...(init.auth !== undefined ? { auth: init.auth } : {}),
    });

  const importCompat = async (number = nextNumber(), prefix: string = PREFIXES[0], tenant?: Tenant) => {
    const res = await compat('POST', `${base(prefix, tenant?.projectId ?? account)}/ImportedPhoneNumbers`, {
      form: { number, number_type: 'longcode' },
      ...(tenant === undefined ? {} : { auth: tenant.auth }),
    });
    assert.equal(res.status, 201, res.text);
    return res.body as Record<string, any>;
  };
  const importRelay = async (number = nextNumber()) => {
    const res = await server.request('POST', '/api/relay/rest/imported_phone_numbers', { body: { number, number_type: 'longcode' } });
    assert.equal(res.status, 201, res.text);
    return res.body as Record<string, any>;
  };

  before(async () => {
    server = await startServer();
    account = server.tenant.projectId;
  });
  after(() => server.close());

  describe('both prefixes, with and without .json', () => {
    for (const prefix of PREFIXES) {
      for (const suffix of SUFFIXES) {
        test(`${prefix} …${suffix || ' (no suffix)'}: import, retrieve, update, list, delete`, async () => {
          const number = nextNumber();
          const created = await compat('POST', `${base(prefix)}/ImportedPhoneNumbers${suffix}`, { form: { number, number_type: 'longcode' } });
          assert.equal(created.status, 201, created.text);
          const sid = created.body.sid as string;
          assert.equal(created.body.uri, `${base(prefix)}/IncomingPhoneNumbers/${sid}${suffix}`, 'uri repeats the prefix and suffix of the request');

          const got = await compat('GET', `${base(prefix)}/IncomingPhoneNumbers/${sid}${suffix}`);
          assert.equal(got.status, 200, got.text);
          assert.deepEqual(got.body, created.body);

          // A name that spells the uri key: the stored view is spliced at the key, never inside a value.
          const name = `via ${prefix}${suffix} "uri":"/elsewhere"`;
          const updated = await compat('POST', `${base(prefix)}/IncomingPhoneNumbers/${sid}${suffix}`, { form: { FriendlyName: name } });
          assert.equal(updated.status, 200, updated.text);
          assert.equal(updated.body.friendly_name, name);
          assert.equal(updated.body.uri, created.body.uri);

          const listed = await compat('GET', `${base(prefix)}/IncomingPhoneNumbers${suffix}?PhoneNumber=${encodeURIComponent(number)}`);
          assert.equal(listed.status, 200, listed.text);
          assert.deepEqual(listed.body.incoming_phone_numbers.map((n: { sid: string }) => n.sid), [sid]);
          assert.deepEqual(listed.body.incoming_phone_numbers[0], updated.body, 'a page carries the same resource a get does');
          assert.equal(listed.body.uri, `${base(prefix)}/IncomingPhoneNumbers${suffix}?PhoneNumber=${encodeURIComponent(number)}&Page=0&PageSize=50`);

          const deleted = await compat('DELETE', `${base(prefix)}/IncomingPhoneNumbers/${sid}${suffix}`);
          assert.equal(deleted.status, 204);
          assert.equal(deleted.text, '');
          assert.equal((await compat('GET', `${base(prefix)}/IncomingPhoneNumbers/${sid}${suffix}`)).status, 404);
        });
      }
    }
  });

  describe('the resource', () => {
    test('every field of IncomingPhoneNumber, rendered from the same number as the Relay resource', async () => {
      const created = await importCompat();
      const relay = (await server.request('GET', `/api/relay/rest/phone_numbers/${created.sid}`)).body;
      assert.deepEqual(created, {
        account_id: account,
        account_sid: account,
        address_requirements: 'none',
        address_sid: null,
        api_version: '2010-04-01',
        beta: false,
        capabilities: { voice: true, sms: true, mms: true, fax: true },
        country_code: 'US',
        date_created: created.date_created,
        date_updated: created.date_updated,
        emergency_address_sid: null,
        emergency_status: 'Inactive',
        friendly_name: `(${relay.number.slice(2, 5)}) ${relay.number.slice(5, 8)}-${relay.number.slice(8)}`,
        identity_sid: null,
        origin: 'hosted',
        phone_number: relay.number,
        sid: relay.id,
        sms_application_sid: null,
        sms_fallback_method: 'POST',
        sms_fallback_url: null,
        sms_method: 'POST',
        sms_url: null,
        status_callback: null,
        status_callback_method: 'POST',
        trunk_sid: null,
        uri: `${base(PREFIXES[0])}/IncomingPhoneNumbers/${relay.id}`,
        voice_application_sid: null,
        voice_caller_id_lookup: null,
        voice_fallback_method: 'POST',
        voice_fallback_url: null,
        voice_method: 'POST',
        voice_url: null,
      });
      assert.match(created.date_created, RFC2822);
      assert.equal(Date.parse(created.date_created), Math.floor(Date.parse(relay.created_at) / 1000) * 1000);
    });

    test('verification_status appears on toll-free numbers only; capabilities are the booleans of the same set', async () => {
      const res = await compat('POST', `${base(PREFIXES[0])}/ImportedPhoneNumbers`, {
        form: { number: '+18005550100', number_type: 'tollfree', capabilities: ['sms', 'voice'] },
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.verification_status, 'Unverified');
      assert.deepEqual(res.body.capabilities, { voice: true, sms: true, mms: false, fax: false });
      const relay = (await server.request('GET', `/api/relay/rest/phone_numbers/${res.body.sid}`)).body;
      assert.deepEqual(relay.capabilities, ['voice', 'sms']);
      assert.equal(relay.number_type, 'toll-free');
      assert.equal('verification_status' in (await importCompat()), false);
    });
  });

  describe('bodies: form and JSON, same rules', () => {
    test('a single form value is a one-item list; repeated keys are the list', async () => {
      const one = await compat('POST', `${base(PREFIXES[1])}/ImportedPhoneNumbers.json`, { form: { number: nextNumber(), number_type: 'longcode', capabilities: 'fax' } });
      assert.equal(one.status, 201, one.text);
      assert.deepEqual(one.body.capabilities, { voice: false, sms: false, mms: false, fax: true });
      const json = await compat('POST', `${base(PREFIXES[0])}/ImportedPhoneNumbers`, { json: { number: nextNumber(), number_type: 'longcode', capabilities: ['mms'] } });
      assert.equal(json.status, 201, json.text);
      assert.deepEqual(json.body.capabilities, { voice: false, sms: false, mms: true, fax: false });
    });

    test('a repeated key for a single value is refused, never one of them kept', async () => {
      const res = await compat('POST', `${base(PREFIXES[0])}/ImportedPhoneNumbers`, { form: { number: [nextNumber(), nextNumber()], number_type: 'longcode' } });
      assert.equal(res.status, 422, res.text);
      assert.deepEqual(res.body, { code: 'invalid_type', message: 'number must be a string', more_info: res.body.more_info, status: 422 });
    });

    for (const encoding of ['form', 'json'] as const) {
      test(`${encoding}: unknown attributes are refused; the + is required; capabilities must not be empty`, async () => {
        const send = (fields: Record<string, any>) =>
          compat('POST', `${base(PREFIXES[0])}/ImportedPhoneNumbers`, encoding === 'form' ? { form: fields } : { json: fields });
        const unknown = await send({ number: nextNumber(), number_type: 'longcode', Bogus: 'x' });
        assert.equal(unknown.status, 422);
        assert.equal(unknown.body.code, 'unknown_attribute');
        assert.match(unknown.body.message, /Bogus/);
        const noPlus = await send({ number: nextNumber().slice(1), number_type: 'longcode' });
        assert.equal(noPlus.status, 422);
        assert.equal(noPlus.body.code, 'invalid_format');
        const missing = await send({ number: nextNumber() });
        assert.deepEqual([missing.status, missing.body.code, missing.body.message], [422, 'missing_attribute', 'number_type is required']);
        if (encoding === 'json') {
          const empty = await send({ number: nextNumber(), number_type: 'longcode', capabilities: [] });
          assert.deepEqual([empty.status, empty.body.code], [422, 'empty_list']);
        }
      });
    }

    test('the import rules of Relay REST hold: type mismatch, taken, one copy across projects', async () => {
      const mismatch = await compat('POST', `${base(PREFIXES[0])}/ImportedPhoneNumbers`, { form: { number: '+18005550199', number_type: 'longcode' } });
      assert.deepEqual([mismatch.status, mismatch.body.code], [422, 'number_type_mismatch']);
      const number = nextNumber();
      await importRelay(number);
      const taken = await compat('POST', `${base(PREFIXES[0])}/ImportedPhoneNumbers`, { form: { number, number_type: 'longcode' } });
      assert.deepEqual(taken.body, { code: 'number_taken', message: 'Number has already been taken', more_info: taken.body.more_info, status: 422 });
      const other = await server.addTenant();
      const elsewhere = await compat('POST', `${base(PREFIXES[1], other.projectId)}/ImportedPhoneNumbers.json`, { form: { number, number_type: 'longcode' }, auth: other.auth });
      assert.deepEqual([elsewhere.status, elsewhere.body.code], [422, 'number_taken']);
    });

    test('an update body is partial, refuses unknown parameters and names Compatibility parameters in its messages', async () => {
      const { sid } = await importCompat();
      const bad = await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`, { json: { VoiceUrl: 'ftp://example.com/x' } });
      assert.equal(bad.status, 422, bad.text);
      assert.deepEqual(bad.body, { code: 20422, message: 'VoiceUrl must be an absolute http or https URL', more_info: bad.body.more_info, status: 422 });
      const unknown = await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`, { form: { VoiceUrl: 'https://example.com/v', call_handler: 'relay_script' } });
      assert.deepEqual([unknown.status, unknown.body.code], [422, 20422]);
      const twice = await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`, { form: { VoiceUrl: ['https://a.example/1', 'https://a.example/2'] } });
      assert.equal(twice.status, 422, 'a repeated scalar is refused');
      const relay = (await server.request('GET', `/api/relay/rest/phone_numbers/${sid}`)).body;
      assert.equal(relay.call_request_url, null, 'refused updates change nothing');
      const transfer = await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`, { form: { AccountSid: (await server.addTenant()).projectId } });
      assert.deepEqual([transfer.status, transfer.body.code], [422, 20422]);
      assert.match(transfer.body.message, /AccountSid/);
      const same = await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`, { form: { AccountSid: account, FriendlyName: 'kept' } });
      assert.equal(same.status, 200, same.text);
      const e911 = await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`, { form: { EmergencyAddressSid: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' } });
      assert.deepEqual([e911.status, e911.body.code], [422, 20422]);
    });

    test('a body that is neither form nor JSON answers 415; malformed JSON 400', async () => {
      const text = await server.request('POST', `${base(PREFIXES[0])}/ImportedPhoneNumbers`, { rawBody: 'number=+1', headers: { 'content-type': 'text/plain' } });
      assert.deepEqual([text.status, text.body.code, text.body.status], [415, 20415, 415]);
      const broken = await server.request('POST', `${base(PREFIXES[0])}/ImportedPhoneNumbers`, { rawBody: '{"number":', headers: { 'content-type': 'application/json' } });
      assert.deepEqual([broken.status, broken.body.code], [400, 20400]);
    });
  });

  describe('the mapping onto Relay handlers, both ways', () => {
    test('VoiceUrl and SmsUrl choose laml_webhooks; an empty value clears the URL and the handler it chose', async () => {
      const { id: sid } = await importRelay();
      const path = `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`;
      const set = await compat('POST', path, {
        form: { VoiceUrl: 'https://example.com/voice', VoiceMethod: 'GET', VoiceFallbackUrl: 'https://example.com/vf', StatusCallback: 'https://example.com/st', SmsUrl: 'https://example.com/sms', SmsMethod: 'POST', VoiceReceiveMode: 'fax' },
      });
      assert.equal(set.status, 200, set.text);
      assert.deepEqual(
        [set.body.voice_url, set.body.voice_method, set.body.voice_fallback_url, set.body.status_callback, set.body.sms_url],
        ['https://example.com/voice', 'GET', 'https://example.com/vf', 'https://example.com/st', 'https://example.com/sms'],
      );
      let relay = (await server.request('GET', `/api/relay/rest/phone_numbers/${sid}`)).body;
      assert.deepEqual(
        [relay.call_handler, relay.call_request_url, relay.call_request_method, relay.call_fallback_url, relay.call_status_callback_url, relay.call_receive_mode, relay.message_handler, relay.message_request_url],
        ['laml_webhooks', 'https://example.com/voice', 'GET', 'https://example.com/vf', 'https://example.com/st', 'fax', 'laml_webhooks', 'https://example.com/sms'],
      );
      const cleared = await compat('POST', path, { json: { VoiceUrl: '' } });
      assert.equal(cleared.status, 200, cleared.text);
      assert.equal(cleared.body.voice_url, null);
      relay = (await server.request('GET', `/api/relay/rest/phone_numbers/${sid}`)).body;
      assert.deepEqual([relay.call_handler, relay.call_request_url, relay.message_handler], [null, null, 'laml_webhooks']);
    });

    test('VoiceApplicationSid and SmsApplicationSid choose laml_application, and win over a URL sent with them', async () => {
      const { sid } = await importCompat();
      const app = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
      const res = await compat('POST', `${base(PREFIXES[1])}/IncomingPhoneNumbers/${sid}.json`, { form: { VoiceUrl: 'https://example.com/v', VoiceApplicationSid: app, SmsApplicationSid: app } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual([res.body.voice_application_sid, res.body.voice_url, res.body.sms_application_sid], [app, null, app]);
      const relay = (await server.request('GET', `/api/relay/rest/phone_numbers/${sid}`)).body;
      assert.deepEqual(
        [relay.call_handler, relay.call_laml_application_id, relay.call_request_url, relay.message_handler, relay.message_laml_application_id],
        ['laml_application', app, 'https://example.com/v', 'laml_application', app],
      );
    });

    test('a Relay handler with no Compatibility equivalent shows as no voice URL or application', async () => {
      const { sid } = await importCompat();
      const put = await server.request('PUT', `/api/relay/rest/phone_numbers/${sid}`, {
        body: { call_handler: 'relay_script', call_relay_script_url: 'https://example.com/script', call_request_url: 'https://example.com/kept', message_handler: 'relay_topic', message_relay_topic: 'office' },
      });
      assert.equal(put.status, 200, put.text);
      const got = (await compat('GET', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`)).body;
      assert.deepEqual([got.voice_url, got.voice_application_sid, got.sms_url, got.sms_application_sid], [null, null, null, null]);
      // A Compatibility update of something else leaves the Relay handler alone.
      await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`, { form: { FriendlyName: 'Scripted' } });
      const relay = (await server.request('GET', `/api/relay/rest/phone_numbers/${sid}`)).body;
      assert.deepEqual([relay.call_handler, relay.message_handler, relay.name], ['relay_script', 'relay_topic', 'Scripted']);
    });
  });

  describe('accounts and credentials', () => {
    test('another account in the path is 404 like an unknown sid; credentials are checked first', async () => {
      const other = await server.addTenant();
      const theirs = await importCompat(undefined, PREFIXES[0], other);
      for (const prefix of PREFIXES) {
        const listed = await compat('GET', `${base(prefix, other.projectId)}/IncomingPhoneNumbers`);
        assert.deepEqual(listed.body, { code: 20404, message: 'The requested resource was not found', more_info: listed.body.more_info, status: 404 });
        assert.equal(listed.status, 404);
        const foreign = await compat('GET', `${base(prefix, other.projectId)}/IncomingPhoneNumbers/${theirs.sid}`);
        const unknownMine = await compat('GET', `${base(prefix)}/IncomingPhoneNumbers/${theirs.sid}`);
        assert.deepEqual([foreign.status, foreign.text], [unknownMine.status, unknownMine.text], 'indistinguishable');
        const imported = await compat('POST', `${base(prefix, other.projectId)}/ImportedPhoneNumbers`, { form: { number: nextNumber(), number_type: 'longcode' } });
        assert.equal(imported.status, 404);
        const removed = await compat('DELETE', `${base(prefix, other.projectId)}/IncomingPhoneNumbers/${theirs.sid}`);
        assert.equal(removed.status, 404);
        const unauth = await compat('GET', `${base(prefix, other.projectId)}/IncomingPhoneNumbers`, { auth: 'Basic bm9ib2R5Om5vdGhpbmc=' });
        assert.deepEqual([unauth.status, unauth.body.code, unauth.body.status], [401, 20003, 401]);
        assert.equal(unauth.headers.get('www-authenticate'), 'Basic realm="numberspace"');
        const unauthImport = await compat('POST', `${base(prefix)}/ImportedPhoneNumbers`, { form: { number: 'not even a number' }, auth: null });
        assert.deepEqual([unauthImport.status, unauthImport.body.code], [401, 20003], 'no credentials: 401 before the body is looked at');
      }
      assert.equal((await compat('GET', `${base(PREFIXES[0], other.projectId)}/IncomingPhoneNumbers/${theirs.sid}`, { auth: other.auth })).status, 200, 'still there for its owner');
    });

    test('the numbers scope and the Partner API are the Relay rules, in the Compatibility shape', async () => {
      const noScope = await server.addTenant({ scopes: ['messaging'] });
      const res = await compat('GET', `${base(PREFIXES[0], noScope.projectId)}/IncomingPhoneNumbers`, { auth: noScope.auth });
      assert.deepEqual([res.status, res.body.code, res.body.status], [403, 20403, 403]);
      assert.match(res.body.message, /numbers/);
      const noPartner = await server.addTenant({ partnerApi: false });
      const imp = await compat('POST', `${base(PREFIXES[0], noPartner.projectId)}/ImportedPhoneNumbers`, { form: { number: nextNumber(), number_type: 'longcode' }, auth: noPartner.auth });
      assert.deepEqual([imp.status, imp.body.code], [403, 20403]);
      assert.match(imp.body.message, /Partner API/);
      const list = await compat('GET', `${base(PREFIXES[0], noPartner.projectId)}/IncomingPhoneNumbers`, { auth: noPartner.auth });
      assert.equal(list.status, 200, 'managing numbers needs no Partner API');
    });

    test('buying a number that is not in stock (POST IncomingPhoneNumbers) answers 422, and says so', async () => {
      const number = nextNumber();
      const res = await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers`, { form: { PhoneNumber: number } });
      assert.equal(res.status, 422);
      assert.equal(res.body.code, 20422);
      assert.equal(res.body.message, `${number} is not in stock`);
    });

    test('an unknown path under a Compatibility prefix is the Compatibility 404', async () => {
      const res = await compat('GET', `${base(PREFIXES[1])}/Calls.json`);
      assert.deepEqual([res.status, res.body.code, res.body.status], [404, 20404, 404]);
    });
  });

  describe('paging', () => {
    test('a walk along next_page_uri sees every number that exists throughout exactly once, with imports and releases in between', async () => {
      const tenant = await server.addTenant();
      const mine: string[] = [];
      for (let i = 0; i < 7; i++) mine.push((await importCompat(undefined, PREFIXES[0], tenant)).sid);
      for (const prefix of PREFIXES) {
        for (const suffix of SUFFIXES) {
          let path: string | null = `${base(prefix, tenant.projectId)}/IncomingPhoneNumbers${suffix}?PageSize=2`;
          const seen: string[] = [];
          let pages = 0;
          let released: string | undefined;
          while (path !== null) {
            const res = await compat('GET', path, { auth: tenant.auth });
            assert.equal(res.status, 200, res.text);
            assert.equal(res.body.page, pages);
            assert.equal(res.body.page_size, 2);
            assert.equal(res.body.previous_page_uri === null, pages === 0);
            for (const uri of [res.body.uri, res.body.first_page_uri, res.body.next_page_uri, res.body.previous_page_uri]) {
              if (uri !== null) assert.ok(uri.startsWith(`${base(prefix, tenant.projectId)}/IncomingPhoneNumbers${suffix}?`), `${uri} keeps the request's prefix and suffix`);
            }
            seen.push(...res.body.incoming_phone_numbers.map((n: { sid: string }) => n.sid));
            if (pages === 1) {
              // Changes while walking: a new number (newer than the walk) and a release of one not yet seen.
              mine.push((await importCompat(undefined, prefix, tenant)).sid);
              released = mine.find((sid) => !seen.includes(sid) && sid !== mine.at(-1))!;
              assert.equal((await compat('DELETE', `${base(prefix, tenant.projectId)}/IncomingPhoneNumbers/${released}${suffix}`, { auth: tenant.auth })).status, 204);
            }
            path = res.body.next_page_uri;
            pages++;
          }
          const stable = mine.filter((sid) => sid !== released && sid !== mine.at(-1));
          for (const sid of stable) assert.equal(seen.filter((s) => s === sid).length, 1, `${sid} seen exactly once`);
          assert.ok(!seen.includes(released!), 'a number released ahead of the walk is not seen');
          mine.splice(mine.indexOf(released!), 1);
        }
      }
    });

    test('previous_page_uri walks back; Page above 0 needs its PageToken; bad values answer 400', async () => {
      const tenant = await server.addTenant();
      for (let i = 0; i < 5; i++) await importCompat(undefined, PREFIXES[0], tenant);
      const first = (await compat('GET', `${base(PREFIXES[0], tenant.projectId)}/IncomingPhoneNumbers?PageSize=2`, { auth: tenant.auth })).body;
      const second = (await compat('GET', first.next_page_uri, { auth: tenant.auth })).body;
      const third = (await compat('GET', second.next_page_uri, { auth: tenant.auth })).body;
      assert.equal(third.next_page_uri, null);
      assert.equal(third.incoming_phone_numbers.length, 1);
      const back = (await compat('GET', third.previous_page_uri, { auth: tenant.auth })).body;
      assert.deepEqual(back.incoming_phone_numbers.map((n: { sid: string }) => n.sid), second.incoming_phone_numbers.map((n: { sid: string }) => n.sid));
      const list = `${base(PREFIXES[0], tenant.projectId)}/IncomingPhoneNumbers`;
      for (const query of ['Page=1', 'PageSize=0', 'PageSize=1001', 'Page=-1', 'PageToken=forged', 'PageSize=abc']) {
        const res = await compat('GET', `${list}?${query}`, { auth: tenant.auth });
        assert.deepEqual([res.status, res.body.code, res.body.status], [400, 20400, 400], query);
      }
      const otherFilter = await compat('GET', `${first.next_page_uri}&FriendlyName=x`, { auth: tenant.auth });
      assert.equal(otherFilter.status, 400, 'a token is valid only with the filters it was issued for');
    });

    test('PhoneNumber is a substring of the E.164 number; FriendlyName a case-insensitive substring of the name', async () => {
      const tenant = await server.addTenant();
      const a = await importCompat('+15553210001', PREFIXES[0], tenant);
      await importCompat('+15553219999', PREFIXES[0], tenant);
      await compat('POST', `${base(PREFIXES[0], tenant.projectId)}/IncomingPhoneNumbers/${a.sid}`, { form: { FriendlyName: 'Front Desk' }, auth: tenant.auth });
      const list = `${base(PREFIXES[0], tenant.projectId)}/IncomingPhoneNumbers`;
      const byNumber = (await compat('GET', `${list}?PhoneNumber=${encodeURIComponent('+1555321')}`, { auth: tenant.auth })).body;
      assert.equal(byNumber.incoming_phone_numbers.length, 2);
      const byName = (await compat('GET', `${list}?FriendlyName=front%20DESK`, { auth: tenant.auth })).body;
      assert.deepEqual(byName.incoming_phone_numbers.map((n: { sid: string }) => n.sid), [a.sid]);
      assert.equal(byName.uri, `${list}?FriendlyName=front%20DESK&Page=0&PageSize=50`);
    });
  });

  describe('one number, two surfaces', () => {
    // Import, update and release, each through either surface: all eight orders.
    const surfaces = ['relay', 'compat'] as const;
    for (const importVia of surfaces) {
      for (const updateVia of surfaces) {
        for (const releaseVia of surfaces) {
          test(`import via ${importVia}, update via ${updateVia}, release via ${releaseVia}`, async () => {
            const number = nextNumber();
            const sid = importVia === 'relay' ? (await importRelay(number)).id : (await importCompat(number)).sid;
            assert.equal((await compat('GET', `${base(PREFIXES[1])}/IncomingPhoneNumbers/${sid}.json`)).body.phone_number, number);
            assert.equal((await server.request('GET', `/api/relay/rest/phone_numbers/${sid}`)).body.number, number);
            if (updateVia === 'relay') {
              const r = await server.request('PUT', `/api/relay/rest/phone_numbers/${sid}`, { body: { name: 'Sales', call_handler: 'laml_webhooks', call_request_url: 'https://example.com/sales' } });
              assert.equal(r.status, 200, r.text);
            } else {
              const r = await compat('POST', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`, { form: { FriendlyName: 'Sales', VoiceUrl: 'https://example.com/sales' } });
              assert.equal(r.status, 200, r.text);
            }
            const viewed = (await compat('GET', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`)).body;
            assert.deepEqual([viewed.friendly_name, viewed.voice_url], ['Sales', 'https://example.com/sales']);
            const relay = (await server.request('GET', `/api/relay/rest/phone_numbers/${sid}`)).body;
            assert.deepEqual([relay.name, relay.call_handler, relay.call_request_url], ['Sales', 'laml_webhooks', 'https://example.com/sales']);
            const released =
              releaseVia === 'relay'
                ? await server.request('DELETE', `/api/relay/rest/phone_numbers/${sid}`)
                : await compat('DELETE', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`);
            assert.equal(released.status, 204);
            assert.equal((await server.request('GET', `/api/relay/rest/phone_numbers/${sid}`)).status, 404);
            assert.equal((await compat('GET', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`)).status, 404);
            assert.equal((await compat('DELETE', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`)).status, 404, 'released once');
            // Free again, on either surface.
            const again = importVia === 'relay' ? await importCompat(number) : await importRelay(number);
            assert.notEqual(again.sid ?? again.id, sid);
          });
        }
      }
    }

    test('each audit entry records the surface it came through', async () => {
      const { sid } = await importCompat();
      await server.request('PUT', `/api/relay/rest/phone_numbers/${sid}`, { body: { name: 'x' } });
      await compat('DELETE', `${base(PREFIXES[0])}/IncomingPhoneNumbers/${sid}`);
      const events = (await server.store.audit.list(account)).filter((e) => e.resource_id === sid);
      assert.deepEqual(events.map((e) => [e.action, e.surface]), [
        ['number.imported', 'compatibility'],
        ['number.updated', 'relay-rest'],
        ['number.released', 'compatibility'],
      ]);
    });

    test('metrics count every alias of an operation under one route label', async () => {
      await importCompat(undefined, PREFIXES[1]);
      await compat('GET', `${base(PREFIXES[1])}/IncomingPhoneNumbers.json`);
      await compat('GET', `${base(PREFIXES[0])}/IncomingPhoneNumbers`);
      const metrics = (await server.request('GET', '/metrics', { auth: null })).text;
      assert.match(metrics, /route="\/api\/laml\/2010-04-01\/Accounts\/:AccountSid\/IncomingPhoneNumbers"/);
      assert.doesNotMatch(metrics, /route="\/2010-04-01\//);
      assert.doesNotMatch(metrics, /IncomingPhoneNumbers\.json"/);
    });
  });
});
