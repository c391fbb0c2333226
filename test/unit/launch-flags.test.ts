import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

test('the bin runs the server with the Node.js flags npm start uses', () => {
  const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
  const fromStart = /^node (.*) bin\/numberspace\.js serve$/.exec(start)?.[1];
  const fromShebang = /^#!\/usr\/bin\/env -S node (.*)$/m.exec(read('bin/numberspace.js'))?.[1];
  assert.ok(fromStart?.includes('--max-semi-space-size='), start);
  assert.equal(fromShebang, fromStart);
});
