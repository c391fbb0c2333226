import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nestsDeeperThan } from '../../src/http/json-depth.js';

test('nestsDeeperThan counts object and array nesting outside strings', () => {
  const cases: [string, number, boolean][] = [
    ['{"number":"+15550001111"}', 1, false],
    ['{"a":{"b":1}}', 1, true],
    ['{"a":{"b":1}}', 2, false],
    ['[[[]]]', 2, true],
    ['{"s":"[[[[{{{{"}', 1, false],
    ['{"s":"\\"[[[["}', 1, false],
    ['{"a":[1,{"b":[2]}]}', 4, false],
    ['{"a":[1,{"b":[2]}]}', 3, true],
    [`${'['.repeat(33)}${']'.repeat(33)}`, 32, true],
    [`${'['.repeat(32)}${']'.repeat(32)}`, 32, false],
  ];
  for (const [text, max, expected] of cases) assert.equal(nestsDeeperThan(text, max), expected, `${text} @ ${max}`);
});
