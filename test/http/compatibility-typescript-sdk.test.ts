/**
 * What SignalWire's TypeScript SDK sends through its `compat.phoneNumbers` namespace, sent
 * exactly so, and read back as it reads it. The SDK is not on npm; this client states its wire
 * behaviour as facts (never its code):
 *  - base `/api/laml/2010-04-01/Accounts/{project}`, no `.json`; SIGNALWIRE_SPACE may be a full
 *    `http://host:port` base URL;
 *  - every request carries Basic auth, `Accept: application/json` and its User-Agent; a body is
 *    `JSON.stringify`d with `Content-Type: application/json`, GET and DELETE carry neither;
 *    an update with no body sends `{}`;
 *  - query parameters are written with URLSearchParams (a space travels as `+`), names as the
 *    caller wrote them (Twilio's PascalCase);
 *  - paging follows `next_page_uri` as a path on the base URL, sending the caller's parameters
 *    on the first request only, yielding `resp[dataKey]`, until it is null;
 *  - a 204 reads as `{}` without reading the body; any other status outside 2xx throws with
 *    the status and the body parsed as JSON.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

class SdkRestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
  ) {
    super(`returned ${statusCode}`);
  }
}

/** The SDK's HTTP behaviour, from its facts. */
function sdkClient(space: string, project: string, token: string) {
  const baseUrl = (space.startsWith('http') ? space : `https://${space}`).replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${project}:${token}`).toString('base64')}`;
  const seen: { method: string; url: string; headers: Record<string, string>; body: string | undefined }[] = [];
  async function request(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined>) {
    let url = path.startsWith('http') ? path : `${baseUrl}${path}`;
    if (query !== undefined) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
      const text = params.toString();
      if (text !== '') url += (url.includes('?') ? '&' : '?') + text;
    }
    const headers: Record<string, string> = { Authorization: auth, Accept: 'application/json', 'User-Agent': '@signalwire/sdk-ts/2.0.0' };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    seen.push({ method, url, headers, body: payload });
    const res = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    if (!res.ok) {
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      throw new SdkRestError(res.status, parsed);
    }
    if (res.status === 204) return {};
    const text = await res.text();
    return text === '' ? {} : JSON.parse(text);
  }
  const numbers = `/api/laml/2010-04-01/Accounts/${project}/IncomingPhoneNumbers`;
  return {
    seen,
    phoneNumbers: {
      list: (params?: Record<string, string | number>) => request('GET', numbers, undefined, params),
      get: (sid: string) => request('GET', `${numbers}/${sid}`),
      update: (sid: string, body: Record<string, unknown> = {}) => request('POST', `${numbers}/${sid}`, body),
      delete: (sid: string) => request('DELETE', `${numbers}/${sid}`),
      importNumber: (body: Record<string, unknown>) => request('POST', numbers.replace('/IncomingPhoneNumbers', '/ImportedPhoneNumbers'), body),
      purchase: (body?: Record<string, unknown>) => request('POST', numbers, body),
      listAvailableCountries: (params?: Record<string, string | number>) => request('GET', numbers.replace('/IncomingPhoneNumbers', '/AvailablePhoneNumbers'), undefined, params),
      searchLocal: (country: string, params?: Record<string, string | number>) =>
        request('GET', `${numbers.replace('/IncomingPhoneNumbers', '/AvailablePhoneNumbers')}/${country}/Local`, undefined, params),
      searchTollFree: (country: string, params?: Record<string, string | number>) =>
        request('GET', `${numbers.replace('/IncomingPhoneNumbers', '/AvailablePhoneNumbers')}/${country}/TollFree`, undefined, params),
    },
    /** The SDK's generic paginator over a list path. */
    async *paginate(path: string, params: Record<string, string | number> | undefined, dataKey: string) {
      let next: string | undefined = path;
      let first = true;
      while (next !== undefined) {
        const resp: Record<string, any> = await request('GET', next, undefined, first ? params : undefined);
        first = false;
        for (const item of resp[dataKey] ?? []) yield item;
        if (resp.links?.next) next = new URL(resp.links.next, baseUrl).pathname + new URL(resp.links.next, baseUrl).search;
        else next = resp.next_page_uri ? (resp.next_page_uri as string) : undefined;
      }
    },
    numbersPath: numbers,
  };
}

