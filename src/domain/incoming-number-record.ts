import type { PhoneNumberRow } from './phone-number-record.js';

/**
 * The Compatibility API's view of a number (the contract's IncomingPhoneNumber), as a
 * function of the row alone, so it can be stored beside the row like the Relay record and a
 * list page sent from stored text. The one request-dependent part, the prefix and `.json`
 * suffix its `uri` repeats, is left out: `uri` holds the bare path
 * `/Accounts/{sid}/IncomingPhoneNumbers/{id}`, and the surface splices the request's prefix
 * before it and suffix after it (see surfaces/compatibility/incoming-phone-number.ts).
 */
export function incomingNumberRecord(row: PhoneNumberRow): Record<string, unknown> {
  const voiceUrl = row.call_handler === 'laml_webhooks' ? row.call_request_url : null;
  const voiceApplication = row.call_handler === 'laml_application' ? row.call_laml_application_id : null;
  const smsUrl = row.message_handler === 'laml_webhooks' ? row.message_request_url : null;
  const smsApplication = row.message_handler === 'laml_application' ? row.message_laml_application_id : null;
  const resource: Record<string, unknown> = {
    account_id: row.project_id,
    account_sid: row.project_id,
    address_requirements: 'none',
    address_sid: null,
    api_version: '2010-04-01',
    beta: false,
    capabilities: capabilityFlags(row.capabilities),
    // Non-geographic numbers (+800, +882 ...) have no country; the contract's field is a string.
    country_code: row.country_code ?? '',
    date_created: rfc2822(row.created_at),
    date_updated: rfc2822(row.updated_at),
    emergency_address_sid: row.e911_address_id,
    emergency_status: row.e911_status === 'active' ? 'Active' : 'Inactive',
    friendly_name: row.name ?? readable(row.number),
    identity_sid: null,
    // Bought from the platform's stock, or imported from another carrier.
    origin: row.purchased_at === null ? 'hosted' : 'signalwire',
    phone_number: row.number,
    sid: row.id,
    sms_application_sid: smsApplication,
    sms_fallback_method: row.message_fallback_method ?? 'POST',
    sms_fallback_url: row.message_fallback_url,
    sms_method: row.message_request_method ?? 'POST',
    sms_url: smsUrl,
    status_callback: row.call_status_callback_url,
    status_callback_method: row.call_status_callback_method ?? 'POST',
    trunk_sid: null,
    uri: incomingNumberPath(row.project_id, row.id),
  };
  // The contract: present for toll-free numbers only.
  if (row.number_type === 'toll-free') resource.verification_status = 'Unverified';
  resource.voice_application_sid = voiceApplication;
  resource.voice_caller_id_lookup = null;
  resource.voice_fallback_method = row.call_fallback_method ?? 'POST';
  resource.voice_fallback_url = row.call_fallback_url;
  resource.voice_method = row.call_request_method ?? 'POST';
  resource.voice_url = voiceUrl;
  return resource;
}

/** The number's path under a Compatibility prefix, without the prefix or any suffix. */
export const incomingNumberPath = (accountSid: string, id: string) => `/Accounts/${encodeURIComponent(accountSid)}/IncomingPhoneNumbers/${id}`;

const FLAGS: readonly Readonly<Record<string, boolean>>[] = Array.from({ length: 16 }, (_, mask) =>
  Object.freeze({
    voice: (mask & 1) !== 0,
    sms: (mask & 2) !== 0,
    mms: (mask & 4) !== 0,
    fax: (mask & 8) !== 0,
  }),
);

function capabilityFlags(mask: number): Readonly<Record<string, boolean>> {
  return FLAGS[mask & 15]!;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `Tue, 25 Sep 2018 23:00:00 +0000`: RFC 2822, in UTC, as Twilio-shaped APIs write it. */
export function rfc2822(iso: string): string {
  const d = new Date(iso);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/**
 * The friendly name of a number that has none: North American numbers as `(310) 338-6745`,
 * the way the contract's example shows them; every other number as its E.164 form. (A full
 * numbering-plan formatter costs about 35 µs a number, too much for a list page.)
 */
export function readable(e164: string): string {
  if (e164.length === 12 && e164.startsWith('+1')) return `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;
  return e164;
}
