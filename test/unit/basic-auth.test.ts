import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBasicAuth } from '../../src/auth/basic-auth.js';
import { generateSecret, hasValidChecksum, hashSecret, sameHash } from '../../src/auth/token-secret.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('parseBasicAuth: well-formed credentials', () => {
  assert.deepEqual(parseBasicAuth(`Basic ${b64('p:s')}`), { projectId: 'p', secret: 's' });
  assert.deepEqual(parseBasicAuth(`basic ${b64('p:s:t')}`), { projectId: 'p', secret: 's:t' });
});

test('parseBasicAuth: everything else is undefined', () => {
  const bad: (string | undefined)[] = [
    undefined,
    '',
    'Basic',
    'Basic ',
    `Bearer ${b64('p:s')}`,
    `Basic ${b64('nocolon')}`,
    `Basic ${b64(':secret')}`,
    `Basic ${b64('project:')}`,
    'Basic !!!not-base64!!!',
    `Basic ${'A'.repeat(2000)}`,
  ];
  for (const h of bad) assert.equal(parseBasicAuth(h), undefined, String(h));
});

test('token secrets: PT + 48 hex with a CRC-32 checksum', () => {
  const secret = generateSecret();
  assert.match(secret, /^PT[0-9a-f]{48}$/);
  assert.ok(hasValidChecksum(secret));
  const flipped = secret.slice(0, 10) + (secret[10] === 'a' ? 'b' : 'a') + secret.slice(11);
  assert.equal(hasValidChecksum(flipped), false);
  assert.notEqual(generateSecret(), secret);
});

test('sameHash: equal digests only', () => {
  const h = hashSecret('x');
  assert.ok(sameHash(h, hashSecret('x')));
  assert.equal(sameHash(h, hashSecret('y')), false);
  assert.equal(sameHash(h, ''), false);
});
