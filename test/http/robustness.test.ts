/**
 * Robustness: hundreds of adversarial requests of every class against the real server. Every
 * answer must come within a few seconds, never be a 5xx, and be exactly one of the documented
 * shapes; a refused request must store nothing; and where the README states the rule, an
 * oracle written from the README decides the answer (property-based, with fast-check).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { errorBodyProblems, phoneNumberProblems, withDeadline } from '../helpers/contract-shapes.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startServer, type Tenant, type TestResponse, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const BODY_LIMIT = 16 * 1024;
const DEADLINE_MS = 5000;
const BAD_REQUEST = '{"error":"Bad Request"}';
const NOT_FOUND = '{"error":"Not Found"}';
const TAKEN = JSON.stringify({ errors: [{ detail: 'Number has already been taken', status: '422', title: 'Invalid Attribute', code: 'number_taken' }] });

// ---------------------------------------------------------------------------------------------
// Requests: every one has a deadline, and every answer is judged for 5xx and error shape.
// ---------------------------------------------------------------------------------------------

interface Init {
  auth?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Counts of requests per class, reported as diagnostics by the last test of each block. */
const sent = new Map<string, number>();
const countAs = (cls: string) => sent.set(cls, (sent.get(cls) ?? 0) + 1);

/** A request through the test server, with the invariants every answer must satisfy. */
async function call(server: TestServer, cls: string, method: string, path: string, init: Init = {}): Promise<TestResponse> {
  countAs(cls);
  const label = `${method} ${path.slice(0, 160)}${init.rawBody === undefined ? '' : ` ${init.rawBody.slice(0, 160)}`}`;
  const res = await withDeadline(server.request(method, path, init), DEADLINE_MS, label);
  assertInvariants(method, res.status, res.text, label);
  return res;
}

/** A request whose body is bytes as they are (non-UTF-8) or that must not reach the contract log. */
async function fetchRaw(server: TestServer, cls: string, method: string, path: string, init: { auth?: string | null; headers?: Record<string, string>; body?: Buffer | string } = {}) {
  countAs(cls);
  const headers: Record<string, string> = { ...init.headers };
  const auth = init.auth === undefined ? server.tenant.auth : init.auth;
  if (auth !== null) headers.authorization = auth;
  const label = `${method} ${path.slice(0, 160)}`;
  const res = await withDeadline(
    fetch(`${server.url}${path}`, { method, headers, ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : Uint8Array.from(init.body) }) }),
    DEADLINE_MS,
    label,
  );
  const text = await withDeadline(res.text(), DEADLINE_MS, label);
  assertInvariants(method, res.status, text, label);
  return { status: res.status, text, body: text !== '' && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined };
}

function assertInvariants(method: string, status: number, text: string, label: string): void {
  assert.ok(status < 500, `5xx: ${label} answered ${status} ${text.slice(0, 300)}`);
  if (status >= 400) assert.deepEqual(errorBodyProblems(method, status, text), [], label);
}

/** `code:attribute` of each 422 item, sorted, so a whole answer compares with an oracle's list. */
function itemKeys(body: { errors: { code: string; detail: string }[] }): string[] {
  return body.errors
    .map(({ code, detail }) => {
      if (code === 'invalid_body') return 'invalid_body:body';
      if (code === 'unknown_attribute') return `${code}:${detail.replace(/ is not a known attribute$/, '')}`;
      return `${code}:${detail.split(' ')[0]}`;
    })
    .sort();
}

/** A short account of an answer, for the diagnostics of classes whose status is not documented. */
function describeAnswer(res: { status: number; body?: any }): string {
  if (res.status !== 422) return String(res.status);
  const codes = new Map<string, number>();
  for (const e of res.body.errors as { code: string }[]) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
  return `422 ${[...codes].map(([c, n]) => (n > 1 ? `${c}×${n}` : c)).join(',')}`;
}

// ---------------------------------------------------------------------------------------------
// The import oracle, from the README's rules.
// ---------------------------------------------------------------------------------------------

const NUMBER_PATTERN = /^\+?[1-9][0-9]*$/u;
const NUMBER_TYPES = ['longcode', 'tollfree'];
const REQUEST_CAPABILITIES = ['sms', 'voice', 'fax', 'mms'];
const WIRE_ORDER = ['voice', 'sms', 'mms', 'fax'];

/**
 * The README's 400 for `__proto__` keys, as Fastify's parser applies it: an own `__proto__`
 * key anywhere, or a `constructor` key holding an object with a `prototype` key.
 */
function poisoned(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.hasOwn(value, '__proto__')) return true;
  const ctor = (value as Record<string, unknown>).constructor;
  if (Object.hasOwn(value, 'constructor') && typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return true;
  return Object.values(value).some(poisoned);
}

/** The README: JSON nesting up to 32 levels; deeper is 400. */
const MAX_DEPTH = 32;

/** Levels of objects and arrays in a JSON value: 0 for a scalar, 1 for `{}` or `[]`. */
function depth(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depth));
}

/** True when a `constructor` key appears anywhere (the README lists constructor keys among its 400s). */
function hasConstructorKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.hasOwn(value, 'constructor') || Object.values(value).some(hasConstructorKey);
}

/** Every problem the schema rules find in an import body, as `code:attribute`; empty when valid. */
function importProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['invalid_body:body'];
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(b)) if (!['number', 'number_type', 'capabilities'].includes(key)) problems.push(`unknown_attribute:${key}`);
  if (!Object.hasOwn(b, 'number')) problems.push('missing_attribute:number');
  else if (typeof b.number !== 'string') problems.push('invalid_type:number');
  else {
    // "5 to 30 characters", counted as characters (code points), on the string as sent.
    const length = [...b.number].length;
    if (length < 5 || length > 30) problems.push('invalid_length:number');
    if (!NUMBER_PATTERN.test(b.number)) problems.push('invalid_format:number');
  }
  if (!Object.hasOwn(b, 'number_type')) problems.push('missing_attribute:number_type');
  else if (typeof b.number_type !== 'string') problems.push('invalid_type:number_type');
  else if (!NUMBER_TYPES.includes(b.number_type)) problems.push('invalid_value:number_type');
  if (Object.hasOwn(b, 'capabilities')) {
    const caps = b.capabilities;
    if (!Array.isArray(caps)) problems.push('invalid_type:capabilities');
    else if (caps.length === 0) problems.push('empty_list:capabilities');
    else {
      if (caps.length > 16) problems.push('invalid_length:capabilities');
      caps.forEach((c: unknown, i) => {
        if (typeof c !== 'string') problems.push(`invalid_type:capabilities[${i}]`);
        else if (!REQUEST_CAPABILITIES.includes(c)) problems.push(`invalid_value:capabilities[${i}]`);
      });
    }
  }
  return problems.sort();
}

/** A number libphonenumber-js can vouch for is subject to the number_type_mismatch rule; the generators avoid those. */
function classifiable(e164: string): boolean {
  return parsePhoneNumberFromString(e164)?.isValid() === true;
}

const canonical = (n: string) => (n.startsWith('+') ? n : `+${n}`);

/**
 * The numbers active in one project, as the tests know them, and the oracle's verdict on each
 * import body sent to it: the answer must be exactly what the README's rules say.
 */
class ImportModel {
  // The properties that use a model run with endOnFailure: the server and the model move on
  // with every run, so a shrunk counterexample would be replayed against another state.
  readonly active = new Map<string, string>(); // number → id
  /** Well-formed numbers that appeared in refused bodies: each must import afterwards. */
  readonly refusedNumbers = new Set<string>();

  constructor(
    private readonly server: TestServer,
    readonly tenant: Tenant,
  ) {}

