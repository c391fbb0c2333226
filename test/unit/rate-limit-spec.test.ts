import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import {
  formatRateLimitSpec,
  NO_RATE_LIMIT,
  parseRateLimitSpec,
  RateLimitSpecError,
  requestClass,
  SIGNALWIRE_RATE_LIMIT,
} from '../../src/limits/rate-limit-spec.js';

test('rate-limit spec: accepted forms and what they mean', () => {
  const cases: [string, { writes: [number, number] | null; reads: [number, number] | null }][] = [
    ['off', { writes: null, reads: null }],
    ['OFF', { writes: null, reads: null }],
    ['signalwire', { writes: [13_800, 10], reads: null }],
    [' SignalWire ', { writes: [13_800, 10], reads: null }],
    ['writes=13800/10s,reads=off', { writes: [13_800, 10], reads: null }],
    ['writes=5/10s', { writes: [5, 10], reads: null }],
    ['reads=100/1m', { writes: null, reads: [100, 60] }],
    ['reads=1/1h, writes=2/1s', { writes: [2, 1], reads: [1, 3600] }],
    ['writes = 7 / 30s , reads = off', { writes: [7, 30], reads: null }],
    ['WRITES=1/24H', { writes: [1, 86_400], reads: null }],
    ['writes=off,reads=off', { writes: null, reads: null }],
    ['writes=1000000000/1s', { writes: [1_000_000_000, 1], reads: null }],
  ];
  for (const [text, expected] of cases) {
    const spec = parseRateLimitSpec(text);
    const flat = (l: { quota: number; windowSeconds: number } | null) => (l === null ? null : [l.quota, l.windowSeconds]);
    assert.deepEqual({ writes: flat(spec.writes), reads: flat(spec.reads) }, expected, text);
  }
});

test('rate-limit spec: refused forms, each with a message that names the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['on', /"on" is not a rule/],
    ['writes', /"writes" is not a rule/],
    ['writes=13800', /is not a rule/],
    ['writes=13800/10', /is not a rule/],
    ['writes=13800/10d', /is not a rule/],
    ['writes=-1/10s', /is not a rule/],
    ['writes=1.5/10s', /is not a rule/],
    ['writes=0/10s', /count must be from 1/],
    ['writes=1000000001/10s', /count must be from 1/],
    ['writes=5/0s', /window must be from 1s to 24h/],
    ['writes=5/25h', /window must be from 1s to 24h/],
    ['writes=5/86401s', /window must be from 1s to 24h/],
    ['posts=5/10s', /"posts=5\/10s" is not a rule/],
    ['writes=5/10s,writes=6/10s', /names writes twice/],
    ['writes=5/10s,', /"" is not a rule/],
    ['writes=5/10s;reads=off', /is not a rule/],
    ['signalwire,writes=5/10s', /"signalwire" is not a rule/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseRateLimitSpec(text), (err: unknown) => err instanceof RateLimitSpecError && message.test(err.message), text);
  }
});

test('rate-limit spec: the signalwire preset is SignalWire\'s published quota, 13,800 writes per 10 s, reads unlimited', () => {
  assert.deepEqual(SIGNALWIRE_RATE_LIMIT, { writes: { quota: 13_800, windowSeconds: 10 }, reads: null });
  assert.deepEqual(parseRateLimitSpec('signalwire'), parseRateLimitSpec('writes=13800/10s,reads=off'));
});

test('rate-limit spec: the canonical form parses back to the same limits', () => {
  for (const text of ['off', 'signalwire', 'writes=5/1m', 'reads=3/2h,writes=off', 'writes=1/1s,reads=9/9s']) {
    const spec = parseRateLimitSpec(text);
    assert.deepEqual(parseRateLimitSpec(formatRateLimitSpec(spec)), spec, text);
  }
  assert.equal(formatRateLimitSpec(NO_RATE_LIMIT), 'off');
  assert.equal(formatRateLimitSpec(SIGNALWIRE_RATE_LIMIT), 'writes=13800/10s,reads=off');
  assert.equal(formatRateLimitSpec(parseRateLimitSpec('reads=3/2h')), 'writes=off,reads=3/7200s');
});

test('request classes: GET and HEAD read, the rest write', () => {
  assert.deepEqual(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map(requestClass), ['reads', 'reads', 'writes', 'writes', 'writes', 'writes']);
});

test('config: RATE_LIMIT is off by default; AUTH_FAILURE_LIMIT is 20; no proxy is trusted', () => {
  const config = loadConfig({});
  assert.deepEqual(config.rateLimit, NO_RATE_LIMIT);
  assert.equal(config.authFailureLimit, 20);
  assert.deepEqual(config.trustProxy, []);
  assert.deepEqual(loadConfig({ RATE_LIMIT: 'signalwire' }).rateLimit, SIGNALWIRE_RATE_LIMIT);
  assert.equal(loadConfig({ AUTH_FAILURE_LIMIT: '0' }).authFailureLimit, 0);
  assert.deepEqual(loadConfig({ TRUST_PROXY: ' 10.0.0.1, 192.168.0.0/16,fd00::/8 ,loopback' }).trustProxy, ['10.0.0.1', '192.168.0.0/16', 'fd00::/8', 'loopback']);
});

test('config: a bad RATE_LIMIT, AUTH_FAILURE_LIMIT or TRUST_PROXY is a ConfigError naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ RATE_LIMIT: 'lots' }, /^RATE_LIMIT "lots" is not a rule.*\(got "lots"\)$/],
    [{ RATE_LIMIT: 'writes=0/10s' }, /^RATE_LIMIT writes: the count must be from 1/],
    [{ AUTH_FAILURE_LIMIT: '-1' }, /^AUTH_FAILURE_LIMIT must be an integer from 0 to 1000000/],
    [{ AUTH_FAILURE_LIMIT: 'many' }, /^AUTH_FAILURE_LIMIT must be an integer/],
    [{ TRUST_PROXY: 'true' }, /^TRUST_PROXY: "true" is not an IP address/],
    [{ TRUST_PROXY: '0.0.0.0/0' }, /^TRUST_PROXY: "0.0.0.0\/0" trusts every address/],
    [{ TRUST_PROXY: '::/0' }, /trusts every address/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /invalid prefix length \(0 to 32\)/],
    [{ TRUST_PROXY: '10.0.0.0/8/1' }, /is not an IP address/],
    [{ TRUST_PROXY: 'proxy.internal' }, /is not an IP address/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (err: Error) => err.constructor.name === 'ConfigError' && message.test(err.message), JSON.stringify(env));
  }
});
