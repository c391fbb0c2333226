import type SQLite from 'better-sqlite3';
import { type PhoneNumberRow, RENDERINGS, renderedJson } from '../../domain/phone-number-record.js';
import { groupCommitter } from '../group-commit.js';
import { listPageQuery } from '../list-page-query.js';
import { ACTIVE, COUNTS_SQL, type NumberCount, ROW, type ListedNumber, type PhoneNumberStore, type ReleaseOutcome, type UpdateOutcome, withJson } from '../phone-number-store.js';
import { sqliteImportItem } from './phone-number-writes.js';
import type { SqliteWriter, WriteItem, WriteName, WriteResult } from './writer.js';

/**
 * The inventory on SQLite. Writes go to the writer (writer.ts), which runs the write plans of
 * phone-number-writes.ts in batches; reads run prepared statements on the server's own
 * connection, which in WAL mode sees each batch as soon as it has committed.
 */
export function sqlitePhoneNumberStore(handle: SQLite.Database, writer: SqliteWriter): PhoneNumberStore {
  const importBatch = sqliteBatches(writer, 'import');
  const changeBatch = sqliteBatches(writer, 'change');
  const selectRow = lazily(() => handle.prepare(`select ${ROW} from phone_numbers where id = ? and project_id = ? and ${ACTIVE}`));
  // Only the rendering's column: materialising all of a row's columns as an object costs about four
  // times the whole lookup.
  const selectJson = {
    wire: lazily(() => handle.prepare(`select wire from phone_numbers where id = ? and project_id = ? and ${ACTIVE}`).pluck()),
    compat_wire: lazily(() => handle.prepare(`select compat_wire from phone_numbers where id = ? and project_id = ? and ${ACTIVE}`).pluck()),
  };
  const selectAnyRow = lazily(() => handle.prepare(`select ${ROW} from phone_numbers where id = ? and project_id = ?`));
  const selectOwner = lazily(() => handle.prepare(`select project_id from phone_numbers where number = ? and ${ACTIVE}`).pluck());
  const counts = lazily(() => handle.prepare(COUNTS_SQL('?')));
  const findActive = (projectId: string, id: string) => selectRow().get(id, projectId) as PhoneNumberRow | undefined;
  const pageStatements = new Map<string, SQLite.Statement>();
  const page = (compiled: { sql: string; parameters: readonly unknown[] }) => {
    let statement = pageStatements.get(compiled.sql);
    if (statement === undefined) pageStatements.set(compiled.sql, (statement = handle.prepare(compiled.sql)));
    return statement.all(...compiled.parameters);
  };
  return {
    insert: (row, audit, quota, answer) => importBatch.submit(sqliteImportItem({ row, audit, quota, answer: answer ?? null })),
    findActive: async (projectId, id) => findActive(projectId, id),
    findRow: async (projectId, id) => selectAnyRow().get(id, projectId) as PhoneNumberRow | undefined,
    findActiveOwner: async (number) => selectOwner().get(number) as string | undefined,
    async findActiveJson(projectId, id, rendering) {
      const column = RENDERINGS[rendering];
      const json = selectJson[column]().get(id, projectId) as string | null | undefined;
      if (json !== null) return json;
      // Read whatever its state: the writer thread may have released it since.
      const row = selectAnyRow().get(id, projectId) as PhoneNumberRow | undefined;
      return row === undefined ? undefined : renderedJson(row, column);
    },
    async listPage(query) {
      if (matchesNothing(query)) return [];
      return withJson(page(listPageQuery('sqlite', query)) as ListedNumber[], RENDERINGS[query.rendering], (id) => selectAnyRow().get(id, query.projectId) as PhoneNumberRow | undefined);
    },
    counts: async (projectId) => counts().all(projectId) as NumberCount[],
    async updateActive(projectId, id, request) {
      return (await changeBatch.submit({ kind: 'update', projectId, id, request })) as UpdateOutcome;
    },
    async release(projectId, id, at, actor, terms) {
      return (await changeBatch.submit({ kind: 'release', projectId, id, at, actor, ...terms })) as ReleaseOutcome;
    },
  };
}

/**
 * Stored text never holds NUL (updates refuse it), so a filter containing one matches nothing;
 * and SQLite would end a LIKE pattern there.
 */
function matchesNothing(query: { nameContains: string | null; numberContains: string | null }): boolean {
  return query.nameContains?.includes('\u0000') === true || query.numberContains?.includes('\u0000') === true;
}

/** Prepared on first use: the store is opened before migrations have created the table. */
export function lazily<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * Group commit: imports, or updates and releases, that arrive in one event-loop turn go to the
 * writer as one batch. Several batches may be outstanding: the writer joins every batch waiting
 * for it into its next transaction (see writer-thread.ts), so this thread never waits for a
 * commit to send more.
 */
export function sqliteBatches<K extends WriteName>(writer: SqliteWriter, name: K) {
  return groupCommitter<WriteItem<K>, WriteResult<K>>({
    maxInFlight: 8,
    maxBatch: 1000,
    write: (items) => writer.write(name, items),
  });
}