  async post(cls: string, text: string, value: unknown, releaseAfter = false): Promise<void> {
    const res = await call(this.server, cls, 'POST', IMPORT, { auth: this.tenant.auth, rawBody: text, headers: { 'content-type': 'application/json' } });
    const why = `body ${text.slice(0, 400)} answered ${res.status} ${res.text.slice(0, 600)}`;
    const remember = () => {
      const n = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).number : undefined;
      if (typeof n === 'string' && NUMBER_PATTERN.test(n) && n.length >= 5 && n.length <= 30 && !this.active.has(canonical(n)) && !classifiable(canonical(n))) {
        this.refusedNumbers.add(canonical(n));
      }
    };
    if (Buffer.byteLength(text) > BODY_LIMIT) {
      assert.deepEqual([res.status, res.text], [413, '{"error":"Payload Too Large"}'], why);
      return remember();
    }
    if (poisoned(value) || depth(value) > MAX_DEPTH) {
      assert.deepEqual([res.status, res.text], [400, BAD_REQUEST], why);
      return remember();
    }
    const problems = importProblems(value);
    if (problems.length > 0) {
      if (hasConstructorKey(value) && res.status === 400) assert.equal(res.text, BAD_REQUEST, why);
      else {
        assert.equal(res.status, 422, why);
        assert.deepEqual(itemKeys(res.body), problems, why);
      }
      return remember();
    }
    const body = value as { number: string; number_type: string; capabilities?: string[] };
    const number = canonical(body.number);
    if (this.active.has(number)) {
      assert.deepEqual([res.status, res.text], [422, TAKEN], why);
      return;
    }
    assert.equal(res.status, 201, why);
    assert.deepEqual(phoneNumberProblems(res.body), [], why);
    const expectedCaps = body.capabilities === undefined ? WIRE_ORDER : WIRE_ORDER.filter((c) => body.capabilities!.includes(c));
    assert.deepEqual(
      [res.body.number, res.body.number_type, res.body.capabilities, res.body.name, res.body.call_handler],
      [number, body.number_type === 'tollfree' ? 'toll-free' : 'longcode', expectedCaps, null, null],
      why,
    );
    this.active.set(number, res.body.id);
    this.refusedNumbers.delete(number);
    if (releaseAfter) {
      const del = await call(this.server, cls, 'DELETE', `${NUMBERS}/${res.body.id}`, { auth: this.tenant.auth });
      assert.equal(del.status, 204, del.text);
      this.active.delete(number);
    }
  }

  /** The project's list is exactly the numbers the model says are active: nothing refused was stored. */
  async assertListMatches(cls: string): Promise<void> {
    const res = await call(this.server, cls, 'GET', `${NUMBERS}?page_size=1000`, { auth: this.tenant.auth });
    assert.equal(res.status, 200);
    const listed = new Map<string, string>(res.body.data.map((n: { number: string; id: string }) => [n.number, n.id]));
    assert.deepEqual(new Map([...listed].sort()), new Map([...this.active].sort()));
    for (const n of res.body.data) assert.deepEqual(phoneNumberProblems(n), []);
  }

  /** Every well-formed number a refused body carried is still free: it imports now (and is released again). */
  async assertRefusedNumbersImport(cls: string): Promise<void> {
    for (const number of this.refusedNumbers) {
      if (this.active.has(number)) continue;
      const res = await call(this.server, cls, 'POST', IMPORT, { auth: this.tenant.auth, body: { number, number_type: 'longcode' } });
      assert.equal(res.status, 201, `${number} was refused before, so it must be free: ${res.text}`);
      assert.equal((await call(this.server, cls, 'DELETE', `${NUMBERS}/${res.body.id}`, { auth: this.tenant.auth })).status, 204);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

/** +1 555 numbers: the numbering plan cannot classify them, so number_type_mismatch never applies. */
const POOL = Array.from({ length: 12 }, (_, i) => `+1555${String(7_000_000 + i * 7919)}`);
const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const number1555 = fc.oneof(
  { arbitrary: fc.constantFrom(...POOL, ...POOL.map((n) => n.slice(1))), weight: 2 },
  { arbitrary: fc.tuple(fc.boolean(), digits(0, 26)).map(([plus, rest]) => `${plus ? '+' : ''}1555${rest}`), weight: 3 },
);
const numberType = fc.constantFrom('longcode', 'tollfree');
const validCapabilities = fc.array(fc.constantFrom(...REQUEST_CAPABILITIES), { minLength: 1, maxLength: 6 });
const validImport = fc.record(
  { number: number1555, number_type: numberType, capabilities: validCapabilities },
  { requiredKeys: ['number', 'number_type'] },
);

const UNICODE_DIGITS = ['１', '٣', '۵', '७', '৯', '๑', '𝟏', '①', '¹', '߁'];
const ODD_CHARACTERS = [
  '\u0000', '\u0001', '\u007f', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00a0', ' ', '\t', '\n', '\r', '\u2028',
  '-', '(', ')', '.', '/', 'e', 'x', '#', '*', ',', '_', '\ud83d', 'é',
];
const LONG_DIGITS = '5550123456789012345678901234567890123456789';

/** One mutation of a valid body's number: wrong type, lookalike digits, invisible characters, odd '+', lengths. */
const numberMutation = (n: string) =>
  fc.oneof(
    fc.constantFrom<unknown>(Number(n.replace('+', '')), null, true, [n], { number: n }, 15551234567),
    fc.tuple(fc.nat(n.length - 1), fc.constantFrom(...UNICODE_DIGITS)).map(([i, d]) => n.slice(0, i) + d + n.slice(i + 1)),
    fc.tuple(fc.nat(n.length), fc.constantFrom(...ODD_CHARACTERS)).map(([i, c]) => n.slice(0, i) + c + n.slice(i)),
    fc.constantFrom(`0${n.replace('+', '')}`, `+0${n.replace('+', '')}`, `00${n.replace('+', '')}`, `+0${n.replace('+', '').slice(1)}`),
    fc.constantFrom(`++${n.replace('+', '')}`, `${n}+`, `${n.slice(0, 4)}+${n.slice(4)}`, `+${n.replace('+', '')}`, n.replace('+', '')),
    fc.integer({ min: 31, max: 40 }).map((len) => (n + LONG_DIGITS).slice(0, len)),
    fc.integer({ min: 0, max: 4 }).map((len) => n.slice(0, len)),
    fc.constantFrom('+1555', `+1555${'0'.repeat(25)}`, `1555${'0'.repeat(26)}`, `1555${'0'.repeat(27)}`, `+1555${'0'.repeat(26)}`),
    fc.constantFrom('', '+', ' ', `${n} `, ` ${n}`, n.split('').join(' '), `\ufeff${n}`, `${n}\u0000`, `+１５５５${n.slice(5)}`),
  );

const numberTypeMutation = fc.constantFrom<unknown>(
  'toll-free', 'TOLLFREE', 'Longcode', ' longcode', 'longcode ', 'longcode\u0000', 'toll_free', 'toll free', '', 'mobile',
  'tollfree\u200b', 'ｌｏｎｇｃｏｄｅ', null, 1, true, ['longcode'], { longcode: true },
);

const capabilitiesMutation = fc.constantFrom<unknown>(
  'sms', 'sms,voice', '', [], [[]], [['sms']], ['SMS'], ['sms', null], [1], [true], {}, { 0: 'sms' }, null, 15,
  ['sms', 'sms'], ['voice', 'sms', 'mms', 'fax', 'sms', 'voice'], ['telepathy'], ['sms', 'telepathy'], ['sms '], ['ｓｍｓ'],
  ['sms\u0000'], [''], Array(40).fill('fax'),
);

const extraKey = fc.oneof(
  fc.constantFrom('name', 'id', 'Number', 'number ', 'NUMBER', 'numberType', 'number-type', 'country_code', 'capabilities ', '', 'constructor', 'prototype', 'toString', '__proto__'),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const smallJson = fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' });

/** A valid body with exactly one thing changed. */
const nearValidImport = validImport.chain((base) =>
  fc
    .oneof(
      numberMutation(base.number).map((number) => ({ ...base, number })),
      numberTypeMutation.map((number_type) => ({ ...base, number_type })),
      capabilitiesMutation.map((capabilities) => ({ ...base, capabilities })),
      fc.tuple(extraKey, smallJson).map(([k, v]) => Object.fromEntries([...Object.entries(base), [k, v]])),
      fc.constantFrom('number', 'number_type', 'capabilities').map((k) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== k))),
    )
    .map((body) => body as unknown),
);

/** Objects whose keys are random, the documented ones among them, with valid and invalid values. */
const randomKeyedImport = fc
  .dictionary(
    fc.oneof(fc.constantFrom('number', 'number_type', 'capabilities', 'number', 'number_type'), extraKey),
    fc.oneof(number1555, numberType, validCapabilities, smallJson, numberTypeMutation, capabilitiesMutation),
    { maxKeys: 6 },
  )
  .map((body) => body as unknown);

/** The JSON text of a value, with one character inserted or deleted: mostly malformed, sometimes still JSON. */
const damagedJsonText = fc
  .tuple(fc.oneof(validImport.map((b) => b as unknown), smallJson), fc.nat(), fc.boolean(), fc.constantFrom(...'{}[]",:0 \\ntu\u0000'))
  .map(([value, at, insert, c]) => {
    const text = JSON.stringify(value) ?? 'null';
    const i = at % (text.length + 1);
    return insert ? text.slice(0, i) + c + text.slice(i) : text.slice(0, i) + text.slice(i + 1);
  });

/** Decodes a request text as the server will: a leading BOM dropped, empty meaning no body. */
function parsedAsServer(text: string): { ok: true; value: unknown } | { ok: false } {
  const sentText = Buffer.from(text, 'utf8').toString('utf8');
  if (sentText === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(sentText.charCodeAt(0) === 0xfeff ? sentText.slice(1) : sentText) };
  } catch {
    return { ok: false };
  }
}

// ---------------------------------------------------------------------------------------------

describe('robustness: import bodies are accepted exactly when the README rules hold', () => {
  let server: TestServer;
  let model: ImportModel;
  before(async () => {
    server = await startServer();
    model = new ImportModel(server, await server.addTenant());
  });
  after(() => server.close());

  test('near-valid bodies: one field mutated (types, lookalike digits, invisible characters, +, lengths, enums, capabilities, extra keys)', async () => {
    await fc.assert(
      fc.asyncProperty(nearValidImport, fc.boolean(), async (body, releaseAfter) => {
        fc.pre(!isClassifiableValid(body));
        await model.post('import: near-valid', JSON.stringify(body), body, releaseAfter);
      }),
      { numRuns: 250, endOnFailure: true },
    );
    await model.assertListMatches('import: near-valid');
  });

  test('every lookalike digit and odd character, at the start, in the middle and at the end of a number', async () => {
    const base = '+15558880123';
    for (const c of [...UNICODE_DIGITS, ...ODD_CHARACTERS, '+']) {
      for (const at of [0, 1, 6, base.length]) {
        const body = { number: base.slice(0, at) + c + base.slice(at), number_type: 'longcode' };
        await model.post('import: odd characters', JSON.stringify(body), body);
      }
      const replaced = { number: base.slice(0, 7) + c + base.slice(8), number_type: 'tollfree' };
      await model.post('import: odd characters', JSON.stringify(replaced), replaced);
    }
    await model.assertListMatches('import: odd characters');
  });

  test('objects with random keys, the documented ones among them', async () => {
    await fc.assert(
      fc.asyncProperty(randomKeyedImport, fc.boolean(), async (body, releaseAfter) => {
        fc.pre(!isClassifiableValid(body));
        await model.post('import: random keys', JSON.stringify(body), body, releaseAfter);
      }),
      { numRuns: 150, endOnFailure: true },
    );
    await model.assertListMatches('import: random keys');
  });

  test('arbitrary JSON values of every type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }), async (value) => {
        fc.pre(!isClassifiableValid(value));
        await model.post('import: arbitrary JSON', JSON.stringify(value), value);
      }),
      { numRuns: 120, endOnFailure: true },
    );
  });

  test('damaged JSON text: malformed answers 400, what still parses is judged as JSON', async () => {
    await fc.assert(
      fc.asyncProperty(damagedJsonText, async (text) => {
        const parsed = parsedAsServer(text);
        if (!parsed.ok) {
          const res = await call(server, 'import: damaged JSON', 'POST', IMPORT, { auth: model.tenant.auth, rawBody: text, headers: { 'content-type': 'application/json' } });
          assert.deepEqual([res.status, res.text], [400, BAD_REQUEST], text);
          return;
        }
        fc.pre(!isClassifiableValid(parsed.value));
        await model.post('import: damaged JSON', text, parsed.value);
      }),
      { numRuns: 120, endOnFailure: true },
    );
  });

  test('no coercion: a JSON number, a bare string, a boolean are refused where a string or an array is due', async () => {
    const cases: [unknown, string[]][] = [
      [{ number: 15551234567, number_type: 'longcode' }, ['invalid_type:number']],
      [{ number: '+15551234567', number_type: 'longcode', capabilities: 'sms' }, ['invalid_type:capabilities']],
      [{ number: '+15551234567', number_type: 1 }, ['invalid_type:number_type']],
      [{ number: '+15551234567', number_type: 'longcode', capabilities: [1, true] }, ['invalid_type:capabilities[0]', 'invalid_type:capabilities[1]']],
      [{ number: ['+15551234567'], number_type: ['longcode'] }, ['invalid_type:number', 'invalid_type:number_type']],
      [{ number: true, number_type: 'longcode', capabilities: { 0: 'sms' } }, ['invalid_type:capabilities', 'invalid_type:number']],
    ];
    for (const [body, expected] of cases) {
      const res = await call(server, 'import: no coercion', 'POST', IMPORT, { auth: model.tenant.auth, body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.deepEqual(itemKeys(res.body), expected, JSON.stringify(body));
    }
  });

  test('afterwards: the project lists exactly the accepted numbers, and every refused number still imports', async (t) => {
    await model.assertListMatches('import: verification');
    await model.assertRefusedNumbersImport('import: verification');
    await model.assertListMatches('import: verification');
    t.diagnostic(`requests: ${JSON.stringify(Object.fromEntries([...sent].filter(([k]) => k.startsWith('import:'))))}`);
  });
});

/** A schema-valid body whose number the numbering plan can classify: the mismatch rule could apply, so the oracle leaves it out. */
function isClassifiableValid(body: unknown): boolean {
  return importProblems(body).length === 0 && !poisoned(body) && classifiable(canonical((body as { number: string }).number));
}

