import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startServer, type TestServer } from '../helpers/server.js';

describe('GET /openapi.json', () => {
  let server: TestServer;
  let doc: any;
  before(async () => {
    server = await startServer();
    const res = await server.request('GET', '/openapi.json', { auth: null });
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(() => server.close());

  test('is an OpenAPI 3.1 document with the contract paths and operation ids', () => {
    assert.equal(doc.openapi, '3.1.0');
    const op = doc.paths['/api/relay/rest/imported_phone_numbers'].post;
    assert.equal(op.operationId, 'create_imported_phone_number');
    assert.deepEqual(op.security, [{ SignalWireBasicAuth: [] }]);
    assert.equal(doc.components.securitySchemes.SignalWireBasicAuth.scheme, 'basic');
    assert.deepEqual(Object.keys(op.responses).sort(), ['201', '400', '401', '403', '409', '413', '415', '422', '429', '500', '503']);
  });

  test('the request schema is the one the route validates with', () => {
    const schema = doc.paths['/api/relay/rest/imported_phone_numbers'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.required, ['number', 'number_type']);
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.properties.number_type.enum, ['longcode', 'tollfree']);
    assert.equal(schema.properties.number.pattern, '^\\+?[1-9][0-9]*$');
    assert.equal(schema.properties.capabilities.minItems, 1);
  });

  test('every schema in it compiles as JSON Schema 2020-12, and a real 201 body validates against its own', async () => {
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const op = doc.paths['/api/relay/rest/imported_phone_numbers'].post;
    for (const [status, response] of Object.entries<any>(op.responses)) {
      const schema = response.content?.['application/json']?.schema;
      if (schema !== undefined) assert.doesNotThrow(() => ajv.compile(schema), status);
    }
    const created = await server.request('POST', '/api/relay/rest/imported_phone_numbers', {
      body: { number: '+15550900900', number_type: 'longcode' },
    });
    const validate = ajv.compile(op.responses['201'].content['application/json'].schema);
    assert.ok(validate(created.body), JSON.stringify(validate.errors));
    // The 403 this operation adds to the contract is documented with its body shape.
    assert.deepEqual(op.responses['403'].content['application/json'].schema.required, ['errors']);
  });

  test('documents Idempotency-Key on the import as a numberspace extension, with its 409', () => {
    const op = doc.paths['/api/relay/rest/imported_phone_numbers'].post;
    const header = op.parameters.find((p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key');
    assert.ok(header !== undefined, JSON.stringify(op.parameters));
    assert.equal(header.required, false);
    assert.equal(header.schema.maxLength, 255);
    assert.match(header.description, /extension/);
    assert.deepEqual(op.responses['409'].content['application/json'].schema.properties.error.const ?? op.responses['409'].content['application/json'].schema.properties.error.enum?.[0], 'Conflict');
  });

  test('documents the stock search and the purchase with the contract operation ids', () => {
    const search = doc.paths['/api/relay/rest/phone_numbers/search'].get;
    assert.equal(search.operationId, 'search_available_phone_numbers');
    assert.deepEqual(search.parameters.map((p: { name: string }) => p.name).sort(), ['areacode', 'city', 'contains', 'ends_with', 'max_results', 'number_type', 'region', 'starts_with']);
    const purchase = doc.paths['/api/relay/rest/phone_numbers'].post;
    assert.equal(purchase.operationId, 'purchase_phone_number');
    assert.ok(purchase.responses['200'] !== undefined && purchase.responses['422'] !== undefined);
  });

  test('documents the Project Tokens API with the contract operation ids', () => {
    assert.equal(doc.paths['/api/project/tokens'].post.operationId, 'create_token');
    assert.equal(doc.paths['/api/project/tokens/{token_id}'].patch.operationId, 'update_token');
    assert.equal(doc.paths['/api/project/tokens/{token_id}'].delete.operationId, 'delete_token');
    const items = doc.paths['/api/project/tokens'].post.responses['422'].content['application/json'].schema.properties.errors.items;
    assert.deepEqual(Object.keys(items.properties), ['type', 'code', 'message', 'attribute', 'url']);
    assert.deepEqual(doc.paths['/api/project/tokens'].post.requestBody.content['application/json'].schema.properties.permissions.items.enum.length, 11);
  });
});

describe('GET /openapi/compatibility.json', () => {
  let server: TestServer;
  let doc: any;
  before(async () => {
    server = await startServer();
    const res = await server.request('GET', '/openapi/compatibility.json', { auth: null });
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(() => server.close());

  test('/openapi.json links it', async () => {
    const relay = (await server.request('GET', '/openapi.json', { auth: null })).body;
    assert.equal(relay.externalDocs.url, '/openapi/compatibility.json');
    assert.ok(!Object.keys(relay.paths).some((p) => p.includes('/Accounts/')), 'the Compatibility operations are not in the Relay document');
  });

  test('documents each Compatibility operation once, under the documented base, with the contract operation ids', () => {
    const ops = Object.entries<any>(doc.paths).flatMap(([path, methods]) => Object.entries<any>(methods).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`));
    assert.deepEqual(ops.sort(), [
      'DELETE /api/laml/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid} delete_incoming_phone_number',
      'DELETE /api/laml/2010-04-01/Accounts/{AccountSid}/tokens/{token_id} delete_token',
      'GET /api/laml/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers list_available_phone_number_resources',
      'GET /api/laml/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{IsoCountry} list_available_phone_number_resources_by_country',
      'GET /api/laml/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{IsoCountry}/Local search_local_available_phone_numbers',
      'GET /api/laml/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{IsoCountry}/TollFree search_toll_free_available_phone_numbers',
      'GET /api/laml/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers list_incoming_phone_numbers',
      'GET /api/laml/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid} retrieve_incoming_phone_number',
      'PATCH /api/laml/2010-04-01/Accounts/{AccountSid}/tokens/{token_id} update_token',
      'POST /api/laml/2010-04-01/Accounts/{AccountSid}/ImportedPhoneNumbers create_imported_phone_number',
      'POST /api/laml/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers create_incoming_phone_number',
      'POST /api/laml/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid} update_incoming_phone_number',
      'POST /api/laml/2010-04-01/Accounts/{AccountSid}/tokens create_token',
    ]);
  });

  test('the import documents Idempotency-Key and its 409', () => {
    const op = doc.paths['/api/laml/2010-04-01/Accounts/{AccountSid}/ImportedPhoneNumbers'].post;
    assert.ok(op.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key'));
    assert.equal(op.responses['409'].content['application/json'].schema.properties.code.type, 'integer');
  });

  test('the token operations: form and JSON bodies, the flat token 422, and a real create answer validates', async () => {
    const op = doc.paths['/api/laml/2010-04-01/Accounts/{AccountSid}/tokens'].post;
    assert.deepEqual(Object.keys(op.requestBody.content), ['application/x-www-form-urlencoded', 'application/json']);
    assert.deepEqual(Object.keys(op.responses['422'].content['application/json'].schema.properties), ['type', 'code', 'message', 'attribute', 'url']);
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const created = await server.request('POST', `/api/laml/2010-04-01/Accounts/${server.tenant.projectId}/tokens`, { body: { name: 'doc', permissions: ['numbers'] } });
    assert.equal(created.status, 200, created.text);
    assert.ok(ajv.compile(op.responses['200'].content['application/json'].schema)(created.body));
  });

  test('bodies are declared form-encoded and JSON; the import 422 is the string-code variant; a real answer validates', async () => {
    const op = doc.paths['/api/laml/2010-04-01/Accounts/{AccountSid}/ImportedPhoneNumbers'].post;
    assert.deepEqual(Object.keys(op.requestBody.content), ['application/x-www-form-urlencoded', 'application/json']);
    assert.equal(op.responses['422'].content['application/json'].schema.properties.code.type, 'string');
    assert.equal(op.responses['401'].content['application/json'].schema.properties.code.type, 'integer');
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const created = await server.request('POST', `/api/laml/2010-04-01/Accounts/${server.tenant.projectId}/ImportedPhoneNumbers`, {
      body: { number: '+15550900901', number_type: 'longcode' },
    });
    assert.equal(created.status, 201, created.text);
    const validate = ajv.compile(op.responses['201'].content['application/json'].schema);
    assert.ok(validate(created.body), JSON.stringify(validate.errors));
  });
});
