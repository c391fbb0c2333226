import { type Kysely, sql } from 'kysely';

/** Tenancy (spaces, projects, tokens) and the phone-number inventory. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('spaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('partner_api', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('projects_space').on('projects').column('space_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_project').on('api_tokens').column('project_id').execute();

  let table = db.schema
    .createTable('phone_numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('number_type', 'text', (c) => c.notNull())
    .addColumn('capabilities', 'integer', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('country_code', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('released_at', 'text')
    .addColumn('call_receive_mode', 'text', (c) => c.notNull().defaultTo('voice'));
  for (const column of NULLABLE_TEXT_COLUMNS) table = table.addColumn(column, 'text');
  await table.execute();

  // The one rule that must hold across every node and every race: a number is active in
  // at most one place in the whole installation.
  await db.schema
    .createIndex('phone_numbers_active_number')
    .on('phone_numbers')
    .column('number')
    .unique()
    .where(sql.ref('released_at'), 'is', null)
    .execute();
  // Serves the newest-first listing of a project's active numbers (keyset pagination).
  await db.schema
    .createIndex('phone_numbers_project_listing')
    .on('phone_numbers')
    .columns(['project_id', 'created_at desc', 'id desc'])
    .where(sql.ref('released_at'), 'is', null)
    .execute();
}

const NULLABLE_TEXT_COLUMNS = [
  'e911_address_id',
  'e911_status',
  'next_billed_at',
  'call_handler',
  'calling_handler_resource_id',
  'call_flow_version',
  'call_request_url',
  'call_request_method',
  'call_fallback_url',
  'call_fallback_method',
  'call_status_callback_url',
  'call_status_callback_method',
  'call_laml_application_id',
  'call_dialogflow_agent_id',
  'call_relay_topic',
  'call_relay_topic_status_callback_url',
  'call_relay_script_url',
  'call_relay_context',
  'call_relay_context_status_callback_url',
  'call_relay_application',
  'call_relay_connector_id',
  'call_sip_endpoint_id',
  'call_verto_resource',
  'call_video_room_id',
  'message_handler',
  'messaging_handler_resource_id',
  'message_request_url',
  'message_request_method',
  'message_fallback_url',
  'message_fallback_method',
  'message_laml_application_id',
  'message_relay_topic',
  'message_relay_context',
  'message_relay_application',
] as const;
