import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { listeningUrl, spawnNumberspace, waitForOutput } from '../helpers/process.js';
import { basic } from '../helpers/server.js';

const PROJECT = '6a1f0c2e-93b4-4d8e-9a51-0c7d2b8e4f10';
const TOKEN = 'PT' + 'ab'.repeat(24);

/** GET over https trusting only the given CA, as a client with NODE_EXTRA_CA_CERTS would. */
function httpsGet(url: string, ca: Buffer, auth: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: auth } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS: numberspace tls-cert and TLS_CERT_FILE/TLS_KEY_FILE', () => {
  let dir: string;
  let db: FreshDatabase;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-tls-'));
    db = await freshDatabase(dir);
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('tls-cert makes a pair that serves the API over https to a client trusting it', async () => {
    const out = join(dir, 'tls');
    const made = spawnNumberspace(['tls-cert', '--out', out], {});
    assert.equal(await made.exited, 0, made.stderr());
    assert.match(made.stdout(), /NODE_EXTRA_CA_CERTS=/);
    const certFile = join(out, 'cert.pem');
    const keyFile = join(out, 'key.pem');

    const again = spawnNumberspace(['tls-cert', '--out', out], {});
    assert.equal(await again.exited, 1, 'an existing pair is never overwritten');
    assert.match(again.stderr(), /already exists/);

    const p = spawnNumberspace(['serve'], {
      PORT: '0', DATABASE_URL: db.url, LOG_LEVEL: 'info', TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile,
      SIGNALWIRE_PROJECT_ID: PROJECT, SIGNALWIRE_API_TOKEN: TOKEN,
    });
    try {
      const url = listeningUrl(await waitForOutput(p, (o) => o.includes('"msg":"ready"')));
      assert.match(url, /^https:\/\//);
      const ca = readFileSync(certFile);
      for (const host of ['127.0.0.1', 'localhost']) {
        const res = await httpsGet(url.replace('127.0.0.1', host) + '/api/relay/rest/phone_numbers', ca, basic(PROJECT, TOKEN));
        assert.equal(res.status, 200, res.body);
        assert.deepEqual(JSON.parse(res.body).data, []);
      }
      // A client that does not trust the certificate is refused by TLS itself.
      await assert.rejects(fetch(`${url}/healthz`));
    } finally {
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0, p.stderr());
    }
  });

  test('a start with one of the pair, a missing file or a file that is not PEM stops with a message naming it', async () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const cases: Array<[Record<string, string>, RegExp, number]> = [
      [{ TLS_CERT_FILE: junk }, /TLS_CERT_FILE and TLS_KEY_FILE must be set together/, 2],
      [{ TLS_CERT_FILE: join(dir, 'absent.pem'), TLS_KEY_FILE: junk }, /cannot read TLS_CERT_FILE/, 1],
      [{ TLS_CERT_FILE: junk, TLS_KEY_FILE: junk }, /not a usable PEM certificate and matching key/, 1],
    ];
    for (const [env, message, code] of cases) {
      const p = spawnNumberspace(['serve'], { PORT: '0', DATABASE_URL: db.url, ...env });
      assert.equal(await p.exited, code, p.stderr());
      assert.match(p.stderr(), message);
    }
  });
});
