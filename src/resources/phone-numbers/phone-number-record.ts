import { maskToCapabilities } from '../../domain/capabilities.js';
import type { PhoneNumbersTable } from '../../storage/schema.js';
import type { PhoneNumberResponse } from './phone-number-schemas.js';

export type PhoneNumberRow = PhoneNumbersTable;

/** Row to wire. Column names are the wire names, so this only converts the capability mask and drops storage-only columns. */
export function toWire(row: PhoneNumberRow): PhoneNumberResponse {
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    capabilities: maskToCapabilities(row.capabilities) as PhoneNumberResponse['capabilities'],
    number_type: row.number_type,
    e911_address_id: row.e911_address_id,
    e911_status: row.e911_status as PhoneNumberResponse['e911_status'],
    created_at: row.created_at,
    updated_at: row.updated_at,
    next_billed_at: row.next_billed_at,
    call_handler: row.call_handler as PhoneNumberResponse['call_handler'],
    calling_handler_resource_id: row.calling_handler_resource_id,
    call_receive_mode: row.call_receive_mode as PhoneNumberResponse['call_receive_mode'],
    call_request_url: row.call_request_url,
    call_request_method: row.call_request_method as PhoneNumberResponse['call_request_method'],
    call_fallback_url: row.call_fallback_url,
    call_fallback_method: row.call_fallback_method as PhoneNumberResponse['call_fallback_method'],
    call_status_callback_url: row.call_status_callback_url,
    call_status_callback_method: row.call_status_callback_method as PhoneNumberResponse['call_status_callback_method'],
    call_laml_application_id: row.call_laml_application_id,
    call_dialogflow_agent_id: row.call_dialogflow_agent_id,
    call_relay_topic: row.call_relay_topic,
    call_relay_topic_status_callback_url: row.call_relay_topic_status_callback_url,
    call_relay_script_url: row.call_relay_script_url,
    call_relay_context: row.call_relay_context,
    call_relay_context_status_callback_url: row.call_relay_context_status_callback_url,
    call_relay_application: row.call_relay_application,
    call_relay_connector_id: row.call_relay_connector_id,
    call_sip_endpoint_id: row.call_sip_endpoint_id,
    call_verto_resource: row.call_verto_resource,
    call_video_room_id: row.call_video_room_id,
    message_handler: row.message_handler as PhoneNumberResponse['message_handler'],
    messaging_handler_resource_id: row.messaging_handler_resource_id,
    message_request_url: row.message_request_url,
    message_request_method: row.message_request_method as PhoneNumberResponse['message_request_method'],
    message_fallback_url: row.message_fallback_url,
    message_fallback_method: row.message_fallback_method as PhoneNumberResponse['message_fallback_method'],
    message_laml_application_id: row.message_laml_application_id,
    message_relay_topic: row.message_relay_topic,
    message_relay_context: row.message_relay_context,
    country_code: row.country_code,
  };
}

/** A freshly imported number: every handler field empty, calls received as voice. */
export function newPhoneNumberRow(fields: {
  id: string;
  projectId: string;
  number: string;
  numberType: PhoneNumberRow['number_type'];
  capabilities: number;
  countryCode: string | null;
  now: string;
}): PhoneNumberRow {
  const row: PhoneNumberRow = {
    id: fields.id,
    project_id: fields.projectId,
    number: fields.number,
    number_type: fields.numberType,
    capabilities: fields.capabilities,
    name: null,
    country_code: fields.countryCode,
    created_at: fields.now,
    updated_at: fields.now,
    released_at: null,
    e911_address_id: null,
    e911_status: null,
    next_billed_at: null,
    call_handler: null,
    calling_handler_resource_id: null,
    call_flow_version: null,
    call_receive_mode: 'voice',
    call_request_url: null,
    call_request_method: null,
    call_fallback_url: null,
    call_fallback_method: null,
    call_status_callback_url: null,
    call_status_callback_method: null,
    call_laml_application_id: null,
    call_dialogflow_agent_id: null,
    call_relay_topic: null,
    call_relay_topic_status_callback_url: null,
    call_relay_script_url: null,
    call_relay_context: null,
    call_relay_context_status_callback_url: null,
    call_relay_application: null,
    call_relay_connector_id: null,
    call_sip_endpoint_id: null,
    call_verto_resource: null,
    call_video_room_id: null,
    message_handler: null,
    messaging_handler_resource_id: null,
    message_request_url: null,
    message_request_method: null,
    message_fallback_url: null,
    message_fallback_method: null,
    message_laml_application_id: null,
    message_relay_topic: null,
    message_relay_context: null,
    message_relay_application: null,
    wire: null,
  };
  return withWire(row);
}

/** The row with its stored wire form brought up to date with its columns. */
export function withWire<T extends PhoneNumberRow>(row: T): T {
  row.wire = JSON.stringify(toWire(row));
  return row;
}

/** The row's wire JSON: the stored text, or (for a row no write has touched since migration) rebuilt. */
export function wireJson(row: Pick<PhoneNumberRow, 'wire'> & Partial<PhoneNumberRow>): string {
  return row.wire ?? JSON.stringify(toWire(row as PhoneNumberRow));
}

/** The update request's attributes stored in the column of the same name. */
export const DIRECT_ATTRIBUTES = [
  'name',
  'call_handler',
  'call_receive_mode',
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
  'message_request_url',
  'message_request_method',
  'message_fallback_url',
  'message_fallback_method',
  'message_laml_application_id',
  'message_relay_topic',
  'message_relay_context',
  'message_relay_application',
] as const satisfies readonly (keyof PhoneNumberRow)[];

/**
 * What an update may change: those attributes, the handler's resource id and flow version,
 * and the update time. Identity, number, type, capabilities, region, creation time, release
 * and E911 state are not among them.
 */
export const UPDATABLE_COLUMNS = ['updated_at', 'calling_handler_resource_id', 'call_flow_version', ...DIRECT_ATTRIBUTES] as const;

export type UpdatableColumns = Pick<PhoneNumberRow, (typeof UPDATABLE_COLUMNS)[number]>;

export function updatableColumns(row: PhoneNumberRow): UpdatableColumns {
  const out = {} as Record<string, unknown>;
  for (const column of UPDATABLE_COLUMNS) out[column] = row[column];
  return out as UpdatableColumns;
}
