import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { newPhoneNumberRow, type PhoneNumberRow } from '../../src/domain/phone-number-record.js';
import { listPageQuery } from '../../src/storage/list-page-query.js';
import { COUNTS_SQL, type ListPageQuery, type ListPosition } from '../../src/storage/phone-number-store.js';
import { parseDatabaseUrl } from '../../src/storage/database-url.js';
import { openDatabase } from '../../src/storage/open-database.js';
import type { Database } from '../../src/storage/schema.js';
import { startServer, type TestServer } from '../helpers/server.js';

const INDEX = 'phone_numbers_project_listing';

/**
 * The list page must cost the same whatever the inventory's size: one range scan of the
 * partial listing index, in index order, stopping after page_size + 1 rows. A sort (SQLite's
 * temp B-tree, PostgreSQL's Sort node) would read every matching row first.
 */
describe('list page query plan', () => {
  let server: TestServer;
  let db: Kysely<Database>;
  let kind: 'sqlite' | 'postgres';
  let mine: PhoneNumberRow[];

  before(async () => {
    server = await startServer();
    ({ db, kind } = openDatabase(parseDatabaseUrl(server.databaseUrl)));
    const other = await server.addTenant();
    const rows: PhoneNumberRow[] = [];
    for (let i = 0; i < 3000; i++) {
      const row = newPhoneNumberRow({
        id: crypto.randomUUID(),
        projectId: i % 3 === 0 ? server.tenant.projectId : other.projectId,
        number: `+1555${String(i).padStart(7, '0')}`,
        numberType: 'longcode',
        capabilities: 15,
        countryCode: 'US',
        now: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      });
      // Released rows are outside the partial index; a tenth of the inventory is history.
      if (i % 10 === 0) row.released_at = row.created_at;
      rows.push(row);
    }
    for (let i = 0; i < rows.length; i += 200) await db.insertInto('phone_numbers').values(rows.slice(i, i + 200)).execute();
    if (kind === 'postgres') await sql`analyze phone_numbers`.execute(db);
    mine = rows.filter((r) => r.project_id === server.tenant.projectId && r.released_at === null);
  });
  after(async () => {
    await db.destroy();
    await server.close();
  });

  /** `discourageSort` makes PostgreSQL avoid a sort whenever some plan can, for this one statement. */
  async function plan(q: ListPageQuery, discourageSort = false): Promise<string> {
    const compiled = listPageQuery(kind, q);
    const prefix = kind === 'sqlite' ? 'explain query plan ' : 'explain ';
    const result = await db.transaction().execute(async (trx) => {
      if (discourageSort) await sql`set local enable_sort = off`.execute(trx);
      return trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]));
    });
    return result.rows.map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
  }

  const middle = (direction: ListPosition['direction']): ListPosition => {
    const row = mine[Math.floor(mine.length / 2)]!;
    return { direction, createdAt: row.created_at, id: row.id };
  };
  const query = (from: ListPosition | null, filters: { name?: string; number?: string } = {}): ListPageQuery => ({
    projectId: server.tenant.projectId,
    nameContains: filters.name ?? null,
    numberContains: filters.number ?? null,
    from,
    rendering: 'relay',
    limit: 51,
  });

  for (const [label, from] of [
    ['the first page', null],
    ['a page after a cursor', 'next'],
    ['a page before a cursor', 'prev'],
  ] as const) {
    test(`${label}: a range scan of ${INDEX} in index order, no sort`, async () => {
      const p = await plan(query(from === null ? null : middle(from)));
      assert.match(p, new RegExp(`${INDEX}`), p);
      if (kind === 'sqlite') {
        assert.match(p, /^SEARCH phone_numbers USING INDEX phone_numbers_project_listing \(project_id=\?/m, p);
        if (from !== null) assert.match(p, /created_at[<>]\?\)/, `the cursor bounds the range: ${p}`);
        assert.doesNotMatch(p, /TEMP B-TREE/, p);
      } else {
        assert.match(p, /Index Scan( Backward)? using phone_numbers_project_listing/, p);
        if (from !== null) assert.match(p, /Index Cond: .*created_at [<>]=/, `the cursor bounds the range: ${p}`);
        assert.doesNotMatch(p, /Sort|Seq Scan|Bitmap/, p);
      }
    });
  }

  test('with filters the same ordered range scan serves the page; the filters only drop rows from it', async () => {
    const filtered = query(middle('next'), { name: 'a%b', number: '+1555' });
    if (kind === 'sqlite') {
      const p = await plan(filtered);
      assert.match(p, /SEARCH phone_numbers USING INDEX phone_numbers_project_listing \(project_id=\? AND created_at<\?\)/, p);
      assert.doesNotMatch(p, /TEMP B-TREE/, p);
    } else {
      // No index serves a substring, so PostgreSQL weighs scanning in order against sorting
      // the few rows it expects to match, and here it would sort. enable_sort = off only
      // penalises sorts, so a plan without one proves the ordered range scan is available.
      const p = await plan(filtered, true);
      assert.match(p, /Index Scan using phone_numbers_project_listing/, p);
      assert.match(p, /Filter: .*~~/, p);
      assert.doesNotMatch(p, /Sort/, p);
    }
  });

  test("the overview's counts read the counts index alone, never a row", async () => {
    const text = COUNTS_SQL(kind === 'sqlite' ? '?' : '$1');
    // An index-only scan needs the visibility map that (auto)vacuum keeps; rows just inserted have none yet.
    if (kind === 'postgres') await sql`vacuum analyze phone_numbers`.execute(db);
    const explain = await db.transaction().execute(async (trx) => {
      // PostgreSQL weighs a heap scan of a few thousand rows as cheaper; off, the index-only plan shows it exists.
      if (kind === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
      return trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`${kind === 'sqlite' ? 'explain query plan ' : 'explain '}${text}`, [server.tenant.projectId]));
    });
    const p = explain.rows.map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
    if (kind === 'sqlite') assert.match(p, /SEARCH phone_numbers USING COVERING INDEX phone_numbers_project_counts \(project_id=\?\)/, p);
    else assert.match(p, /Index Only Scan using phone_numbers_project_counts/, p);
    assert.doesNotMatch(p, /TEMP B-TREE|Sort/, p);
    const counted = (await db.executeQuery<{ n: number | string }>(CompiledQuery.raw(text, [server.tenant.projectId]))).rows;
    assert.equal(counted.reduce((s, r) => s + Number(r.n), 0), mine.length);
  });

  test('the plans answer what listing needs: the page the index order gives', async () => {
    const page = (await db.executeQuery(listPageQuery(kind, query(null)))).rows;
    const expected = [...mine].sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).slice(0, 51);
    assert.deepEqual(page.map((r) => r.id), expected.map((r) => r.id));
  });
});
