import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { PageTokenKeys } from '../tenant-records.js';

const SECRET_NAME = 'page_token_hmac_sha256';
/** A full SHA-256 block of entropy: shorter keys weaken HMAC-SHA256, longer ones add nothing. */
export const PAGE_TOKEN_KEY_BYTES = 32;

export function kyselyPageTokenKeys(
  db: Kysely<Database>,
  options: { clock?: () => Date; random?: (bytes: number) => Buffer } = {},
): PageTokenKeys {
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? randomBytes;

  const read = async () =>
    (await db.selectFrom('server_secrets').select('value').where('name', '=', SECRET_NAME).executeTakeFirst())?.value;

  async function load(): Promise<Buffer> {
    let value = await read();
    if (value === undefined) {
      // Nodes starting together may all find no key. Each offers one; the primary key keeps
      // exactly one, and everyone then reads that one, so no node signs with a key the others lack.
      await db
        .insertInto('server_secrets')
        .values({ name: SECRET_NAME, value: random(PAGE_TOKEN_KEY_BYTES).toString('base64url'), created_at: clock().toISOString() })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      value = await read();
    }
    const key = value === undefined ? undefined : Buffer.from(value, 'base64url');
    if (key === undefined || key.length < PAGE_TOKEN_KEY_BYTES) {
      throw new Error(`server_secrets.${SECRET_NAME} is missing or shorter than ${PAGE_TOKEN_KEY_BYTES} bytes`);
    }
    return key;
  }

  let cached: Promise<Buffer> | undefined;
  return {
    key() {
      cached ??= load().catch((err: unknown) => {
        cached = undefined;
        throw err;
      });
      return cached;
    },
  };
}
