import pg from 'pg';

/**
 * Which database a test run uses. `npm test` runs on SQLite; `npm run test:pg` sets
 * NUMBERSPACE_TEST_BACKEND=postgres and the same suite runs on PostgreSQL, each server in a
 * schema of its own so runs and files never see each other's data.
 */
export const BACKEND = process.env.NUMBERSPACE_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface FreshDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(dir: string): Promise<FreshDatabase> {
  if (BACKEND === 'sqlite') return { url: `${dir}/numberspace.db`, drop: async () => {} };
  const schema = `t_${crypto.randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop schema ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}
