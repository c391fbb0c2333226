import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Token secrets have SignalWire's shape, `PT` and 48 hex digits, where the last 8 hex digits
 * are the CRC-32 of the first 40. A leaked secret can therefore be recognised offline (by a
 * secret scanner) and a mistyped one refused without a database round trip. 160 random bits.
 */
const SHAPE = /^PT[0-9a-f]{48}$/;

export function generateSecret(): string {
  const body = randomBytes(20).toString('hex');
  return `PT${body}${checksum(body)}`;
}

function checksum(body: string): string {
  return crc32(body).toString(16).padStart(8, '0');
}

/** True when the secret has numberspace's shape and its checksum matches. */
export function hasValidChecksum(secret: string): boolean {
  return SHAPE.test(secret) && checksum(secret.slice(2, 42)) === secret.slice(42);
}

/**
 * An emulator project's token is its project's own: test suites give many projects the same
 * token string, so its stored hash covers the project id too. The hashed bytes start with
 * 0xFF, which no UTF-8 text has: no secret sent in normal mode can hash to one of these, so a
 * database once used in emulator mode grants nothing to its emulator tokens afterwards.
 */
export function emulatorSecretHash(projectId: string, secret: string): string {
  return createHash('sha256').update(Buffer.from([0xff])).update(projectId).update(Buffer.from([0x00])).update(secret).digest('hex');
}

/** Only this hash is stored. SHA-256 is enough: secrets are random, not passwords. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
