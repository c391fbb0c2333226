import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Every number keeps its Compatibility view (the IncomingPhoneNumber, with `uri` as the bare
 * path the surface splices its prefix and suffix around) beside its Relay record, rewritten by
 * every write as that one is. A Compatibility list page then sends 50 stored texts instead of
 * rendering 50 resources from 26 columns: measured on SQLite, rendering was about two thirds
 * of the page's server CPU. Active numbers of projects are filled here; stock rows have no
 * renderings, released rows are not read back, and a row somehow left without one is
 * rendered from its columns when read.
 *
 * SQLite runs a migration outside a transaction: the column is added only if missing and the
 * fill goes in batches of its own transactions, by id, so a start killed midway resumes where
 * it stopped. On PostgreSQL the whole migration is one transaction, which holds the table's
 * lock until the fill commits.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(await hasColumn(db))) await db.schema.alterTable('phone_numbers').addColumn('compat_wire', 'text').execute();
  let after = '';
  for (;;) {
    const fill = async (trx: Kysely<any>) => {
      const rows = await trx
        .selectFrom('phone_numbers')
        .selectAll()
        .where('id', '>', after)
        .where(sql.ref('compat_wire'), 'is', null)
        .where(sql.ref('stock_space_id'), 'is', null)
        .where(sql.ref('released_at'), 'is', null)
        .orderBy('id')
        .limit(1000)
        .execute();
      for (const row of rows) {
        await trx.updateTable('phone_numbers').set({ compat_wire: compatWireOf(row) }).where('id', '=', row.id).execute();
      }
      return rows;
    };
    const rows = db.isTransaction ? await fill(db) : await db.transaction().execute(fill);
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
  }
}

async function hasColumn(db: Kysely<any>): Promise<boolean> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from information_schema.columns where table_schema = current_schema() and table_name = 'phone_numbers' and column_name = 'compat_wire'`.execute(db);
    return rows[0]!.n > 0;
  }
  const { rows } = await sql<{ name: string }>`select name from pragma_table_info('phone_numbers')`.execute(db);
  return rows.some((r) => r.name === 'compat_wire');
}

/**
 * The view as this migration was written with. Frozen here on purpose: a migration must fill
 * old rows the same way forever, whatever the application's renderer later becomes.
 */
export function compatWireOf(row: Record<string, any>): string {
  const mask = Number(row.capabilities);
  const when = (iso: string) => {
    const d = new Date(iso);
    const two = (n: number) => String(n).padStart(2, '0');
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
    const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
    return `${day}, ${two(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
  };
  const number: string = row.number;
  const nanp = number.length === 12 && number.startsWith('+1');
  const view: Record<string, unknown> = {
    account_id: row.project_id,
    account_sid: row.project_id,
    address_requirements: 'none',
    address_sid: null,
    api_version: '2010-04-01',
    beta: false,
    capabilities: { voice: (mask & 1) !== 0, sms: (mask & 2) !== 0, mms: (mask & 4) !== 0, fax: (mask & 8) !== 0 },
    country_code: row.country_code ?? '',
    date_created: when(row.created_at),
    date_updated: when(row.updated_at),
    emergency_address_sid: row.e911_address_id ?? null,
    emergency_status: row.e911_status === 'active' ? 'Active' : 'Inactive',
    friendly_name: row.name ?? (nanp ? `(${number.slice(2, 5)}) ${number.slice(5, 8)}-${number.slice(8)}` : number),
    identity_sid: null,
    origin: row.purchased_at == null ? 'hosted' : 'signalwire',
    phone_number: number,
    sid: row.id,
    sms_application_sid: row.message_handler === 'laml_application' ? row.message_laml_application_id : null,
    sms_fallback_method: row.message_fallback_method ?? 'POST',
    sms_fallback_url: row.message_fallback_url ?? null,
    sms_method: row.message_request_method ?? 'POST',
    sms_url: row.message_handler === 'laml_webhooks' ? row.message_request_url : null,
    status_callback: row.call_status_callback_url ?? null,
    status_callback_method: row.call_status_callback_method ?? 'POST',
    trunk_sid: null,
    uri: `/Accounts/${encodeURIComponent(row.project_id)}/IncomingPhoneNumbers/${row.id}`,
  };
  if (row.number_type === 'toll-free') view.verification_status = 'Unverified';
  view.voice_application_sid = row.call_handler === 'laml_application' ? row.call_laml_application_id : null;
  view.voice_caller_id_lookup = null;
  view.voice_fallback_method = row.call_fallback_method ?? 'POST';
  view.voice_fallback_url = row.call_fallback_url ?? null;
  view.voice_method = row.call_request_method ?? 'POST';
  view.voice_url = row.call_handler === 'laml_webhooks' ? row.call_request_url : null;
  return JSON.stringify(view);
}
