/**
 * SignalWire's Node compatibility client, the real npm package `@signalwire/compatibility-api`,
 * against a real `numberspace serve` over HTTPS, set up the way the README documents it:
 * `numberspace tls-cert` makes the pair, the server starts with TLS_CERT_FILE/TLS_KEY_FILE, and
 * the client runs in its own Node process with SIGNALWIRE_SPACE_URL=127.0.0.1:<port> and
 * NODE_EXTRA_CA_CERTS=<cert> (read by Node only at process start, hence a child process).
 *
 * The client script below is written to a temporary folder and run with `node`; it performs one
 * step, records what the client handed its HTTP layer (method, URL, query, form data, headers
 * other than credentials) and prints one JSON object on stdout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { listeningUrl, type RunningProcess, spawnNumberspace, waitForOutput } from '../helpers/process.js';
import { basic } from '../helpers/server.js';

const PROJECT = '3c0b9e4a-7d21-4f65-8a3e-5b9c1d2e7f04';
const TOKEN = 'PT' + 'cd'.repeat(24);
const RELAY_IMPORT = '/api/relay/rest/imported_phone_numbers';
const RELAY_NUMBERS = '/api/relay/rest/phone_numbers';

/** The client side: one step per run, its input in NS_INPUT, its output one JSON line. */
const CLIENT_SCRIPT = String.raw`'use strict';
const { RestClient } = require(process.env.NS_CLIENT_MODULE);
const input = JSON.parse(process.env.NS_INPUT);
const sent = [];
function out(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}
function number(n) {
  return {
    sid: n.sid,
    accountSid: n.accountSid,
    phoneNumber: n.phoneNumber,
    friendlyName: n.friendlyName,
    capabilities: n.capabilities,
    origin: n.origin,
    dateCreatedIsDate: n.dateCreated instanceof Date && !Number.isNaN(n.dateCreated.getTime()),
    dateCreated: n.dateCreated instanceof Date ? n.dateCreated.toISOString() : String(n.dateCreated),
    dateUpdated: n.dateUpdated instanceof Date ? n.dateUpdated.toISOString() : String(n.dateUpdated),
    voiceUrl: n.voiceUrl,
    voiceMethod: n.voiceMethod,
    smsUrl: n.smsUrl,
    smsMethod: n.smsMethod,
    statusCallback: n.statusCallback,
    uri: n.uri,
  };
}
async function main() {
  const client = RestClient(input.project, input.token, input.options);
  const http = client.httpClient;
  const original = http.request.bind(http);
  http.request = (opts) => {
    const headers = Object.assign({}, opts.headers);
    delete headers.Authorization;
    const entry = { method: opts.method, uri: opts.uri, username: opts.username, params: opts.params, data: opts.data, headers };
    sent.push(entry);
    return original(opts).then((res) => {
      entry.status = res.statusCode;
      return res;
    });
  };
  const numbers = client.incomingPhoneNumbers;
  switch (input.step) {
    case 'list':
      return (await numbers.list(input.params)).map(number);
    case 'fetch':
      return number(await numbers(input.sid).fetch());
    case 'update':
      return number(await numbers(input.sid).update(input.params));
    case 'remove':
      return await numbers(input.sid).remove();
    default:
      throw new Error('unknown step ' + input.step);
  }
}
main().then(
  (result) => out({ result, sent }),
  (err) => out({ error: { name: err.constructor.name, status: err.status, code: err.code, message: err.message, moreInfo: err.moreInfo }, sent }),
);
`;

interface Sent {
  method: string;
  uri: string;
  username: string;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  headers: Record<string, string>;
  status?: number;
}

interface ClientNumber {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  capabilities: Record<string, boolean>;
  origin: string;
  dateCreatedIsDate: boolean;
  dateCreated: string;
  dateUpdated: string;
  voiceUrl: string | null;
  voiceMethod: string;
  smsUrl: string | null;
  smsMethod: string;
  statusCallback: string | null;
  uri: string;
}

