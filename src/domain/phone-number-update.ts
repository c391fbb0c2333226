import { type Actor, type AuditEvent, auditEvent, changedAttributes } from './audit.js';
import { type Problem, problem } from './errors.js';
import { DIRECT_ATTRIBUTES, type PhoneNumberRow, type UpdatableColumns, updatableColumns, withRecordJson } from './phone-number-record.js';
/**
 * The changes an update asks for, by attribute name (the Relay names, which are the column
 * names): absent attributes keep their value, an empty string clears an optional text one.
 * Each surface's schema has already checked types and enums; these rules need the stored row.
 */
export type NumberChanges = Partial<
  Record<(typeof DIRECT_ATTRIBUTES)[number] | 'call_ai_agent_id' | 'call_flow_id' | 'call_flow_version', string>
> & {
  /**
   * A handler to drop if this update leaves it without its companion: how a surface whose
   * clients clear a URL (rather than choose a handler) says "and nothing answers it any more".
   * Any other handler, and a handler whose companion is still set, stays.
   */
  readonly orphaned_call_handler?: keyof typeof CALL_HANDLER_COMPANIONS;
  readonly orphaned_message_handler?: keyof typeof MESSAGE_HANDLER_COMPANIONS;
};

type Body = NumberChanges;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text a database keeps as sent: no NUL (PostgreSQL cannot store it), no unpaired surrogate. */
function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}


export const URL_ATTRIBUTES = [
  'call_request_url',
  'call_fallback_url',
  'call_status_callback_url',
  'call_relay_topic_status_callback_url',
  'call_relay_script_url',
  'call_relay_context_status_callback_url',
  'message_request_url',
  'message_fallback_url',
] as const satisfies readonly (keyof Body)[];

/**
 * The attribute each call handler cannot work without. ai_agent and call_flow keep theirs in
 * calling_handler_resource_id, which is handled apart because it is shared.
 */
export const CALL_HANDLER_COMPANIONS = {
  laml_webhooks: 'call_request_url',
  relay_script: 'call_relay_script_url',
  relay_topic: 'call_relay_topic',
  relay_application: 'call_relay_application',
  relay_context: 'call_relay_context',
  laml_application: 'call_laml_application_id',
  dialogflow: 'call_dialogflow_agent_id',
  relay_connector: 'call_relay_connector_id',
  relay_sip_endpoint: 'call_sip_endpoint_id',
  relay_verto_endpoint: 'call_verto_resource',
  video_room: 'call_video_room_id',
} as const satisfies Record<string, keyof PhoneNumberRow>;

export const MESSAGE_HANDLER_COMPANIONS = {
  laml_webhooks: 'message_request_url',
  laml_application: 'message_laml_application_id',
  relay_topic: 'message_relay_topic',
  relay_context: 'message_relay_context',
  relay_application: 'message_relay_application',
} as const satisfies Record<string, keyof PhoneNumberRow>;

/** The SDK's resource attributes, by the handler that accepts them. */
const RESOURCE_ATTRIBUTES = { ai_agent: 'call_ai_agent_id', call_flow: 'call_flow_id' } as const;

export type UpdateOutcome = { readonly ok: true; readonly row: PhoneNumberRow } | { readonly ok: false; readonly problems: Problem[] };

/**
 * Applies a partial update to a stored number and checks the result. Rules that need the
 * stored row (a handler's companion may have been set by an earlier update) are checked on
 * the merged row, and every problem is reported, not just the first. Never throws.
 *
 * `now` becomes `updated_at`, unless it is not later than the stored value: then the stored
 * value plus one millisecond. `updated_at` thus moves on every update, even when clocks
 * disagree or two updates share a millisecond, so a client comparing it sees every change.
 */
