import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuditEvent } from '../../src/domain/audit.js';
import { incomingNumberRecord } from '../../src/domain/incoming-number-record.js';
import { newPhoneNumberRow, numberRecord, type PhoneNumberRow } from '../../src/domain/phone-number-record.js';
import { openStore, type Store } from '../../src/storage/store.js';
import { BACKEND, freshDatabase, type FreshDatabase } from '../helpers/backends.js';

/**
 * The store contract: the same cases on every engine, straight against the Store interface
 * (kysely's `for (const dialect of DIALECTS)`). `npm test` runs SQLite; `npm run test:pg`
 * runs both engines.
 */
const ENGINES = BACKEND === 'postgres' ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

const ACTOR = (projectId: string) => ({ projectId, tokenId: null, requestId: 'r-1', surface: 'relay-rest' as const });
const NO_TERMS = { boughtBy: null, restock: null };
let seq = 0;
const nextId = () => `0190a1b2-c3d4-7e5f-8a9b-${String(++seq).padStart(12, '0')}`;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (n: number) => new Date(T0 + n * 1000).toISOString();

function numberRow(projectId: string, number: string, n: number): PhoneNumberRow {
  return newPhoneNumberRow({ id: nextId(), projectId, number, numberType: 'longcode', capabilities: 15, countryCode: 'US', now: at(n) });
}

function importAudit(row: PhoneNumberRow): AuditEvent {
  return { id: nextId(), at: row.created_at, project_id: row.project_id, token_id: null, request_id: 'r-1', action: 'number.imported', resource_id: row.id, summary: '{}', surface: 'relay-rest' };
}

