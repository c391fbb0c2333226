import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../http/schema-kit.js';
import { ERROR_DETAIL_KEYWORD } from '../../http/validation-errors.js';
import { HTTP_METHODS, MESSAGE_HANDLERS, REQUEST_CALL_HANDLERS } from './phone-number-schemas.js';

/**
 * The handlers an update may choose: the contract's request enum (Fabric-only handlers are
 * excluded there), plus the two SignalWire's TypeScript SDK sets through this same PUT.
 */
export const UPDATE_CALL_HANDLERS = [...REQUEST_CALL_HANDLERS, 'ai_agent', 'call_flow'] as const;
export type UpdateCallHandler = (typeof UPDATE_CALL_HANDLERS)[number];

export const CALL_FLOW_VERSIONS = ['working_copy', 'current_deployed'] as const;

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

const text = (description: string, extra: { deprecated?: boolean; examples?: string[] } = {}) =>
  Type.String({ description: `${description} An empty string clears it.`, ...extra });

const url = (description: string, extra: { deprecated?: boolean } = {}) =>
  Type.String({ description: `${description} An absolute http or https URL; an empty string clears it.`, ...extra });

const method = (description: string) => StringEnum(HTTP_METHODS, { description });

/** The response declares these as UUIDs, so the request does too; an empty string clears them. */
const clearableUuid = (description: string) =>
  Type.String({ pattern: `^(${UUID})?$`, [ERROR_DETAIL_KEYWORD]: 'must be a UUID', description: `${description} A UUID; an empty string clears it.` });

/** Stored as calling_handler_resource_id, which the response declares a UUID. */
const resourceUuid = (description: string) =>
  Type.String({ pattern: `^${UUID}$`, [ERROR_DETAIL_KEYWORD]: 'must be a UUID', description });

/**
 * A partial update: absent attributes keep their value. JSON null is not a value of any
 * attribute here (the contract types them all as strings): it answers 422, and an empty
 * string is how an optional text attribute is cleared.
 */
export const UpdatePhoneNumberRequest = Type.Partial(
  Type.Object({
    name: text('The friendly name for the phone number.', { examples: ['Main Office Line'] }),
    call_handler: StringEnum(UPDATE_CALL_HANDLERS, {
      description:
        'What answers calls. Each handler needs its companion attribute to be set once the update is applied (in this body or already stored); see the description of this operation.',
    }),
    call_receive_mode: StringEnum(['voice', 'fax'] as const, { description: 'voice or fax.' }),
    call_request_url: url('The call request URL, for the laml_webhooks handler.'),
    call_request_method: method('The call request method.'),
    call_fallback_url: url('The call fallback URL.'),
    call_fallback_method: method('The call fallback method.'),
    call_status_callback_url: url('The call status callback URL.'),
    call_status_callback_method: method('The call status callback method.'),
    call_laml_application_id: text('The LaML Application for the laml_application handler.'),
    call_dialogflow_agent_id: text('The Dialogflow Agent for the dialogflow handler.'),
    call_relay_topic: text('The Relay topic for the relay_topic handler.', { examples: ['office'] }),
    call_relay_topic_status_callback_url: url('Where status changes are sent with the relay_topic handler.'),
    call_relay_script_url: url('The script for the relay_script handler.'),
    call_relay_context: text('Deprecated: use call_relay_application or call_relay_topic. The context for the relay_context handler.', {
      deprecated: true,
    }),
    call_relay_context_status_callback_url: url('Deprecated: use call_relay_topic_status_callback_url.', { deprecated: true }),
    call_relay_application: text('The Relay Application for the relay_application handler.', { examples: ['my-relay-app'] }),
    call_relay_connector_id: text('The Relay Connector for the relay_connector handler.'),
    call_sip_endpoint_id: clearableUuid('The SIP Endpoint for the relay_sip_endpoint handler.'),
    call_verto_resource: text('The Verto resource for the relay_verto_endpoint handler.'),
    call_video_room_id: clearableUuid('The Video Room for the video_room handler.'),
    call_ai_agent_id: resourceUuid(
      'SDK extension: the AI Agent for the ai_agent handler. Only with call_handler ai_agent; returned as calling_handler_resource_id.',
    ),
    call_flow_id: resourceUuid(
      'SDK extension: the Call Flow for the call_flow handler. Only with call_handler call_flow; returned as calling_handler_resource_id.',
    ),
    call_flow_version: StringEnum(CALL_FLOW_VERSIONS, {
      description: 'SDK extension: which version of the Call Flow runs. Only with call_handler call_flow; stored, not part of the response.',
    }),
    message_handler: StringEnum(MESSAGE_HANDLERS, {
      description: 'What receives messages. Each handler needs its companion attribute, like call_handler.',
    }),
    message_request_url: url('The message request URL, for the laml_webhooks message handler.'),
    message_request_method: method('The message request method.'),
    message_fallback_url: url('The message fallback URL.'),
    message_fallback_method: method('The message fallback method.'),
    message_laml_application_id: text('The LaML Application for the laml_application message handler.'),
    message_relay_topic: text('The Relay topic for the relay_topic message handler.'),
    message_relay_context: text('Deprecated: use message_relay_application or message_relay_topic.', { deprecated: true }),
    message_relay_application: text(
      'The Relay Application for the relay_application message handler. Stored; the contract\'s response has no field for it.',
    ),
  }),
  { additionalProperties: false, description: 'A partial update: every attribute is optional.' },
);
export type UpdatePhoneNumberRequest = Static<typeof UpdatePhoneNumberRequest>;