describe("SignalWire's TypeScript SDK compat.phoneNumbers, byte for byte", () => {
  let server: TestServer;
  let sdk: ReturnType<typeof sdkClient>;
  before(async () => {
    server = await startServer();
    // SIGNALWIRE_SPACE as a full base URL, as a local test suite sets it.
    sdk = sdkClient(server.url, server.tenant.projectId, server.tenant.secret);
  });
  after(() => server.close());

  test('importNumber, get, update (JSON, PascalCase keys), list with filters, delete', async () => {
    const imported = await sdk.phoneNumbers.importNumber({ number: '+15554440001', number_type: 'longcode', capabilities: ['voice', 'sms'] });
    assert.equal(imported.phone_number, '+15554440001');
    assert.equal(imported.uri, `${sdk.numbersPath}/${imported.sid}`, 'no .json: the SDK never adds it');
    const got = await sdk.phoneNumbers.get(imported.sid);
    assert.deepEqual(got, imported);

    const updated = await sdk.phoneNumbers.update(imported.sid, { FriendlyName: 'Front Desk', VoiceUrl: 'https://example.com/voice', SmsUrl: 'https://example.com/sms' });
    assert.deepEqual([updated.friendly_name, updated.voice_url, updated.sms_url], ['Front Desk', 'https://example.com/voice', 'https://example.com/sms']);
    const untouched = await sdk.phoneNumbers.update(imported.sid);
    assert.equal(untouched.friendly_name, 'Front Desk', 'an update without a body sends {} and changes nothing');
    assert.ok(Date.parse(untouched.date_updated) >= Date.parse(updated.date_updated));

    // URLSearchParams writes the space as '+'.
    const page = await sdk.phoneNumbers.list({ FriendlyName: 'front desk', PageSize: 10 });
    assert.ok(sdk.seen.at(-1)!.url.endsWith('?FriendlyName=front+desk&PageSize=10'));
    assert.deepEqual(page.incoming_phone_numbers.map((n: { sid: string }) => n.sid), [imported.sid]);

    assert.deepEqual(await sdk.phoneNumbers.delete(imported.sid), {});
    const del = sdk.seen.at(-1)!;
    assert.equal(del.headers['Content-Type'], undefined, 'DELETE carries no body and no content type');
    await assert.rejects(sdk.phoneNumbers.get(imported.sid), (err: SdkRestError) => err.statusCode === 404 && (err.body as { code: number }).code === 20404);
  });

  test('listAvailableCountries, searchLocal, searchTollFree and purchase, as the SDK sends them', async () => {
    await server.addStock([
      { number: '+15125550142', number_type: 'longcode', city: 'Austin' },
      { number: '+15125550143', number_type: 'longcode' },
      { number: '+18885550142', number_type: 'tollfree' },
    ]);
    const countries = await sdk.phoneNumbers.listAvailableCountries();
    assert.deepEqual(countries.countries.map((c: { country_code: string }) => c.country_code), ['US']);
    const local = await sdk.phoneNumbers.searchLocal('US', { AreaCode: '512' });
    assert.deepEqual(local.available_phone_numbers.map((n: { phone_number: string }) => n.phone_number), ['+15125550142', '+15125550143']);
    assert.equal(sdk.seen.at(-1)!.url, `${server.url}/api/laml/2010-04-01/Accounts/${server.tenant.projectId}/AvailablePhoneNumbers/US/Local?AreaCode=512`);
    const tollFree = await sdk.phoneNumbers.searchTollFree('US');
    assert.deepEqual(tollFree.available_phone_numbers.map((n: { phone_number: string }) => n.phone_number), ['+18885550142']);
    const bought = await sdk.phoneNumbers.purchase({ PhoneNumber: local.available_phone_numbers[0].phone_number, FriendlyName: 'Sales' });
    assert.equal(sdk.seen.at(-1)!.headers['Content-Type'], 'application/json');
    assert.deepEqual([bought.phone_number, bought.friendly_name, bought.origin], ['+15125550142', 'Sales', 'signalwire']);
    const after = await sdk.phoneNumbers.searchLocal('US', { AreaCode: '512' });
    assert.deepEqual(after.available_phone_numbers.map((n: { phone_number: string }) => n.phone_number), ['+15125550143']);
    await sdk.phoneNumbers.delete(bought.sid);
  });

  test('paginate follows next_page_uri as a path on the base URL and yields every number once', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) sids.push((await sdk.phoneNumbers.importNumber({ number: `+1555444100${i}`, number_type: 'longcode' })).sid);
    const before = sdk.seen.length;
    const walked: string[] = [];
    for await (const n of sdk.paginate(sdk.numbersPath, { PageSize: 2 }, 'incoming_phone_numbers')) walked.push(n.sid);
    assert.deepEqual(walked, [...sids].reverse(), 'newest first, each once');
    const requests = sdk.seen.slice(before);
    assert.equal(requests.length, 3, 'pages of 2, 2 and 1');
    for (const r of requests.slice(1)) assert.ok(r.url.startsWith(`${server.url}/api/laml/2010-04-01/Accounts/`) && r.url.includes('PageToken='), r.url);
  });

  test('errors arrive as the status and the parsed Compatibility body', async () => {
    await assert.rejects(sdk.phoneNumbers.importNumber({ PhoneNumber: '+15554449999' }), (err: SdkRestError) => {
      const body = err.body as Record<string, unknown>;
      return err.statusCode === 422 && body.status === 422 && typeof body.code === 'string' && /PhoneNumber is not a known attribute/.test(String(body.message));
    });
    await assert.rejects(sdk.phoneNumbers.purchase({ PhoneNumber: '+15554449999' }), (err: SdkRestError) => err.statusCode === 422 && /is not in stock/.test(String((err.body as { message: string }).message)));
    const stranger = sdkClient(server.url, server.tenant.projectId, 'PT0000');
    await assert.rejects(stranger.phoneNumbers.list(), (err: SdkRestError) => err.statusCode === 401 && (err.body as { code: number }).code === 20003);
  });
});