for (const engine of ENGINES) {
  describe(`store contract on ${engine}`, () => {
    let dir: string;
    let database: FreshDatabase;
    let store: Store;
    const A = 'aaaaaaaa-0000-4000-8000-000000000001';
    const B = 'bbbbbbbb-0000-4000-8000-000000000002';

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'numberspace-store-'));
      database = engine === 'sqlite' ? { url: join(dir, 'store.db'), drop: async () => {} } : await freshDatabase(dir);
      store = openStore(database.url);
      await store.migrate();
      await store.tenancy.createSpace({ id: 's-1', name: 'space', partnerApi: true, createdAt: at(0) });
      for (const id of [A, B]) await store.tenancy.createProject({ id, spaceId: 's-1', name: id.slice(0, 1), createdAt: at(0) });
    });
    after(async () => {
      await store.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('an imported number reads back, as a row and as its record JSON, only in its own project', async () => {
      const row = numberRow(A, '+15550100001', 1);
      assert.equal(await store.phoneNumbers.insert(row, importAudit(row), null), 'inserted');
      assert.deepEqual(await store.phoneNumbers.findActive(A, row.id), row);
      assert.equal(await store.phoneNumbers.findActiveJson(A, row.id, 'relay'), JSON.stringify(numberRecord(row)));
      assert.equal(await store.phoneNumbers.findActive(B, row.id), undefined);
      assert.equal(await store.phoneNumbers.findActiveJson(B, row.id, 'relay'), undefined);
    });

    test('one active copy of a number in the installation: concurrent imports across projects give one success', async () => {
      const rows = Array.from({ length: 20 }, (_, i) => numberRow(i % 2 === 0 ? A : B, '+15550100002', 2));
      const outcomes = await Promise.all(rows.map((r) => store.phoneNumbers.insert(r, importAudit(r), null)));
      assert.equal(outcomes.filter((o) => o === 'inserted').length, 1);
      assert.equal(outcomes.filter((o) => o === 'taken').length, 19);
      const winner = rows[outcomes.indexOf('inserted')]!;
      const ids = new Set(rows.map((r) => r.id));
      const imported = [...(await store.audit.list(A)), ...(await store.audit.list(B))].filter((e) => e.action === 'number.imported' && ids.has(e.resource_id));
      assert.deepEqual(imported.map((e) => e.resource_id), [winner.id], 'the winner is audited once; a number refused as taken leaves no event');
      assert.deepEqual(await store.phoneNumbers.release(winner.project_id, winner.id, at(3), ACTOR(winner.project_id), NO_TERMS), { kind: 'released' });
      const again = numberRow(B, '+15550100002', 4);
      assert.equal(await store.phoneNumbers.insert(again, importAudit(again), null), 'inserted', 'a released number is free again');
    });

    test('the quota holds under concurrent imports, and a taken number does not use a slot', async () => {
      await store.tenancy.createProject({ id: 'cccccccc-0000-4000-8000-000000000003', spaceId: 's-1', name: 'q', createdAt: at(0) });
      const C = 'cccccccc-0000-4000-8000-000000000003';
      const taken = numberRow(C, '+15550100001', 5); // active in A
      const fresh = Array.from({ length: 12 }, (_, i) => numberRow(C, `+1555020${String(i).padStart(4, '0')}`, 5));
      const outcomes = await Promise.all([taken, ...fresh].map((r) => store.phoneNumbers.insert(r, importAudit(r), 5)));
      assert.equal(outcomes[0], 'taken');
      assert.equal(outcomes.filter((o) => o === 'inserted').length, 5);
      assert.equal(outcomes.filter((o) => o === 'over_quota').length, 7);
      const listed = await store.phoneNumbers.listPage({ projectId: C, nameContains: null, numberContains: null, from: null, limit: 100, rendering: 'relay' });
      assert.equal(listed.length, 5);
      const audited = (await store.audit.list(C)).filter((e) => e.action === 'number.imported');
      assert.equal(audited.length, 5, 'an audit row for each number written, none for the refused');
    });

    test('an update is applied under the lock, rewrites the record JSON with the columns, and is audited', async () => {
      const row = numberRow(A, '+15550100003', 6);
      await store.phoneNumbers.insert(row, importAudit(row), null);
      const outcome = await store.phoneNumbers.updateActive(A, row.id, {
        body: { name: 'Front desk', call_handler: 'laml_webhooks', call_request_url: 'https://example.com/voice' },
        now: at(7),
        actor: ACTOR(A),
      });
      assert.equal(outcome.kind, 'updated');
      const stored = (await store.phoneNumbers.findActive(A, row.id))!;
      assert.equal(stored.name, 'Front desk');
      assert.equal(stored.updated_at, at(7));
      assert.equal(stored.wire, JSON.stringify(numberRecord(stored)), 'the stored copy is the record of the stored columns');
      assert.equal(stored.compat_wire, JSON.stringify(incomingNumberRecord(stored)), 'and so is the Compatibility view');
      assert.equal(JSON.parse(stored.compat_wire).voice_url, 'https://example.com/voice');
      assert.equal(await store.phoneNumbers.findActiveJson(A, row.id, 'relay'), stored.wire);
      assert.equal(await store.phoneNumbers.findActiveJson(A, row.id, 'compatibility'), stored.compat_wire);
      const audit = (await store.audit.list(A)).find((e) => e.action === 'number.updated' && e.resource_id === row.id);
      assert.ok(audit !== undefined);
      assert.deepEqual(JSON.parse(audit.summary).changed, { name: 'Front desk', call_handler: 'laml_webhooks', call_request_url: 'https://example.com/voice' });
    });

    test('a refused update writes nothing; another project\'s number is missing', async () => {
      const row = numberRow(A, '+15550100004', 8);
      await store.phoneNumbers.insert(row, importAudit(row), null);
      const refused = await store.phoneNumbers.updateActive(A, row.id, { body: { call_handler: 'relay_topic' }, now: at(9), actor: ACTOR(A) });
      assert.equal(refused.kind, 'refused');
      assert.deepEqual(refused.kind === 'refused' ? refused.problems.map((p) => p.code) : [], ['missing_attribute']);
      assert.deepEqual(await store.phoneNumbers.findActive(A, row.id), row);
      assert.equal((await store.phoneNumbers.updateActive(B, row.id, { body: { name: 'x' }, now: at(9), actor: ACTOR(B) })).kind, 'missing');
    });

    test('concurrent updates of one number serialise: each sees the one before it', async () => {
      const row = numberRow(A, '+15550100005', 10);
      await store.phoneNumbers.insert(row, importAudit(row), null);
      // The second needs the first's companion: it passes only if it reads the row the first left.
      const [first, second] = await Promise.all([
        store.phoneNumbers.updateActive(A, row.id, { body: { call_relay_topic: 'office' }, now: at(11), actor: ACTOR(A) }),
        store.phoneNumbers.updateActive(A, row.id, { body: { call_handler: 'relay_topic' }, now: at(11), actor: ACTOR(A) }),
      ]);
      assert.equal(first.kind, 'updated');
      assert.equal(second.kind, 'updated');
      const stored = (await store.phoneNumbers.findActive(A, row.id))!;
      assert.equal(stored.call_handler, 'relay_topic');
      assert.ok(stored.updated_at > at(11), 'updated_at moved on each update');
    });

    test('a release hides the number everywhere, once, and is audited', async () => {
      const row = numberRow(B, '+15550100006', 12);
      await store.phoneNumbers.insert(row, importAudit(row), null);
      assert.deepEqual(await store.phoneNumbers.release(A, row.id, at(13), ACTOR(A), NO_TERMS), { kind: 'missing' }, 'not from another project');
      assert.deepEqual(await store.phoneNumbers.release(B, row.id, at(13), ACTOR(B), NO_TERMS), { kind: 'released' });
      assert.deepEqual(await store.phoneNumbers.release(B, row.id, at(14), ACTOR(B), NO_TERMS), { kind: 'missing' }, 'not twice');
      assert.equal(await store.phoneNumbers.findActive(B, row.id), undefined);
      assert.equal(await store.phoneNumbers.findActiveJson(B, row.id, 'relay'), undefined);
      assert.equal((await store.phoneNumbers.updateActive(B, row.id, { body: { name: 'x' }, now: at(14), actor: ACTOR(B) })).kind, 'missing');
      const listed = await store.phoneNumbers.listPage({ projectId: B, nameContains: null, numberContains: null, from: null, limit: 1000, rendering: 'relay' });
      assert.ok(!listed.some((r) => r.id === row.id));
      assert.equal((await store.audit.list(B)).filter((e) => e.action === 'number.released' && e.resource_id === row.id).length, 1);
    });

    test('pages follow the keyset in both directions, filter literally, and agree as JSON and as rows', async () => {
      const P = 'dddddddd-0000-4000-8000-000000000004';
      await store.tenancy.createProject({ id: P, spaceId: 's-1', name: 'p', createdAt: at(0) });
      const rows: PhoneNumberRow[] = [];
      for (let i = 0; i < 7; i++) {
        const r = numberRow(P, `+1555030000${i}`, 20 + (i >> 1)); // pairs share a created_at: ids break the tie
        await store.phoneNumbers.insert(r, importAudit(r), null);
        rows.push(r);
      }
      await store.phoneNumbers.updateActive(P, rows[2]!.id, { body: { name: '50%_off\\' }, now: at(40), actor: ACTOR(P) });
      const order = [...rows].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
      const q = { projectId: P, nameContains: null, numberContains: null, rendering: 'relay' as const };
      const top = await store.phoneNumbers.listPage({ ...q, from: null, limit: 3 });
      assert.deepEqual(top.map((r) => r.id), order.slice(0, 3).map((r) => r.id));
      const last = top.at(-1)!;
      const next = await store.phoneNumbers.listPage({ ...q, from: { direction: 'next', createdAt: last.created_at, id: last.id }, limit: 3 });
      assert.deepEqual(next.map((r) => r.id), order.slice(3, 6).map((r) => r.id));
      const back = await store.phoneNumbers.listPage({ ...q, from: { direction: 'prev', createdAt: next[0]!.created_at, id: next[0]!.id }, limit: 3 });
      assert.deepEqual(back.map((r) => r.id), order.slice(0, 3).reverse().map((r) => r.id), 'going back: nearest first');
      const stored = await Promise.all(order.slice(0, 3).map((r) => store.phoneNumbers.findActive(P, r.id)));
      assert.deepEqual(top.map((r) => r.wire), stored.map((r) => JSON.stringify(numberRecord(r!))), 'the Relay page carries each number\'s record');
      const compat = await store.phoneNumbers.listPage({ ...q, rendering: 'compatibility', from: null, limit: 3 });
      assert.deepEqual(compat.map((r) => [r.id, r.created_at]), top.map((r) => [r.id, r.created_at]), 'the same page in either rendering');
      assert.deepEqual(compat.map((r) => r.wire), stored.map((r) => JSON.stringify(incomingNumberRecord(r!))), 'the Compatibility page carries each number\'s view');
      const first = JSON.parse(compat[0]!.wire);
      assert.equal(first.phone_number, order[0]!.number);
      assert.equal(first.uri, `/Accounts/${P}/IncomingPhoneNumbers/${order[0]!.id}`, 'the uri without prefix or suffix, which the surface splices in');
      const byName = await store.phoneNumbers.listPage({ ...q, nameContains: '0%_OFF\\', from: null, limit: 10 });
      assert.deepEqual(byName.map((r) => r.id), [rows[2]!.id], 'case-insensitive, % _ and \\ are literal');
      assert.deepEqual(await store.phoneNumbers.listPage({ ...q, nameContains: 'off%', from: null, limit: 10 }), [], 'a % in the filter is no wildcard');
      const byNumber = await store.phoneNumbers.listPage({ ...q, numberContains: '0300005', from: null, limit: 10 });
      assert.deepEqual(byNumber.map((r) => r.id), [rows[5]!.id]);
      assert.deepEqual(await store.phoneNumbers.listPage({ ...q, numberContains: '\u0000', from: null, limit: 10 }), []);
    });

    const answer = (projectId: string, key: string, n: number, body = '{"ok":true}') => ({
      projectId,
      operation: 'relay-rest.import',
      key,
      requestHash: 'h'.repeat(64),
      status: 201,
      body,
      createdAt: at(n),
    });

    test('an import with an answer commits both; a taken key imports nothing; a refused import keeps no answer', async () => {
      const row = numberRow(A, '+15550100101', 60);
      const a = answer(A, 'k-1', 60, '{"id":"first"}');
      assert.equal(await store.phoneNumbers.insert(row, importAudit(row), null, a), 'inserted');
      assert.deepEqual(await store.idempotency.find(A, 'relay-rest.import', 'k-1'), a);
      assert.equal(await store.idempotency.find(B, 'relay-rest.import', 'k-1'), undefined, 'scoped to the project');
      assert.equal(await store.idempotency.find(A, 'compatibility.import', 'k-1'), undefined, 'scoped to the operation');

      const again = numberRow(A, '+15550100102', 61);
      assert.equal(await store.phoneNumbers.insert(again, importAudit(again), null, answer(A, 'k-1', 61, '{"id":"second"}')), 'key_taken');
      assert.equal(await store.phoneNumbers.findActive(A, again.id), undefined);
      assert.equal((await store.idempotency.find(A, 'relay-rest.import', 'k-1'))!.body, '{"id":"first"}');

      // The number is taken: neither the number nor the key's answer is written.
      const dup = numberRow(B, '+15550100101', 62);
      assert.equal(await store.phoneNumbers.insert(dup, importAudit(dup), null, answer(B, 'k-2', 62)), 'taken');
      assert.equal(await store.idempotency.find(B, 'relay-rest.import', 'k-2'), undefined);
      // Over quota: likewise.
      const full = numberRow(B, '+15550100103', 63);
      assert.equal(await store.phoneNumbers.insert(full, importAudit(full), 0, answer(B, 'k-3', 63)), 'over_quota');
      assert.equal(await store.idempotency.find(B, 'relay-rest.import', 'k-3'), undefined);
    });

    test('concurrent imports under one key: exactly one is written', async () => {
      const rows = Array.from({ length: 6 }, (_, i) => numberRow(A, `+1555010020${i}`, 70 + i));
      const outcomes = await Promise.all(rows.map((r) => store.phoneNumbers.insert(r, importAudit(r), null, answer(A, 'k-race', 70))));
      assert.deepEqual([...outcomes].sort(), ['inserted', 'key_taken', 'key_taken', 'key_taken', 'key_taken', 'key_taken']);
      const written = await Promise.all(rows.map((r) => store.phoneNumbers.findActive(A, r.id)));
      assert.equal(written.filter((w) => w !== undefined).length, 1);
    });

    test('a batch of keyed and unkeyed imports: the earlier import of a number wins, and only written numbers are audited', async () => {
      // Submitted together, so they share a batch; the first two and the last two are one number each.
      const rows = [
        numberRow(A, '+15550100301', 75),
        numberRow(B, '+15550100301', 75),
        numberRow(A, '+15550100302', 75),
        numberRow(A, '+15550100303', 75),
        numberRow(B, '+15550100303', 75),
      ];
      const keys = ['k-mix-1', null, 'k-mix-1', null, 'k-mix-3'];
      const outcomes = await Promise.all(
        rows.map((r, i) => store.phoneNumbers.insert(r, importAudit(r), null, keys[i] === null ? undefined : answer(r.project_id, keys[i]!, 200))),
      );
      assert.deepEqual(outcomes, ['inserted', 'taken', 'key_taken', 'inserted', 'taken']);
      const ids = new Set(rows.map((r) => r.id));
      const audited = [...(await store.audit.list(A)), ...(await store.audit.list(B))].filter((e) => e.action === 'number.imported' && ids.has(e.resource_id));
      assert.deepEqual(audited.map((e) => e.resource_id).sort(), [rows[0]!.id, rows[3]!.id].sort());
      assert.equal((await store.idempotency.find(A, 'relay-rest.import', 'k-mix-1'))?.body, '{"ok":true}');
      assert.equal(await store.idempotency.find(B, 'relay-rest.import', 'k-mix-3'), undefined, 'a number refused as taken keeps no answer');
    });

    test('a refusal is saved once; purge deletes only answers older than the cutoff, in batches', async () => {
      assert.equal(await store.idempotency.save({ ...answer(B, 'refused', 80), status: 422 }), true);
      assert.equal(await store.idempotency.save({ ...answer(B, 'refused', 81), status: 400 }), false, 'the first answer stays');
      assert.equal((await store.idempotency.find(B, 'relay-rest.import', 'refused'))!.status, 422);
      for (let i = 0; i < 5; i++) await store.idempotency.save(answer(B, `old-${i}`, 10 + i));
      await store.idempotency.save(answer(B, 'young', 500));
      // Older than at(100): k-1 (60), k-race (70), refused (80) and old-0..4: eight, in batches of three.
      assert.deepEqual([await store.idempotency.purge(at(100), 3), await store.idempotency.purge(at(100), 3), await store.idempotency.purge(at(100), 3)], [3, 3, 2]);
      assert.equal(await store.idempotency.purge(at(100), 3), 0);
      const left = await Promise.all(['k-1', 'k-race', 'refused', 'old-4', 'young'].map((k) => store.idempotency.find(k === 'k-1' || k === 'k-race' ? A : B, 'relay-rest.import', k)));
      assert.deepEqual(left.map((a) => a?.key), [undefined, undefined, undefined, undefined, 'young']);
    });

    test('a row without a stored record (written before the column existed) is rendered from its columns', async () => {
      const row = numberRow(A, '+15550100007', 50);
      await store.phoneNumbers.insert({ ...row, wire: null, compat_wire: null }, importAudit(row), null);
      assert.equal(await store.phoneNumbers.findActiveJson(A, row.id, 'relay'), JSON.stringify(numberRecord(row)));
      assert.equal(await store.phoneNumbers.findActiveJson(A, row.id, 'compatibility'), JSON.stringify(incomingNumberRecord(row)));
      const listed = await store.phoneNumbers.listPage({ projectId: A, nameContains: null, numberContains: '0100007', from: null, limit: 10, rendering: 'relay' });
      assert.deepEqual(listed.map((r) => r.wire), [JSON.stringify(numberRecord(row))]);
      const viewed = await store.phoneNumbers.listPage({ projectId: A, nameContains: null, numberContains: '0100007', from: null, limit: 10, rendering: 'compatibility' });
      assert.deepEqual(viewed.map((r) => r.wire), [JSON.stringify(incomingNumberRecord(row))]);
    });

    test('a project made with its tokens in one go, found by owner; deleting projects takes everything of theirs and nothing else', async () => {
      const C = 'test_proj_store';
      const token = (id: string) => ({ token: { id, projectId: C, name: 'emulator', scopes: ['numbers' as const], createdAt: at(90), revokedAt: null }, secretHash: `hash-${id}` });
      assert.equal(await store.tenancy.createProjectWithTokens({ id: C, spaceId: 's-1', name: C, createdAt: at(90) }, [token(nextId()), token(nextId())]), true);
      assert.equal(await store.tenancy.createProjectWithTokens({ id: C, spaceId: 's-1', name: C, createdAt: at(90) }, [token(nextId())]), false, 'the id is taken: nothing written');
      assert.equal((await store.tenancy.listTokens(C)).length, 2);
      const row = numberRow(C, '+15550100090', 91);
      await store.phoneNumbers.insert(row, importAudit(row), null, { projectId: C, operation: 'relay-rest.import', key: 'k-c', requestHash: 'h', status: 201, body: '{}', createdAt: at(91) });
      const released = numberRow(C, '+15550100091', 92);
      await store.phoneNumbers.insert(released, importAudit(released), null);
      await store.phoneNumbers.release(C, released.id, at(93), ACTOR(C), NO_TERMS);
      assert.equal(await store.phoneNumbers.findActiveOwner('+15550100090'), C);
      assert.equal(await store.phoneNumbers.findActiveOwner('+15550100091'), undefined, 'released');
      assert.equal((await store.phoneNumbers.findRow(C, released.id))?.released_at, at(93), 'a released row is still found by its id');
      assert.equal(await store.phoneNumbers.findRow(A, released.id), undefined, 'only in its own project');
      const keep = numberRow(A, '+15550100092', 94);
      await store.phoneNumbers.insert(keep, importAudit(keep), null);

      assert.equal(await store.tenancy.deleteProjects([C, 'no-such-project']), 1);
      assert.equal(await store.tenancy.findProject(C), undefined);
      assert.deepEqual(await store.tenancy.listTokens(C), []);
      assert.equal(await store.phoneNumbers.findActiveOwner('+15550100090'), undefined);
      assert.equal(await store.idempotency.find(C, 'relay-rest.import', 'k-c'), undefined);
      assert.deepEqual(await store.audit.list(C), []);
      assert.equal(await store.phoneNumbers.findActiveOwner('+15550100092'), A, "another project's numbers stay");
      assert.equal(await store.tenancy.deleteProjects([]), 0);
    });
  });
}