describe('robustness: hostile bodies, media types, methods and URLs', () => {
  let server: TestServer;
  let tenant: Tenant;
  /** Numbers this block's requests were allowed to store (accepted ones), by id. */
  const accepted = new Map<string, string>();
  let seq = 0;
  const fresh = () => `+1555444${String(seq++).padStart(4, '0')}`;
  before(async () => {
    server = await startServer();
    tenant = await server.addTenant();
  });
  after(() => server.close());

  /**
   * An answer to a body carrying `number` either stored it (201, and GET agrees) or refused it
   * and stored nothing (the number imports now). Only the invariants: the status is not documented.
   */
  async function storedIffAccepted(cls: string, res: { status: number; body?: any; text: string }, number: string, observed: Map<string, string>, label: string) {
    observed.set(label, describeAnswer(res));
    if (res.status === 201) {
      assert.deepEqual(phoneNumberProblems(res.body), [], label);
      assert.equal(res.body.number, number, label);
      const got = await call(server, cls, 'GET', `${NUMBERS}/${res.body.id}`, { auth: tenant.auth });
      assert.deepEqual([got.status, got.body], [200, res.body], label);
      accepted.set(res.body.id, number);
      return;
    }
    assert.ok([400, 413, 415, 422].includes(res.status), `${label}: ${res.status} ${res.text}`);
    const again = await call(server, cls, 'POST', IMPORT, { auth: tenant.auth, body: { number, number_type: 'longcode' } });
    assert.equal(again.status, 201, `${label} was refused, so ${number} must be free: ${again.text}`);
    accepted.set(again.body.id, number);
  }

  const post = (cls: string, rawBody: string, contentType = 'application/json') =>
    call(server, cls, 'POST', IMPORT, { auth: tenant.auth, rawBody, headers: { 'content-type': contentType } });

  test('nesting deeper than 32 levels is 400 (1,000 and 5,000 levels within 16 KiB included); 32 levels are parsed', async () => {
    const arrays = (levels: number, inner = '') => '['.repeat(levels) + inner + ']'.repeat(levels);
    const objects = (levels: number, inner = '1') => '{"":'.repeat(levels) + inner + '}'.repeat(levels);
    const mixed = (levels: number) => `${'[{"a":'.repeat(levels / 2)}1${'}]'.repeat(levels / 2)}`;
    const cases: [string, (n: string) => string][] = [];
    for (const levels of [33, 34, 1000, 5000]) {
      cases.push([`root array, ${levels} levels`, () => arrays(levels)]);
      cases.push([`capabilities, ${levels + 1} levels`, (n) => `{"number":"${n}","number_type":"longcode","capabilities":${arrays(levels, '"sms"')}}`]);
      cases.push([`number, ${levels + 1} levels`, (n) => `{"number":${arrays(levels, `"${n}"`)},"number_type":"longcode"}`]);
    }
    for (const levels of [33, 1000, 3000]) {
      cases.push([`root object, ${levels} levels`, () => objects(levels)]);
      cases.push([`unknown attribute, ${levels + 1} levels`, (n) => `{"number":"${n}","number_type":"longcode","x":${objects(levels)}}`]);
      cases.push([`objects in arrays, ${levels + 1} levels`, (n) => `{"number":"${n}","number_type":"longcode","capabilities":${mixed(levels + (levels % 2))}}`]);
    }
    for (const [label, text] of cases) {
      const number = fresh();
      const body = text(number);
      assert.ok(Buffer.byteLength(body) <= BODY_LIMIT, `${label} must fit the body limit (${Buffer.byteLength(body)})`);
      const res = await post('hostile: nesting', body);
      assert.deepEqual([res.status, res.text], [400, BAD_REQUEST], label);
      await storedIffAccepted('hostile: nesting', res, number, new Map(), label);
    }
    // Exactly 32 levels are parsed and judged as JSON; brackets inside strings are text.
    for (const [text, expected] of [
      [arrays(32), ['invalid_body:body']],
      [`{"number":"+15554449201","number_type":"longcode","x":${arrays(31)}}`, ['unknown_attribute:x']],
      [`{"number":"+15554449202","number_type":"longcode","x":${objects(31)}}`, ['unknown_attribute:x']],
      [`{"number":"+15554449203","number_type":"longcode","x":"${'['.repeat(40)}"}`, ['unknown_attribute:x']],
      [`{"number":"+15554449204","number_type":"longcode","x":"\\\"${'{'.repeat(40)}"}`, ['unknown_attribute:x']],
    ] as const) {
      const res = await post('hostile: nesting', text);
      assert.equal(res.status, 422, `${text.slice(0, 120)}: ${res.text}`);
      assert.deepEqual(itemKeys(res.body), expected);
    }
  });

  test('huge arrays within the 16 KiB limit: capabilities of up to 16 items, more is invalid_length', async () => {
    for (const [item, count, codes] of [
      ['1', 3000, ['invalid_type']],
      ['null', 3000, ['invalid_type']],
      ['"x"', 3000, ['invalid_value']],
      ['""', 3000, ['invalid_value']],
      ['[]', 3000, ['invalid_type']],
      ['{}', 3000, ['invalid_type']],
      ['"telepathy"', 1300, ['invalid_value']],
      ['"sms"', 2700, []],
      ['"fax"', 17, []],
    ] as const) {
      const number = fresh();
      const text = `{"number":"${number}","number_type":"longcode","capabilities":[${Array(count).fill(item).join(',')}]}`;
      assert.ok(Buffer.byteLength(text) <= BODY_LIMIT, `${count} × ${item} must fit the body limit`);
      const res = await post('hostile: huge arrays', text);
      assert.equal(res.status, 422, `${count} × ${item}`);
      const expected = ['invalid_length:capabilities', ...Array.from({ length: codes.length === 0 ? 0 : count }, (_, i) => `${codes[0]!}:capabilities[${i}]`)].sort();
      assert.deepEqual(itemKeys(res.body), expected, `${count} × ${item}`);
      await storedIffAccepted('hostile: huge arrays', res, number, new Map(), `${count} × ${item}`);
    }
    // 16 items (repeats collapse) are accepted.
    const sixteen = { number: fresh(), number_type: 'longcode', capabilities: [...Array(8).fill('sms'), ...Array(8).fill('voice')] };
    const ok = await call(server, 'hostile: huge arrays', 'POST', IMPORT, { auth: tenant.auth, body: sixteen });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.body.capabilities, ['voice', 'sms']);
    accepted.set(ok.body.id, sixteen.number);
    // 3,000 valid items do not fit the body limit: 413.
    const over = { number: fresh(), number_type: 'longcode', capabilities: Array(3000).fill('sms') };
    const tooBig = await call(server, 'hostile: huge arrays', 'POST', IMPORT, { auth: tenant.auth, body: over });
    assert.deepEqual([tooBig.status, tooBig.text], [413, '{"error":"Payload Too Large"}']);
    await storedIffAccepted('hostile: huge arrays', tooBig, over.number, new Map(), '3000 × "sms"');
  });

  test('__proto__ anywhere is 400; constructor and prototype keys are refused, never stored', async (t) => {
    const observed = new Map<string, string>();
    const poisonedBodies = (n: string) => [
      `{"__proto__":{"isAdmin":true},"number":"${n}","number_type":"longcode"}`,
      `{"number":"${n}","number_type":"longcode","__proto__":null}`,
      `{"number":"${n}","number_type":"longcode","\\u005f_proto__":{}}`,
      `{"number":"${n}","number_type":"longcode","\\u005F\\u005Fproto\\u005F\\u005F":1}`,
      `{"number":"${n}","number_type":"longcode","capabilities":[{"__proto__":{"x":1}}]}`,
      `{"number":"${n}","number_type":"longcode","x":{"y":[{"__proto__":[]}]}}`,
      `{"number":"${n}","number_type":"longcode","constructor":{"prototype":{"isAdmin":true}}}`,
      `{"number":"${n}","number_type":"longcode","capabilities":[{"constructor":{"prototype":{}}}]}`,
      `{"number":"${n}","number_type":"longcode","x":{"constructor":{"prototype":null}}}`,
    ];
    for (const i of poisonedBodies('').keys()) {
      const number = fresh();
      const text = poisonedBodies(number)[i]!;
      const res = await post('hostile: prototype keys', text);
      assert.deepEqual([res.status, res.text], [400, BAD_REQUEST], text);
      await storedIffAccepted('hostile: prototype keys', res, number, observed, `poisoned ${i}`);
    }
    // Keys named like prototype machinery without the poisoning shape: the README lists
    // "constructor keys" among its 400s; what numberspace does with them is reported.
    const named = (n: string): [string, string][] => [
      ['constructor: string', `{"constructor":"x","number":"${n}","number_type":"longcode"}`],
      ['constructor: {}', `{"number":"${n}","number_type":"longcode","constructor":{}}`],
      ['constructor: null', `{"number":"${n}","number_type":"longcode","constructor":null}`],
      ['prototype at top level', `{"number":"${n}","number_type":"longcode","prototype":{"x":1}}`],
      ['nested constructor: string', `{"number":"${n}","number_type":"longcode","x":{"constructor":"y"}}`],
      ['nested prototype', `{"number":"${n}","number_type":"longcode","x":{"prototype":{}}}`],
      ['capabilities item constructor', `{"number":"${n}","number_type":"longcode","capabilities":[{"constructor":1}]}`],
      ['toString', `{"number":"${n}","number_type":"longcode","toString":"x"}`],
      ['hasOwnProperty', `{"number":"${n}","number_type":"longcode","hasOwnProperty":1}`],
      ['__proto__ as a value', `{"number":"${n}","number_type":"longcode","capabilities":["__proto__"]}`],
    ];
    for (const [i, [label]] of named('').entries()) {
      const number = fresh();
      const res = await post('hostile: prototype keys', named(number)[i]![1]);
      assert.ok(res.status === 400 || res.status === 422, `${label}: ${res.status} ${res.text}`);
      await storedIffAccepted('hostile: prototype keys', res, number, observed, label);
    }
    t.diagnostic(`observed: ${JSON.stringify(Object.fromEntries(observed))}`);
  });

  test('constructor.prototype is refused with 400; a plain constructor attribute is an unknown attribute (422), as the README says', async () => {
    const answers: string[] = [];
    for (const [label, text, status] of [
      ['constructor.prototype', (n: string) => `{"constructor":{"prototype":{"x":1}},"number":"${n}","number_type":"longcode"}`, 400],
      ['nested constructor.prototype', (n: string) => `{"number":"${n}","number_type":"longcode","x":{"constructor":{"prototype":{}}}}`, 400],
      ['constructor: string', (n: string) => `{"constructor":"x","number":"${n}","number_type":"longcode"}`, 422],
      ['constructor: {}', (n: string) => `{"number":"${n}","number_type":"longcode","constructor":{}}`, 422],
      ['constructor: null', (n: string) => `{"number":"${n}","number_type":"longcode","constructor":null}`, 422],
      ['nested constructor', (n: string) => `{"number":"${n}","number_type":"longcode","x":{"constructor":"y"}}`, 422],
    ] as const) {
      const number = fresh();
      const res = await post('hostile: prototype keys', text(number));
      const expected = status === 400 ? res.text === BAD_REQUEST : res.body?.errors?.[0]?.code === 'unknown_attribute';
      if (res.status !== status || !expected) answers.push(`${label}: ${res.status} ${res.text}`);
      await storedIffAccepted('hostile: prototype keys', res, number, new Map(), label);
    }
    assert.deepEqual(answers, []);
  });

  test('duplicate keys, a byte-order mark, non-UTF-8 bytes', async (t) => {
    const observed = new Map<string, string>();
    const dup = (a: string, b: string) => `{"number":"${a}","number":"${b}","number_type":"longcode"}`;
    for (const [label, text, number] of [
      ['duplicate number, invalid then valid', dup('bad', '+15554449001'), '+15554449001'],
      ['duplicate number, valid then invalid', dup('+15554449002', 'bad'), '+15554449002'],
      ['duplicate number_type', '{"number":"+15554449003","number_type":"mobile","number_type":"longcode"}', '+15554449003'],
      ['duplicate capabilities', '{"number":"+15554449004","number_type":"longcode","capabilities":[],"capabilities":["sms"]}', '+15554449004'],
      ['BOM prefix', '\ufeff{"number":"+15554449005","number_type":"longcode"}', '+15554449005'],
      ['two BOMs', '\ufeff\ufeff{"number":"+15554449006","number_type":"longcode"}', '+15554449006'],
      ['BOM after whitespace', ' \ufeff{"number":"+15554449007","number_type":"longcode"}', '+15554449007'],
      ['BOM inside the number', '{"number":"\ufeff+15554449008","number_type":"longcode"}', '+15554449008'],
    ] as const) {
      const res = await post('hostile: duplicate keys, BOM', text);
      await storedIffAccepted('hostile: duplicate keys, BOM', res, number, observed, label);
    }
    const utf8 = (s: string) => Buffer.from(s, 'utf8');
    const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? utf8(p) : Buffer.from(p))));
    const raw: [string, Buffer, string][] = [
      ['lone continuation byte in the number', bytes('{"number":"+1555444', [0x80], '9101","number_type":"longcode"}'), '+15554449101'],
      ['truncated sequence in the number', bytes('{"number":"+1555444', [0xe2, 0x82], '9102","number_type":"longcode"}'), '+15554449102'],
      ['overlong encoding of "1"', bytes('{"number":"+1555444', [0xc0, 0xb1], '9103","number_type":"longcode"}'), '+15554449103'],
      ['encoded surrogate', bytes('{"number":"+1555444', [0xed, 0xa0, 0x80], '9104","number_type":"longcode"}'), '+15554449104'],
      ['0xFF in a key', bytes('{"number":"+15554449105","number_type":"longcode","', [0xff, 0xfe], '":1}'), '+15554449105'],
      ['latin-1 byte between tokens', bytes('{"number":"+15554449106",', [0xa0], '"number_type":"longcode"}'), '+15554449106'],
      ['UTF-16LE body', Buffer.from('{"number":"+15554449107","number_type":"longcode"}', 'utf16le'), '+15554449107'],
      ['UTF-16 BOM then UTF-8', bytes([0xff, 0xfe], '{"number":"+15554449108","number_type":"longcode"}'), '+15554449108'],
      ['code point above U+10FFFF', bytes('{"number":"+15554449109","number_type":"longcode","x":"', [0xf4, 0x90, 0x80, 0x80], '"}'), '+15554449109'],
      ['NUL byte outside strings', bytes('{"number":"+15554449110",', [0x00], '"number_type":"longcode"}'), '+15554449110'],
    ];
    for (const [label, body, number] of raw) {
      const res = await fetchRaw(server, 'hostile: non-UTF-8', 'POST', IMPORT, { auth: tenant.auth, headers: { 'content-type': 'application/json' }, body });
      await storedIffAccepted('hostile: non-UTF-8', res, number, observed, label);
    }
    t.diagnostic(`observed: ${JSON.stringify(Object.fromEntries(observed))}`);
  });

  test('unusual content types: JSON spelled oddly is JSON or 415, anything else 415', async (t) => {
    const observed = new Map<string, string>();
    const odd = [
      'application/json;charset=latin1', 'APPLICATION/JSON', 'Application/Json; Charset=UTF-8', 'application/json; charset=utf-16',
      'application/json ; x=y', 'application/json;', 'application/json,text/plain', ' application/json', 'application/json-patch+json',
      'application/merge-patch+json', 'application/vnd.api+json', 'application/jsonp', 'application/json5', 'text/json', 'application/*',
      '*/*', 'json', 'application', '', ';', 'application/json\t', 'text/plain; application/json', 'application/x-json',
    ];
    for (const type of odd) {
      const number = fresh();
      const res = await post('hostile: content types', JSON.stringify({ number, number_type: 'longcode' }), type);
      await storedIffAccepted('hostile: content types', res, number, observed, type === '' ? '(empty)' : type);
    }
    // No content-type header at all.
    const number = fresh();
    const none = await fetchRaw(server, 'hostile: content types', 'POST', IMPORT, { auth: tenant.auth, body: JSON.stringify({ number, number_type: 'longcode' }) });
    await storedIffAccepted('hostile: content types', none, number, observed, '(no header; fetch labels it text/plain)');
    // Documented: a body that is not application/json is 415.
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream']) {
      const res = await post('hostile: content types', JSON.stringify({ number: fresh(), number_type: 'longcode' }), type);
      assert.deepEqual([res.status, res.text], [415, '{"error":"Unsupported Media Type"}'], type);
    }
    t.diagnostic(`observed: ${JSON.stringify(Object.fromEntries(observed))}`);
  });

  test('methods on routes that do not have them: 404 (or 405) with the simple body, never a 5xx', async (t) => {
    const observed = new Map<string, string>();
    const created = await call(server, 'hostile: methods', 'POST', IMPORT, { auth: tenant.auth, body: { number: fresh(), number_type: 'longcode' } });
    assert.equal(created.status, 201);
    accepted.set(created.body.id, created.body.number);
    const item = `${NUMBERS}/${created.body.id}`;
    const wrong: [string, string][] = [
      ['GET', IMPORT], ['PUT', IMPORT], ['PATCH', IMPORT], ['DELETE', IMPORT], ['HEAD', IMPORT], ['OPTIONS', IMPORT],
      ['PATCH', NUMBERS], ['PUT', NUMBERS], ['DELETE', NUMBERS], ['OPTIONS', NUMBERS],
      ['PATCH', item], ['POST', item], ['OPTIONS', item], ['POST', `${NUMBERS}/search`], ['GET', `${IMPORT}/${created.body.id}`],
    ];
    for (const auth of [tenant.auth, null]) {
      for (const [method, path] of wrong) {
        // fetch directly: these are not numberspace operations, so they stay out of the contract log.
        const res = await fetchRaw(server, 'hostile: methods', method, path, { auth, headers: { 'content-type': 'application/json' }, ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{"name":"x"}' }) });
        observed.set(`${auth === null ? 'anonymous ' : ''}${method} ${path.replace(created.body.id, '{id}')}`, String(res.status));
        assert.ok(res.status === 404 || res.status === 405, `${method} ${path}: ${res.status} ${res.text}`);
        if (method !== 'HEAD') assert.equal(res.text, res.status === 404 ? NOT_FOUND : '{"error":"Method Not Allowed"}');
      }
    }
    // HEAD on the GET routes answers what GET answers, without a body.
    for (const [path, auth, status] of [[NUMBERS, tenant.auth, 200], [item, tenant.auth, 200], [NUMBERS, null, 401], [`${NUMBERS}/${crypto.randomUUID()}`, tenant.auth, 404]] as const) {
      const res = await fetchRaw(server, 'hostile: methods', 'HEAD', path, { auth });
      assert.deepEqual([res.status, res.text], [status, ''], `HEAD ${path}`);
    }
    // Methods fetch cannot send, and one no HTTP parser knows.
    for (const method of ['TRACE', 'CONNECT', 'FOO', 'GET\u0000']) {
      const target = method === 'CONNECT' ? '127.0.0.1:1' : NUMBERS;
      const res = await withDeadline(
        rawRequest(server.url, [`${method} ${target} HTTP/1.1\r\nHost: a\r\nAuthorization: ${tenant.auth}\r\nConnection: close\r\n\r\n`], 3000),
        DEADLINE_MS,
        method,
      );
      countAs('hostile: methods');
      observed.set(`raw ${JSON.stringify(method)}`, res.status === null ? 'connection closed without an answer' : String(res.status));
      if (res.status === null) {
        // Node closes a CONNECT nobody handles: an answer nobody waits for, not a hang.
        assert.ok(method === 'CONNECT' && res.closedByServer, `${method}: no answer`);
        continue;
      }
      assertInvariants(method, res.status, res.body, method);
      assert.ok([400, 404, 405].includes(res.status), `${method}: ${res.status}`);
    }
    // Nothing changed the number.
    assert.deepEqual((await call(server, 'hostile: methods', 'GET', item, { auth: tenant.auth })).body, created.body);
    t.diagnostic(`observed: ${JSON.stringify(Object.fromEntries(observed))}`);
  });

  test('very long URLs and query strings', async (t) => {
    const observed = new Map<string, string>();
    // Query parameters the list does not define are ignored, however long, while the request line fits.
    for (const length of [2000, 8000, 15000]) {
      const res = await call(server, 'hostile: long URLs', 'GET', `${NUMBERS}?cache_buster=${'a'.repeat(length)}`, { auth: tenant.auth });
      assert.equal(res.status, 200, `query of ${length}`);
    }
    const many = Array.from({ length: 500 }, (_, i) => `p${i}=${i}`).join('&');
    assert.equal((await call(server, 'hostile: long URLs', 'GET', `${NUMBERS}?${many}`, { auth: tenant.auth })).status, 200);
    // Over the 16 KiB header limit: refused with a documented simple body, whatever the status.
    // (A transport-level answer, sent around the contract log like the other transport tests.)
    for (const length of [17000, 40000, 100000]) {
      const res = await fetchRaw(server, 'hostile: long URLs', 'GET', `${NUMBERS}?x=${'a'.repeat(length)}`, { auth: tenant.auth });
      observed.set(`query of ${length}`, String(res.status));
      assert.ok(res.status >= 400, `query of ${length}: ${res.status}`);
    }
    for (const length of [3000, 17000]) {
      const res = await call(server, 'hostile: long URLs', 'GET', `/${'a/'.repeat(length / 2)}`, { auth: tenant.auth });
      observed.set(`path of ${length}`, String(res.status));
      assert.ok(res.status === 404 || res.status === 431, `path of ${length}: ${res.status}`);
    }
    t.diagnostic(`observed: ${JSON.stringify(Object.fromEntries(observed))}`);
  });

  test('query values with %00, malformed escapes and unicode: filters are literal text, integers plain digits', async () => {
    const created = await call(server, 'hostile: query values', 'POST', IMPORT, { auth: tenant.auth, body: { number: fresh(), number_type: 'longcode' } });
    accepted.set(created.body.id, created.body.number);
    // Unknown parameters are ignored whatever their bytes.
    for (const q of ['%00=%00', 'x=%00', '%ZZ=1', 'x=%E0%A4%A', 'x=%ED%A0%80', 'x=%F4%90%80%80', '%C0%80=1', 'x=\u00e9'.normalize(), 'a[b]=1', 'page_size[]=abc']) {
      const res = await call(server, 'hostile: query values', 'GET', `${NUMBERS}?${q}`, { auth: tenant.auth });
      assert.equal(res.status, 200, q);
    }
    // Filters match literally: none of these texts occurs in a number or a name here.
    const filters = ['%ZZ', '%E0%A4%A', '%ED%A0%80', '%EF%BC%91', '%D9%A1', '%F0%9F%98%80', '%25', '_', '%5C', "'%20or%201%3D1--", '%0A', '%E2%80%8B'];
    for (const f of filters) {
      for (const param of ['filter_name', 'filter_number']) {
        const res = await call(server, 'hostile: query values', 'GET', `${NUMBERS}?${param}=${f}`, { auth: tenant.auth });
        assert.equal(res.status, 200, `${param}=${f}: ${res.text}`);
        assert.deepEqual(res.body.data, [], `${param}=${f}`);
      }
    }
    // Numeric-string values are the only ones parsed as integers: anything else is 400.
    const badIntegers = ['%00', '1%00', '%EF%BC%91', '%D9%A1', '%F0%9D%9F%8F', '1.0', '1e1', '0x10', '%2B1', '-1', '%201', '1%20', '', '01', '0b1', '1_0', 'NaN', 'Infinity', '%E2%80%8B1'];
    for (const v of badIntegers) {
      for (const param of ['page_size', 'page_number']) {
        if (param === 'page_number' && v === '') continue;
        const res = await call(server, 'hostile: query values', 'GET', `${NUMBERS}?${param}=${v}`, { auth: tenant.auth });
        assert.deepEqual([res.status, res.text], [400, BAD_REQUEST], `${param}=${v}`);
      }
    }
    for (const v of ['1', '50', '1000']) {
      assert.equal((await call(server, 'hostile: query values', 'GET', `${NUMBERS}?page_size=${v}`, { auth: tenant.auth })).status, 200);
    }
    assert.equal((await call(server, 'hostile: query values', 'GET', `${NUMBERS}?page_number=0`, { auth: tenant.auth })).status, 200);
  });

  test('a NUL in a filter is literal text like any other character: it matches nothing here', async () => {
    const created = await call(server, 'hostile: query values', 'POST', IMPORT, { auth: tenant.auth, body: { number: fresh(), number_type: 'longcode' } });
    accepted.set(created.body.id, created.body.number);
    const named = await call(server, 'hostile: query values', 'PUT', `${NUMBERS}/${created.body.id}`, { auth: tenant.auth, body: { name: 'front desk' } });
    assert.equal(named.status, 200);
    for (const query of ['filter_number=%00', 'filter_number=5%00zzz', 'filter_number=%2B1555%00', 'filter_name=%00', 'filter_name=front%00zzz', 'filter_name=d%00']) {
      const res = await call(server, 'hostile: query values', 'GET', `${NUMBERS}?${query}`, { auth: tenant.auth });
      assert.equal(res.status, 200, `${query}: ${res.text}`);
      assert.deepEqual(res.body.data.map((n: { number: string }) => n.number), [], `${query} must match no number: no number or name contains a NUL`);
    }
  });

  test('afterwards: the project holds exactly the numbers that were accepted', async (t) => {
    const res = await call(server, 'hostile: verification', 'GET', `${NUMBERS}?page_size=1000`, { auth: tenant.auth });
    const listed = new Map<string, string>(res.body.data.map((n: { id: string; number: string }) => [n.id, n.number]));
    assert.deepEqual(new Map([...listed].sort()), new Map([...accepted].sort()));
    t.diagnostic(`requests: ${JSON.stringify(Object.fromEntries([...sent].filter(([k]) => k.startsWith('hostile:'))))}`);
  });
});

