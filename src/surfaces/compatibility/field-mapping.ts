import type { NumberChanges } from '../../domain/phone-number-update.js';

/**
 * How the Compatibility API's update parameters land on a number, and how its resource shows
 * them: one table, printed as is in docs/compatibility-api.md.
 *
 * `field` is the number's own (Relay REST) attribute the parameter sets. `handler`, when
 * present, is the handler a non-empty value selects (`call_handler` for voice parameters,
 * `message_handler` for SMS ones); an empty value clears the field and, if that handler was
 * answering through it, the handler too. The resource shows a handler-bound field only while
 * that handler is chosen: a number routed to, say, a Relay script has a null `voice_url`.
 */
export const UPDATE_MAPPING = [
  { parameter: 'FriendlyName', field: 'name', shown: 'friendly_name' },
  { parameter: 'VoiceUrl', field: 'call_request_url', handler: { call: 'laml_webhooks' }, shown: 'voice_url' },
  { parameter: 'VoiceMethod', field: 'call_request_method', shown: 'voice_method' },
  { parameter: 'VoiceFallbackUrl', field: 'call_fallback_url', shown: 'voice_fallback_url' },
  { parameter: 'VoiceFallbackMethod', field: 'call_fallback_method', shown: 'voice_fallback_method' },
  { parameter: 'StatusCallback', field: 'call_status_callback_url', shown: 'status_callback' },
  { parameter: 'StatusCallbackMethod', field: 'call_status_callback_method', shown: 'status_callback_method' },
  { parameter: 'VoiceApplicationSid', field: 'call_laml_application_id', handler: { call: 'laml_application' }, shown: 'voice_application_sid' },
  { parameter: 'VoiceReceiveMode', field: 'call_receive_mode', shown: null },
  { parameter: 'SmsUrl', field: 'message_request_url', handler: { message: 'laml_webhooks' }, shown: 'sms_url' },
  { parameter: 'SmsMethod', field: 'message_request_method', shown: 'sms_method' },
  { parameter: 'SmsFallbackUrl', field: 'message_fallback_url', shown: 'sms_fallback_url' },
  { parameter: 'SmsFallbackMethod', field: 'message_fallback_method', shown: 'sms_fallback_method' },
  { parameter: 'SmsApplicationSid', field: 'message_laml_application_id', handler: { message: 'laml_application' }, shown: 'sms_application_sid' },
] as const;

type Mapping = (typeof UPDATE_MAPPING)[number];
export type UpdateParameter = Mapping['parameter'];

/** The parameters a Compatibility update names, already checked by its schema. */
export type CompatibilityUpdate = Partial<Record<UpdateParameter, string>>;

/**
 * The update in the number's own words. When both a URL and an application are chosen for
 * the same traffic, the application wins (it is the more specific routing), and the URL is
 * still stored.
 */
export function toNumberChanges(update: CompatibilityUpdate): NumberChanges {
  const changes: Record<string, string> = {};
  let callHandler: string | undefined;
  let messageHandler: string | undefined;
  let orphanedCall: 'laml_webhooks' | 'laml_application' | undefined;
  let orphanedMessage: 'laml_webhooks' | 'laml_application' | undefined;
  for (const m of UPDATE_MAPPING) {
    const value = update[m.parameter];
    if (value === undefined) continue;
    changes[m.field] = value;
    if (!('handler' in m)) continue;
    const h = m.handler as { call?: 'laml_webhooks' | 'laml_application'; message?: 'laml_webhooks' | 'laml_application' };
    if (h.call !== undefined) {
      if (value === '') orphanedCall = h.call;
      else if (callHandler !== 'laml_application') callHandler = h.call;
    }
    if (h.message !== undefined) {
      if (value === '') orphanedMessage = h.message;
      else if (messageHandler !== 'laml_application') messageHandler = h.message;
    }
  }
  return {
    ...changes,
    ...(callHandler === undefined ? {} : { call_handler: callHandler }),
    ...(messageHandler === undefined ? {} : { message_handler: messageHandler }),
    ...(orphanedCall === undefined ? {} : { orphaned_call_handler: orphanedCall }),
    ...(orphanedMessage === undefined ? {} : { orphaned_message_handler: orphanedMessage }),
  };
}

const PARAMETER_OF_FIELD = new Map<string, string>(UPDATE_MAPPING.map((m) => [m.field, m.parameter]));
const FIELD_NAMES = new RegExp(`\\b(${[...PARAMETER_OF_FIELD.keys(), 'call_handler', 'message_handler'].join('|')})\\b`, 'g');

/**
 * A problem's detail in this surface's words: the rules speak of the number's fields, the
 * caller sent Compatibility parameters.
 */
export function inCompatibilityTerms(detail: string): string {
  return detail.replace(FIELD_NAMES, (field) =>
    field === 'call_handler' ? 'the voice handler' : field === 'message_handler' ? 'the SMS handler' : PARAMETER_OF_FIELD.get(field)!,
  );
}
