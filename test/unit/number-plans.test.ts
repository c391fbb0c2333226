import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getCountries, getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import metadata from 'libphonenumber-js/metadata.max.json';
import { classify } from '../../src/domain/number-plans.js';

/** A small deterministic generator, so a failure names a number that fails again. */
function digitsFrom(seed: number): () => string {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return String((x >>> 0) % 10);
  };
}

function randomDigits(next: () => string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += next();
  return s;
}

/** What the library says, in classify()'s terms; undefined where it cannot parse the number. */
function library(e164: string) {
  const parsed = parsePhoneNumberFromString(e164, { extract: false });
  if (parsed === undefined) return undefined;
  return { country: parsed.country, valid: parsed.isValid(), type: parsed.getType() };
}

const callingCodes = Object.keys((metadata as { country_calling_codes: Record<string, string[]> }).country_calling_codes);

function check(samples: Iterable<string>): { total: number; fast: number } {
  let total = 0;
  let fast = 0;
  for (const n of samples) {
    total++;
    const mine = classify(n);
    if (mine === undefined) continue;
    fast++;
    const { regions: _regions, ...facts } = mine;
    assert.deepEqual(facts, library(n), n);
  }
  return { total, fast };
}

test('classify agrees with the library on every calling code, for national numbers of every length', () => {
  const next = digitsFrom(20261127);
  const samples: string[] = [];
  for (const code of callingCodes) {
    for (let length = 1; length <= 18; length++) {
      for (let i = 0; i < 12; i++) samples.push(`+${code}${randomDigits(next, length)}`);
    }
  }
  const { total, fast } = check(samples);
  assert.ok(total > 40_000);
  assert.ok(fast > total / 2, `the fast path answered ${fast} of ${total}`);
});

test('classify agrees with the library on every North American area code', () => {
  const next = digitsFrom(555);
  const samples: string[] = [];
  for (let area = 0; area < 1000; area++) {
    for (let i = 0; i < 16; i++) samples.push(`+1${String(area).padStart(3, '0')}${randomDigits(next, 7)}`);
  }
  // The benchmark's and the examples' ranges.
  for (let i = 0; i < 2000; i++) samples.push(`+1555${String(5_000_000 + i * 37).padStart(7, '0')}`);
  const { total, fast } = check(samples);
  // Area codes 0xx and 1xx start with the national prefix 1 or are refused by the parser:
  // the library answers those itself; every other number takes the fast path.
  assert.ok(fast >= total * 0.8, `the fast path answered ${fast} of ${total}`);
});

test('classify agrees with the library on example numbers of every region and their neighbours', () => {
  const samples = new Set<string>();
  for (const region of getCountries()) {
    const example = getExampleNumber(region, examples)?.number;
    if (example === undefined) continue;
    for (let d = 0; d < 10; d++) samples.add(`${example.slice(0, -1)}${d}`);
    samples.add(example.slice(0, -1));
    samples.add(`${example}0`);
  }
  const { total, fast } = check(samples);
  assert.ok(fast > total / 2, `the fast path answered ${fast} of ${total}`);
});

test('numbers the library must answer itself are left to it', () => {
  // Non-geographic codes, national prefixes in front of the national number, lengths out of range, unknown codes.
  for (const n of ['+80012345678', '+882123456', '+4402071838750', '+11234567890', '+15', '+1234567890123456789', '+99912345']) {
    assert.equal(classify(n), undefined, n);
  }
});
