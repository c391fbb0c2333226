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
    assert.deepEqual(Object.keys(op.responses).sort(), ['201', '400', '401', '403', '413', '415', '422', '429', '500', '503']);
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
});
