/**
 * A stand-in for `RestClient` of SignalWire's TypeScript SDK (not on npm), for running the
 * documentation's examples: the few calls they make, sent as the SDK sends them (its wire
 * behaviour stated as facts, never its code). `host` starting with `http` is the base URL as it
 * is; otherwise `https://` is put before it. Every request carries Basic auth,
 * `Accept: application/json` and the SDK's User-Agent; a body is JSON with its Content-Type; a
 * query is written with URLSearchParams; a non-2xx answer throws with its status and body.
 */
export class RestClient {
  readonly importedNumbers: { create(body: unknown): Promise<any> };
  readonly phoneNumbers: {
    list(params?: Record<string, string | number>): Promise<any>;
    search(params?: Record<string, string | number>): Promise<any>;
    create(body?: unknown): Promise<any>;
    get(id: string): Promise<any>;
    update(id: string, body: unknown): Promise<any>;
    delete(id: string): Promise<any>;
  };

  constructor(options: { project: string; token: string; host: string }) {
    const base = options.host.startsWith('http') ? options.host : `https://${options.host}`;
    const auth = `Basic ${Buffer.from(`${options.project}:${options.token}`).toString('base64')}`;
    const send = async (method: string, path: string, body?: unknown, params?: Record<string, string | number>) => {
      let url = `${base.replace(/\/+$/, '')}${path}`;
      if (params !== undefined) {
        const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
        if (query !== '') url += `?${query}`;
      }
      const headers: Record<string, string> = { Authorization: auth, Accept: 'application/json', 'User-Agent': '@signalwire/sdk-ts/2.0.0' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.text();
      if (!res.ok) throw Object.assign(new Error(`SignalWire REST ${method} ${path} returned ${res.status}`), { statusCode: res.status, body: text });
      return res.status === 204 || text === '' ? {} : JSON.parse(text);
    };
    const numbers = '/api/relay/rest/phone_numbers';
    this.importedNumbers = { create: (body) => send('POST', '/api/relay/rest/imported_phone_numbers', body) };
    this.phoneNumbers = {
      list: (params) => send('GET', numbers, undefined, params),
      search: (params) => send('GET', `${numbers}/search`, undefined, params),
      create: (body = {}) => send('POST', numbers, body),
      get: (id) => send('GET', `${numbers}/${id}`),
      update: (id, body) => send('PUT', `${numbers}/${id}`, body),
      delete: (id) => send('DELETE', `${numbers}/${id}`),
    };
  }
}
