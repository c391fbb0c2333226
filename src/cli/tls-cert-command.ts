import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Io, UsageError } from './io.js';

/**
 * `numberspace tls-cert [--out DIR] [--days N]`: a self-signed certificate for 127.0.0.1,
 * ::1 and localhost, so SignalWire's https-only Node client can reach a local numberspace.
 * OpenSSL makes the pair: it ships with every system that has Node's TLS, and a certificate
 * is the kind of thing an operator should be able to make and read with the usual tool.
 */
export function tlsCertCommand(io: Io, args: string[]): number {
  let out = 'data/tls';
  let days = 825;
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i];
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === '--out') out = value;
    else if (flag === '--days') {
      days = Number(value);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError('--days must be an integer from 1 to 3650');
    } else throw new UsageError(`unknown option "${flag}"`);
  }
  const dir = resolve(out);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (existsSync(certFile) || existsSync(keyFile)) throw new Error(`${certFile} or ${keyFile} already exists; remove them or choose another --out`);
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', String(days),
      '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl could not make the certificate${stderr ? `: ${stderr}` : ` (${(err as Error).message})`}`);
  }
  io.out([
    `numberspace: wrote ${certFile} and ${keyFile} (self-signed, for 127.0.0.1, ::1 and localhost)`,
    '',
    'Serve HTTPS:',
    `  TLS_CERT_FILE=${certFile} TLS_KEY_FILE=${keyFile} npm start`,
    'Point SignalWire\'s Node compatibility client at it:',
    '  SIGNALWIRE_SPACE_URL=127.0.0.1:8080',
    `  NODE_EXTRA_CA_CERTS=${certFile}`,
  ].join('\n'));
  return 0;
}
