import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

const PATH = '/api/relay/rest/imported_phone_numbers';

describe('POST /api/relay/rest/imported_phone_numbers: success', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('answers 201 with every PhoneNumberResponse field, absent values null', async () => {
    const res = await server.request('POST', PATH, { body: { number: '+15558675309', number_type: 'longcode' } });
    assert.equal(res.status, 201);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const b = res.body;
    assert.match(b.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(b.number, '+15558675309');
    assert.deepEqual(b.capabilities, ['voice', 'sms', 'mms', 'fax']);
    assert.equal(b.number_type, 'longcode');
    assert.equal(b.call_receive_mode, 'voice');
    assert.equal(b.country_code, 'US');
    assert.match(b.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(b.updated_at, b.created_at);
    const nullFields = Object.keys(b).filter((k) => b[k] === null).sort();
    assert.deepEqual(nullFields, EXPECTED_NULL_FIELDS);
    assert.equal(Object.keys(b).length, 41);
  });
});

/** Every field of PhoneNumberResponse a fresh import leaves empty. */
const EXPECTED_NULL_FIELDS = [
  'call_dialogflow_agent_id', 'call_fallback_method', 'call_fallback_url', 'call_handler', 'call_laml_application_id',
  'call_relay_application', 'call_relay_connector_id', 'call_relay_context', 'call_relay_context_status_callback_url',
  'call_relay_script_url', 'call_relay_topic', 'call_relay_topic_status_callback_url', 'call_request_method',
  'call_request_url', 'call_sip_endpoint_id', 'call_status_callback_method', 'call_status_callback_url',
  'call_verto_resource', 'call_video_room_id', 'calling_handler_resource_id', 'e911_address_id', 'e911_status',
  'message_fallback_method', 'message_fallback_url', 'message_handler', 'message_laml_application_id',
  'message_relay_context', 'message_relay_topic', 'message_request_method', 'message_request_url',
  'messaging_handler_resource_id', 'name', 'next_billed_at',
];
