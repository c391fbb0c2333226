/** Where the data lives, from DATABASE_URL. */
export type DatabaseLocation =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string };

export const DEFAULT_DATABASE_URL = './data/numberspace.db';

/**
 * `postgres://` or `postgresql://` means PostgreSQL; `sqlite:<path>`, `sqlite://<path>` or a
 * bare file path means SQLite (`:memory:` for a throwaway in-memory database).
 */
export function parseDatabaseUrl(value: string): DatabaseLocation {
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', url: value };
  let file = value;
  if (/^sqlite:/i.test(file)) {
    file = file.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
  }
  if (file === '') throw new Error(`DATABASE_URL "${value}" names no SQLite file`);
  return { kind: 'sqlite', file };
}
