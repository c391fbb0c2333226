import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';

describe('operational surface: request ids, health, metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('every response carries x-request-id: a sane incoming one is kept, anything else replaced', async () => {
    const kept = await server.request('POST', IMPORT, { body: {}, headers: { 'x-request-id': 'trace-42.a:b_c-d' } });
    assert.equal(kept.headers.get('x-request-id'), 'trace-42.a:b_c-d');
    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', 'ünïcode']) {
      const res = await server.request('GET', '/healthz', { headers: { 'x-request-id': encodeURI(bad) === bad ? bad : encodeURI(bad) } });
      const id = res.headers.get('x-request-id') ?? '';
      if (/^[A-Za-z0-9._:-]{1,128}$/.test(bad)) assert.equal(id, bad);
      else assert.match(id, /^[0-9a-f-]{36}$/, bad);
    }
    const fresh = await server.request('GET', '/nowhere');
    assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(fresh.status, 404);
  });

  test('/healthz and /readyz answer 200 on a live node with a current schema', async () => {
    assert.deepEqual((await server.request('GET', '/healthz', { auth: null })).body, { status: 'ok' });
    assert.deepEqual((await server.request('GET', '/readyz', { auth: null })).body, { status: 'ready' });
  });

  test('/metrics counts requests by route template and status, imports and rejections', async () => {
    // The first test already sent one 422 to this route.
    await server.request('POST', IMPORT, { body: { number: '+15551234000', number_type: 'longcode' } });
    await server.request('POST', IMPORT, { body: { number: '+15551234000', number_type: 'longcode' } });
    await server.request('POST', IMPORT, { auth: null, body: {} });
    const res = await server.request('GET', '/metrics', { auth: null });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = res.text;
    assert.match(text, /numberspace_http_requests_total\{method="POST",route="\/api\/relay\/rest\/imported_phone_numbers",status="201"\} 1/);
    assert.match(text, /numberspace_http_requests_total\{method="POST",route="\/api\/relay\/rest\/imported_phone_numbers",status="422"\} 2/);
    assert.match(text, /numberspace_http_requests_total\{method="POST",route="\/api\/relay\/rest\/imported_phone_numbers",status="401"\} 1/);
    assert.match(text, /numberspace_imports_total 1\n/);
    assert.match(text, /numberspace_rejected_requests_total\{status="422"\} 2/);
    assert.match(text, /numberspace_http_request_duration_seconds_bucket\{method="POST",route="\/api\/relay\/rest\/imported_phone_numbers",le="\+Inf"\} 4/);
    // Raw URLs never become labels.
    await server.request('GET', '/some/random/path/123');
    const after404 = (await server.request('GET', '/metrics', { auth: null })).text;
    assert.doesNotMatch(after404, /random/);
    assert.match(after404, /route="unmatched",status="404"/);
    if (server.store.kind === 'postgres') assert.match(after404, /numberspace_db_pool_connections \d+/);
  });
});