interface ClientRun<T> {
  result?: T;
  error?: { name: string; status?: number; code?: number | string; message: string; moreInfo?: string };
  sent: Sent[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('@signalwire/compatibility-api (the npm client) over HTTPS', () => {
  let dir: string;
  let db: FreshDatabase;
  let server: RunningProcess;
  let url: string;
  let certFile: string;
  let ca: Buffer;
  let scriptFile: string;
  let seq = 0;
  const clientModule = createRequire(import.meta.url).resolve('@signalwire/compatibility-api');
  const nextNumber = () => `+1555301${String(seq++).padStart(4, '0')}`;
  /** `host:port`, as SIGNALWIRE_SPACE_URL takes it (the client prefixes https://). */
  const space = () => new URL(url).host;
  const base = () => `https://${space()}/2010-04-01/Accounts/${PROJECT}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-node-client-'));
    db = await freshDatabase(dir);
    const tlsDir = join(dir, 'tls');
    const made = spawnNumberspace(['tls-cert', '--out', tlsDir], {});
    assert.equal(await made.exited, 0, made.stderr());
    certFile = join(tlsDir, 'cert.pem');
    ca = readFileSync(certFile);
    server = spawnNumberspace(['serve'], {
      PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, LOG_LEVEL: 'info',
      TLS_CERT_FILE: certFile, TLS_KEY_FILE: join(tlsDir, 'key.pem'),
      SIGNALWIRE_PROJECT_ID: PROJECT, SIGNALWIRE_API_TOKEN: TOKEN,
    });
    url = listeningUrl(await waitForOutput(server, (o) => o.includes('"msg":"ready"')));
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    scriptFile = join(dir, 'client.cjs');
    writeFileSync(scriptFile, CLIENT_SCRIPT);
  });

  after(async () => {
    if (server !== undefined && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.stderr());
    }
    await db?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one client step in a fresh Node process; `trust: false` leaves NODE_EXTRA_CA_CERTS unset. */
  function runClient<T>(
    input: { step: 'list' | 'fetch' | 'update' | 'remove'; sid?: string; params?: Record<string, unknown>; token?: string; options?: Record<string, unknown> },
    { trust = true, spaceFromEnv = true } = {},
  ): Promise<ClientRun<T>> {
    // A minimal environment: no HTTP_PROXY (the client would tunnel through it), no TWILIO_*.
    const env: Record<string, string> = {
      NS_CLIENT_MODULE: clientModule,
      NS_INPUT: JSON.stringify({ project: PROJECT, token: TOKEN, ...input }),
    };
    if (spaceFromEnv) env.SIGNALWIRE_SPACE_URL = space();
    if (trust) env.NODE_EXTRA_CA_CERTS = certFile;
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [scriptFile], { env, timeout: 20_000 }, (err, stdout, stderr) => {
        if (err !== null) return reject(new Error(`client process failed: ${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        try {
          resolve(JSON.parse(stdout) as ClientRun<T>);
        } catch {
          reject(new Error(`client printed no JSON:\n${stdout}\nstderr:\n${stderr}`));
        }
      });
    });
  }

  /** Relay REST from the test process, trusting the same certificate. */
  function relay(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        `${url}${path}`,
        {
          method,
          ca,
          headers: { authorization: basic(PROJECT, TOKEN), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += String(d)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function importRelay(capabilities?: string[]): Promise<Record<string, any>> {
    const res = await relay('POST', RELAY_IMPORT, { number: nextNumber(), number_type: 'longcode', ...(capabilities === undefined ? {} : { capabilities }) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }

  const ok = <T>(run: ClientRun<T>): T => {
    assert.equal(run.error, undefined, `the client failed: ${JSON.stringify(run.error)}; it sent ${JSON.stringify(run.sent, null, 2)}`);
    return run.result as T;
  };

  test('list({ pageSize: 2 }) walks two pages by next_page_uri and returns all 3 numbers, newest first', async () => {
    // The first test of the file: the project holds exactly these three numbers.
    const imported: Record<string, any>[] = [];
    for (let i = 0; i < 3; i++) {
      imported.push(await importRelay());
      await sleep(5); // distinct created_at, so newest first is the reverse import order
    }
    const run = await runClient<ClientNumber[]>({ step: 'list', params: { pageSize: 2 } });
    const listed = ok(run);
    const newestFirst = [...imported].reverse();
    assert.deepEqual(listed.map((n) => n.phoneNumber), newestFirst.map((n) => n.number));
    assert.deepEqual(listed.map((n) => n.sid), newestFirst.map((n) => n.id));

    // Two requests: the first with the caller's PageSize as a query parameter, the second the
    // server's next_page_uri joined to the client's base, carrying the PageToken.
    assert.equal(run.sent.length, 2, JSON.stringify(run.sent, null, 2));
    const [first, second] = run.sent as [Sent, Sent];
    assert.deepEqual([first.method, first.uri, first.params, first.status], ['GET', `${base()}/IncomingPhoneNumbers.json`, { PageSize: 2 }, 200]);
    assert.equal(first.username, PROJECT, 'Basic auth user is the project id, without the AC prefix twilio-node wants');
    assert.equal(second.method, 'GET');
    assert.equal(second.status, 200);
    assert.equal(second.params, undefined);
    const next = new URL(second.uri);
    assert.equal(`${next.origin}${next.pathname}`, `${base()}/IncomingPhoneNumbers.json`);
    assert.equal(next.searchParams.get('Page'), '1');
    assert.equal(next.searchParams.get('PageSize'), '2');
    assert.match(next.searchParams.get('PageToken') ?? '', /.+/);
  });

  test('incomingPhoneNumbers(sid).fetch() returns the number with its fields deserialized', async () => {
    const row = await importRelay(['voice', 'sms']);
    const n = ok(await runClient<ClientNumber>({ step: 'fetch', sid: row.id }));
    assert.equal(n.sid, row.id);
    assert.equal(n.accountSid, PROJECT);
    assert.equal(n.phoneNumber, row.number);
    const digits = (row.number as string).slice(2);
    assert.equal(n.friendlyName, `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`);
    assert.deepEqual(n.capabilities, { voice: true, sms: true, mms: false, fax: false });
    assert.equal(n.origin, 'hosted');
    assert.equal(n.dateCreatedIsDate, true, `dateCreated is a Date (${n.dateCreated})`);
    // RFC 2822 carries whole seconds.
    const created = new Date(row.created_at as string);
    created.setUTCMilliseconds(0);
    assert.equal(n.dateCreated, created.toISOString());
    assert.equal(n.uri, `/2010-04-01/Accounts/${PROJECT}/IncomingPhoneNumbers/${row.id}.json`);
  });

  test('update({ voiceUrl, voiceMethod, smsUrl, friendlyName }) lands on the Relay REST handler fields', async () => {
    const row = await importRelay();
    const params = { voiceUrl: 'https://example.com/voice', voiceMethod: 'GET', smsUrl: 'https://example.com/sms', friendlyName: 'Front Desk' };
    const run = await runClient<ClientNumber>({ step: 'update', sid: row.id, params });
    const n = ok(run);
    assert.deepEqual(
      [n.sid, n.voiceUrl, n.voiceMethod, n.smsUrl, n.smsMethod, n.friendlyName],
      [row.id, 'https://example.com/voice', 'GET', 'https://example.com/sms', 'POST', 'Front Desk'],
    );
    const [sent] = run.sent as [Sent];
    assert.equal(run.sent.length, 1);
    assert.deepEqual([sent.method, sent.uri], ['POST', `${base()}/IncomingPhoneNumbers/${row.id}.json`]);
    assert.equal(sent.headers['Content-Type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(sent.data, { FriendlyName: 'Front Desk', SmsUrl: 'https://example.com/sms', VoiceMethod: 'GET', VoiceUrl: 'https://example.com/voice' });

    const seen = await relay('GET', `${RELAY_NUMBERS}/${row.id}`);
    assert.equal(seen.status, 200);
    assert.deepEqual(
      {
        call_handler: seen.body.call_handler,
        call_request_url: seen.body.call_request_url,
        call_request_method: seen.body.call_request_method,
        message_handler: seen.body.message_handler,
        message_request_url: seen.body.message_request_url,
        name: seen.body.name,
      },
      {
        call_handler: 'laml_webhooks',
        call_request_url: 'https://example.com/voice',
        call_request_method: 'GET',
        message_handler: 'laml_webhooks',
        message_request_url: 'https://example.com/sms',
        name: 'Front Desk',
      },
    );
  });

  test('remove() resolves true; the number is then gone from Relay REST and fetch rejects 404 / 20404', async () => {
    const row = await importRelay();
    const removed = await runClient<boolean>({ step: 'remove', sid: row.id });
    assert.equal(ok(removed), true, 'remove() is true only for a 204');
    assert.deepEqual([removed.sent[0]?.method, removed.sent[0]?.uri, removed.sent[0]?.status], ['DELETE', `${base()}/IncomingPhoneNumbers/${row.id}.json`, 204]);

    assert.equal((await relay('GET', `${RELAY_NUMBERS}/${row.id}`)).status, 404);

    const fetched = await runClient<ClientNumber>({ step: 'fetch', sid: row.id });
    assert.equal(fetched.result, undefined);
    assert.deepEqual(
      { name: fetched.error?.name, status: fetched.error?.status, code: fetched.error?.code },
      { name: 'RestException', status: 404, code: 20404 },
    );
    assert.equal(fetched.error?.message, 'The requested resource was not found');
  });

  test('a wrong token: list rejects with 401 / 20003 (space given as the signalwireSpaceUrl option)', async () => {
    const run = await runClient<ClientNumber[]>(
      { step: 'list', token: 'PT' + 'ef'.repeat(24), options: { signalwireSpaceUrl: space() } },
      { spaceFromEnv: false },
    );
    assert.equal(run.result, undefined);
    assert.deepEqual(
      { name: run.error?.name, status: run.error?.status, code: run.error?.code },
      { name: 'RestException', status: 401, code: 20003 },
    );
    assert.equal(run.sent[0]?.uri, `${base()}/IncomingPhoneNumbers.json`);
  });

  test('without NODE_EXTRA_CA_CERTS the client refuses the self-signed certificate', async () => {
    const run = await runClient<ClientNumber[]>({ step: 'list' }, { trust: false });
    assert.equal(run.result, undefined);
    assert.deepEqual(
      { name: run.error?.name, status: run.error?.status, code: run.error?.code },
      { name: 'AxiosError', status: undefined, code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
      'no HTTP answer: TLS itself refused the certificate',
    );
  });
});
