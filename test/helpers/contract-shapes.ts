/**
 * Shape checks written from SignalWire's contract and the README's error table, for tests
 * that throw many requests at the server and must judge every answer without a fixed
 * expectation: is this a whole PhoneNumberResponse, is this error body exactly one of the
 * documented shapes. They return the problems found (empty when the shape is right) so a
 * failing assertion names every one.
 */

/** The 41 keys SignalWire's `PhoneNumberResponse` requires, in the contract's order. */
export const PHONE_NUMBER_KEYS = [
  'id', 'number', 'name', 'capabilities', 'number_type', 'e911_address_id', 'e911_status', 'created_at', 'updated_at',
  'next_billed_at', 'call_handler', 'calling_handler_resource_id', 'call_receive_mode', 'call_request_url',
  'call_request_method', 'call_fallback_url', 'call_fallback_method', 'call_status_callback_url',
  'call_status_callback_method', 'call_laml_application_id', 'call_dialogflow_agent_id', 'call_relay_topic',
  'call_relay_topic_status_callback_url', 'call_relay_script_url', 'call_relay_context',
  'call_relay_context_status_callback_url', 'call_relay_application', 'call_relay_connector_id',
  'call_sip_endpoint_id', 'call_verto_resource', 'call_video_room_id', 'message_handler',
  'messaging_handler_resource_id', 'message_request_url', 'message_request_method', 'message_fallback_url',
  'message_fallback_method', 'message_laml_application_id', 'message_relay_topic', 'message_relay_context',
  'country_code',
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 3339 date-time, as the contract's `format: date-time` means it. */
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;
/** `+` and 4 to 30 digits: 5 to 30 characters were sent, with or without the `+`. */
const E164 = /^\+[1-9][0-9]{3,29}$/;

const CAPABILITY_ORDER = ['voice', 'sms', 'mms', 'fax'];
const CALL_HANDLERS = [
  'relay_context', 'relay_topic', 'relay_script', 'relay_application', 'relay_connector', 'relay_sip_endpoint',
  'relay_verto_endpoint', 'laml_webhooks', 'laml_application', 'dialogflow', 'video_room', 'call_flow', 'ai_agent',
  'fabric_subscriber', 'sip_gateway', 'call_queue',
];
const MESSAGE_HANDLERS = ['relay_context', 'relay_topic', 'relay_application', 'laml_webhooks', 'laml_application'];
const HTTP_METHODS = ['GET', 'POST'];
const E911_STATUSES = ['pending', 'active', 'failed', 'pending_removal', 'unregistered'];

type Rule = (v: unknown) => boolean;
const str: Rule = (v) => typeof v === 'string';
const nullable = (r: Rule): Rule => (v) => v === null || r(v);
const oneOf = (values: readonly string[]): Rule => (v) => typeof v === 'string' && values.includes(v);
const uuid: Rule = (v) => typeof v === 'string' && UUID.test(v);
const dateTime: Rule = (v) => typeof v === 'string' && DATE_TIME.test(v) && !Number.isNaN(Date.parse(v));

const RULES: Record<(typeof PHONE_NUMBER_KEYS)[number], Rule> = {
  id: uuid,
  number: (v) => typeof v === 'string' && E164.test(v),
  name: nullable(str),
  capabilities: (v) =>
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((c) => CAPABILITY_ORDER.includes(c)) &&
    // The README: always in the order voice, sms, mms, fax, each once.
    v.every((c, i) => i === 0 || CAPABILITY_ORDER.indexOf(c) > CAPABILITY_ORDER.indexOf(v[i - 1])),
  number_type: oneOf(['toll-free', 'longcode']),
  e911_address_id: nullable(uuid),
  e911_status: nullable(oneOf(E911_STATUSES)),
  created_at: dateTime,
  updated_at: dateTime,
  next_billed_at: nullable(dateTime),
  call_handler: nullable(oneOf(CALL_HANDLERS)),
  calling_handler_resource_id: nullable(uuid),
  call_receive_mode: oneOf(['voice', 'fax']),
  call_request_url: nullable(str),
  call_request_method: nullable(oneOf(HTTP_METHODS)),
  call_fallback_url: nullable(str),
  call_fallback_method: nullable(oneOf(HTTP_METHODS)),
  call_status_callback_url: nullable(str),
  call_status_callback_method: nullable(oneOf(HTTP_METHODS)),
  call_laml_application_id: nullable(str),
  call_dialogflow_agent_id: nullable(str),
  call_relay_topic: nullable(str),
  call_relay_topic_status_callback_url: nullable(str),
  call_relay_script_url: nullable(str),
  call_relay_context: nullable(str),
  call_relay_context_status_callback_url: nullable(str),
  call_relay_application: nullable(str),
  call_relay_connector_id: nullable(str),
  call_sip_endpoint_id: nullable(uuid),
  call_verto_resource: nullable(str),
  call_video_room_id: nullable(uuid),
  message_handler: nullable(oneOf(MESSAGE_HANDLERS)),
  messaging_handler_resource_id: nullable(uuid),
  message_request_url: nullable(str),
  message_request_method: nullable(oneOf(HTTP_METHODS)),
  message_fallback_url: nullable(str),
  message_fallback_method: nullable(oneOf(HTTP_METHODS)),
  message_laml_application_id: nullable(str),
  message_relay_topic: nullable(str),
  message_relay_context: nullable(str),
  country_code: nullable(str),
};

/** Problems with `value` as a contract `PhoneNumberResponse`: every key present, no other, each typed. */
export function phoneNumberProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`not an object: ${JSON.stringify(value)}`];
  const problems: string[] = [];
  const record = value as Record<string, unknown>;
  for (const key of PHONE_NUMBER_KEYS) {
    if (!Object.hasOwn(record, key)) problems.push(`missing ${key}`);
    else if (!RULES[key](record[key])) problems.push(`${key} = ${JSON.stringify(record[key])}`);
  }
  for (const key of Object.keys(record)) {
    if (!(PHONE_NUMBER_KEYS as readonly string[]).includes(key)) problems.push(`unexpected key ${key}`);
  }
  if (problems.length === 0 && (record.updated_at as string) < (record.created_at as string)) {
    problems.push(`updated_at ${String(record.updated_at)} before created_at ${String(record.created_at)}`);
  }
  return problems;
}

