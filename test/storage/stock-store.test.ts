import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditEvent } from '../../src/domain/audit.js';
import { checkStockEntry } from '../../src/domain/stock-entry.js';
import { purchaseAudit, purchasedRow, stockProjectId, type StockEntry } from '../../src/domain/stock.js';
import type { PurchaseItem, StockSearch } from '../../src/storage/stock-store.js';
import { openStore, type Store } from '../../src/storage/store.js';
import { BACKEND, freshDatabase, type FreshDatabase } from '../helpers/backends.js';

/** The stock's store contract, the same cases on every engine (see phone-number-store.test.ts). */
const ENGINES = BACKEND === 'postgres' ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

let seq = 0;
const nextId = () => `0190a1b2-c3d4-7e5f-8a9b-${String(++seq).padStart(12, '0')}`;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (n: number) => new Date(T0 + n * 1000).toISOString();
const ACTOR = (projectId: string) => ({ projectId, tokenId: null, requestId: 'r-1', surface: 'relay-rest' as const });

function entry(number: string, fields: Partial<Record<'number_type' | 'region' | 'city' | 'capabilities', string>> = {}): StockEntry {
  const checked = checkStockEntry({ number, number_type: fields.number_type ?? 'longcode', ...fields });
  if (!checked.ok) throw new Error(checked.problem);
  return checked.entry;
}

const SEARCH: StockSearch = {
  spaceId: 's-1',
  numberType: 'longcode',
  country: null,
  startsWith: null,
  contains: null,
  endsWith: null,
  region: null,
  city: null,
  withCapabilities: 0,
  withoutCapabilities: 0,
  limit: 100,
};

