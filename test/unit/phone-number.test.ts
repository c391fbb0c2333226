import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getCountries, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { canonicalNumber, numberFacts, numberFactsReference, requestedToWireType } from '../../src/domain/phone-number.js';

test('canonicalNumber: always + and the digits', () => {
  assert.equal(canonicalNumber('15558675309'), '+15558675309');
  assert.equal(canonicalNumber('+15558675309'), '+15558675309');
  assert.equal(canonicalNumber('442071838750'), '+442071838750');
});

test('requestedToWireType: tollfree answers toll-free', () => {
  assert.equal(requestedToWireType('tollfree'), 'toll-free');
  assert.equal(requestedToWireType('longcode'), 'longcode');
});

test('numberFacts: region and certain type from the numbering plan', () => {
  const cases: [string, string | null, string][] = [
    // number, country_code, class
    ['+18005550199', 'US', 'toll-free'],
    ['+18335550100', 'US', 'toll-free'],
    ['+14155552671', 'US', 'longcode'],
    ['+19005550123', 'US', 'longcode'], // premium rate is not toll-free
    ['+442071838750', 'GB', 'longcode'],
    ['+448000000000', 'GB', 'toll-free'],
    ['+611800123456', 'AU', 'toll-free'],
    ['+4915112345678', 'DE', 'longcode'],
    ['+33800123456', 'FR', 'toll-free'],
    ['+80012345678', null, 'toll-free'], // international freephone: no region
    // Unclassifiable: the 555 examples, too short, unassigned. Region from the calling code.
    ['+15558675309', 'US', 'unknown'],
    ['+1800555', 'US', 'unknown'],
    ['+882123456', null, 'unknown'],
    ['+99912345', null, 'unknown'],
  ];
  for (const [number, countryCode, numberClass] of cases) {
    assert.deepEqual(numberFacts(number), { countryCode, numberClass }, number);
  }
});

test('numberFacts agrees with the parser\'s default mode on numbers from every calling code', () => {
  // An example number of every region, its neighbours, and the 555 ranges.
  const samples = new Set<string>();
  for (const region of getCountries()) {
    const example = getExampleNumber(region, examples)?.number;
    if (example === undefined) continue;
    samples.add(example);
    samples.add(`${example.slice(0, -1)}${(Number(example.at(-1)) + 3) % 10}`);
    samples.add(example.slice(0, -2));
    samples.add(`${example}7`);
  }
  for (let i = 0; i < 500; i++) samples.add(`+1555${String(i * 7919).padStart(7, '0')}`);
  for (let i = 0; i < 2000; i++) samples.add(`+${1 + ((i * 7) % 998)}${String((i * 104729) % 1e9).padStart(9, '0')}`);
  for (const n of samples) assert.deepEqual(numberFacts(n), numberFactsReference(n), n);
  assert.ok(samples.size > 2000);
});
