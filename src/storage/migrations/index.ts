import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-server-secrets.js';
import * as m003 from './003-audit.js';
import * as m004 from './004-abuse-limits.js';
import * as m005 from './005-wire-json.js';
import * as m006 from './006-audit-surface.js';
import * as m007 from './007-idempotency-keys.js';
import * as m008 from './008-number-stock.js';
import * as m009 from './009-overview.js';
import * as m010 from './010-compat-wire.js';
import * as m011 from './011-inline-renderings.js';

/**
 * One numbered history for every backend. Names sort in the order they apply; a migration
 * that must differ by dialect asks `db.getExecutor().adapter` inside its own body.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '001-initial': m001,
  '002-server-secrets': m002,
  '003-audit': m003,
  '004-abuse-limits': m004,
  '005-wire-json': m005,
  '006-audit-surface': m006,
  '007-idempotency-keys': m007,
  '008-number-stock': m008,
  '009-overview': m009,
  '010-compat-wire': m010,
  '011-inline-renderings': m011,
});

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1)!;

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
