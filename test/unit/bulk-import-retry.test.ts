import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkImport } from '../../src/bulk-import/bulk-import.js';
import { readImportFile } from '../../src/bulk-import/import-file.js';
import type { Answer, SpaceClient } from '../../src/bulk-import/space-client.js';

test("a Retry-After beyond the policy's longest wait is waited only that long", async () => {
  const file = readImportFile(Buffer.from('number,number_type\n+15553500001,longcode\n'));
  const waits: number[] = [];
  let last = performance.now();
  let calls = 0;
  const client: SpaceClient = {
    importNumber: async (): Promise<Answer> => {
      const now = performance.now();
      waits.push(now - last);
      last = now;
      calls++;
      // An hour, then the import lands.
      return calls === 1 ? { status: 429, body: {}, retryAfter: 3600, replayed: false } : { status: 201, body: { id: 'x' }, replayed: false };
    },
    findOwn: async () => ({ answer: { status: 404, body: {}, replayed: false } }),
    rename: async () => ({ status: 200, body: {}, replayed: false }),
    idOf: (body: { id?: string }) => body.id,
    reasonOf: (a) => String(a.status),
    close: () => {},
  };
  const results = await bulkImport({ file, client, concurrency: 1, retry: { attempts: 3, baseMs: 10, maxMs: 200 } });
  assert.deepEqual(results.map((r) => r.outcome), ['imported']);
  assert.equal(calls, 2);
  assert.ok(waits[1]! >= 190 && waits[1]! < 3_000, `waited ${waits[1]} ms`);
});
