import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type Tenant, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const UUID_A = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const UUID_B = '0b9c8a7e-1d2f-4e3a-9b8c-7d6e5f4a3b2c';

const item = (code: string, detail: string) => ({ detail, status: '422', title: 'Invalid Attribute', code });

describe('PUT /api/relay/rest/phone_numbers/{id}', () => {
  let server: TestServer;
  let seq = 0;
  // A clock that moves one second per reading, so every timestamp differs and orders.
  let tick = Date.parse('2026-03-01T00:00:00.000Z');
  before(async () => {
    server = await startServer({ clock: () => new Date((tick += 1000)) });
  });
  after(() => server.close());

  async function importNumber(tenant: Tenant = server.tenant) {
    const number = `+1555080${String(seq++).padStart(4, '0')}`;
    const res = await server.request('POST', IMPORT, { auth: tenant.auth, body: { number, number_type: 'longcode', capabilities: ['sms', 'voice'] } });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  const put = (id: string, body: unknown, auth?: string) => server.request('PUT', `${NUMBERS}/${id}`, { body, ...(auth === undefined ? {} : { auth }) });

  /** PUT, expect 200, check GET answers the same resource, and return it. */
  async function update(id: string, body: unknown) {
    const res = await put(id, body);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((await server.request('GET', `${NUMBERS}/${id}`)).body, res.body, 'GET answers what PUT answered');
    return res.body;
  }

  const storedRow = async (id: string) => (await server.store.phoneNumbers.findActive(server.tenant.projectId, id))!;

  describe("the bodies SignalWire's TypeScript SDK sends", () => {
    test('relay_script', async () => {
      const n = await importNumber();
      const url = 'https://example.signalwire.com/relay-bins/60e2ba7b-366e-44de-84e3-0c76cfccf1cc';
      const b = await update(n.id, { call_handler: 'relay_script', call_relay_script_url: url });
      assert.equal(b.call_handler, 'relay_script');
      assert.equal(b.call_relay_script_url, url);
    });

    test('laml_webhooks, with and without the optional fallback and status callback', async () => {
      const n = await importNumber();
      let b = await update(n.id, { call_handler: 'laml_webhooks', call_request_url: 'https://example.com/voice' });
      assert.deepEqual([b.call_handler, b.call_request_url, b.call_fallback_url, b.call_status_callback_url], ['laml_webhooks', 'https://example.com/voice', null, null]);
      b = await update(n.id, {
        call_handler: 'laml_webhooks',
        call_request_url: 'https://example.com/voice2',
        call_fallback_url: 'https://example.com/fallback',
        call_status_callback_url: 'http://example.com:8080/status?x=1',
      });
      assert.deepEqual(
        [b.call_request_url, b.call_fallback_url, b.call_status_callback_url],
        ['https://example.com/voice2', 'https://example.com/fallback', 'http://example.com:8080/status?x=1'],
      );
    });

    test('laml_application', async () => {
      const n = await importNumber();
      const b = await update(n.id, { call_handler: 'laml_application', call_laml_application_id: 'app-123' });
      assert.deepEqual([b.call_handler, b.call_laml_application_id], ['laml_application', 'app-123']);
    });

    test('ai_agent: the agent id is stored and returned as calling_handler_resource_id', async () => {
      const n = await importNumber();
      const b = await update(n.id, { call_handler: 'ai_agent', call_ai_agent_id: UUID_A });
      assert.deepEqual([b.call_handler, b.calling_handler_resource_id], ['ai_agent', UUID_A]);
      assert.equal(b.call_ai_agent_id, undefined, 'the response has no call_ai_agent_id');
    });

    test('call_flow, with and without call_flow_version', async () => {
      const n = await importNumber();
      let b = await update(n.id, { call_handler: 'call_flow', call_flow_id: UUID_A });
      assert.deepEqual([b.call_handler, b.calling_handler_resource_id], ['call_flow', UUID_A]);
      assert.equal((await storedRow(n.id)).call_flow_version, null);
      b = await update(n.id, { call_handler: 'call_flow', call_flow_id: UUID_B, call_flow_version: 'working_copy' });
      assert.equal(b.calling_handler_resource_id, UUID_B);
      assert.equal((await storedRow(n.id)).call_flow_version, 'working_copy');
      b = await update(n.id, { call_flow_version: 'current_deployed' });
      assert.equal(b.calling_handler_resource_id, UUID_B, 'the flow stays when only the version changes');
      assert.equal((await storedRow(n.id)).call_flow_version, 'current_deployed');
    });

    test('relay_application', async () => {
      const n = await importNumber();
      const b = await update(n.id, { call_handler: 'relay_application', call_relay_application: 'my-relay-app' });
      assert.deepEqual([b.call_handler, b.call_relay_application], ['relay_application', 'my-relay-app']);
    });

    test('relay_topic, with and without the status callback', async () => {
      const n = await importNumber();
      let b = await update(n.id, { call_handler: 'relay_topic', call_relay_topic: 'office' });
      assert.deepEqual([b.call_handler, b.call_relay_topic, b.call_relay_topic_status_callback_url], ['relay_topic', 'office', null]);
      b = await update(n.id, { call_handler: 'relay_topic', call_relay_topic: 'home', call_relay_topic_status_callback_url: 'https://example.com/cb' });
      assert.deepEqual([b.call_relay_topic, b.call_relay_topic_status_callback_url], ['home', 'https://example.com/cb']);
    });
  });

  test('only the attributes sent change; updated_at moves; id, number, type, capabilities and created_at never do', async () => {
    const n = await importNumber();
    const b = await update(n.id, { name: 'Main Office Line' });
    assert.equal(b.name, 'Main Office Line');
    assert.ok(b.updated_at > n.updated_at, `${b.updated_at} > ${n.updated_at}`);
    const unchanged = { ...n, name: b.name, updated_at: b.updated_at };
    assert.deepEqual(b, unchanged);
    const c = await update(n.id, { call_receive_mode: 'fax' });
    assert.deepEqual([c.name, c.call_receive_mode], ['Main Office Line', 'fax']);
    assert.ok(c.updated_at > b.updated_at);
    assert.deepEqual([c.id, c.number, c.number_type, c.capabilities, c.created_at], [n.id, n.number, 'longcode', ['voice', 'sms'], n.created_at]);
  });

  test('an empty body changes nothing but updated_at', async () => {
    const n = await importNumber();
    const b = await update(n.id, {});
    assert.deepEqual({ ...b, updated_at: n.updated_at }, n);
    assert.ok(b.updated_at > n.updated_at);
  });

  test('each call handler needs its companion attribute: 422 naming it without, 200 with', async () => {
    const cases: [string, string, string][] = [
      ['laml_webhooks', 'call_request_url', 'https://example.com/voice'],
      ['relay_script', 'call_relay_script_url', 'https://example.com/script'],
      ['relay_topic', 'call_relay_topic', 'office'],
      ['relay_application', 'call_relay_application', 'my-app'],
      ['relay_context', 'call_relay_context', 'my_context'],
      ['laml_application', 'call_laml_application_id', 'app-1'],
      ['dialogflow', 'call_dialogflow_agent_id', 'agent-1'],
      ['relay_connector', 'call_relay_connector_id', 'connector-1'],
      ['relay_sip_endpoint', 'call_sip_endpoint_id', UUID_A],
      ['relay_verto_endpoint', 'call_verto_resource', 'verto-1'],
      ['video_room', 'call_video_room_id', UUID_B],
      ['ai_agent', 'call_ai_agent_id', UUID_A],
      ['call_flow', 'call_flow_id', UUID_B],
    ];
    const n = await importNumber();
    for (const [handler, companion, value] of cases) {
      const refused = await put(n.id, { call_handler: handler });
      assert.equal(refused.status, 422, handler);
      assert.deepEqual(refused.body, { errors: [item('missing_attribute', `${companion} is required when call_handler is ${handler}`)] }, handler);
      const b = await update(n.id, { call_handler: handler, [companion]: value });
      assert.equal(b.call_handler, handler);
      const field = companion === 'call_ai_agent_id' || companion === 'call_flow_id' ? 'calling_handler_resource_id' : companion;
      assert.equal(b[field], value, handler);
    }
  });

  test('each message handler needs its companion attribute', async () => {
    const cases: [string, string, string][] = [
      ['laml_webhooks', 'message_request_url', 'https://example.com/sms'],
      ['laml_application', 'message_laml_application_id', 'app-2'],
      ['relay_topic', 'message_relay_topic', 'texts'],
      ['relay_context', 'message_relay_context', 'old_context'],
      ['relay_application', 'message_relay_application', 'sms-app'],
    ];
    const n = await importNumber();
    for (const [handler, companion, value] of cases) {
      const refused = await put(n.id, { message_handler: handler });
      assert.equal(refused.status, 422, handler);
      assert.deepEqual(refused.body, { errors: [item('missing_attribute', `${companion} is required when message_handler is ${handler}`)] });
      const b = await update(n.id, { message_handler: handler, [companion]: value });
      assert.equal(b.message_handler, handler);
      // message_relay_application has no field in the contract's response; it is stored.
      if (companion === 'message_relay_application') assert.equal((await storedRow(n.id)).message_relay_application, value);
      else assert.equal(b[companion], value);
    }
  });

  test('a companion stored by an earlier update counts; clearing it while its handler is set does not', async () => {
    const n = await importNumber();
    await update(n.id, { call_relay_topic: 'office' });
    const b = await update(n.id, { call_handler: 'relay_topic' });
    assert.deepEqual([b.call_handler, b.call_relay_topic], ['relay_topic', 'office']);
    const res = await put(n.id, { call_relay_topic: '' });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.errors, [item('missing_attribute', 'call_relay_topic is required when call_handler is relay_topic')]);
    assert.equal((await server.request('GET', `${NUMBERS}/${n.id}`)).body.call_relay_topic, 'office', 'a refused update writes nothing');
  });

  test('switching handler clears calling_handler_resource_id; the next resource handler needs its own id', async () => {
    const n = await importNumber();
    await update(n.id, { call_handler: 'ai_agent', call_ai_agent_id: UUID_A });
    const same = await update(n.id, { call_handler: 'ai_agent', name: 'still the agent' });
    assert.equal(same.calling_handler_resource_id, UUID_A, 'naming the same handler again keeps its resource');
    const toFlow = await put(n.id, { call_handler: 'call_flow' });
    assert.deepEqual(toFlow.body.errors, [item('missing_attribute', 'call_flow_id is required when call_handler is call_flow')]);
    await update(n.id, { call_handler: 'call_flow', call_flow_id: UUID_B, call_flow_version: 'working_copy' });
    const b = await update(n.id, { call_handler: 'relay_topic', call_relay_topic: 'office' });
    assert.equal(b.calling_handler_resource_id, null);
    assert.equal((await storedRow(n.id)).call_flow_version, null);
  });

  test('the SDK resource attributes are refused with any other handler', async () => {
    const n = await importNumber();
    const res = await put(n.id, { call_handler: 'relay_topic', call_relay_topic: 'office', call_ai_agent_id: UUID_A, call_flow_id: UUID_B, call_flow_version: 'working_copy' });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.errors, [
      item('handler_mismatch', 'call_ai_agent_id is only accepted when call_handler is ai_agent'),
      item('handler_mismatch', 'call_flow_id is only accepted when call_handler is call_flow'),
      item('handler_mismatch', 'call_flow_version is only accepted when call_handler is call_flow'),
    ]);
    const both = await put(n.id, { call_handler: 'ai_agent', call_ai_agent_id: UUID_A, call_flow_id: UUID_B });
    assert.deepEqual(both.body.errors, [item('handler_mismatch', 'call_flow_id is only accepted when call_handler is call_flow')]);
  });

  test('every *_url attribute must be an absolute http or https URL', async () => {
    const n = await importNumber();
    const urlFields = [
      'call_request_url', 'call_fallback_url', 'call_status_callback_url', 'call_relay_topic_status_callback_url',
      'call_relay_script_url', 'call_relay_context_status_callback_url', 'message_request_url', 'message_fallback_url',
    ];
    const bad = ['ftp://example.com/x', '/relative/path', 'example.com/voice', 'http:example.com', 'http://', 'https://exa mple.com', ' https://example.com', 'https://example.com\n', 'javascript:alert(1)', 'mailto:a@example.com'];
    for (const value of bad) {
      const res = await put(n.id, Object.fromEntries(urlFields.map((f) => [f, value])));
      assert.equal(res.status, 422, JSON.stringify(value));
      assert.deepEqual(res.body.errors, urlFields.map((f) => item('invalid_format', `${f} must be an absolute http or https URL`)), JSON.stringify(value));
    }
    const good = ['http://localhost:8080/x?y=1#z', 'HTTPS://EXAMPLE.COM/Voice', 'https://[::1]/v', 'http://127.0.0.1/'];
    for (const value of good) {
      const b = await update(n.id, Object.fromEntries(urlFields.map((f) => [f, value])));
      for (const f of urlFields) assert.equal(b[f], value, 'stored byte for byte');
    }
  });

  test('every problem the rules find is reported in one 422', async () => {
    const n = await importNumber();
    const res = await put(n.id, {
      call_handler: 'laml_webhooks',
      call_fallback_url: 'ftp://x',
      message_handler: 'relay_topic',
      call_flow_id: UUID_A,
    });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body, {
      errors: [
        item('invalid_format', 'call_fallback_url must be an absolute http or https URL'),
        item('handler_mismatch', 'call_flow_id is only accepted when call_handler is call_flow'),
        item('missing_attribute', 'call_request_url is required when call_handler is laml_webhooks'),
        item('missing_attribute', 'message_relay_topic is required when message_handler is relay_topic'),
      ],
    });
  });

  test('types, enums, formats and unknown attributes: 422, all reported together', async () => {
    const n = await importNumber();
    const res = await put(n.id, {
      name: null,
      call_handler: 'fabric_subscriber',
      call_receive_mode: 'sms',
      call_request_method: 'PUT',
      message_handler: 'dialogflow',
      call_video_room_id: 'room-1',
      call_ai_agent_id: 'agent-1',
      call_flow_version: 'latest',
      capabilities: ['sms'],
      number: '+15550000000',
    });
    assert.equal(res.status, 422);
    const details = res.body.errors.map((e: { detail: string }) => e.detail).sort();
    assert.deepEqual(details, [
      'call_ai_agent_id must be a UUID',
      'call_flow_version must be one of: working_copy, current_deployed',
      'call_handler must be one of: relay_context, relay_topic, relay_script, relay_application, relay_connector, relay_sip_endpoint, relay_verto_endpoint, laml_webhooks, laml_application, dialogflow, video_room, ai_agent, call_flow',
      'call_receive_mode must be one of: voice, fax',
      'call_request_method must be one of: GET, POST',
      'call_video_room_id must be a UUID',
      'capabilities is not a known attribute',
      'message_handler must be one of: relay_context, relay_topic, relay_application, laml_webhooks, laml_application',
      'name must be a string',
      'number is not a known attribute',
    ]);
    assert.deepEqual((await server.request('GET', `${NUMBERS}/${n.id}`)).body, n, 'nothing was written');
  });

  test('JSON null is refused for every attribute, with invalid_type', async () => {
    const n = await importNumber();
    for (const attribute of ['name', 'call_handler', 'call_request_url', 'call_request_method', 'message_relay_application', 'call_flow_id']) {
      const res = await put(n.id, { [attribute]: null });
      assert.equal(res.status, 422, attribute);
      assert.deepEqual(res.body.errors, [item('invalid_type', `${attribute} must be a string`)], attribute);
    }
  });

  test('an empty string clears an optional attribute to null', async () => {
    const n = await importNumber();
    await update(n.id, { name: 'Front desk', call_video_room_id: UUID_A, call_fallback_url: 'https://example.com/f' });
    const b = await update(n.id, { name: '', call_video_room_id: '', call_fallback_url: '' });
    assert.deepEqual([b.name, b.call_video_room_id, b.call_fallback_url], [null, null, null]);
  });

  test('the deprecated attributes are still accepted', async () => {
    const n = await importNumber();
    const b = await update(n.id, {
      call_handler: 'relay_context',
      call_relay_context: 'my_relay_app',
      call_relay_context_status_callback_url: 'https://example.com/cb',
      message_handler: 'relay_context',
      message_relay_context: 'sms_context',
    });
    assert.deepEqual(
      [b.call_handler, b.call_relay_context, b.call_relay_context_status_callback_url, b.message_handler, b.message_relay_context],
      ['relay_context', 'my_relay_app', 'https://example.com/cb', 'relay_context', 'sms_context'],
    );
  });

  test('a body that is not a JSON object is 422; malformed JSON is 400', async () => {
    const n = await importNumber();
    for (const body of [[], 'name', 42]) {
      const res = await put(n.id, body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.deepEqual(res.body.errors, [item('invalid_body', 'The request body must be a JSON object')]);
    }
    const res = await server.request('PUT', `${NUMBERS}/${n.id}`, { rawBody: '{"name":', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.equal(res.text, '{"error":"Bad Request"}');
  });

  test('unknown, malformed, released and foreign ids answer 404 and change nothing', async () => {
    const released = await importNumber();
    assert.equal((await server.request('DELETE', `${NUMBERS}/${released.id}`)).status, 204);
    const other = await server.addTenant();
    const foreign = await importNumber(other);
    for (const id of [crypto.randomUUID(), 'not-a-uuid', released.id, foreign.id]) {
      const res = await put(id, { name: 'mine now' });
      assert.equal(res.status, 404, id);
      assert.equal(res.text, '{"error":"Not Found"}');
    }
    assert.equal((await server.request('GET', `${NUMBERS}/${foreign.id}`, { auth: other.auth })).body.name, null);
  });

  test('concurrent updates of one number all succeed, none is lost, updated_at strictly increases', async () => {
    const n = await importNumber();
    const names = Array.from({ length: 20 }, (_, i) => `name-${i}`);
    const results = await Promise.all(names.map((name) => put(n.id, { name })));
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set([200]));
    const stamps = results.map((r) => r.body.updated_at as string);
    assert.equal(new Set(stamps).size, 20, 'each update saw its own predecessor');
    const latest = results.reduce((a, b) => (a.body.updated_at > b.body.updated_at ? a : b));
    assert.deepEqual((await server.request('GET', `${NUMBERS}/${n.id}`)).body, latest.body);
  });
});