describe('robustness: ids in the path and page tokens', () => {
  let server: TestServer;
  let tenant: Tenant;
  let ids: string[] = [];
  /** Real tokens of this project: page 1 and 2 forward, one backward, one with a filter. */
  const tokens: { token: string; query: string }[] = [];
  before(async () => {
    server = await startServer();
    tenant = await server.addTenant();
    for (let i = 0; i < 7; i++) {
      const res = await call(server, 'tokens: setup', 'POST', IMPORT, { auth: tenant.auth, body: { number: `+1555333${String(i).padStart(4, '0')}`, number_type: 'longcode' } });
      ids.push(res.body.id);
    }
    const walk = async (link: string) => {
      const res = await call(server, 'tokens: setup', 'GET', link, { auth: tenant.auth });
      assert.equal(res.status, 200, link);
      return res.body.links as Record<string, string>;
    };
    const page1 = (await walk(`${NUMBERS}?page_size=2`)).next!;
    const page2 = (await walk(page1)).next!;
    const back = (await walk(page2)).prev!;
    const filtered = (await walk(`${NUMBERS}?page_size=3&filter_number=%2B1555333`)).next!;
    for (const link of [page1, page2, back, filtered]) {
      const url = new URL(link, 'http://x');
      const token = url.searchParams.get('page_token')!;
      url.searchParams.delete('page_token');
      tokens.push({ token, query: url.search.slice(1) });
      assert.equal((await call(server, 'tokens: setup', 'GET', link, { auth: tenant.auth })).status, 200, 'the real token works');
    }
  });
  after(() => server.close());

  const list = (cls: string, query: string, auth = tenant.auth) => call(server, cls, 'GET', `${NUMBERS}?${query}`, { auth });

  /** A request judged only for 5xx and hangs here: the caller collects wrong answers and reports them together. */
  async function answer(method: string, path: string, auth: string | null, body?: unknown) {
    countAs('path ids');
    const res = await withDeadline(server.request(method, path, { auth, ...(body === undefined ? {} : { body }) }), DEADLINE_MS, `${method} ${path.slice(0, 100)}`);
    assert.ok(res.status < 500, `${method} ${path.slice(0, 100)}: ${res.status} ${res.text}`);
    return res;
  }

  test('an id that is not a UUID answers 404 Not Found, however long or oddly escaped', async () => {
    const odd = ['a'.repeat(36), 'a'.repeat(101), 'a'.repeat(500), `${ids[0]!}${'0'.repeat(100)}`, '9'.repeat(5000), '%00', '%2F', '%2e%2e', '..%2F..%2Fopenapi.json', `${ids[0]!}%00`, encodeURIComponent('𝟏'.repeat(40))];
    // Every answer is collected first, so one failure reports them all.
    const wrong: string[] = [];
    for (const id of odd) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await answer(method, `${NUMBERS}/${id}`, tenant.auth, method === 'PUT' ? { name: 'x' } : undefined);
        if (res.status !== 404 || res.text !== NOT_FOUND) wrong.push(`${method} /phone_numbers/${id.slice(0, 40)}… (${id.length} characters): ${res.status} ${res.text.slice(0, 160)}`);
      }
      // Without credentials nothing is revealed either: 401, or the same 404.
      const anonymous = await answer('GET', `${NUMBERS}/${id}`, null);
      if (anonymous.status !== 401 && anonymous.status !== 404) wrong.push(`anonymous GET /phone_numbers/${id.slice(0, 40)}…: ${anonymous.status} ${anonymous.text.slice(0, 160)}`);
    }
    assert.deepEqual(wrong, []);
    for (const id of ids) assert.equal((await call(server, 'path ids', 'GET', `${NUMBERS}/${id}`, { auth: tenant.auth })).status, 200, 'nothing was released');
  });

  test('an id with a malformed percent-escape is a malformed request: 400, with or without credentials', async () => {
    const wrong: string[] = [];
    for (const id of ['%ZZ', '%', '%E0%A4%A', '%C0%AF', '%ED%A0%80']) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        for (const auth of [tenant.auth, null]) {
          const res = await answer(method, `${NUMBERS}/${id}`, auth, method === 'PUT' ? { name: 'x' } : undefined);
          if (res.status !== 400 || res.text !== BAD_REQUEST) wrong.push(`${auth === null ? 'anonymous ' : ''}${method} /phone_numbers/${id}: ${res.status} ${res.text.slice(0, 160)}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('a malformed escape in a route path answers a documented simple body', async () => {
    const wrong: string[] = [];
    for (const path of [`${IMPORT}%ZZ`, `${IMPORT}%`, `/api/relay/rest/%E0%A4%A/phone_numbers`, `${NUMBERS}%C0`, `${NUMBERS}/%ZZ`]) {
      for (const auth of [tenant.auth, null]) {
        const res = await answer('POST', path, auth, { number: '+15553339999', number_type: 'longcode' });
        const documented = (res.status === 400 && res.text === BAD_REQUEST) || (res.status === 404 && res.text === NOT_FOUND) || (auth === null && res.status === 401);
        if (!documented) wrong.push(`${auth === null ? 'anonymous ' : ''}POST ${path}: ${res.status} ${res.text}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.equal((await call(server, 'path ids', 'POST', IMPORT, { auth: tenant.auth, body: { number: '+15553339999', number_type: 'longcode' } })).status, 201, 'nothing was stored');
  });

  test('page_token garbage of every shape answers 400 Bad Request', async (t) => {
    const real = fc.constantFrom(...tokens);
    const base64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 1, maxLength: 200 });
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'binary-ascii', maxLength: 600 }),
      fc.base64String({ maxLength: 300 }),
      fc.tuple(base64url, base64url).map(([a, b]) => `${a}.${b}`),
      fc.tuple(real, fc.nat()).map(([t, n]) => t.token.slice(0, n % t.token.length)),
      fc.tuple(real, fc.string({ maxLength: 8 })).map(([t, s]) => `${t.token}${s === '' ? '.' : s}`),
      fc.tuple(real, real).filter(([a, b]) => a !== b).map(([a, b]) => `${a.token.split('.')[0]!}.${b.token.split('.')[1]!}`),
      real.map((t) => t.token.split('.').reverse().join('.')),
      real.map((t) => t.token.replace(/[a-z]/g, (c) => c.toUpperCase())),
      real.map((t) => `${t.token}.${t.token.split('.')[1]!}`),
      fc.tuple(real, fc.integer({ min: -5, max: 3_000_000_000 }), fc.constantFrom('n', 'p', 'x')).map(([t, page, dir]) => {
        // The payload rewritten (another page or direction) under the original signature: a forgery.
        const [payload, mac] = t.token.split('.') as [string, string];
        const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
        const forged = Buffer.from(JSON.stringify([dir, page, fields[2], fields[3]])).toString('base64url');
        return forged === payload ? `${forged}x.${mac}` : `${forged}.${mac}`;
      }),
    );
    await fc.assert(
      fc.asyncProperty(garbage, fc.constantFrom(undefined, '0', '1', '2', '3'), fc.constantFrom(...tokens.map((t) => t.query.replace(/&?page_number=\d+/, ''))), async (token, pageNumber, query) => {
        const q = `${query}${pageNumber === undefined ? '' : `&page_number=${pageNumber}`}&page_token=${encodeURIComponent(token)}`;
        const res = await list('page tokens: garbage', q);
        assert.deepEqual([res.status, res.text], [400, BAD_REQUEST], q);
      }),
      { numRuns: 200 },
    );
    t.diagnostic(`requests: ${JSON.stringify(Object.fromEntries([...sent].filter(([k]) => k.startsWith('page tokens') || k.startsWith('path ids'))))}`);
  });

  test('a real token with any one character replaced, or cut short, answers 400', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const { token, query } of tokens.slice(0, 2)) {
      const variants = new Set<string>();
      for (let i = 0; i < token.length; i++) {
        // One substitute everywhere; every substitute at the last character of each part,
        // where a base64url decoder may ignore the low bits.
        const lastOfPart = i === token.length - 1 || token[i + 1] === '.';
        const substitutes = lastOfPart ? [...alphabet] : [alphabet[(alphabet.indexOf(token[i]!) + 17) % 64]!];
        for (const c of substitutes) if (c !== token[i]) variants.add(token.slice(0, i) + c + token.slice(i + 1));
        variants.add(token.slice(0, i));
      }
      for (const t of variants) {
        const res = await list('page tokens: altered', `${query}&page_token=${encodeURIComponent(t)}`);
        assert.deepEqual([res.status, res.text], [400, BAD_REQUEST], `altered token ${t} (real: ${token})`);
      }
    }
  });

  test('a token answers 400 with another page size, other filters, another page_number, or twice', async () => {
    const { token, query } = tokens[0]!;
    assert.equal((await list('page tokens: scope', `${query}&page_token=${token}`)).status, 200);
    for (const q of [
      `page_number=1&page_size=3&page_token=${token}`,
      `page_number=1&page_size=2&filter_name=x&page_token=${token}`,
      `page_number=1&page_size=2&filter_number=%2B1555&page_token=${token}`,
      `page_number=2&page_size=2&page_token=${token}`,
      `page_number=0&page_size=2&page_token=${token}`,
      `page_number=1&page_size=2&page_token=${token}&page_token=${token}`,
      `page_number=1&page_size=2&page_token=${token}%00`,
      `page_number=1&page_size=2&page_token=%00${token}`,
      `page_number=1&page_size=2&page_token=${token}%20`,
      `page_number=1&page_size=2&page_token=${encodeURIComponent(`${token}\u200b`)}`,
    ]) {
      const res = await list('page tokens: scope', q);
      assert.deepEqual([res.status, res.text], [400, BAD_REQUEST], q);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The update oracle, from the README's rules, against a model of the stored number.
// ---------------------------------------------------------------------------------------------

const TEXT_ATTRIBUTES = [
  'name', 'call_laml_application_id', 'call_dialogflow_agent_id', 'call_relay_topic', 'call_relay_context', 'call_relay_application',
  'call_relay_connector_id', 'call_verto_resource', 'message_laml_application_id', 'message_relay_topic', 'message_relay_context',
  'message_relay_application',
];
const URL_ATTRIBUTES = [
  'call_request_url', 'call_fallback_url', 'call_status_callback_url', 'call_relay_topic_status_callback_url', 'call_relay_script_url',
  'call_relay_context_status_callback_url', 'message_request_url', 'message_fallback_url',
];
const METHOD_ATTRIBUTES = ['call_request_method', 'call_fallback_method', 'call_status_callback_method', 'message_request_method', 'message_fallback_method'];
const CALL_HANDLERS = ['relay_context', 'relay_topic', 'relay_script', 'relay_application', 'relay_connector', 'relay_sip_endpoint', 'relay_verto_endpoint', 'laml_webhooks', 'laml_application', 'dialogflow', 'video_room', 'ai_agent', 'call_flow'];
const MESSAGE_HANDLERS = ['relay_context', 'relay_topic', 'relay_application', 'laml_webhooks', 'laml_application'];
const ENUMS: Record<string, string[]> = {
  call_handler: CALL_HANDLERS,
  message_handler: MESSAGE_HANDLERS,
  call_receive_mode: ['voice', 'fax'],
  call_flow_version: ['working_copy', 'current_deployed'],
  ...Object.fromEntries(METHOD_ATTRIBUTES.map((m) => [m, ['GET', 'POST']])),
};
const CLEARABLE_UUIDS = ['call_sip_endpoint_id', 'call_video_room_id'];
const RESOURCE_UUIDS = ['call_ai_agent_id', 'call_flow_id'];
const UPDATE_ATTRIBUTES = [...TEXT_ATTRIBUTES, ...URL_ATTRIBUTES, ...Object.keys(ENUMS), ...CLEARABLE_UUIDS, ...RESOURCE_UUIDS];
/** The columns an update writes: every attribute but the two SDK resource ids, plus where those go. */
const STORED = [...TEXT_ATTRIBUTES, ...URL_ATTRIBUTES, ...Object.keys(ENUMS), ...CLEARABLE_UUIDS, 'calling_handler_resource_id'];
/** Stored, but the contract's response has no field for them. */
const NOT_RETURNED = ['call_flow_version', 'message_relay_application'];
const CALL_COMPANIONS: Record<string, string> = {
  laml_webhooks: 'call_request_url', relay_script: 'call_relay_script_url', relay_topic: 'call_relay_topic', relay_application: 'call_relay_application',
  relay_context: 'call_relay_context', laml_application: 'call_laml_application_id', dialogflow: 'call_dialogflow_agent_id',
  relay_connector: 'call_relay_connector_id', relay_sip_endpoint: 'call_sip_endpoint_id', relay_verto_endpoint: 'call_verto_resource',
  video_room: 'call_video_room_id', ai_agent: 'call_ai_agent_id', call_flow: 'call_flow_id',
};
const MESSAGE_COMPANIONS: Record<string, string> = {
  laml_webhooks: 'message_request_url', laml_application: 'message_laml_application_id', relay_topic: 'message_relay_topic',
  relay_context: 'message_relay_context', relay_application: 'message_relay_application',
};
const UUID_RX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const GOOD_URLS = ['http://localhost:8080/x?y=1#z', 'HTTPS://EXAMPLE.COM/Voice', 'https://[::1]/v', 'http://127.0.0.1/', 'https://example.com/voice', 'https://user:pw@example.com:8443/a/b?c=d&e=f'];
const BAD_URLS = ['ftp://example.com/x', '/relative/path', 'example.com/voice', 'http:example.com', 'http://', 'https://exa mple.com', ' https://example.com', 'https://example.com\n', 'javascript:alert(1)', 'mailto:a@example.com', 'https:/example.com', 'http://exa\u0000mple.com', 'https://example.com/\u007f', 'file:///etc/passwd', 'data:text/plain,x', 'https://example.com/a b'];
const CONTROL_OR_SPACE = ['\u0000', '\u0001', '\t', '\n', '\r', ' ', '\u001f', '\u007f'];

/** A URL the README calls valid (absolute http or https, a host, nothing to trim), or one it calls invalid, and which. */
const goodUrl = fc.oneof(fc.constantFrom(...GOOD_URLS), fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }));
const badUrl = fc.oneof(
  fc.constantFrom(...BAD_URLS),
  fc.tuple(goodUrl, fc.nat(), fc.constantFrom(...CONTROL_OR_SPACE)).map(([u, at, c]) => u.slice(0, at % (u.length + 1)) + c + u.slice(at % (u.length + 1))),
);
const BAD_URL_SET = new Set<string>();

const wrongType = fc.constantFrom<unknown>(null, 0, 1.5, true, false, [], ['x'], {}, { a: 'b' });
const textValue = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.constantFrom('Main Office', 'ünïcødé ☎', '日本語の名前', 'a'.repeat(300), '  spaced  ', 'tab\there', 'line\nbreak', '%_\\', "'; drop table phone_numbers; --", '\u200b', '😀👍🏽', 'null'),
);

