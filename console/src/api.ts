/**
 * The console's only way to the server: same-origin fetches with the signed-in project's
 * credentials. Every request is marked `X-Requested-With: numberspace-console`, so a 401
 * carries no Basic challenge and the browser never puts up a login prompt of its own.
 */

export interface Credentials {
  readonly projectId: string;
  readonly token: string;
}

export interface Session extends Credentials {
  /** Whether the token has the management scope (found at sign-in; the Tokens page updates it when it changes the token's scopes). */
  readonly management: boolean;
  /** The token's id, from /api/numberspace/token; null in a session kept by an earlier console. */
  readonly tokenId: string | null;
}

/** A 401 after sign-in: the app has gone back to the sign-in form; nothing more to show. */
export class SignedOut extends Error {
  constructor() {
    super('signed out');
    this.name = 'SignedOut';
  }
}

/** No answer at all: the server is down or the network is. */
export class Unreachable extends Error {
  constructor() {
    super('The server could not be reached. Check that numberspace is running, then try again.');
    this.name = 'Unreachable';
  }
}

export interface Answer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  /** The parsed JSON body; null for an empty one; the text when it is not JSON. */
  readonly body: unknown;
}

export interface SendOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sign-in checks candidate credentials; its 401 is its own to report. */
  readonly credentials?: Credentials;
  readonly signal?: AbortSignal;
}

const SESSION_KEY = 'numberspace-console.session';

let current: Credentials | null = null;
let signedOut: () => void = () => {};

export function setCredentials(credentials: Credentials | null): void {
  current = credentials;
}

export function onSignedOut(handler: () => void): void {
  signedOut = handler;
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (raw === null) return null;
    const value = JSON.parse(raw) as Partial<Session>;
    if (typeof value.projectId !== 'string' || typeof value.token !== 'string') return null;
    return { projectId: value.projectId, token: value.token, management: value.management === true, tokenId: typeof value.tokenId === 'string' ? value.tokenId : null };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    // Storage refused (private mode quotas): the session lasts as long as the page.
  }
}

export function clearSession(): void {
  try {
    sessionStorage.clear();
  } catch {
    // Nothing kept, nothing to clear.
  }
}

function authorization({ projectId, token }: Credentials): string {
  // Basic credentials are bytes; UTF-8 keeps a stray non-Latin-1 character from throwing.
  let binary = '';
  for (const byte of new TextEncoder().encode(`${projectId}:${token}`)) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** Only paths of this server's API are ever sent the credentials, links from answers included. */
export function isApiPath(path: string): boolean {
  return path.startsWith('/api/') && !path.startsWith('//');
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** Failures that have already been dealt with: nothing to show for them. */
export function isQuiet(error: unknown): boolean {
  return error instanceof SignedOut || isAbort(error);
}

export async function send(method: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const credentials = options.credentials ?? current;
  if (credentials === null) throw new SignedOut();
  if (!isApiPath(path)) throw new Error(`not an API path: ${path}`);
  const headers: Record<string, string> = {
    Authorization: authorization(credentials),
    Accept: 'application/json',
    'X-Requested-With': 'numberspace-console',
    ...options.headers,
  };
  const init: RequestInit = { method, headers, credentials: 'omit', cache: 'no-store', redirect: 'error' };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (options.signal !== undefined) init.signal = options.signal;
  let response: Response;
  let text: string;
  try {
    response = await fetch(path, init);
    text = await response.text();
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new Unreachable();
  }
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (response.status === 401 && options.credentials === undefined) {
    signedOut();
    throw new SignedOut();
  }
  return { status: response.status, ok: response.ok, headers: response.headers, body };
}

/** A 422's problems in Relay REST's list shape: each `detail`. */
export function relayDetails(body: unknown): string[] {
  const list = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return [];
  return list.map((e) => (e as { detail?: unknown }).detail).filter((d): d is string => typeof d === 'string');
}

/** The Project Tokens API's 422 items: `message` and the `attribute` it names. */
export function tokenProblems(body: unknown): { attribute: string | null; message: string }[] {
  const list = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return [];
  return list
    .map((e) => e as { attribute?: unknown; message?: unknown; detail?: unknown })
    .map((e) => ({
      attribute: typeof e.attribute === 'string' ? e.attribute : null,
      message: typeof e.message === 'string' ? e.message : typeof e.detail === 'string' ? e.detail : '',
    }))
    .filter((e) => e.message !== '');
}

/** What to tell the user about an answer that is not a success. */
export function failureText(answer: Answer): string {
  const details = relayDetails(answer.body);
  switch (answer.status) {
    case 400:
      return 'The server could not read the request (400 Bad Request).';
    case 401:
      return 'The project ID or API token was refused.';
    case 403:
      return details.length > 0 ? details.join(' ') : 'This token is not allowed to do that (403 Forbidden).';
    case 404:
      return 'Not found: it does not exist in this project, or no longer does.';
    case 409:
      return 'The same request is still being processed; try again in a moment.';
    case 413:
      return 'The request is too large.';
    case 422: {
      const problems = details.length > 0 ? details : tokenProblems(answer.body).map((p) => p.message);
      return problems.length > 0 ? problems.join('; ') : 'The server refused the values sent (422).';
    }
    case 429: {
      const wait = answer.headers.get('retry-after');
      return `Too many requests: wait ${wait === null ? 'a moment' : `${wait} s`} and try again.`;
    }
    case 503:
      return 'The server cannot answer right now (503 Service Unavailable); try again shortly.';
    default:
      return answer.status >= 500 ? `The server failed to answer (${answer.status}); try again.` : `Unexpected answer: ${answer.status}.`;
  }
}

/** An error from send or the code around it, as a sentence; null when there is nothing to show. */
export function errorText(error: unknown): string | null {
  if (isQuiet(error)) return null;
  if (error instanceof Unreachable) return error.message;
  return error instanceof Error ? `Something went wrong: ${error.message}` : 'Something went wrong.';
}

export interface Sorted {
  /** Messages by field id. */
  readonly fields: Readonly<Record<string, readonly string[]>>;
  /** Messages that name no field of the form. */
  readonly general: readonly string[];
}

/**
 * Puts each message beside the field it is about: a Relay detail starts with the attribute
 * it names ("call_request_url is required when …", "Number has already been taken"); a
 * token problem names it in `attribute` ("permissions[1]" is the permissions field).
 */
export function sortProblems(
  problems: readonly (string | { attribute: string | null; message: string })[],
  fields: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): Sorted {
  const byField: Record<string, string[]> = {};
  const general: string[] = [];
  for (const p of problems) {
    const message = typeof p === 'string' ? p : p.message;
    const named = typeof p === 'string' ? /^[A-Za-z_][A-Za-z0-9_]*/.exec(p)?.[0] : p.attribute?.replace(/\[.*$/, '');
    const key = named === undefined || named === null ? undefined : named.toLowerCase();
    const field = key === undefined ? undefined : fields.includes(key) ? key : aliases[key];
    if (field === undefined) general.push(message);
    else (byField[field] ??= []).push(message);
  }
  return { fields: byField, general };
}

export const NO_PROBLEMS: Sorted = { fields: {}, general: [] };

export const NUMBERS_PATH = '/api/relay/rest/phone_numbers';

/** A query string from the values given, empty ones left out; `+` travels as %2B. */
export function query(params: Readonly<Record<string, string | number | undefined>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    parts.push(`${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}
