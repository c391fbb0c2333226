import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rawRequest } from '../helpers/raw-http.js';
import { startServer, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';

describe('hostile transport: framing, targets, slow clients', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ timeouts: { requestMs: 1500, headersMs: 1000 } });
  });
  after(() => server.close());

  const body = (number: string) => JSON.stringify({ number, number_type: 'longcode' });
  const post = (target: string, number: string, headers: string[], auth = true) => {
    const b = body(number);
    return [
      `POST ${target} HTTP/1.1`,
      ...(auth ? [`Authorization: ${server.tenant.auth}`] : []),
      'Content-Type: application/json',
      ...headers,
      '',
      '',
    ].join('\r\n') + (headers.some((h) => /^transfer-encoding/i.test(h)) ? '' : b);
  };

  /** The number was not stored: importing it now succeeds. */
  const assertNotStored = async (number: string) => {
    const res = await server.request('POST', IMPORT, { body: { number, number_type: 'longcode' } });
    assert.equal(res.status, 201, `${number} must not have been stored`);
  };

  test('two Host header lines: 400, never routed', async () => {
    const b = body('+15557770001');
    const res = await rawRequest(server.url, [post(IMPORT, '+15557770001', ['Host: a.example', 'Host: b.example', `Content-Length: ${b.length}`])]);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body, '{"error":"Bad Request"}');
    await assertNotStored('+15557770001');
  });

  test('Content-Length together with Transfer-Encoding: 400', async () => {
    const b = body('+15557770002');
    const chunked = `${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n`;
    const res = await rawRequest(server.url, [
      post(IMPORT, '+15557770002', ['Host: a', `Content-Length: ${b.length}`, 'Transfer-Encoding: chunked']) + chunked,
    ]);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body, '{"error":"Bad Request"}');
    await assertNotStored('+15557770002');
  });

  test('malformed chunking: 400', async () => {
    const b = body('+15557770003');
    const res = await rawRequest(server.url, [post(IMPORT, '+15557770003', ['Host: a', 'Transfer-Encoding: chunked']) + `zz\r\n${b}\r\n0\r\n\r\n`]);
    assert.equal(res.status, 400, res.text);
    await assertNotStored('+15557770003');
  });

  test('a request without Host: 400', async () => {
    const res = await rawRequest(server.url, ['GET /healthz HTTP/1.1\r\n\r\n']);
    assert.equal(res.status, 400);
  });

  test('headers over 16 KiB: 431 with the simple error body', async () => {
    const res = await rawRequest(server.url, [`GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    assert.equal(res.status, 431);
    assert.equal(res.body, '{"error":"Request Header Fields Too Large"}');
  });

  test('absolute-form, double slashes, encoded slashes and dot segments never bypass authentication', async () => {
    const targets = [
      `http://evil.example${IMPORT}`,
      `//api/relay/rest/imported_phone_numbers`,
      `/api//relay/rest/imported_phone_numbers`,
      `/api/relay/rest%2Fimported_phone_numbers`,
      `/api/relay/rest/x/../imported_phone_numbers`,
      `/api/relay/rest/./imported_phone_numbers`,
      `/API/relay/rest/imported_phone_numbers`,
      `/api/relay/rest/imported_phone_numbers/`,
      `/api/relay/rest/imported_phone_numbers;x=1`,
      `/api/relay/rest/imported_phone_numbers%00`,
    ];
    for (const [i, target] of targets.entries()) {
      const number = `+155577701${String(i).padStart(2, '0')}`;
      const b = body(number);
      const res = await rawRequest(server.url, [post(target, number, ['Host: a', `Content-Length: ${b.length}`], false)]);
      assert.ok(res.status !== null && [400, 401, 404].includes(res.status), `${target}: ${res.status}`);
      await assertNotStored(number);
    }
  });

  test('a client that stalls in its headers is cut off', async () => {
    const started = Date.now();
    const res = await rawRequest(server.url, ['GET /healthz HTTP/1.1\r\nHost: a\r\n', { waitMs: 5000 }], 6000);
    assert.ok(res.closedByServer || res.status === 408, `still open: ${res.text}`);
    assert.ok(Date.now() - started < 4500, `cut after ${Date.now() - started} ms`);
  });

  test('a client that stalls in its body is cut off', async () => {
    const started = Date.now();
    const res = await rawRequest(
      server.url,
      [`POST ${IMPORT} HTTP/1.1\r\nHost: a\r\nAuthorization: ${server.tenant.auth}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"number":`, { waitMs: 5000 }],
      6000,
    );
    assert.ok(res.closedByServer || res.status === 408, `still open: ${res.text}`);
    assert.ok(Date.now() - started < 4500, `cut after ${Date.now() - started} ms`);
  });
});
