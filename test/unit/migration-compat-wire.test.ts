import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incomingNumberRecord } from '../../src/domain/incoming-number-record.js';
import { newPhoneNumberRow, type PhoneNumberRow } from '../../src/domain/phone-number-record.js';
import { compatWireOf } from '../../src/storage/migrations/010-compat-wire.js';

// Migration 010 carries its own frozen renderer of the Compatibility view. While the
// application's renderer still writes the same view, the two must agree byte for byte, or an
// old database would migrate into answers new ones never give.
test('migration 010 fills old rows exactly as the application renders them', () => {
  const handlers: Partial<PhoneNumberRow>[] = [
    {},
    { name: 'Front "desk"', call_handler: 'laml_webhooks', call_request_url: 'https://example.com/v', call_request_method: 'GET', call_fallback_url: 'https://example.com/f' },
    { call_handler: 'laml_application', call_laml_application_id: 'app-1', call_status_callback_url: 'https://example.com/s', call_status_callback_method: 'GET' },
    { message_handler: 'laml_webhooks', message_request_url: 'https://example.com/m', message_fallback_method: 'GET', message_fallback_url: 'https://example.com/mf' },
    { message_handler: 'laml_application', message_laml_application_id: 'app-2', e911_status: 'active', e911_address_id: 'addr-1', purchased_at: '2026-01-02T03:04:06.000Z' },
  ];
  let compared = 0;
  for (let mask = 0; mask < 16; mask++) {
    for (const [i, fields] of handlers.entries()) {
      const row = newPhoneNumberRow({
        id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', projectId: 'p-1', number: i % 2 === 0 ? '+15558675309' : '+80012345678',
        numberType: mask % 3 === 0 ? 'toll-free' : 'longcode', capabilities: mask, countryCode: mask % 2 === 0 ? 'US' : null,
        now: '2026-01-02T03:04:05.678Z',
      });
      Object.assign(row, fields, { updated_at: '2026-12-31T23:59:59.999Z' });
      assert.equal(compatWireOf(row), JSON.stringify(incomingNumberRecord(row)), `mask ${mask}, handlers ${i}`);
      compared++;
    }
  }
  assert.equal(compared, 80);
});
