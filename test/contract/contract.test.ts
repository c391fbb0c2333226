/**
 * Checks every response the HTTP suite saw against SignalWire's published schema for that
 * operation and status. Run by `npm run test:contract`, which first runs the suite with
 * NUMBERSPACE_CONTRACT_LOG set. The reference documents live outside the repository
 * (../shared/reference, or NUMBERSPACE_REFERENCE_DIR); without them this fails, loudly.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const REFERENCE_DIR = process.env.NUMBERSPACE_REFERENCE_DIR ?? fileURLToPath(new URL('../../../shared/reference', import.meta.url));
const CONTRACT_FILE = `${REFERENCE_DIR}/signalwire-relay-rest-phone-numbers.openapi.json`;
const COMPAT_CONTRACT_FILE = `${REFERENCE_DIR}/signalwire-compat-phone-numbers.openapi.json`;
/** The Compatibility extract's paths are relative to its server base; numberspace serves them under both. */
const COMPAT_PREFIXES = ['/api/laml/2010-04-01', '/2010-04-01'];
const LOG = process.env.NUMBERSPACE_CONTRACT_LOG ?? '';

interface Seen {
  method: string;
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

/** Statuses numberspace answers that the contract does not list, with the shape it documents for them. */
/**
 * Statuses one operation answers beyond its contract, documented on it: the contract's search
 * lists no 422, and an invalid search parameter answers 422 in the error-list shape naming it.
 */
const OPERATION_EXTRAS: Record<string, Record<string, 'simple' | 'list'>> = { 'relay search_available_phone_numbers': { '422': 'list' } };

const DOCUMENTED_EXTRAS: Record<string, 'simple' | 'list'> = { '400': 'simple', '403': 'list', '409': 'simple', '413': 'simple', '415': 'simple', '429': 'simple', '408': 'simple', '431': 'simple', '503': 'simple' };

interface Surface {
  readonly name: 'relay' | 'compat';
  readonly id: string;
  readonly operations: { method: string; template: string; literalSegments: number; regex: RegExp; op: Record<string, any> }[];
}

function surface(name: Surface['name'], file: string, ajv: InstanceType<typeof Ajv2020.default>): Surface {
  assert.ok(existsSync(file), `contract file missing: ${file} (set NUMBERSPACE_REFERENCE_DIR)`);
  const contract = JSON.parse(readFileSync(file, 'utf8'));
  ajv.addSchema(contract, name);
  const operations = Object.entries<Record<string, any>>(contract.paths).flatMap(([template, methods]) =>
    Object.entries(methods)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        template,
        // Literal segments outrank parameters: /phone_numbers/search is not /phone_numbers/{id}.
        literalSegments: template.split('/').filter((s) => !s.startsWith('{')).length,
        regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        op,
      })),
  );
  return { name, id: name, operations };
}

/** A Compatibility path as its extract writes it: the prefix off, and the `.json` of the last segment. */
function compatPath(path: string): string | undefined {
  const prefix = COMPAT_PREFIXES.find((p) => path.startsWith(`${p}/`));
  return prefix === undefined ? undefined : path.slice(prefix.length).replace(/\.json$/, '');
}

