import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilitiesToMask, maskToCapabilities } from '../../src/domain/capabilities.js';

test('capabilities: absent means all four, in the contract order', () => {
  assert.deepEqual(maskToCapabilities(capabilitiesToMask(undefined)), ['voice', 'sms', 'mms', 'fax']);
});

test('capabilities: repeated values collapse and the order is canonical', () => {
  const cases: [Parameters<typeof capabilitiesToMask>[0], string[]][] = [
    [['fax', 'sms', 'sms'], ['sms', 'fax']],
    [['mms', 'voice'], ['voice', 'mms']],
    [['sms'], ['sms']],
    [['fax', 'mms', 'sms', 'voice', 'fax'], ['voice', 'sms', 'mms', 'fax']],
  ];
  for (const [input, expected] of cases) assert.deepEqual(maskToCapabilities(capabilitiesToMask(input)), expected, JSON.stringify(input));
});
