import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPhoneNumberRow, type PhoneNumberRow } from '../../src/domain/phone-number-record.js';
import { applyUpdate, isHttpUrl } from '../../src/domain/phone-number-update.js';
import type { UpdatePhoneNumberRequest } from '../../src/surfaces/relay-rest/phone-number-update-schemas.js';

const CREATED = '2026-01-01T00:00:00.000Z';
const AGENT = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const FLOW = '0b9c8a7e-1d2f-4e3a-9b8c-7d6e5f4a3b2c';

const stored = (overrides: Partial<PhoneNumberRow> = {}): PhoneNumberRow => ({
  ...newPhoneNumberRow({
    id: '62ed13bc-7d5e-4fea-bb72-8e303cf2224b',
    projectId: '4b457169-fa07-4869-884e-a6e01fdcb760',
    number: '+15550100100',
    numberType: 'longcode',
    capabilities: 15,
    countryCode: 'US',
    now: CREATED,
  }),
  ...overrides,
});

function ok(row: PhoneNumberRow, body: UpdatePhoneNumberRequest, now = new Date('2026-02-01T00:00:00.000Z')): PhoneNumberRow {
  const outcome = applyUpdate(row, body, now);
  assert.ok(outcome.ok, JSON.stringify(outcome));
  return outcome.row;
}

function problems(row: PhoneNumberRow, body: UpdatePhoneNumberRequest): string[] {
  const outcome = applyUpdate(row, body, new Date());
  assert.ok(!outcome.ok, 'expected the update to be refused');
  return outcome.problems.map((p) => `${p.code}: ${p.detail}`);
}

test('applyUpdate: updated_at is now, or one millisecond past the stored value when the clock is not ahead of it', () => {
  assert.equal(ok(stored(), {}, new Date('2026-02-01T00:00:00.000Z')).updated_at, '2026-02-01T00:00:00.000Z');
  assert.equal(ok(stored(), {}, new Date(CREATED)).updated_at, '2026-01-01T00:00:00.001Z', 'same instant');
  assert.equal(ok(stored(), {}, new Date('2025-12-31T23:00:00.000Z')).updated_at, '2026-01-01T00:00:00.001Z', 'clock behind');
});

test('applyUpdate: never touches identity, number, type, capabilities, region, creation or release', () => {
  const before = stored();
  const after = ok(before, { name: 'x', call_handler: 'relay_topic', call_relay_topic: 't', call_receive_mode: 'fax' });
  for (const k of ['id', 'project_id', 'number', 'number_type', 'capabilities', 'country_code', 'created_at', 'released_at'] as const) {
    assert.equal(after[k], before[k], k);
  }
});

test('applyUpdate: an empty string clears to null; absent attributes keep their value', () => {
  const row = stored({ name: 'Front desk', call_fallback_url: 'https://example.com/f', call_relay_topic: 'office' });
  const after = ok(row, { name: '', call_fallback_url: '' });
  assert.deepEqual([after.name, after.call_fallback_url, after.call_relay_topic], [null, null, 'office']);
});

test('applyUpdate: the resource of ai_agent and call_flow follows the handler', () => {
  const agent = ok(stored(), { call_handler: 'ai_agent', call_ai_agent_id: AGENT });
  assert.deepEqual([agent.call_handler, agent.calling_handler_resource_id, agent.call_flow_version], ['ai_agent', AGENT, null]);
  assert.equal(ok(agent, { call_handler: 'ai_agent' }).calling_handler_resource_id, AGENT, 'same handler keeps it');
  assert.equal(ok(agent, { name: 'n' }).calling_handler_resource_id, AGENT, 'untouched handler keeps it');
  assert.deepEqual(problems(agent, { call_handler: 'call_flow' }), ['missing_attribute: call_flow_id is required when call_handler is call_flow']);
  const flow = ok(agent, { call_handler: 'call_flow', call_flow_id: FLOW, call_flow_version: 'current_deployed' });
  assert.deepEqual([flow.calling_handler_resource_id, flow.call_flow_version], [FLOW, 'current_deployed']);
  const topic = ok(flow, { call_handler: 'relay_topic', call_relay_topic: 'office' });
  assert.deepEqual([topic.calling_handler_resource_id, topic.call_flow_version], [null, null]);
});

test('applyUpdate: a handler the contract lists but updates cannot set keeps its stored resource when untouched', () => {
  const fabric = stored({ call_handler: 'fabric_subscriber', calling_handler_resource_id: AGENT });
  assert.equal(ok(fabric, { name: 'n' }).calling_handler_resource_id, AGENT);
});

test('applyUpdate: problems are collected, URL problems first, then handler mismatches, then missing companions', () => {
  assert.deepEqual(
    problems(stored(), {
      call_handler: 'video_room',
      message_handler: 'laml_application',
      call_request_url: 'ftp://x',
      message_fallback_url: 'nope',
      call_ai_agent_id: AGENT,
    }),
    [
      'invalid_format: call_request_url must be an absolute http or https URL',
      'invalid_format: message_fallback_url must be an absolute http or https URL',
      'handler_mismatch: call_ai_agent_id is only accepted when call_handler is ai_agent',
      'missing_attribute: call_video_room_id is required when call_handler is video_room',
      'missing_attribute: message_laml_application_id is required when message_handler is laml_application',
    ],
  );
});

test('applyUpdate: a companion already stored satisfies a handler set later; clearing it later does not', () => {
  const row = ok(stored(), { message_request_url: 'https://example.com/sms' });
  const set = ok(row, { message_handler: 'laml_webhooks' });
  assert.deepEqual(problems(set, { message_request_url: '' }), [
    'missing_attribute: message_request_url is required when message_handler is laml_webhooks',
  ]);
});

test('isHttpUrl: absolute http or https with a host, in plain form', () => {
  const cases: [string, boolean][] = [
    ['https://example.com', true],
    ['http://example.com:8080/a/b?c=d#e', true],
    ['HTTP://EXAMPLE.COM/', true],
    ['https://user:pass@example.com/', true],
    ['https://[::1]:443/', true],
    ['https://example.com/a%20b', true],
    ['ftp://example.com', false],
    ['ws://example.com', false],
    ['//example.com/x', false],
    ['/x', false],
    ['example.com', false],
    ['http:example.com', false],
    ['http:/example.com', false],
    ['http://', false],
    ['https://exa mple.com', false],
    ['https://example.com/a b', false],
    [' https://example.com', false],
    ['https://example.com\t', false],
    ['https://example.com/\u0000', false],
    ['https://exa\u007fmple.com', false],
    ['https://:80/', false],
  ];
  for (const [value, expected] of cases) assert.equal(isHttpUrl(value), expected, JSON.stringify(value));
});