/** The reason of every simple-shaped status the README documents. */
export const SIMPLE_REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The 422 codes of the README's table. */
export const INVALID_CODES = [
  'missing_attribute', 'unknown_attribute', 'invalid_type', 'invalid_value', 'invalid_length', 'invalid_format',
  'empty_list', 'invalid_body', 'handler_mismatch', 'number_type_mismatch', 'number_taken', 'quota_exceeded',
] as const;
const FORBIDDEN_CODES = ['missing_scope', 'partner_api_disabled'];

export interface Problem {
  detail: string;
  status: string;
  title: string;
  code: string;
}

/**
 * Problems with an error answer: 400, 401, 404, 405, 408, 413, 415, 431, 500 and 503 carry
 * exactly `{"error":"<reason>"}`; 403 and 422 carry `{"errors":[…]}` with at least one item,
 * each exactly `detail`, `status`, `title`, `code`, all strings, `status` the answer's own.
 * A HEAD answer has no body to judge.
 */
export function errorBodyProblems(method: string, status: number, text: string): string[] {
  if (method === 'HEAD') return text === '' ? [] : [`HEAD ${status} has a body: ${text.slice(0, 200)}`];
  const reason = SIMPLE_REASONS[status];
  if (reason !== undefined) {
    const expected = JSON.stringify({ error: reason });
    return text === expected ? [] : [`${status} body ${text.slice(0, 300)} is not ${expected}`];
  }
  if (status !== 403 && status !== 422) return [`undocumented status ${status}: ${text.slice(0, 300)}`];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`${status} body is not JSON: ${text.slice(0, 300)}`];
  }
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'errors') {
    return [`${status} body must have exactly the key errors: ${text.slice(0, 300)}`];
  }
  const items = (body as { errors: unknown }).errors;
  if (!Array.isArray(items) || items.length === 0) return [`${status} errors must be a non-empty array: ${text.slice(0, 300)}`];
  for (const item of items as unknown[]) {
    const keys = typeof item === 'object' && item !== null ? Object.keys(item).sort().join() : '';
    if (keys !== 'code,detail,status,title') {
      problems.push(`item keys ${keys}: ${JSON.stringify(item)}`);
      continue;
    }
    const i = item as Record<string, unknown>;
    if (!['code', 'detail', 'status', 'title'].every((k) => typeof i[k] === 'string' && i[k] !== '')) {
      problems.push(`item values must be non-empty strings: ${JSON.stringify(item)}`);
      continue;
    }
    if (i.status !== String(status)) problems.push(`item status ${String(i.status)} in a ${status}`);
    const [title, codes] = status === 422 ? ['Invalid Attribute', INVALID_CODES as readonly string[]] : ['Forbidden', FORBIDDEN_CODES];
    if (i.title !== title) problems.push(`item title ${String(i.title)} in a ${status}`);
    if (!codes.includes(i.code as string)) problems.push(`undocumented code ${String(i.code)}`);
  }
  return problems;
}

/** Rejects when `promise` has not settled within `ms`: a request that hangs fails the test instead of stalling it. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${label}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
