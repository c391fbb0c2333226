import pg from 'pg';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of the benchmark's own, so a server starts on an empty database and leaves nothing behind. */
export interface ScratchSchema {
  readonly name: string;
  /** The server's DATABASE_URL: the admin URL with its search_path pinned to the schema. */
  readonly url: string;
  drop(): Promise<void>;
}

export async function createScratchSchema(adminUrl: string, label: string): Promise<ScratchSchema> {
  const name = `bench_${label.replace(/[^a-z0-9]/gi, '_')}_${crypto.randomUUID().slice(0, 8)}`.toLowerCase();
  await adminQuery(adminUrl, `create schema ${name}`);
  const url = new URL(adminUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await adminQuery(adminUrl, `drop schema if exists ${name} cascade`);
    },
  };
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
