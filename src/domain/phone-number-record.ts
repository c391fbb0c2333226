import { maskToCapabilities } from './capabilities.js';
import { incomingNumberRecord } from './incoming-number-record.js';
import type { Capability } from './capabilities.js';

/** A number as stored: one row of phone_numbers. Column names are the Relay REST field names. */
export interface PhoneNumberRow {
  id: string;
  project_id: string;
  number: string;
  number_type: 'longcode' | 'toll-free';
  /** Bit mask, see src/domain/capabilities.ts. */
  capabilities: number;
  name: string | null;
  country_code: string | null;
  created_at: string;
  updated_at: string;
  /** Set when released; released rows stay for audit and free the number for re-import. */
  released_at: string | null;
  e911_address_id: string | null;
  e911_status: string | null;
  next_billed_at: string | null;
  call_handler: string | null;
  calling_handler_resource_id: string | null;
  call_flow_version: string | null;
  call_receive_mode: string;
  call_request_url: string | null;
  call_request_method: string | null;
  call_fallback_url: string | null;
  call_fallback_method: string | null;
  call_status_callback_url: string | null;
  call_status_callback_method: string | null;
  call_laml_application_id: string | null;
  call_dialogflow_agent_id: string | null;
  call_relay_topic: string | null;
  call_relay_topic_status_callback_url: string | null;
  call_relay_script_url: string | null;
  call_relay_context: string | null;
  call_relay_context_status_callback_url: string | null;
  call_relay_application: string | null;
  call_relay_connector_id: string | null;
  call_sip_endpoint_id: string | null;
  call_verto_resource: string | null;
  call_video_room_id: string | null;
  message_handler: string | null;
  messaging_handler_resource_id: string | null;
  message_request_url: string | null;
  message_request_method: string | null;
  message_fallback_url: string | null;
  message_fallback_method: string | null;
  message_laml_application_id: string | null;
  message_relay_topic: string | null;
  message_relay_context: string | null;
  message_relay_application: string | null;
  /** Where the number is, as its stock entry said (or its numbering plan); null where unknown. */
  region: string | null;
  city: string | null;
  rate_center: string | null;
  lata: string | null;
  /** When the number was bought from stock; null for an imported number. */
  purchased_at: string | null;
  /**
   * The number's record (numberRecord below) as JSON text: a copy kept so reads need not
   * rebuild it, never a second source of truth. How it cannot go stale: see withRecordJson.
   */
  wire: string | null;
  /** The Compatibility API's view of the number as JSON (domain/incoming-number-record.ts), kept the same way. */
  compat_wire: string | null;
}

/**
 * A number's public record: every field a client may see, in one fixed order. Relay REST
 * answers it as it is (its field names are the columns'); other surfaces render their own
 * views of it.
 */
export type NumberRecord = Omit<
  PhoneNumberRow,
  'project_id' | 'released_at' | 'call_flow_version' | 'message_relay_application' | 'wire' | 'compat_wire' | 'capabilities' | 'region' | 'city' | 'rate_center' | 'lata' | 'purchased_at'
> & {
  readonly capabilities: readonly Capability[];
};

/** The record of a row: converts the capability mask and drops what only storage needs. */
export function numberRecord(row: PhoneNumberRow): NumberRecord {
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    capabilities: maskToCapabilities(row.capabilities),
    number_type: row.number_type,
    e911_address_id: row.e911_address_id,
    e911_status: row.e911_status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    next_billed_at: row.next_billed_at,
    call_handler: row.call_handler,
    calling_handler_resource_id: row.calling_handler_resource_id,
    call_receive_mode: row.call_receive_mode,
    call_request_url: row.call_request_url,
    call_request_method: row.call_request_method,
    call_fallback_url: row.call_fallback_url,
    call_fallback_method: row.call_fallback_method,
    call_status_callback_url: row.call_status_callback_url,
    call_status_callback_method: row.call_status_callback_method,
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
    message_handler: row.message_handler,
    messaging_handler_resource_id: row.messaging_handler_resource_id,
    message_request_url: row.message_request_url,
    message_request_method: row.message_request_method,
    message_fallback_url: row.message_fallback_url,
    message_fallback_method: row.message_fallback_method,
    message_laml_application_id: row.message_laml_application_id,
    message_relay_topic: row.message_relay_topic,
    message_relay_context: row.message_relay_context,
    country_code: row.country_code,
  };
}

/** A freshly imported number: every handler field empty, calls received as voice. */
export function newPhoneNumberRow(fields: NewNumberFields): PhoneNumberRow {
  return withRecordJson(unrenderedPhoneNumberRow(fields));
}

type NewNumberFields = {
  id: string;
  projectId: string;
  number: string;
  numberType: PhoneNumberRow['number_type'];
  capabilities: number;
  countryCode: string | null;
  now: string;
};

/** The same row without its renderings: a stock row has none, since no one reads them. */
export function unrenderedPhoneNumberRow(fields: NewNumberFields): PhoneNumberRow {
  return {
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
    region: null,
    city: null,
    rate_center: null,
    lata: null,
    purchased_at: null,
    wire: null,
    compat_wire: null,
  };
}

/**
 * Each number's answers are stored beside its columns as text: its Relay record and its
 * Compatibility view. A rendering names one of them by the column that keeps it.
 */
export const RENDERINGS = { relay: 'wire', compatibility: 'compat_wire' } as const;
export type Rendering = keyof typeof RENDERINGS;
export type RenderedColumn = (typeof RENDERINGS)[Rendering];
/** The columns every write that changes what a number shows writes with the rest. */
export const RENDERED_COLUMNS = Object.values(RENDERINGS);

const RENDER: Readonly<Record<RenderedColumn, (row: PhoneNumberRow) => unknown>> = { wire: numberRecord, compat_wire: incomingNumberRecord };

/**
 * The row with its stored renderings brought up to date with its columns.
 *
 * Why a stored copy can never go stale: (1) it is a function of the row's columns only,
 * computed here from the very object whose columns the same statement writes (an import
 * inserts the whole row; an update writes the planned row's columns and these copies
 * together, under the row's write lock; see storage/); (2) no other statement changes a
 * column a rendering shows (a release sets only released_at, and a released row's renderings
 * are read back only as a fallback that renders from its columns); (3) the renderings are frozen by the migrations: a unit test holds each
 * renderer's output equal to the latest migration's own rendering of that column, so changing
 * one without a migration that rewrites its column fails the build. A row with no copy
 * (written before its column existed) is rendered from its columns by renderedJson.
 */
export function withRecordJson<T extends PhoneNumberRow>(row: T): T {
  for (const column of RENDERED_COLUMNS) row[column] = JSON.stringify(RENDER[column](row));
  return row;
}

/** The row's rendering as JSON: the stored copy, or rendered from the columns for a row without one. */
export function renderedJson(row: Partial<PhoneNumberRow>, column: RenderedColumn): string {
  return row[column] ?? JSON.stringify(RENDER[column](row as PhoneNumberRow));
}

/** The row's Relay record as JSON (see renderedJson). */
export const recordJson = (row: Partial<PhoneNumberRow>): string => renderedJson(row, 'wire');

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