function attributeValue(attribute: string): fc.Arbitrary<unknown> {
  if (TEXT_ATTRIBUTES.includes(attribute)) return textValue;
  if (URL_ATTRIBUTES.includes(attribute)) {
    return fc.oneof({ arbitrary: fc.constant(''), weight: 1 }, { arbitrary: goodUrl, weight: 5 }, { arbitrary: badUrl.map((u) => (BAD_URL_SET.add(u), u)), weight: 1 });
  }
  const values = ENUMS[attribute];
  if (values !== undefined) {
    return fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 10 }, fc.constantFrom('', values[0]!.toUpperCase(), `${values[0]!} `, 'fabric_subscriber', 'sip_gateway', 'PUT', 'sms', 'latest'));
  }
  const uuids = fc.oneof({ arbitrary: fc.uuid(), weight: 6 }, { arbitrary: fc.uuid().map((u) => u.toUpperCase()), weight: 2 }, fc.constantFrom('room-1', 'agent-1', '3fa85f64571745622b3fc2c963f66afa6', '{3fa85f64-5717-4562-b3fc-2c963f66afa6}', '3fa85f64-5717-4562-b3fc-2c963f66afa6x'));
  return CLEARABLE_UUIDS.includes(attribute) ? fc.oneof(fc.constant(''), uuids) : uuids;
}