for (const engine of ENGINES) {
  describe(`stock store contract on ${engine}`, () => {
    let dir: string;
    let database: FreshDatabase;
    let store: Store;
    const A = 'aaaaaaaa-0000-4000-8000-000000000001';
    const B = 'bbbbbbbb-0000-4000-8000-000000000002';
    const add = (spaceId: string, entries: StockEntry[], n = 1) => store.stock.add(spaceId, entries, entries.map(() => nextId()), at(n));
    const search = async (q: Partial<StockSearch>) => (await store.stock.search({ ...SEARCH, ...q })).map((r) => r.number);
    const buy = async (projectId: string, spaceId: string, number: string, n: number, o: Partial<PurchaseItem> = {}) => {
      const stocked = await store.stock.findStocked(spaceId, number);
      const row = purchasedRow(stocked ?? entry(number), projectId, nextId(), at(n));
      return store.stock.purchase({ spaceId, stockId: stocked?.id ?? null, row, audit: purchaseAudit(ACTOR(projectId), row), quota: null, answer: null, ...o });
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'numberspace-stock-'));
      database = engine === 'sqlite' ? { url: join(dir, 'store.db'), drop: async () => {} } : await freshDatabase(dir);
      store = openStore(database.url);
      await store.migrate();
      for (const s of ['s-1', 's-2']) await store.tenancy.createSpace({ id: s, name: s, partnerApi: true, createdAt: at(0) });
      await store.tenancy.createProject({ id: A, spaceId: 's-1', name: 'a', createdAt: at(0) });
      await store.tenancy.createProject({ id: B, spaceId: 's-1', name: 'b', createdAt: at(0) });
    });
    after(async () => {
      await store.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('loads say added, already in this stock, or held elsewhere; the stock project stays hidden', async () => {
      assert.deepEqual(await add('s-1', [entry('+15125550001', { city: 'Austin' }), entry('+15125550002'), entry('+12145550003'), entry('+18005550004', { number_type: 'tollfree' }), entry('+442079460005')]), [
        'added',
        'added',
        'added',
        'added',
        'added',
      ]);
      assert.deepEqual(await add('s-1', [entry('+15125550001'), entry('+15125550006'), entry('+15125550006')]), ['in_stock', 'added', 'in_stock']);
      assert.deepEqual(await add('s-2', [entry('+15125550001'), entry('+15125550099')]), ['held', 'added']);
      assert.equal(await store.stock.count('s-1'), 6);
      assert.equal(await store.stock.count('s-2'), 1);
      assert.deepEqual((await store.tenancy.listProjects()).map((p) => p.id).sort(), [A, B]);
      assert.equal(await store.tenancy.findProject(stockProjectId('s-1')), undefined);
      assert.equal(await store.phoneNumbers.findActiveOwner('+15125550001'), stockProjectId('s-1'));
    });

    test('a listing pages by type, then national number', async () => {
      const first = await store.stock.list('s-1', null, 4);
      assert.deepEqual(first.map((r) => r.number), ['+442079460005', '+12145550003', '+15125550001', '+15125550002']);
      const last = first.at(-1)!;
      const rest = await store.stock.list('s-1', { numberType: last.number_type, national: last.national, number: last.number }, 10);
      assert.deepEqual(rest.map((r) => r.number), ['+15125550006', '+18005550004']);
      assert.deepEqual(first[2], { number: '+15125550001', number_type: 'longcode', capabilities: 15, country_code: 'US', region: 'TX', city: 'Austin', rate_center: null, lata: null, national: '5125550001' });
    });

    test('searches filter by every condition, in national-number order, within one Space', async () => {
      assert.deepEqual(await search({}), ['+442079460005', '+12145550003', '+15125550001', '+15125550002', '+15125550006']);
      assert.deepEqual(await search({ numberType: 'toll-free' }), ['+18005550004']);
      assert.deepEqual(await search({ country: 'GB' }), ['+442079460005']);
      assert.deepEqual(await search({ startsWith: '512' }), ['+15125550001', '+15125550002', '+15125550006']);
      assert.deepEqual(await search({ startsWith: '999' }), []);
      assert.deepEqual(await search({ endsWith: '0006' }), ['+15125550006']);
      assert.deepEqual(await search({ contains: '5550' }), ['+12145550003', '+15125550001', '+15125550002', '+15125550006']);
      assert.deepEqual(await search({ contains: '946' }), ['+442079460005']);
      assert.deepEqual(await search({ region: 'TX', city: 'AUSTIN' }), ['+15125550001']);
      assert.deepEqual(await search({ withCapabilities: 8 }), await search({}));
      assert.deepEqual(await search({ withoutCapabilities: 1 }), []);
      assert.deepEqual(await search({ limit: 2 }), ['+442079460005', '+12145550003']);
      assert.deepEqual(await search({ spaceId: 's-2' }), ['+15125550099']);
      assert.deepEqual(await store.stock.countries('s-1'), ['GB', 'US']);
      assert.deepEqual(await store.stock.countries('s-2'), ['US']);
      assert.deepEqual(await store.stock.countries('s-3'), []);
    });

    test('a purchase moves the stock row into the project, once; a refusal says why and writes nothing', async () => {
      const outcome = await buy(A, 's-1', '+15125550002', 10);
      assert.equal(outcome.kind, 'purchased');
      assert.equal(await store.phoneNumbers.findActiveOwner('+15125550002'), A);
      assert.deepEqual(await search({ startsWith: '512' }), ['+15125550001', '+15125550006']);
      assert.deepEqual(await buy(B, 's-1', '+15125550002', 11), { kind: 'unavailable', reason: 'taken' }, 'raced: the stock row is gone');
      const stocked = await store.stock.findStocked('s-1', '+15125550006');
      const row = purchasedRow(stocked!, B, nextId(), at(12));
      // A stale stock id (bought and put back under a new id meanwhile) buys nothing.
      assert.deepEqual(await store.stock.purchase({ spaceId: 's-1', stockId: nextId(), row, audit: purchaseAudit(ACTOR(B), row), quota: null, answer: null }), { kind: 'unavailable', reason: 'restocked' });
      assert.deepEqual(await buy(B, 's-1', '+15125550006', 13, { quota: 0 }), { kind: 'over_quota' });
      assert.notEqual(await store.stock.findStocked('s-1', '+15125550006'), undefined, 'still in stock');
      const bought = (await store.phoneNumbers.findActive(A, outcome.kind === 'purchased' ? outcome.row.id : ''))!;
      assert.deepEqual([bought.purchased_at, bought.region, bought.created_at], [at(10), 'TX', at(10)]);
      const events = (await store.audit.list(A)).filter((e) => e.resource_id === bought.id).map((e) => e.action);
      assert.deepEqual(events, ['number.purchased']);
    });

    test('fifty purchases of one stock number at once: one is bought', async () => {
      const buyers = Array.from({ length: 50 }, (_, i) => `dddddddd-0000-4000-8000-${String(i).padStart(12, '0')}`);
      for (const id of buyers) await store.tenancy.createProject({ id, spaceId: 's-1', name: id, createdAt: at(0) });
      const outcomes = await Promise.all(buyers.map((p, i) => buy(p, 's-1', '+12145550003', 20 + i)));
      assert.equal(outcomes.filter((o) => o.kind === 'purchased').length, 1);
      assert.ok(outcomes.every((o) => o.kind === 'purchased' || (o.kind === 'unavailable' && o.reason === 'taken')));
    });

    test('a number in no stock is created outright only when asked (emulator mode), and only if active nowhere', async () => {
      assert.equal((await buy(A, 's-1', '+16175550142', 30)).kind, 'purchased');
      assert.deepEqual(await buy(B, 's-1', '+16175550142', 31), { kind: 'unavailable', reason: 'taken' });
      assert.deepEqual(await buy(A, 's-1', '+15125550099', 32), { kind: 'unavailable', reason: 'other_space' });
    });

    test('releasing a bought number puts it back in stock under a new id, after the cooldown; an imported one is only released', async () => {
      const outcome = await buy(A, 's-1', '+15125550001', 40);
      assert.equal(outcome.kind, 'purchased');
      const id = outcome.kind === 'purchased' ? outcome.row.id : '';
      const restock = { spaceId: 's-1', id: nextId() };
      assert.deepEqual(await store.phoneNumbers.release(A, id, at(45), ACTOR(A), { boughtBy: at(39), restock }), { kind: 'cooling', purchasedAt: at(40) });
      assert.equal(await store.phoneNumbers.findActiveOwner('+15125550001'), A, 'not released');
      assert.deepEqual(await store.phoneNumbers.release(A, id, at(46), ACTOR(A), { boughtBy: at(40), restock }), { kind: 'released' });
      const back = await store.stock.findStocked('s-1', '+15125550001');
      assert.equal(back?.id, restock.id);
      assert.deepEqual([back?.region, back?.city, back?.purchased_at], ['TX', 'Austin', null]);
      assert.deepEqual(await search({ region: 'TX', city: 'Austin', contains: '0001' }), ['+15125550001'], 'found by every index again');
      const imported = purchasedRow(entry('+15125557000'), A, nextId(), at(47));
      imported.purchased_at = null;
      assert.equal(await store.phoneNumbers.insert(imported, auditEvent(ACTOR(A), at(47), 'number.imported', imported.id, {}), null), 'inserted');
      assert.deepEqual(await store.phoneNumbers.release(A, imported.id, at(48), ACTOR(A), { boughtBy: at(48), restock: { spaceId: 's-1', id: nextId() } }), { kind: 'released' });
      assert.equal(await store.stock.findStocked('s-1', '+15125557000'), undefined);
    });

    test('withdrawals remove only this Space\'s stock rows', async () => {
      assert.deepEqual(await store.stock.remove('s-1', ['+18005550004', '+15125550099', '+19995550000']), [true, false, false]);
      assert.deepEqual(await search({ numberType: 'toll-free' }), []);
      assert.equal(await store.stock.count('s-2'), 1);
      assert.deepEqual(await search({ contains: '0004', numberType: 'toll-free' }), [], 'gone from the trigram index too');
      assert.deepEqual(await store.stock.activeAmong(['+18005550004', '+15125550099', '+15125550002']), new Set(['+15125550099', '+15125550002']));
    });
  });
}
