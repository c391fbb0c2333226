import { type Dispatcher, Pool } from 'undici';
import type { ImportRequest } from './import-file.js';

/**
 * The few calls a bulk import makes, to any SignalWire-compatible Space (numberspace or
 * SignalWire itself), over either surface: Relay REST with JSON bodies, or the Compatibility
 * API with form bodies as its clients send them. Connections are kept alive, one per worker.
 */
export type Api = 'relay' | 'compat';

export interface Answer {
  /** 0: no HTTP answer (connection refused, reset, timed out). */
  readonly status: number;
  readonly body: any;
  /** Retry-After in seconds, when the answer carried one. */
  readonly retryAfter?: number;
  readonly replayed: boolean;
  /** For status 0: what went wrong. */
  readonly failure?: string;
}

export interface SpaceClient {
  importNumber(request: ImportRequest, idempotencyKey: string): Promise<Answer>;
  /** The id of the number when it is active in the caller's own project. */
  findOwn(number: string): Promise<{ answer: Answer; id?: string }>;
  rename(id: string, name: string): Promise<Answer>;
  /** The id an import answer names. */
  idOf(body: any): string | undefined;
  /** A refusal's own words. */
  reasonOf(answer: Answer): string;
  close(): void;
}

export interface SpaceOptions {
  readonly baseUrl: string;
  readonly projectId: string;
  readonly token: string;
  readonly api: Api;
  readonly connections: number;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
}

export function spaceClient(o: SpaceOptions): SpaceClient {
  const base = new URL(o.baseUrl);
  // One keep-alive connection per worker. undici's pool costs the client about half of what
  // node:http does per request; at thousands of rows a second on the same machine as the
  // server, that is throughput the server gets instead.
  const pool = new Pool(base.origin, { connections: o.connections, pipelining: 1, headersTimeout: o.timeoutMs ?? 30_000, bodyTimeout: o.timeoutMs ?? 30_000 });
  const auth = `Basic ${Buffer.from(`${o.projectId}:${o.token}`).toString('base64')}`;
  const root = base.pathname.replace(/\/+$/, '');
  const account = `${root}/api/laml/2010-04-01/Accounts/${encodeURIComponent(o.projectId)}`;

  // Through dispatch's callbacks rather than request(): no body stream per answer, which at
  // thousands of rows a second is most of what the client itself costs.
  const send = (method: Dispatcher.HttpMethod, path: string, body?: { type: string; text: string }, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve) => {
      let status = 0;
      let retryAfter: number | undefined;
      let replayed = false;
      const chunks: Buffer[] = [];
      pool.dispatch(
        {
          method,
          path,
          headers: { authorization: auth, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': body.type }), ...headers },
          ...(body === undefined ? {} : { body: body.text }),
        },
        {
          onConnect: () => {},
          onHeaders(statusCode, raw) {
            status = statusCode;
            for (let i = 0; i + 1 < raw.length; i += 2) {
              const name = raw[i]!.toString('latin1').toLowerCase();
              if (name === 'retry-after') {
                const seconds = Number(raw[i + 1]!.toString('latin1'));
                if (Number.isFinite(seconds) && seconds >= 0) retryAfter = seconds;
              } else if (name === 'idempotent-replayed') replayed = raw[i + 1]!.toString('latin1') === 'true';
            }
            return true;
          },
          onData(chunk) {
            chunks.push(chunk);
            return true;
          },
          onComplete() {
            const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = text;
            }
            resolve({ status, body: parsed, replayed, ...(retryAfter === undefined ? {} : { retryAfter }) });
          },
          onError(err) {
            resolve({ status: 0, body: undefined, replayed: false, failure: (err as NodeJS.ErrnoException).code ?? err.message });
          },
        },
      );
    });

  const json = (value: unknown) => ({ type: 'application/json', text: JSON.stringify(value) });
  const form = (pairs: [string, string][]) => ({ type: 'application/x-www-form-urlencoded', text: new URLSearchParams(pairs).toString() });

  if (o.api === 'relay') {
    return {
      importNumber: (r, key) => send('POST', `${root}/api/relay/rest/imported_phone_numbers`, json(r), { 'idempotency-key': key }),
      async findOwn(number) {
        const answer = await send('GET', `${root}/api/relay/rest/phone_numbers?filter_number=${encodeURIComponent(number)}&page_size=100`);
        const found = answer.status === 200 ? (answer.body?.data as { id: string; number: string }[] | undefined)?.find((n) => n.number === number) : undefined;
        return { answer, ...(found === undefined ? {} : { id: found.id }) };
      },
      rename: (id, name) => send('PUT', `${root}/api/relay/rest/phone_numbers/${encodeURIComponent(id)}`, json({ name })),
      idOf: (body) => (typeof body?.id === 'string' ? body.id : undefined),
      reasonOf: (a) => relayReason(a),
      close: () => void pool.close(),
    };
  }
  return {
    importNumber: (r, key) =>
      send(
        'POST',
        `${account}/ImportedPhoneNumbers`,
        form([['number', r.number], ['number_type', r.number_type], ...(r.capabilities ?? []).map((c): [string, string] => ['capabilities', c])]),
        { 'idempotency-key': key },
      ),
    async findOwn(number) {
      const answer = await send('GET', `${account}/IncomingPhoneNumbers?PhoneNumber=${encodeURIComponent(number)}&PageSize=100`);
      const found = answer.status === 200 ? (answer.body?.incoming_phone_numbers as { sid: string; phone_number: string }[] | undefined)?.find((n) => n.phone_number === number) : undefined;
      return { answer, ...(found === undefined ? {} : { id: found.sid }) };
    },
    rename: (id, name) => send('POST', `${account}/IncomingPhoneNumbers/${encodeURIComponent(id)}`, form([['FriendlyName', name]])),
    idOf: (body) => (typeof body?.sid === 'string' ? body.sid : undefined),
    reasonOf: (a) => (typeof a.body?.message === 'string' ? `${a.status}: ${a.body.message}` : relayReason(a)),
    close: () => void pool.close(),
  };
}

function relayReason(a: Answer): string {
  if (a.status === 0) return `no answer: ${a.failure ?? 'connection failed'}`;
  const errors = a.body?.errors;
  if (Array.isArray(errors) && errors.length > 0) return `${a.status}: ${errors.map((e: { detail?: string; message?: string }) => e.detail ?? e.message ?? JSON.stringify(e)).join('; ')}`;
  if (typeof a.body?.error === 'string') return `${a.status}: ${a.body.error}`;
  return `${a.status}: ${typeof a.body === 'string' ? a.body.slice(0, 200) : JSON.stringify(a.body ?? null).slice(0, 200)}`;
}