const updateBody: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 1 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)), fc.constant([{ name: 'x' }])), weight: 1 },
  {
    weight: 12,
    arbitrary: fc
      .tuple(
        fc.subarray(UPDATE_ATTRIBUTES, { maxLength: 4 }).chain((attributes) =>
          fc.tuple(...attributes.map((a) => fc.oneof({ arbitrary: attributeValue(a), weight: 14 }, wrongType).map((v) => [a, v] as const))),
        ),
        fc.oneof(
          { arbitrary: fc.constant(null), weight: 9 },
          { arbitrary: fc.tuple(fc.constantFrom('number', 'number_type', 'capabilities', 'created_at', 'id', 'updated_at', 'calling_handler_resource_id', 'country_code', 'Name', 'call_handler ', 'e911_address_id'), smallJson), weight: 1 },
        ),
        fc.boolean().chain((b) => (b ? fc.constant(true) : fc.boolean())),
        fc.uuid(),
        goodUrl,
      )
      .map(([entries, unknown, withCompanions, someUuid, someUrl]) => {
        const body: Record<string, unknown> = Object.fromEntries(entries);
        if (unknown !== null) body[unknown[0]] = unknown[1];
        if (withCompanions) {
          // Most handler choices arrive with their companion, as a client would send them.
          for (const [handler, companions] of [[body.call_handler, CALL_COMPANIONS], [body.message_handler, MESSAGE_COMPANIONS]] as const) {
            const companion = typeof handler === 'string' ? companions[handler] : undefined;
            if (companion === undefined || companion in body) continue;
            body[companion] = URL_ATTRIBUTES.includes(companion) ? someUrl : [...CLEARABLE_UUIDS, ...RESOURCE_UUIDS].includes(companion) ? someUuid : `value-${someUuid.slice(0, 8)}`;
          }
        }
        return body;
      }),
  },
);

type Stored = Record<string, string | null>;

