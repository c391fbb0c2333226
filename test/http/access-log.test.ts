/**
 * The access log: one line per request, written without pino's per-request child logger, yet
 * byte for byte the line pino itself would write for the same request. Lines logged through
 * request.log (made lazily) still carry the request id.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startServer, type TestServer } from '../helpers/server.js';

const NUMBERS = '/api/relay/rest/phone_numbers';

const sinkInto = (lines: string[]) =>
  new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(line);
      cb();
    },
  });

/** What pino writes for the access line of these fields, its time replaced by the one given. */
function pinoLine(fields: { reqId: string; method: string; url: string; status: number; ms: number }, time: number): string {
  const written: string[] = [];
  const { reqId, ...rest } = fields;
  pino({ level: 'info', timestamp: () => `,"time":${time}` }, sinkInto(written)).child({ reqId }).info(rest, 'request');
  return written[0]!;
}

describe('access log', () => {
  let server: TestServer;
  let url: string;
  let close: () => Promise<unknown>;
  const logged: string[] = [];

  before(async () => {
    server = await startServer();
    const app = await buildApp({ store: server.store, logger: pino({ level: 'info' }, sinkInto(logged)), authCacheTtlMs: 0 });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();
  });
  after(async () => {
    await close();
    await server.close();
  });

  const accessLine = (reqId: string) => {
    const line = logged.find((l) => l.includes(`"reqId":"${reqId}"`) && l.endsWith('"msg":"request"}'));
    assert.ok(line, `an access line for ${reqId}`);
    return line;
  };

  test('is the line pino would write, field for field and in the same order', async () => {
    const res = await fetch(`${url}${NUMBERS}?page_size=2`, { headers: { authorization: server.tenant.auth, 'x-request-id': 'req-access-1' } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await new Promise((r) => setImmediate(r));
    const line = accessLine('req-access-1');
    const parsed = JSON.parse(line) as { time: number; ms: number; pid: number; hostname: string };
    assert.deepEqual(Object.keys(parsed), ['level', 'time', 'pid', 'hostname', 'reqId', 'method', 'url', 'status', 'ms', 'msg']);
    assert.equal(parsed.pid, process.pid);
    assert.equal(typeof parsed.ms, 'number');
    assert.equal(line, pinoLine({ reqId: 'req-access-1', method: 'GET', url: `${NUMBERS}?page_size=2`, status: 200, ms: parsed.ms }, parsed.time));
  });

  test('a URL with characters JSON must escape stays one valid line', async () => {
    // fetch() would percent-encode these; the HTTP parser passes them through as sent.
    const target = `${NUMBERS}?name="a\\b"`;
    const res = await rawRequest(url, [`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${server.tenant.auth}\r\nX-Request-Id: req-access-2\r\nConnection: close\r\n\r\n`]);
    assert.ok(res.status !== null, 'answered');
    await new Promise((r) => setImmediate(r));
    const line = accessLine('req-access-2');
    const parsed = JSON.parse(line) as { url: string; status: number; time: number; ms: number };
    assert.equal(parsed.url, target);
    assert.equal(parsed.status, res.status);
    assert.equal(line, pinoLine({ reqId: 'req-access-2', method: 'GET', url: target, status: res.status!, ms: parsed.ms }, parsed.time));
  });

  test('an unsafe incoming request id is replaced, and the replacement is what the line carries', async () => {
    const res = await fetch(`${url}${NUMBERS}`, { headers: { authorization: server.tenant.auth, 'x-request-id': 'bad"id' } });
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id')!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    await new Promise((r) => setImmediate(r));
    assert.equal(JSON.parse(accessLine(id)).reqId, id);
    assert.ok(!logged.some((l) => l.includes('bad\\"id')), 'the refused id is not logged');
  });
});
