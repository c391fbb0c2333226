/**
 * The baseline: a bare node:http server answering the benchmark's requests with fixed bodies
 * of the real size, doing nothing else. It bounds what this machine, Node's HTTP stack and the
 * load generator can do at all, so numberspace's figures are read as a share of it.
 *
 * It answers the same paths the real server serves, so a scenario's requests go unchanged to
 * either target:
 *   GET  .../phone_numbers/search?...  200, the numbers of a search
 *   GET  .../phone_numbers/{id}        200, one number
 *   GET  .../phone_numbers?...         200, a page of 50
 *   POST and PUT, any path             reads the whole body, then 201 (POST) or 200 (PUT), one number
 * and the Compatibility paths the same way with Compatibility bodies (an IncomingPhoneNumber, a
 * page of 50 of them, a search's AvailablePhoneNumbers): any path with `/Accounts/` in it.
 * Runs without stock scenarios capture no search bodies; a search then answers the page.
 *
 * Run as `node baseline-server.mjs <fixtures.json>` (the runner transpiles this file); prints
 * `listening at http://127.0.0.1:<port>` once ready. Imports only node: modules for that reason.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const fixtures = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { resource: string; list: string; compatResource: string; compatList: string; search?: string; compatSearch?: string };
const relay = { resource: Buffer.from(fixtures.resource), list: Buffer.from(fixtures.list), one: '/phone_numbers/', search: Buffer.from(fixtures.search ?? fixtures.list), searched: '/phone_numbers/search' };
const compat = {
  resource: Buffer.from(fixtures.compatResource),
  list: Buffer.from(fixtures.compatList),
  one: '/IncomingPhoneNumbers/',
  search: Buffer.from(fixtures.compatSearch ?? fixtures.compatList),
  searched: '/AvailablePhoneNumbers/',
};
const CONTENT_TYPE = 'application/json; charset=utf-8';

const server = createServer((req, res) => {
  const send = (status: number, body: Buffer) => {
    res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': body.length });
    res.end(body);
  };
  const path = req.url ?? '/';
  const surface = path.includes('/Accounts/') ? compat : relay;
  if (req.method === 'GET') {
    send(200, path.includes(surface.searched) ? surface.search : path.includes(surface.one) ? surface.resource : surface.list);
    return;
  }
  let size = 0;
  req.on('data', (chunk: Buffer) => (size += chunk.length));
  req.on('end', () => send(size > 0 && req.method === 'POST' ? 201 : size > 0 ? 200 : 400, surface.resource));
});

// Fastify's keep-alive default, so both targets treat connections alike.
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening at http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