function load() {
  assert.ok(LOG !== '' && existsSync(LOG), 'no response log: run through `npm run test:contract`');
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const surfaces = [surface('relay', CONTRACT_FILE, ajv), surface('compat', COMPAT_CONTRACT_FILE, ajv)];
  const findOperation = (method: string, rawPath: string) => {
    const path = rawPath.split('?')[0]!;
    const compat = compatPath(path);
    const [where, p] = compat === undefined ? [surfaces[0]!, path] : [surfaces[1]!, compat];
    const found = where.operations.filter((o) => o.method === method && o.regex.test(p)).sort((a, b) => b.literalSegments - a.literalSegments)[0];
    return found === undefined ? undefined : { ...found, surface: where };
  };

  const seen: Seen[] = readFileSync(LOG, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  const apiResponses = seen.filter((s) => findOperation(s.method, s.path) !== undefined);
  return { ajv, findOperation, apiResponses };
}

describe("responses match SignalWire's contract", () => {
  test('the contract and the response log are present', () => {
    load();
  });

  test('the suite exercised the contract operations numberspace serves', () => {
    const { findOperation, apiResponses } = load();
    const covered = new Set(
      apiResponses.map((s) => {
        const found = findOperation(s.method, s.path)!;
        return `${found.surface.name} ${found.op.operationId} ${s.status}`;
      }),
    );
    const expected = [
      'relay create_imported_phone_number 201', 'relay create_imported_phone_number 401', 'relay create_imported_phone_number 422',
      'compat create_imported_phone_number 201', 'compat create_imported_phone_number 401', 'compat create_imported_phone_number 422',
      'compat list_incoming_phone_numbers 200', 'compat list_incoming_phone_numbers 400', 'compat retrieve_incoming_phone_number 200',
      'compat retrieve_incoming_phone_number 404', 'compat update_incoming_phone_number 200', 'compat update_incoming_phone_number 422',
      'compat delete_incoming_phone_number 204', 'compat delete_incoming_phone_number 404', 'compat create_incoming_phone_number 422',
      'relay create_token 200', 'relay create_token 401', 'relay create_token 422', 'relay update_token 200', 'relay update_token 404',
      'relay update_token 422', 'relay delete_token 204', 'relay delete_token 404',
      'compat create_token 200', 'compat create_token 401', 'compat create_token 422', 'compat update_token 200', 'compat update_token 401',
      'compat update_token 404', 'compat update_token 422', 'compat delete_token 204', 'compat delete_token 404',
    ];
    for (const e of expected) assert.ok(covered.has(e), `no ${e} response was seen`);
  });

  test('every response body validates against the contract schema for its operation and status', () => {
    const { ajv, findOperation, apiResponses } = load();
    const failures: string[] = [];
    const counts = new Map<string, number>();
    for (const s of apiResponses) {
      const { op, template, method, surface: where } = findOperation(s.method, s.path)!;
      const status = String(s.status);
      const label = `${where.name} ${op.operationId} ${status}`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
      const declared = op.responses?.[status];
      if (declared === undefined && where.name === 'compat') {
        // Statuses the extract does not list for an operation answer its CompatibilityErrorResponse.
        const validate = ajv.getSchema('compat#/components/schemas/CompatibilityErrorResponse')!;
        if (!validate(s.body)) failures.push(`${method} ${s.path}: ${status} is not a CompatibilityErrorResponse: ${ajv.errorsText(validate.errors)}`);
        else if ((s.body as { status: number }).status !== s.status) failures.push(`${method} ${s.path}: body status differs from ${status}`);
        continue;
      }
      if (declared === undefined) {
        const shape = OPERATION_EXTRAS[`${where.name} ${op.operationId}`]?.[status] ?? DOCUMENTED_EXTRAS[status];
        if (shape === undefined) failures.push(`${method} ${s.path}: status ${status} is neither in the contract nor documented`);
        else if (!matchesShape(s.body, shape)) failures.push(`${method} ${s.path}: ${status} body ${JSON.stringify(s.body)} is not the ${shape} error shape`);
        continue;
      }
      const content = declared.content?.['application/json'];
      if (content === undefined) {
        if (s.body !== undefined) failures.push(`${method} ${s.path}: ${status} must have no body, got ${JSON.stringify(s.body)}`);
        continue;
      }
      if (!(s.contentType ?? '').startsWith('application/json')) failures.push(`${method} ${s.path}: ${status} content-type ${s.contentType}`);
      const pointer = `${where.id}#/paths/${template.replace(/~/g, '~0').replace(/\//g, '~1')}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
      const validate = ajv.getSchema(pointer);
      assert.ok(validate, `cannot resolve ${pointer}`);
      if (!validate(s.body)) {
        failures.push(`${method} ${s.path} ${status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(s.body).slice(0, 300)}`);
      }
    }
    const summary = [...counts].map(([k, n]) => `${k}: ${n}`).join('\n');
    assert.deepEqual(failures, [], summary);
    console.log(`validated ${apiResponses.length} responses against the contracts:\n${summary}`);
  });
});

function matchesShape(body: unknown, shape: 'simple' | 'list'): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const keys = Object.keys(body);
  if (shape === 'simple') return keys.length === 1 && typeof (body as { error?: unknown }).error === 'string';
  const errors = (body as { errors?: unknown }).errors;
  return (
    keys.length === 1 &&
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every(
      (e) =>
        typeof e === 'object' && e !== null &&
        ['code', 'detail', 'status', 'title'].every((k) => typeof (e as Record<string, unknown>)[k] === 'string') &&
        Object.keys(e).length === 4,
    )
  );
}