/** The README's update rules on the stored number: the problems as `code:attribute`, or the stored number afterwards. */
function applyUpdateRules(stored: Stored, body: unknown): { problems: string[] } | { next: Stored } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problems: ['invalid_body:body'] };
  const b = body as Record<string, unknown>;
  // Stage one: unknown attributes, types, enums, UUIDs, all together.
  const first: string[] = [];
  for (const [attribute, value] of Object.entries(b)) {
    if (!UPDATE_ATTRIBUTES.includes(attribute)) first.push(`unknown_attribute:${attribute}`);
    else if (typeof value !== 'string') first.push(`invalid_type:${attribute}`);
    else if (ENUMS[attribute] !== undefined && !ENUMS[attribute].includes(value)) first.push(`invalid_value:${attribute}`);
    else if (CLEARABLE_UUIDS.includes(attribute) && value !== '' && !UUID_RX.test(value)) first.push(`invalid_format:${attribute}`);
    else if (RESOURCE_UUIDS.includes(attribute) && !UUID_RX.test(value)) first.push(`invalid_format:${attribute}`);
  }
  if (first.length > 0) return { problems: first.sort() };
  // Stage two, on the number as it would be: URLs, handlers and their companions.
  const values = b as Record<string, string>;
  const problems: string[] = [];
  const next: Stored = { ...stored };
  for (const attribute of [...TEXT_ATTRIBUTES, ...URL_ATTRIBUTES, ...Object.keys(ENUMS), ...CLEARABLE_UUIDS]) {
    if (attribute in values && attribute !== 'call_flow_version') next[attribute] = values[attribute] === '' ? null : values[attribute]!;
  }
  // Text must be storable as sent: no NUL, no unpaired surrogate (one problem per attribute).
  const unstorable = (v: string) => v.includes('\u0000') || /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(v);
  for (const attribute of [...TEXT_ATTRIBUTES, ...URL_ATTRIBUTES]) {
    const v = values[attribute];
    if (v !== undefined && unstorable(v)) problems.push(`invalid_format:${attribute}`);
    else if (URL_ATTRIBUTES.includes(attribute) && v !== undefined && v !== '' && !isPlainHttpUrl(v)) problems.push(`invalid_format:${attribute}`);
  }
  const handler = next.call_handler ?? null;
  if (handler !== stored.call_handler) {
    next.calling_handler_resource_id = null;
    next.call_flow_version = null;
  }
  for (const [attribute, owner] of [['call_ai_agent_id', 'ai_agent'], ['call_flow_id', 'call_flow']] as const) {
    if (!(attribute in values)) continue;
    if (handler === owner) next.calling_handler_resource_id = values[attribute]!;
    else problems.push(`handler_mismatch:${attribute}`);
  }
  if ('call_flow_version' in values) {
    if (handler === 'call_flow') next.call_flow_version = values.call_flow_version!;
    else problems.push('handler_mismatch:call_flow_version');
  }
  if (handler !== null) {
    const companion = CALL_COMPANIONS[handler]!;
    const present = handler === 'ai_agent' || handler === 'call_flow' ? next.calling_handler_resource_id : next[companion];
    if (present === null) problems.push(`missing_attribute:${companion}`);
  }
  const messageHandler = next.message_handler ?? null;
  if (messageHandler !== null && next[MESSAGE_COMPANIONS[messageHandler]!] === null) problems.push(`missing_attribute:${MESSAGE_COMPANIONS[messageHandler]!}`);
  return problems.length > 0 ? { problems: problems.sort() } : { next };
}

/** Which URL the generators produced as valid: the generated bad ones are remembered, the rest are good by construction. */
function isPlainHttpUrl(value: string): boolean {
  return !BAD_URL_SET.has(value) && !BAD_URLS.includes(value);
}

describe('robustness: update bodies are accepted exactly when the README rules hold', () => {
  let server: TestServer;
  let tenant: Tenant;
  const numbers: { id: string; imported: Record<string, unknown>; stored: Stored; updatedAt: string }[] = [];
  before(async () => {
    server = await startServer();
    tenant = await server.addTenant();
    for (let i = 0; i < 3; i++) {
      const res = await call(server, 'update: setup', 'POST', IMPORT, { auth: tenant.auth, body: { number: `+1555222${String(i).padStart(4, '0')}`, number_type: 'longcode', capabilities: ['sms'] } });
      const stored: Stored = Object.fromEntries([...STORED, ...NOT_RETURNED].map((a) => [a, null]));
      stored.call_receive_mode = 'voice';
      numbers.push({ id: res.body.id, imported: res.body, stored, updatedAt: res.body.updated_at });
    }
  });
  after(() => server.close());

  /** What GET and a 200 must show for a stored number. */
  const wire = (n: (typeof numbers)[number], updatedAt: string) => {
    const shown = Object.fromEntries(Object.entries(n.stored).filter(([a]) => !NOT_RETURNED.includes(a)));
    return { ...n.imported, ...shown, updated_at: updatedAt };
  };

  test('random partial bodies against a model of each number: right answer, and GET shows exactly what was accepted', async (t) => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.nat(numbers.length - 1), updateBody, async (which, body) => {
        const n = numbers[which]!;
        const res = await call(server, 'update: random bodies', 'PUT', `${NUMBERS}/${n.id}`, { auth: tenant.auth, body });
        const verdict = applyUpdateRules(n.stored, body);
        const why = `body ${JSON.stringify(body)} on ${JSON.stringify(n.stored)} answered ${res.status} ${res.text.slice(0, 800)}`;
        outcomes.set(String(res.status), (outcomes.get(String(res.status)) ?? 0) + 1);
        if ('problems' in verdict) {
          assert.equal(res.status, 422, why);
          assert.deepEqual(itemKeys(res.body), verdict.problems, why);
        } else {
          assert.equal(res.status, 200, why);
          assert.deepEqual(phoneNumberProblems(res.body), [], why);
          assert.ok(res.body.updated_at > n.updatedAt, `updated_at must move forward: ${why}`);
          n.stored = verdict.next;
          n.updatedAt = res.body.updated_at;
          assert.deepEqual(res.body, wire(n, n.updatedAt), why);
        }
        const got = await call(server, 'update: random bodies', 'GET', `${NUMBERS}/${n.id}`, { auth: tenant.auth });
        assert.deepEqual(got.body, wire(n, n.updatedAt), `GET after ${why}`);
      }),
      { numRuns: 250, endOnFailure: true },
    );
    // Both outcomes were exercised in earnest.
    assert.ok((outcomes.get('200') ?? 0) >= 25 && (outcomes.get('422') ?? 0) >= 25, JSON.stringify(Object.fromEntries(outcomes)));
    t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries(outcomes))}; requests: ${JSON.stringify(Object.fromEntries([...sent].filter(([k]) => k.startsWith('update:'))))}`);
  });

  test('wrong content, no coercion: numbers, booleans and null are not strings', async () => {
    const n = numbers[0]!;
    for (const [body, expected] of [
      [{ name: 5 }, ['invalid_type:name']],
      [{ call_receive_mode: ['fax'] }, ['invalid_type:call_receive_mode']],
      [{ call_request_method: null, name: true }, ['invalid_type:call_request_method', 'invalid_type:name']],
      [{ call_video_room_id: 0 }, ['invalid_type:call_video_room_id']],
    ] as const) {
      const res = await call(server, 'update: no coercion', 'PUT', `${NUMBERS}/${n.id}`, { auth: tenant.auth, body });
      assert.equal(res.status, 422);
      assert.deepEqual(itemKeys(res.body), expected);
    }
    assert.deepEqual((await call(server, 'update: no coercion', 'GET', `${NUMBERS}/${n.id}`, { auth: tenant.auth })).body, wire(n, n.updatedAt));
  });

  test('a URL without a host as written (empty authority, backslashes) is refused, not repaired by a forgiving parser', async () => {
    const n = numbers[2]!;
    const accepted: string[] = [];
    for (const url of ['https:///x', 'http:///example.com/voice', 'https:////example.com/', 'http://\\\\example.com/voice', 'https:/\\example.com/']) {
      const res = await call(server, 'update: URLs', 'PUT', `${NUMBERS}/${n.id}`, { auth: tenant.auth, body: { call_request_url: url } });
      if (res.status !== 422) {
        accepted.push(`${JSON.stringify(url)} answered ${res.status}`);
        // Keep the model in step with what the server stored.
        if (res.status === 200) {
          n.stored.call_request_url = url;
          n.updatedAt = res.body.updated_at;
        }
      } else assert.deepEqual(itemKeys(res.body), ['invalid_format:call_request_url']);
    }
    assert.deepEqual(accepted, [], 'an RFC 3986 reader of these sees no host');
  });

  /** Text the update accepts is stored as sent: GET answers what the update answered. Refusing it would be a documented 422. */
  async function assertStoredAsSent(cls: string, id: string, texts: string[]) {
    for (const name of texts) {
      const res = await call(server, cls, 'PUT', `${NUMBERS}/${id}`, { auth: tenant.auth, body: { name, call_relay_topic: name } });
      const why = `name ${JSON.stringify(name)}: ${res.status} ${res.text.slice(0, 300)}`;
      if (res.status === 422) continue;
      assert.equal(res.status, 200, why);
      assert.deepEqual([res.body.name, res.body.call_relay_topic], [name, name], why);
      const got = await call(server, cls, 'GET', `${NUMBERS}/${id}`, { auth: tenant.auth });
      assert.deepEqual([got.body.name, got.body.call_relay_topic], [name, name], `GET after ${why}`);
    }
  }

  test('control characters in text are stored as sent; NUL is refused', async () => {
    const res = await call(server, 'update: stored as sent', 'POST', IMPORT, { auth: tenant.auth, body: { number: '+15552229001', number_type: 'longcode' } });
    await assertStoredAsSent('update: stored as sent', res.body.id, ['\u0001\u001f\u007f', 'tab\tnew\nline', '\ufeff\ufffe\uffff']);
    for (const name of ['a\u0000b', '\u0000']) {
      const refused = await call(server, 'update: stored as sent', 'PUT', `${NUMBERS}/${res.body.id}`, { auth: tenant.auth, body: { name } });
      assert.deepEqual([refused.status, itemKeys(refused.body)], [422, ['invalid_format:name']]);
    }
  });

  test('lone UTF-16 surrogates in text are refused or stored as sent, never silently replaced', async () => {
    const res = await call(server, 'update: stored as sent', 'POST', IMPORT, { auth: tenant.auth, body: { number: '+15552229002', number_type: 'longcode' } });
    await assertStoredAsSent('update: stored as sent', res.body.id, ['x\ud800y', '\udfff', 'emoji 😀 then lone \ud83d']);
  });
});

describe('robustness: tenant isolation', () => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let c: Tenant;
  const owned = new Map<Tenant, Record<string, unknown>[]>();
  before(async () => {
    server = await startServer();
    a = await server.addTenant();
    b = await server.addTenant();
    c = await server.addTenant({ spaceId: a.spaceId });
    let i = 0;
    for (const [tenant, count] of [[a, 6], [b, 2], [c, 1]] as const) {
      const rows: Record<string, unknown>[] = [];
      for (let k = 0; k < count; k++) {
        const res = await call(server, 'isolation: setup', 'POST', IMPORT, { auth: tenant.auth, body: { number: `+1555111${String(i++).padStart(4, '0')}`, number_type: 'longcode' } });
        rows.push(res.body);
      }
      owned.set(tenant, rows);
    }
  });
  after(() => server.close());

  const ids = (t: Tenant) => owned.get(t)!.map((r) => r.id as string);

  test("another project's ids answer 404 on GET, PUT and DELETE, in any case, and change nothing", async () => {
    const target = fc.oneof(
      fc.constantFrom(...ids(a)).map((id) => [a, id] as const),
      fc.constantFrom(...ids(b)).map((id) => [b, id] as const),
      fc.constantFrom(...ids(c)).map((id) => [c, id] as const),
    );
    await fc.assert(
      fc.asyncProperty(target, fc.constantFrom(a, b, c), fc.constantFrom('GET', 'PUT', 'DELETE'), fc.constantFrom('as is', 'upper', 'mixed'), fc.string({ maxLength: 12 }), async ([owner, id], caller, method, spelling, name) => {
        fc.pre(owner !== caller);
        const spelled = spelling === 'as is' ? id : spelling === 'upper' ? id.toUpperCase() : id.replace(/[a-f]/g, (x, at: number) => (at % 2 === 0 ? x.toUpperCase() : x));
        const res = await call(server, 'isolation: foreign ids', method, `${NUMBERS}/${spelled}`, { auth: caller.auth, ...(method === 'PUT' ? { body: { name } } : {}) });
        assert.deepEqual([res.status, res.text], [404, NOT_FOUND], `${method} of another project's ${spelled}`);
      }),
      { numRuns: 150 },
    );
    for (const tenant of [a, b, c]) {
      for (const row of owned.get(tenant)!) {
        const got = await call(server, 'isolation: verification', 'GET', `${NUMBERS}/${row.id as string}`, { auth: tenant.auth });
        assert.deepEqual([got.status, got.body], [200, row], 'the owner still sees its number, unchanged');
      }
    }
  });

  test("lists never show another project's numbers, whatever the filter", async () => {
    for (const tenant of [a, b, c]) {
      const mine = new Set(ids(tenant));
      for (const query of ['page_size=1000', 'filter_number=%2B1555111', 'filter_number=1', ...[...owned.values()].flat().map((r) => `filter_number=${encodeURIComponent(r.number as string)}`)]) {
        const res = await call(server, 'isolation: lists', 'GET', `${NUMBERS}?${query}`, { auth: tenant.auth });
        assert.equal(res.status, 200);
        for (const n of res.body.data as { id: string }[]) assert.ok(mine.has(n.id), `${query} showed ${n.id} to another project`);
      }
      const all = await call(server, 'isolation: lists', 'GET', `${NUMBERS}?page_size=1000`, { auth: tenant.auth });
      assert.deepEqual(new Set(all.body.data.map((n: { id: string }) => n.id)), mine);
    }
  });

  test("a page_token of one project is 400 for every other, even in the same Space", async () => {
    const first = await call(server, 'isolation: tokens', 'GET', `${NUMBERS}?page_size=2`, { auth: a.auth });
    const next = first.body.links.next as string;
    assert.equal((await call(server, 'isolation: tokens', 'GET', next, { auth: a.auth })).status, 200);
    for (const other of [b, c]) {
      const res = await call(server, 'isolation: tokens', 'GET', next, { auth: other.auth });
      assert.deepEqual([res.status, res.text], [400, BAD_REQUEST]);
    }
    const ofB = (await call(server, 'isolation: tokens', 'GET', `${NUMBERS}?page_size=1`, { auth: b.auth })).body.links.next as string;
    assert.equal((await call(server, 'isolation: tokens', 'GET', ofB, { auth: b.auth })).status, 200);
    assert.deepEqual((await call(server, 'isolation: tokens', 'GET', ofB, { auth: a.auth })).text, BAD_REQUEST);
  });

  test("importing another project's number answers the same 422 and moves nothing", async (t) => {
    for (const row of owned.get(a)!) {
      for (const other of [b, c]) {
        const res = await call(server, 'isolation: imports', 'POST', IMPORT, { auth: other.auth, body: { number: row.number, number_type: 'tollfree', capabilities: ['fax'] } });
        assert.deepEqual([res.status, res.text], [422, TAKEN]);
      }
    }
    const all = await call(server, 'isolation: imports', 'GET', `${NUMBERS}?page_size=1000`, { auth: a.auth });
    assert.equal(all.body.data.length, 6);
    t.diagnostic(`requests: ${JSON.stringify(Object.fromEntries([...sent].filter(([k]) => k.startsWith('isolation:'))))}`);
  });
});

