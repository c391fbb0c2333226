import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { emulatorSecretHash, generateSecret, hashSecret } from '../../src/auth/token-secret.js';
import type { Credential, TenancyStore } from '../../src/storage/tenant-records.js';

const secret = generateSecret();
const header = `Basic ${Buffer.from(`proj:${secret}`).toString('base64')}`;

/** A store that answers findCredential from `current`, each lookup held until `release` is called. */
function slowStore() {
  let current: Credential = {
    tokenId: 'tok',
    spaceId: 's-1',
    projectId: 'proj',
    secretHash: hashSecret(secret),
    scopes: ['numbers'],
    partnerApi: true,
    revoked: false,
    rateLimit: null,
    numberQuota: null,
  };
  const held: (() => void)[] = [];
  let lookups = 0;
  const store = {
    findCredential: async () => {
      lookups++;
      const seen = current;
      await new Promise<void>((resolve) => held.push(resolve));
      return seen;
    },
  } as unknown as TenancyStore;
  return {
    store,
    revoke: () => (current = { ...current, revoked: true }),
    release: () => held.splice(0).forEach((r) => r()),
    lookups: () => lookups,
  };
}

test('a check in flight when its token is forgotten is not cached: the revocation is seen on the next request', async () => {
  const s = slowStore();
  const auth = createAuthenticator(s.store, { cacheTtlMs: 60_000 });
  const inFlight = auth.authenticate(header);
  await new Promise((r) => setImmediate(r));
  // The token is revoked and forgotten while the first check still holds its old state.
  s.revoke();
  auth.forget('tok');
  s.release();
  assert.equal((await inFlight).tokenId, 'tok', 'the request that was already being checked is answered');
  const next = auth.authenticate(header);
  await new Promise((r) => setImmediate(r));
  s.release();
  await assert.rejects(next, (err: Error & { kind?: string }) => err.kind === 'unauthorized');
  assert.equal(s.lookups(), 2, 'the second request asked the store again');
});

test('without a forget, a verified credential is cached', async () => {
  const s = slowStore();
  const auth = createAuthenticator(s.store, { cacheTtlMs: 60_000 });
  const first = auth.authenticate(header);
  await new Promise((r) => setImmediate(r));
  s.release();
  await first;
  s.revoke();
  assert.equal((await auth.authenticate(header)).tokenId, 'tok');
  assert.equal(s.lookups(), 1);
});

test("no secret sent in normal mode hashes to an emulator project's token", () => {
  const hashed = emulatorSecretHash('test_proj', 'test_tok');
  for (const guess of ['test_tok', 'test_proj\u0000test_tok', '\u00fftest_proj\u0000test_tok', '\uffff test_proj\u0000test_tok']) {
    assert.notEqual(hashSecret(guess), hashed, guess);
  }
  assert.notEqual(emulatorSecretHash('test_proj', 'test_tok'), emulatorSecretHash('test_pro', 'jtest_tok'), 'the project id and the secret are kept apart (an id holds no NUL)');
});
