import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

// The benchmark measures the server with npm start's flags (bench/processes.ts); the bin is
// what an installation runs. Today both run plain `node`: V8's own young generation measured
// better than a capped one (docs/configuration.md), and any flag added later must go to both.
test('the bin runs the server with the Node.js flags npm start uses', () => {
  const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
  const fromStart = /^node((?: --\S+)*) bin\/numberspace\.js serve$/.exec(start)?.[1];
  const shebang = read('bin/numberspace.js').split('\n')[0]!;
  // env passes a shebang's rest as one argument: flags need its -S to be split off.
  const shebangMatch = /^#!\/usr\/bin\/env (?:-S node((?: --\S+)+)|node)$/.exec(shebang);
  const fromShebang = shebangMatch === null ? undefined : (shebangMatch[1] ?? '');
  assert.notEqual(fromStart, undefined, start);
  assert.notEqual(fromShebang, undefined, shebang);
  assert.equal(fromShebang, fromStart);
});
