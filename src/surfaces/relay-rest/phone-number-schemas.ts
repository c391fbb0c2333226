import { type Static, Type } from '@sinclair/typebox';
import { CAPABILITIES } from '../../domain/capabilities.js';
import { NullableEnum, NullableString, StringEnum } from '../../http/schema-kit.js';

/** The contract's request enum for call_handler. */
export const REQUEST_CALL_HANDLERS = [
  'relay_context',
  'relay_topic',
  'relay_script',
  'relay_application',
  'relay_connector',
  'relay_sip_endpoint',
  'relay_verto_endpoint',
  'laml_webhooks',
  'laml_application',
  'dialogflow',
  'video_room',
] as const;
/** The response enum: the request's, plus the handlers set elsewhere (SDK, Fabric). */
export const CALL_HANDLERS = [...REQUEST_CALL_HANDLERS, 'call_flow', 'ai_agent', 'fabric_subscriber', 'sip_gateway', 'call_queue'] as const;
export const MESSAGE_HANDLERS = ['relay_context', 'relay_topic', 'relay_application', 'laml_webhooks', 'laml_application'] as const;
export const HTTP_METHODS = ['GET', 'POST'] as const;
export const E911_STATUSES = ['pending', 'active', 'failed', 'pending_removal', 'unregistered'] as const;

const uuid = { format: 'uuid' };

/** Every field is always present; absent values are null, never missing. */
export const PhoneNumberResponse = Type.Object(
  {
    id: Type.String({ ...uuid, description: 'A version 7 UUID (time-ordered); treat it as opaque.' }),
    number: Type.String({ description: 'E.164: `+` and digits.' }),
    name: NullableString(),
    capabilities: Type.Array(StringEnum(CAPABILITIES), { description: 'Always in the order voice, sms, mms, fax.' }),
    number_type: StringEnum(['toll-free', 'longcode'] as const),
    e911_address_id: NullableString(uuid),
    e911_status: NullableEnum(E911_STATUSES),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    next_billed_at: NullableString({ format: 'date-time' }),
    call_handler: NullableEnum(CALL_HANDLERS),
    calling_handler_resource_id: NullableString(uuid),
    call_receive_mode: StringEnum(['voice', 'fax'] as const),
    call_request_url: NullableString(),
    call_request_method: NullableEnum(HTTP_METHODS),
    call_fallback_url: NullableString(),
    call_fallback_method: NullableEnum(HTTP_METHODS),
    call_status_callback_url: NullableString(),
    call_status_callback_method: NullableEnum(HTTP_METHODS),
    call_laml_application_id: NullableString(),
    call_dialogflow_agent_id: NullableString(),
    call_relay_topic: NullableString(),
    call_relay_topic_status_callback_url: NullableString(),
    call_relay_script_url: NullableString(),
    call_relay_context: NullableString(),
    call_relay_context_status_callback_url: NullableString(),
    call_relay_application: NullableString(),
    call_relay_connector_id: NullableString(),
    call_sip_endpoint_id: NullableString(uuid),
    call_verto_resource: NullableString(),
    call_video_room_id: NullableString(uuid),
    message_handler: NullableEnum(MESSAGE_HANDLERS),
    messaging_handler_resource_id: NullableString(uuid),
    message_request_url: NullableString(),
    message_request_method: NullableEnum(HTTP_METHODS),
    message_fallback_url: NullableString(),
    message_fallback_method: NullableEnum(HTTP_METHODS),
    message_laml_application_id: NullableString(),
    message_relay_topic: NullableString(),
    message_relay_context: NullableString(),
    country_code: NullableString({ description: 'ISO 3166-1 alpha-2 region of the number; null when it has none.' }),
  },
  { additionalProperties: false },
);
export type PhoneNumberResponse = Static<typeof PhoneNumberResponse>;
