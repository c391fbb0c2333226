import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wireOf } from '../../src/storage/migrations/005-wire-json.js';
import { newPhoneNumberRow, numberRecord } from '../../src/domain/phone-number-record.js';

// Migration 005 carries its own frozen renderer. While the application's renderer still
// writes the same representation, the two must agree byte for byte on every capability mask
// and with handler fields set, or an old database would migrate into answers new ones never give.
test('migration 005 fills old rows exactly as the application renders them', () => {
  for (let mask = 0; mask < 16; mask++) {
    const row = newPhoneNumberRow({
      id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', projectId: 'p', number: '+15558675309', numberType: 'toll-free',
      capabilities: mask, countryCode: mask % 2 === 0 ? 'US' : null, now: '2026-01-02T03:04:05Z',
    });
    Object.assign(row, { name: `n${mask}`, call_handler: 'laml_webhooks', call_request_url: 'https://example.com/v', call_request_method: 'POST' });
    assert.equal(wireOf(row as unknown as Record<string, unknown>), JSON.stringify(numberRecord(row)), `mask ${mask}`);
  }
});