describe('robustness: credentials are checked before anything else', () => {
  let server: TestServer;
  let tenant: Tenant;
  let noScope: Tenant;
  let partnerOff: Tenant;
  let held: Record<string, unknown>;
  before(async () => {
    server = await startServer();
    tenant = await server.addTenant();
    noScope = await server.addTenant({ scopes: ['messaging', 'calling', 'management'] });
    partnerOff = await server.addTenant({ partnerApi: false });
    held = (await call(server, 'credentials: setup', 'POST', IMPORT, { auth: tenant.auth, body: { number: '+15559990001', number_type: 'longcode' } })).body;
  });
  after(() => server.close());

  const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
  /** Header values fetch can send (Latin-1, no CR, LF or NUL), none of them valid credentials here. */
  const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 120 });
  const badAuthorization = fc.oneof(
    headerText,
    headerText.map((s) => `Basic ${b64(s)}`),
    headerText.map((s) => `Basic ${s}`),
    fc.tuple(fc.uuid(), headerText).map(([p, s]) => `Basic ${b64(`${p}:${s}`)}`),
    headerText.map((s) => `Basic ${b64(`${tenant.projectId}:${s}`)}`),
    fc.constantFrom(
      () => `Basic ${b64(`${tenant.projectId}:${tenant.secret}x`)}`,
      () => `Basic ${b64(`${tenant.projectId}:${tenant.secret.slice(0, -1)}`)}`,
      () => `Basic ${b64(`${tenant.projectId}:${tenant.secret.toUpperCase()}`)}`,
      () => `Basic ${b64(`${noScope.projectId}:${tenant.secret}`)}`,
      () => `Basic ${b64(`${tenant.projectId}:${noScope.secret}`)}`,
      () => `Basic ${b64(`${tenant.projectId}${tenant.secret}`)}`,
      () => `Basic ${b64(`:${tenant.secret}`)}`,
      () => `Basic ${b64(`${tenant.projectId}:`)}`,
      () => `Bearer ${tenant.secret}`,
      () => `Basic ${b64(`${tenant.projectId}:${tenant.secret}`).slice(0, -2)}`,
      () => `Basic  ${b64(`${tenant.projectId}:${tenant.secret}`)} x`,
      () => `Basic ${'A'.repeat(8000)}`,
    ).map((f) => f()),
  );
  /** Bodies of every kind, none of which an unauthenticated caller may learn anything about. */
  const anyBody = fc.oneof(
    fc.constant({ rawBody: undefined as string | undefined, type: undefined as string | undefined }),
    nearValidImport.map((b) => ({ rawBody: JSON.stringify(b), type: 'application/json' })),
    fc.constantFrom(
      { rawBody: '{"number":', type: 'application/json' },
      { rawBody: '{"__proto__":{"x":1}}', type: 'application/json' },
      { rawBody: JSON.stringify({ number: '+15559990002', number_type: 'longcode' }), type: 'text/plain' },
      { rawBody: JSON.stringify({ number: '+15559990003', number_type: 'longcode', pad: 'x'.repeat(BODY_LIMIT) }), type: 'application/json' },
      { rawBody: JSON.stringify({ number: '+15559990004', number_type: 'longcode' }), type: 'application/json' },
      { rawBody: JSON.stringify({ name: 'taken over' }), type: 'application/json' },
    ),
  );
  const operation = fc.constantFrom(
    ['POST', IMPORT],
    ['GET', NUMBERS],
    ['GET', `${NUMBERS}?page_size=0`],
    ['GET', `${NUMBERS}/{held}`],
    ['PUT', `${NUMBERS}/{held}`],
    ['DELETE', `${NUMBERS}/{held}`],
    ['PUT', `${NUMBERS}/not-a-uuid`],
  );

  test('missing or wrong credentials answer 401 Unauthorized whatever the body, and change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(badAuthorization, { freq: 8 }), operation, anyBody, async (authorization, [method, target], body) => {
        const path = target!.replace('{held}', held.id as string);
        const withBody = method === 'POST' || method === 'PUT';
        const res = await call(server, 'credentials: wrong', method!, path, {
          auth: authorization,
          ...(withBody && body.rawBody !== undefined ? { rawBody: body.rawBody, headers: { 'content-type': body.type! } } : {}),
        });
        assert.deepEqual([res.status, res.text], [401, '{"error":"Unauthorized"}'], `${method} ${path} with ${JSON.stringify(authorization)?.slice(0, 100)}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Basic\b/);
      }),
      { numRuns: 150 },
    );
    const got = await call(server, 'credentials: wrong', 'GET', `${NUMBERS}/${held.id as string}`, { auth: tenant.auth });
    assert.deepEqual([got.status, got.body], [200, held]);
    const all = await call(server, 'credentials: wrong', 'GET', `${NUMBERS}?page_size=1000`, { auth: tenant.auth });
    assert.deepEqual(all.body.data.map((n: { id: string }) => n.id), [held.id]);
  });

  test('a token without the numbers scope answers 403 missing_scope, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(operation, anyBody, async ([method, target], body) => {
        const path = target!.replace('{held}', held.id as string);
        const withBody = method === 'POST' || method === 'PUT';
        const res = await call(server, 'credentials: scope', method!, path, {
          auth: noScope.auth,
          ...(withBody && body.rawBody !== undefined ? { rawBody: body.rawBody, headers: { 'content-type': body.type! } } : {}),
        });
        assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
        assert.deepEqual(res.body.errors.map((e: { code: string }) => e.code), ['missing_scope']);
      }),
      { numRuns: 60 },
    );
  });

  test('a Space with the Partner API off: import answers 403 partner_api_disabled whatever the body', async (t) => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const res = await call(server, 'credentials: partner API', 'POST', IMPORT, {
          auth: partnerOff.auth,
          ...(body.rawBody !== undefined ? { rawBody: body.rawBody, headers: { 'content-type': body.type! } } : {}),
        });
        assert.equal(res.status, 403, res.text);
        assert.deepEqual(res.body.errors.map((e: { code: string }) => e.code), ['partner_api_disabled']);
      }),
      { numRuns: 40 },
    );
    const all = await call(server, 'credentials: partner API', 'GET', `${NUMBERS}?page_size=1000`, { auth: partnerOff.auth });
    assert.deepEqual(all.body.data, []);
    t.diagnostic(`requests: ${JSON.stringify(Object.fromEntries([...sent].filter(([k]) => k.startsWith('credentials:'))))}`);
  });
});
