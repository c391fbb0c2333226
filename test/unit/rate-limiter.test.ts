import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NumberspaceError } from '../../src/domain/errors.js';
import { clientKey, createAuthThrottle } from '../../src/limits/auth-throttle.js';
import { NO_RATE_LIMIT, parseRateLimitSpec } from '../../src/limits/rate-limit-spec.js';
import { createRateLimiter } from '../../src/limits/rate-limiter.js';

/** A reply stand-in that keeps the last value of each field. */
function fields() {
  const seen = new Map<string, string>();
  return { header: (name: string, value: string) => seen.set(name, value), seen };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('rate limiter: a fixed window of `quota` requests, then 429 with Retry-After until the window ends', () => {
  const c = clock();
  const limiter = createRateLimiter({ defaultSpec: parseRateLimitSpec('writes=3/10s'), now: c.now });
  const results: string[] = [];
  for (let i = 0; i < 3; i++) {
    const f = fields();
    limiter.admit('p', null, 'writes', f);
    results.push(`${f.seen.get('ratelimit-policy')} | ${f.seen.get('ratelimit')}`);
    c.advance(1000);
  }
  assert.deepEqual(results, [
    '"writes";q=3;w=10 | "writes";r=2;t=10',
    '"writes";q=3;w=10 | "writes";r=1;t=9',
    '"writes";q=3;w=10 | "writes";r=0;t=8',
  ]);
  c.advance(400); // 3.4 s into the window: 6.6 s left, rounded up
  const f = fields();
  assert.throws(
    () => limiter.admit('p', null, 'writes', f),
    (err: unknown) => err instanceof NumberspaceError && err.kind === 'too_many_requests' && err.retryAfterSeconds === 7,
  );
  assert.equal(f.seen.get('ratelimit'), '"writes";r=0;t=7');
  c.advance(6599);
  assert.throws(() => limiter.admit('p', null, 'writes', fields()), (err: NumberspaceError) => err.retryAfterSeconds === 1, 'never less than 1 s');
  c.advance(1); // the window has ended: a fresh one opens
  const fresh = fields();
  limiter.admit('p', null, 'writes', fresh);
  assert.equal(fresh.seen.get('ratelimit'), '"writes";r=2;t=10');
});

test('rate limiter: classes and projects count separately; an unlimited class writes no fields', () => {
  const c = clock();
  const limiter = createRateLimiter({ defaultSpec: parseRateLimitSpec('writes=1/10s'), now: c.now });
  limiter.admit('a', null, 'writes', fields());
  limiter.admit('b', null, 'writes', fields());
  assert.throws(() => limiter.admit('a', null, 'writes', fields()), NumberspaceError);
  const read = fields();
  for (let i = 0; i < 100; i++) limiter.admit('a', null, 'reads', read);
  assert.equal(read.seen.size, 0);
});

test('rate limiter: a project\'s own spec overrides the default, either way', () => {
  const c = clock();
  const limiter = createRateLimiter({ defaultSpec: parseRateLimitSpec('writes=1/10s'), now: c.now });
  const off = fields();
  for (let i = 0; i < 10; i++) limiter.admit('free', NO_RATE_LIMIT, 'writes', off);
  assert.equal(off.seen.size, 0);
  const strict = parseRateLimitSpec('reads=2/1m');
  limiter.admit('strict', strict, 'reads', fields());
  limiter.admit('strict', strict, 'reads', fields());
  assert.throws(() => limiter.admit('strict', strict, 'reads', fields()), (err: NumberspaceError) => err.retryAfterSeconds === 60);
  // A changed limit starts a fresh window under the new terms.
  const f = fields();
  limiter.admit('strict', parseRateLimitSpec('reads=5/1m'), 'reads', f);
  assert.equal(f.seen.get('ratelimit-policy'), '"reads";q=5;w=60');
  assert.equal(f.seen.get('ratelimit'), '"reads";r=4;t=60');
});

test('rate limiter: memory is bounded; idle projects are swept and the oldest give way at the cap', () => {
  const c = clock();
  const limiter = createRateLimiter({ defaultSpec: parseRateLimitSpec('writes=1/10s'), now: c.now, maxProjects: 100 });
  for (let i = 0; i < 100; i++) limiter.admit(`p${i}`, null, 'writes', fields());
  assert.equal(limiter.size(), 100);
  limiter.admit('one-more', null, 'writes', fields());
  assert.equal(limiter.size(), 100, 'the oldest live entry gave way');
  c.advance(61_000); // every window ended and a sweep is due
  limiter.admit('late', null, 'writes', fields());
  assert.equal(limiter.size(), 1);
});

test('auth throttle: `failureLimit` failures per minute answer 401, then 429 until the minute ends', async () => {
  const c = clock();
  const throttle = createAuthThrottle({ failureLimit: 3, tarpitMs: 0, now: c.now });
  const statuses: string[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await throttle.refuse('203.0.113.9')).kind);
  assert.deepEqual(statuses, ['unauthorized', 'unauthorized', 'unauthorized', 'too_many_requests', 'too_many_requests']);
  assert.equal((await throttle.refuse('203.0.113.10')).kind, 'unauthorized', 'another address has its own count');
  c.advance(30_000);
  const limited = await throttle.refuse('203.0.113.9');
  assert.equal(limited.retryAfterSeconds, 30);
  c.advance(30_000);
  assert.equal((await throttle.refuse('203.0.113.9')).kind, 'unauthorized', 'a new minute');
  assert.equal((await createAuthThrottle({ failureLimit: 0, now: c.now }).refuse('x')).kind, 'unauthorized', '0 disables');
});

test('auth throttle: the tarpit holds a 429, never more than `maxTarpitted` at once', async () => {
  const throttle = createAuthThrottle({ failureLimit: 1, tarpitMs: 300, maxTarpitted: 2 });
  await throttle.refuse('198.51.100.1');
  const started = performance.now();
  const timings = await Promise.all(
    [0, 1, 2, 3].map(async () => {
      const err = await throttle.refuse('198.51.100.1');
      assert.equal(err.kind, 'too_many_requests');
      return performance.now() - started;
    }),
  );
  assert.equal(timings.filter((ms) => ms >= 290).length, 2, `two held, two answered at once: ${timings.join(', ')}`);
  assert.equal(timings.filter((ms) => ms < 100).length, 2, `two held, two answered at once: ${timings.join(', ')}`);
});

test('client keys: IPv4 as is (mapped or not), IPv6 by its /64', () => {
  const cases: [string | undefined, string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    [undefined, ''],
  ];
  for (const [address, key] of cases) assert.equal(clientKey(address), key, String(address));
});
