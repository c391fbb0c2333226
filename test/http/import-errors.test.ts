import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { BODY_LIMIT_BYTES, buildApp } from '../../src/app.js';
import { startServer, type TestServer } from '../helpers/server.js';

const PATH = '/api/relay/rest/imported_phone_numbers';

describe('import: transport-level errors have exact bodies', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const raw = (rawBody: string | undefined, contentType?: string) =>
    server.request('POST', PATH, { rawBody, headers: contentType === undefined ? {} : { 'content-type': contentType } });

  test('malformed JSON answers 400', async () => {
    for (const body of ['{', '{"number":', "{'number':'+15550001111'}", '{"a":1}}', 'nul']) {
      const res = await raw(body, 'application/json');
      assert.equal(res.status, 400, body);
      assert.equal(res.text, '{"error":"Bad Request"}');
    }
  });

  test('an empty body labelled JSON is no body: 422 saying a JSON object is needed', async () => {
    const res = await raw('', 'application/json');
    assert.equal(res.status, 422);
    assert.equal(res.body.errors[0].code, 'invalid_body');
  });

  test('prototype-poisoning keys answer 400', async () => {
    for (const body of ['{"__proto__":{"x":1},"number":"+15550001111","number_type":"longcode"}', '{"constructor":{"prototype":{"x":1}}}']) {
      const res = await raw(body, 'application/json');
      assert.deepEqual([res.status, res.text], [400, '{"error":"Bad Request"}'], body);
    }
  });

  test('a body that is not JSON answers 415', async () => {
    const form = 'number=%2B15550001111&number_type=longcode';
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      const res = await raw(form, type);
      assert.deepEqual([res.status, res.text], [415, '{"error":"Unsupported Media Type"}'], type);
    }
  });

  test(`a body over ${BODY_LIMIT_BYTES} bytes answers 413`, async () => {
    const body = JSON.stringify({ number: '+15550001111', number_type: 'longcode', pad: 'x'.repeat(BODY_LIMIT_BYTES) });
    const res = await raw(body, 'application/json');
    assert.deepEqual([res.status, res.text], [413, '{"error":"Payload Too Large"}']);
  });

  test('a body just under the limit is parsed (and here refused for its unknown attribute)', async () => {
    const pad = 'x'.repeat(BODY_LIMIT_BYTES - 200);
    const res = await raw(JSON.stringify({ number: '+15550001111', number_type: 'longcode', pad }), 'application/json');
    assert.equal(res.status, 422);
  });

  test('an unknown path answers 404 Not Found', async () => {
    const res = await server.request('GET', '/api/relay/rest/nothing_here');
    assert.deepEqual([res.status, res.text], [404, '{"error":"Not Found"}']);
  });
});

describe('import: an unexpected failure answers 500 and logs the cause without sending it', () => {
  let server: TestServer;
  const logged: string[] = [];
  let url: string;
  let close: () => Promise<void>;

  before(async () => {
    server = await startServer();
    const failing = {
      ...server.store,
      phoneNumbers: {
        ...server.store.phoneNumbers,
        insert: async () => {
          throw new Error('disk on fire: SELECT secret FROM vault');
        },
      },
    };
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logged.push(String(chunk));
        cb();
      },
    });
    const app = await buildApp({ store: failing, logger: pino({ level: 'error' }, sink), authCacheTtlMs: 0 });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();
  });
  after(async () => {
    await close();
    await server.close();
  });

  test('exact body, cause in the log with the request id', async () => {
    const res = await fetch(`${url}${PATH}`, {
      method: 'POST',
      headers: { authorization: server.tenant.auth, 'content-type': 'application/json', 'x-request-id': 'req-test-500' },
      body: JSON.stringify({ number: '+15550001111', number_type: 'longcode' }),
    });
    assert.equal(res.status, 500);
    assert.equal(await res.text(), '{"error":"Internal Server Error"}');
    const line = logged.find((l) => l.includes('disk on fire'));
    assert.ok(line, 'the cause is logged');
    assert.match(line, /"reqId":"req-test-500"/);
    assert.doesNotMatch(logged.join(''), new RegExp(server.tenant.secret), 'the secret never reaches the log');
  });
});

describe('import: bounded nesting and list length', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('a body nested deeper than 32 levels answers 400 before it is parsed', async () => {
    const deep = `{"number":"+15550001111","number_type":"longcode","x":${'['.repeat(40)}${']'.repeat(40)}}`;
    const res = await server.request('POST', PATH, { rawBody: deep, headers: { 'content-type': 'application/json' } });
    assert.deepEqual([res.status, res.text], [400, '{"error":"Bad Request"}']);
    const veryDeep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const res2 = await server.request('POST', PATH, { rawBody: veryDeep, headers: { 'content-type': 'application/json' } });
    assert.equal(res2.status, 400);
  });

  test('capabilities of more than 16 items answer 422 naming the bound', async () => {
    const res = await server.request('POST', PATH, { body: { number: '+15550001112', number_type: 'longcode', capabilities: Array(17).fill('sms') } });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.errors.map((e: { code: string; detail: string }) => [e.code, e.detail]), [
      ['invalid_length', 'capabilities must have at most 16 items'],
    ]);
    const ok = await server.request('POST', PATH, { body: { number: '+15550001112', number_type: 'longcode', capabilities: Array(16).fill('sms') } });
    assert.equal(ok.status, 201);
  });
});
