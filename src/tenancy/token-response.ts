import type { TokenRecord } from '../storage/tenant-records.js';

/**
 * A token as both surfaces answer it. The secret appears in the create answer only:
 * numberspace keeps a hash, so every later answer carries the empty string there.
 */
export const tokenResponse = (t: TokenRecord, secret = '') => ({ id: t.id, name: t.name, permissions: [...t.scopes], token: secret });