export function applyUpdate(stored: PhoneNumberRow, body: Body, now: Date): UpdateOutcome {
  const problems: Problem[] = [];
  const next: PhoneNumberRow = { ...stored };
  const writable = next as unknown as Record<string, string | null>;

  for (const attribute of DIRECT_ATTRIBUTES) {
    const value = body[attribute];
    if (value === undefined) continue;
    // Text is stored and answered as sent: NUL (which PostgreSQL cannot store) and lone UTF-16
    // surrogates (which no database keeps as sent) would come back as something else.
    if (!isStorableText(value)) {
      problems.push(problem('invalid_format', `${attribute} must be text without NUL characters or unpaired surrogates`));
      continue;
    }
    // The schema admits no empty handler, method or receive mode, so only the optional
    // text attributes can arrive empty, and empty is how they are cleared.
    writable[attribute] = value === '' ? null : value;
  }

  for (const attribute of URL_ATTRIBUTES) {
    const value = body[attribute];
    // Text already refused above is reported once.
    if (value !== undefined && value !== '' && !isStorableText(value)) continue;
    if (value !== undefined && value !== '' && !isHttpUrl(value)) {
      problems.push(problem('invalid_format', `${attribute} must be an absolute http or https URL`));
    }
  }

  const orphanedCall = body.orphaned_call_handler;
  if (orphanedCall !== undefined && next.call_handler === orphanedCall && next[CALL_HANDLER_COMPANIONS[orphanedCall]] === null) next.call_handler = null;
  const orphanedMessage = body.orphaned_message_handler;
  if (orphanedMessage !== undefined && next.message_handler === orphanedMessage && next[MESSAGE_HANDLER_COMPANIONS[orphanedMessage]] === null) {
    next.message_handler = null;
  }

  // calling_handler_resource_id belongs to the handler that set it: a handler change clears
  // it (and the call flow version with it), so an AI Agent id never ends up read as a Call Flow.
  const handler = next.call_handler;
  if (handler !== stored.call_handler) {
    next.calling_handler_resource_id = null;
    next.call_flow_version = null;
  }
  for (const [owner, attribute] of Object.entries(RESOURCE_ATTRIBUTES)) {
    const value = body[attribute];
    if (value === undefined) continue;
    if (handler === owner) next.calling_handler_resource_id = value;
    else problems.push(problem('handler_mismatch', `${attribute} is only accepted when call_handler is ${owner}`));
  }
  if (body.call_flow_version !== undefined) {
    if (handler === 'call_flow') next.call_flow_version = body.call_flow_version;
    else problems.push(problem('handler_mismatch', 'call_flow_version is only accepted when call_handler is call_flow'));
  }

  if (handler === 'ai_agent' || handler === 'call_flow') {
    if (next.calling_handler_resource_id === null) {
      problems.push(problem('missing_attribute', `${RESOURCE_ATTRIBUTES[handler]} is required when call_handler is ${handler}`));
    }
  } else if (handler !== null && Object.hasOwn(CALL_HANDLER_COMPANIONS, handler)) {
    const companion = CALL_HANDLER_COMPANIONS[handler as keyof typeof CALL_HANDLER_COMPANIONS];
    if (next[companion] === null) problems.push(problem('missing_attribute', `${companion} is required when call_handler is ${handler}`));
  }
  const messageHandler = next.message_handler;
  if (messageHandler !== null && Object.hasOwn(MESSAGE_HANDLER_COMPANIONS, messageHandler)) {
    const companion = MESSAGE_HANDLER_COMPANIONS[messageHandler as keyof typeof MESSAGE_HANDLER_COMPANIONS];
    if (next[companion] === null) {
      problems.push(problem('missing_attribute', `${companion} is required when message_handler is ${messageHandler}`));
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  next.updated_at = laterInstant(now, stored.updated_at);
  return { ok: true, row: next };
}

/**
 * An update as plain data: everything needed to apply it to the stored row inside the write
 * that changes it, wherever that write runs (the SQLite writer is a thread of its own).
 */
export interface UpdateRequest {
  readonly body: Body;
  /** ISO 8601; becomes updated_at (see applyUpdate). */
  readonly now: string;
  readonly actor: Actor;
}

export type PlannedUpdate =
  | { readonly ok: true; readonly row: PhoneNumberRow; readonly columns: UpdatableColumns; readonly audit: AuditEvent }
  | { readonly ok: false; readonly problems: Problem[] };

/** The row an update leaves, the columns it writes and its audit record; or why it is refused. */
export function planUpdate(stored: PhoneNumberRow, request: UpdateRequest): PlannedUpdate {
  const outcome = applyUpdate(stored, request.body, new Date(request.now));
  if (!outcome.ok) return outcome;
  const columns = updatableColumns(outcome.row);
  const row = withRecordJson({ ...stored, ...columns });
  const audit = auditEvent(request.actor, columns.updated_at, 'number.updated', stored.id, {
    number: stored.number,
    changed: changedAttributes(stored, columns),
  });
  return { ok: true, row, columns, audit };
}

/** The audit record of a release. */
export function releaseAudit(actor: Actor, at: string, id: string, number: string): AuditEvent {
  return auditEvent(actor, at, 'number.released', id, { number });
}

/** Absolute, http or https, with a host, and nothing a URL parser would silently trim or re-encode. */
export function isHttpUrl(value: string): boolean {
  // WHATWG parsing accepts `http:example.com` and trims or drops whitespace and controls;
  // stored values are returned byte for byte, so they must already be in the plain form.
  // The authority must start right after `//`: `https:///x` or `http://\\host` have no host as
  // written, however a forgiving parser repairs them.
  if (!/^https?:\/\/[^/\\]/i.test(value) || /[\s\u0000-\u001f\u007f]/.test(value)) return false;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return false;
  }
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
}

function laterInstant(now: Date, previous: string): string {
  const floor = Date.parse(previous) + 1;
  return new Date(Math.max(now.getTime(), floor)).toISOString();
}
