/**
 * Emulator mode through the real server: any credentials, the request journal, one-shot
 * scenarios, resets and seeding under /__mock__, on both engines. Requests go through plain
 * fetch (not the contract log): emulator project ids are not UUIDs.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createReadiness } from '../../src/http/readiness.js';
import { basic, startServer, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const LIST = '/api/relay/rest/phone_numbers';
const compat = (project: string) => `/api/laml/2010-04-01/Accounts/${project}`;

describe('emulator mode', () => {
  let server: TestServer;
  let seq = 0;
  /** A fresh random project, as parallel test files use. */
  const project = () => `proj_${process.pid}_${++seq}`;
  const number = () => `+1555${String(4000000 + ++seq).padStart(7, '0')}`;

  before(async () => {
    server = await startServer({ emulator: true, authCacheTtlMs: 2000 });
  });
  after(async () => server.close());
  beforeEach(async () => {
    await control('POST', '/journal/reset');
    await control('POST', '/scenarios/reset');
  });

  async function call(method: string, path: string, o: { auth?: string | null; json?: unknown; form?: string; raw?: { type: string; text: string } } = {}) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.auth !== null && o.auth !== undefined) headers.authorization = o.auth;
    let body: string | undefined;
    if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    } else if (o.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = o.form;
    } else if (o.raw !== undefined) {
      headers['content-type'] = o.raw.type;
      body = o.raw.text;
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }
  const control = (method: string, path: string, json?: unknown, type?: string) =>
    call(method, `/__mock__${path}`, json === undefined ? {} : typeof json === 'string' ? { raw: { type: type ?? 'application/yaml', text: json } } : { json });
  const importAs = (auth: string, n = number()) => call('POST', IMPORT, { auth, json: { number: n, number_type: 'longcode' } });
  const listAs = async (auth: string) => ((await call('GET', LIST, { auth })).body?.data ?? []) as { id: string; number: string; name: string | null }[];

  test('health answers with status and the number of API surfaces served', async () => {
    const res = await control('GET', '/health');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    assert.equal(res.body.specs_loaded, 2);
  });

  test('any credentials name a project created on first use; its first token is its token; projects are isolated', async () => {
    const a = project();
    const b = project();
    const imported = await importAs(basic(a, 'tok-a'));
    assert.equal(imported.status, 201, imported.text);
    assert.equal((await call('GET', LIST, { auth: basic(a, 'another') })).status, 401, 'a second token for the project is wrong credentials');
    assert.equal((await importAs(basic(b, 'tok-b'))).status, 201);
    // Suites give every random project the same token string: each project has its own.
    const c = project();
    assert.equal((await importAs(basic(c, 'tok-a'))).status, 201, 'a token string another project uses');
    assert.equal((await listAs(basic(c, 'tok-a'))).length, 1);
    assert.deepEqual((await listAs(basic(a, 'tok-a'))).map((n) => n.number), [imported.body.number]);
    assert.equal((await listAs(basic(b, 'tok-b'))).length, 1);
    // The Compatibility API takes the id as its AccountSid, as it is.
    const incoming = await call('GET', `${compat(a)}/IncomingPhoneNumbers`, { auth: basic(a, 'tok-a') });
    assert.equal(incoming.status, 200, incoming.text);
    assert.equal(incoming.body.incoming_phone_numbers[0].account_sid, a);
    assert.equal((await call('GET', `${compat(b)}/IncomingPhoneNumbers`, { auth: basic(a, 'tok-a') })).status, 404, "another project's account");
    // Ids are 1 to 64 of A-Z a-z 0-9 _ -: anything else stays wrong credentials.
    for (const bad of ['has space', 'x'.repeat(65), 'dot.ted']) assert.equal((await importAs(basic(bad, 't'))).status, 401, bad);
    // The installation's own projects still need their real token.
    assert.equal((await call('GET', LIST, { auth: basic(server.tenant.projectId, 'guess') })).status, 401);
    assert.equal((await call('GET', LIST, { auth: server.tenant.auth })).status, 200);
  });

  test('the journal: every API request in order with its exact shape, JSON, form and other bodies, 401s and unmatched paths', async () => {
    const p = project();
    const auth = basic(p, 'secret-token');
    const n = number();
    await call('POST', `${IMPORT}?trace=1&trace=2&empty=`, { auth, json: { number: n, number_type: 'longcode' } });
    await call('POST', `${compat(p)}/IncomingPhoneNumbers/nope.json`, { auth, form: 'FriendlyName=Front+desk&VoiceUrl=https%3A%2F%2Fexample.com%2Fv' });
    await call('POST', `${compat(p)}/ImportedPhoneNumbers`, { auth, form: `number=${encodeURIComponent(number())}&number_type=longcode&capabilities=sms&capabilities=voice` });
    await call('GET', LIST, { auth: basic(p, 'wrong') });
    await call('POST', `${compat(p)}/IncomingPhoneNumbers/nope`, { auth, json: { FriendlyName: 'As JSON' } });
    await call('POST', IMPORT, { auth, form: 'number=%2B15550000000&number_type=longcode' });
    await call('POST', IMPORT, { auth, raw: { type: 'text/plain', text: 'just text' } });
    await call('POST', IMPORT, { auth, raw: { type: 'application/json', text: '{"broken":' } });
    await call('GET', '/api/relay/rest/nowhere', { auth });
    await control('GET', '/scenarios');
    await call('GET', '/healthz');

    const journal = (await control('GET', '/journal')).body as any[];
    assert.deepEqual(
      journal.map((e) => [e.method, e.path, e.matched_route, e.response_status]),
      [
        ['POST', IMPORT, 'relay-rest.create_imported_phone_number', 201],
        ['POST', `${compat(p)}/IncomingPhoneNumbers/nope.json`, 'compatibility.update_incoming_phone_number', 404],
        ['POST', `${compat(p)}/ImportedPhoneNumbers`, 'compatibility.create_imported_phone_number', 201],
        ['GET', LIST, 'relay-rest.list_phone_numbers', 401],
        ['POST', `${compat(p)}/IncomingPhoneNumbers/nope`, 'compatibility.update_incoming_phone_number', 404],
        ['POST', IMPORT, 'relay-rest.create_imported_phone_number', 415],
        ['POST', IMPORT, 'relay-rest.create_imported_phone_number', 415],
        ['POST', IMPORT, 'relay-rest.create_imported_phone_number', 400],
        ['GET', '/api/relay/rest/nowhere', null, 404],
      ],
      'the control calls and the installation endpoints are not journaled',
    );
    const [first, form, listForm, refused, compatJson, relayForm, text, broken] = journal;
    assert.deepEqual(Object.keys(first).sort(), ['body', 'headers', 'matched_route', 'method', 'path', 'query_params', 'response_status', 'timestamp']);
    assert.equal(typeof first.timestamp, 'number');
    assert.ok(Math.abs(first.timestamp - Date.now() / 1000) < 60, 'epoch seconds');
    assert.deepEqual(first.query_params, { trace: ['1', '2'], empty: [''] });
    assert.deepEqual(first.body, { number: n, number_type: 'longcode' });
    assert.equal(first.headers.authorization, 'Basic ****', 'the credentials are masked');
    assert.equal(first.headers['content-type'], 'application/json');
    assert.deepEqual(form.body, { FriendlyName: 'Front desk', VoiceUrl: 'https://example.com/v' });
    assert.deepEqual(listForm.body.capabilities, ['sms', 'voice'], 'a repeated form key is a list');
    assert.equal(refused.body, null);
    assert.deepEqual(compatJson.body, { FriendlyName: 'As JSON' });
    assert.equal(compatJson.headers['content-type'], 'application/json');
    assert.deepEqual(relayForm.body, { number: '+15550000000', number_type: 'longcode' }, 'a form is parsed for the journal even where the route refuses it');
    assert.equal(text.body, 'just text');
    assert.equal(broken.body, '{"broken":');
    assert.ok(!JSON.stringify(journal).includes('secret-token'));

    const mine = (await control('GET', `/journal?project=${p}&matched_route=relay-rest.create_imported_phone_number`)).body as any[];
    assert.equal(mine.length, 4);
    assert.equal((await control('GET', '/journal?project=nobody')).body.length, 0);
    await control('POST', '/journal/reset');
    assert.deepEqual((await control('GET', '/journal')).body, []);
  });

  test('scenarios: bare or qualified ids, served once each in order before any processing, scoped to a project, then normal service', async () => {
    const p = project();
    const auth = basic(p, 't');
    const ambiguous = await control('POST', '/scenarios/create_imported_phone_number', { status: 500, response: {} });
    assert.equal(ambiguous.status, 400);
    assert.deepEqual(ambiguous.body.operations, ['compatibility.create_imported_phone_number', 'relay-rest.create_imported_phone_number']);
    const unknown = await control('POST', '/scenarios/no_such_thing', { status: 500 });
    assert.equal(unknown.status, 404);
    assert.ok(unknown.body.operations.includes('relay-rest.list_phone_numbers'));
    assert.equal((await control('POST', '/scenarios/list_phone_numbers', { status: 'x' })).status, 400);
    assert.equal((await control('POST', '/scenarios/list_phone_numbers', { status: 500, extra: 1 })).status, 400);

    const n = number();
    assert.equal((await control('POST', '/scenarios/relay-rest.create_imported_phone_number', { status: 500, response: { error: 'first' } })).status, 201);
    await control('POST', '/scenarios/relay-rest.create_imported_phone_number', { status: 429, response: { error: 'second' }, headers: { 'retry-after': '7' } });
    assert.deepEqual(
      (await control('GET', '/scenarios')).body.scenarios.map((s: { status: number }) => s.status),
      [500, 429],
    );
    const one = await importAs(auth, n);
    assert.deepEqual([one.status, one.body], [500, { error: 'first' }]);
    const two = await importAs(auth, n);
    assert.deepEqual([two.status, two.body, two.headers.get('retry-after')], [429, { error: 'second' }, '7']);
    assert.equal((await listAs(auth)).length, 0, 'nothing was stored while scenarios answered');
    assert.equal((await importAs(auth, n)).status, 201, 'then the route behaves normally');

    // Scoped: another project's requests pass it by.
    const other = project();
    await control('POST', '/scenarios/list_phone_numbers', { status: 503, response: { error: 'just you' }, project: other });
    assert.equal((await call('GET', LIST, { auth })).status, 200);
    assert.equal((await call('GET', LIST, { auth: basic(other, 't') })).status, 503);
    assert.equal((await call('GET', LIST, { auth: basic(other, 't') })).status, 200);

    await control('POST', '/scenarios/compatibility.list_incoming_phone_numbers', { status: 500 });
    await control('POST', '/scenarios/reset');
    assert.deepEqual((await control('GET', '/scenarios')).body.scenarios, []);
    assert.equal((await call('GET', `${compat(p)}/IncomingPhoneNumbers`, { auth })).status, 200);
  });

  test('reset: every emulator project gone, or just one; the installation’s own projects stay', async () => {
    const a = project();
    const b = project();
    await importAs(basic(a, 'ta'));
    await importAs(basic(b, 'tb'));
    const own = await call('POST', IMPORT, { auth: server.tenant.auth, json: { number: number(), number_type: 'longcode' } });
    assert.equal(own.status, 201);

    assert.equal((await control('POST', `/reset?project=${a}`)).status, 200);
    assert.equal((await listAs(basic(b, 'tb'))).length, 1, 'the other project keeps its numbers');
    assert.deepEqual((await control('GET', `/journal?project=${a}`)).body, [], "that project's journal is gone");
    assert.ok((await control('GET', `/journal?project=${b}`)).body.length > 0, 'the others stay');
    // Its token went with it: the project is made afresh, with whichever token comes first.
    assert.equal((await listAs(basic(a, 'a-new-token'))).length, 0);

    assert.equal((await control('POST', '/reset')).status, 200);
    assert.deepEqual((await control('GET', '/journal')).body, []);
    assert.equal((await listAs(basic(b, 'tb'))).length, 0);
    assert.equal((await listAs(server.tenant.auth)).length >= 1, true, 'a project emulator mode did not make is never reset');
  });

  test('seed: JSON or YAML, numbers with update attributes, reset returns to it, a refused document applies nothing', async () => {
    const yaml = [
      'projects:',
      '  - id: seeded_one',
      '    tokens: [tok1]',
      '    numbers:',
      '      - number: "+14155550100"',
      '        number_type: longcode',
      '        name: Main',
      '        call_handler: laml_webhooks',
      '        call_request_url: https://example.com/voice',
      '      - {number: "+18005550199", number_type: tollfree, capabilities: [voice]}',
    ].join('\n');
    const seeded = await control('POST', '/seed', yaml);
    assert.equal(seeded.status, 200, seeded.text);
    const check = async () => {
      const numbers = (await call('GET', LIST, { auth: basic('seeded_one', 'tok1') })).body.data as any[];
      const main = numbers.find((x) => x.number === '+14155550100');
      assert.deepEqual([main.name, main.call_handler, main.call_request_url], ['Main', 'laml_webhooks', 'https://example.com/voice']);
      assert.deepEqual(numbers.find((x) => x.number === '+18005550199').capabilities, ['voice']);
      assert.equal(numbers.length, 2);
    };
    await check();
    await call('DELETE', `${LIST}/${(await listAs(basic('seeded_one', 'tok1')))[0]!.id}`, { auth: basic('seeded_one', 'tok1') });
    await control('POST', '/reset');
    await check();
    assert.equal((await call('GET', LIST, { auth: basic('seeded_one', 'other') })).status, 401, 'a seeded project has its seeded tokens');

    const json = await control('POST', '/seed', { projects: [{ id: 'seeded_two', tokens: ['t2'], numbers: [{ number: '+14155550111', number_type: 'longcode' }] }] });
    assert.equal(json.status, 200, json.text);
    assert.equal((await listAs(basic('seeded_two', 't2'))).length, 1);

    const refusals: [unknown, RegExp][] = [
      [{ projects: [{ id: 'r1', numbrs: [] }] }, /numbrs/],
      [{ projects: [{ id: 'r1', numbers: [{ number: '+18005550123', number_type: 'longcode' }] }] }, /toll-free/],
      [{ projects: [{ id: 'r1', numbers: [{ number: '+14155550122', number_type: 'longcode', call_handler: 'laml_webhooks' }] }] }, /call_request_url/],
      [{ projects: [{ id: 'r1', numbers: [{ number: '+14155550133', number_type: 'longcode' }, { number: '14155550133', number_type: 'longcode' }] }] }, /already seeded/],
      [{ projects: [{ id: 'r1', numbers: [{ number: '+14155550111', number_type: 'longcode' }] }] }, /active in project seeded_two/],
      [{ projects: [{ id: server.tenant.projectId, tokens: ['x'] }, { id: 'r1' }] }, /not made by emulator mode/],
      [{ projects: [{ id: 'bad id' }] }, /id/],
    ];
    for (const [document, why] of refusals) {
      const refused = await control('POST', '/seed', document);
      assert.equal(refused.status, 422, JSON.stringify(document));
      assert.match(refused.body.error, why);
      assert.equal((await call('GET', LIST, { auth: basic('r1', 'probe') })).body.data.length, 0, 'nothing of it was applied');
      await control('POST', '/reset?project=r1');
    }
    // A number released from one seeded project cannot be seeded into another: a reset plants both.
    const lobby = (await listAs(basic('seeded_two', 't2')))[0]!;
    await call('DELETE', `${LIST}/${lobby.id}`, { auth: basic('seeded_two', 't2') });
    const clash = await control('POST', '/seed', { projects: [{ id: 'r1', numbers: [{ number: '+14155550111', number_type: 'longcode' }] }] });
    assert.equal(clash.status, 422);
    assert.match(clash.body.error, /in the seeded state of project seeded_two/);
    await control('POST', '/reset?project=seeded_two');
    assert.equal((await control('POST', '/seed', 'projects: [unclosed')).status, 422);
    assert.equal((await control('POST', '/seed', '')).status, 400);
    assert.equal((await listAs(basic('seeded_two', 't2'))).length, 1, 'refusals left the seeded state alone');
  });

  test('SignalWire SDK harness style: probe, reset in set-up, SDK calls, journal assertions, a pushed 500 then normal service', async () => {
    // What the harness does: GET /__mock__/health and look for specs_loaded.
    const health = await control('GET', '/health');
    assert.ok('specs_loaded' in health.body);
    // Each test's set-up.
    await control('POST', '/journal/reset');
    await control('POST', '/scenarios/reset');
    // The SDK's RestClient: Basic auth, JSON bodies, Accept and its User-Agent.
    const sdk = async (method: string, path: string, body?: unknown) => {
      const headers: Record<string, string> = { Authorization: basic('test_proj', 'test_tok'), Accept: 'application/json', 'User-Agent': '@signalwire/sdk-ts/2.0.0' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.text();
      if (!res.ok) throw Object.assign(new Error(`returned ${res.status}`), { statusCode: res.status, body: text === '' ? undefined : JSON.parse(text) });
      return res.status === 204 ? {} : JSON.parse(text);
    };
    const n = number();
    const created = await sdk('POST', IMPORT, { number: n, number_type: 'longcode' });
    await sdk('PUT', `${LIST}/${created.id}`, { name: 'Front desk' });
    const listed = await sdk('GET', `${LIST}?filter_number=${encodeURIComponent(n)}`);
    assert.equal(listed.data[0].name, 'Front desk');
    const journal = (await control('GET', '/journal')).body as any[];
    assert.deepEqual(
      journal.map((e) => [e.method, e.path, e.matched_route]),
      [
        ['POST', IMPORT, 'relay-rest.create_imported_phone_number'],
        ['PUT', `${LIST}/${created.id}`, 'relay-rest.update_phone_number'],
        ['GET', LIST, 'relay-rest.list_phone_numbers'],
      ],
    );
    assert.deepEqual(journal[1].body, { name: 'Front desk' });
    assert.deepEqual(journal[2].query_params, { filter_number: [n] });
    assert.equal(journal[0].headers['user-agent'], '@signalwire/sdk-ts/2.0.0');

    // A pushed 500 is what the SDK sees, once.
    await control('POST', '/scenarios/update_phone_number', { status: 500, response: { errors: [{ code: 'boom', message: 'pushed' }] } });
    await assert.rejects(sdk('PUT', `${LIST}/${created.id}`, { name: 'Never' }), (err: { statusCode?: number; body?: any }) => err.statusCode === 500 && err.body.errors[0].code === 'boom');
    assert.equal((await sdk('PUT', `${LIST}/${created.id}`, { name: 'Back' })).name, 'Back');
    assert.deepEqual(
      ((await control('GET', '/journal?matched_route=relay-rest.update_phone_number')).body as any[]).map((e) => [e.response_status, e.body.name]),
      [
        [200, 'Front desk'],
        [500, 'Never'],
        [200, 'Back'],
      ],
    );
  });
});

describe('emulator mode while starting', () => {
  test('health answers 503 "starting" until the API is open, then 200', async () => {
    const readiness = createReadiness(false);
    const server = await startServer({ emulator: true, readiness });
    try {
      const before = await fetch(`${server.url}/__mock__/health`);
      assert.equal(before.status, 503);
      assert.equal(((await before.json()) as { status: string }).status, 'starting');
      readiness.markReady();
      assert.equal((await fetch(`${server.url}/__mock__/health`)).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('normal mode', () => {
  test('none of /__mock__ exists', async () => {
    const server = await startServer();
    try {
      for (const [method, path] of [
        ['GET', '/__mock__/health'],
        ['GET', '/__mock__/journal'],
        ['POST', '/__mock__/reset'],
        ['POST', '/__mock__/scenarios/list_phone_numbers'],
        ['POST', '/__mock__/seed'],
      ] as const) {
        assert.equal((await fetch(`${server.url}${path}`, { method })).status, 404, path);
      }
      assert.equal((await fetch(`${server.url}${LIST}`, { headers: { authorization: basic('test_proj', 'test_tok') } })).status, 401, 'unknown credentials are refused');
    } finally {
      await server.close();
    }
  });
});
