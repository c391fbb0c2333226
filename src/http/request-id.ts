import type { IncomingMessage } from 'node:http';

/** An incoming id is kept only when it is short and plain enough to be safe in logs and headers. */
const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id: the caller's `x-request-id` when sane, otherwise a fresh UUID. */
export function requestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SANE.test(incoming) ? incoming : crypto.randomUUID();
}
