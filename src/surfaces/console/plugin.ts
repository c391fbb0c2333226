import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { App } from '../../http/app-type.js';

/**
 * The web console: a client of the public APIs, served from the files `npm run build` puts in
 * dist/console (scripts/build-console.mjs), read once at start. Nothing is fetched from
 * elsewhere, so it works offline. Its pages are one document under /console; everything else
 * it needs comes from the API with the signed-in token.
 */

/** dist/console, found from this module in the sources and in the build alike (both sit three levels below the package). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/**
 * No inline script or style at all, nothing from another origin, never framed: what a
 * cross-site script could use to reach a token in sessionStorage is shut off.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secured(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

function readAssets(dir: string): { index: Buffer | undefined; assets: Map<string, Asset> } {
  const assets = new Map<string, Asset>();
  const index = existsSync(join(dir, 'index.html')) ? readFileSync(join(dir, 'index.html')) : undefined;
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[extname(name)];
      if (type !== undefined) assets.set(name, { type, body: readFileSync(join(assetDir, name)) });
    }
  }
  return { index, assets };
}

export function consoleSurface(dir = CONSOLE_DIR) {
  const { index, assets } = readAssets(dir);
  return async (app: App): Promise<void> => {
    app.get('/', async (_request, reply) => reply.redirect('/console/', 302));
    const page = async (_request: unknown, reply: FastifyReply) => {
      secured(reply).header('cache-control', 'no-cache');
      if (index === undefined) {
        return reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.\n');
      }
      return reply.type('text/html; charset=utf-8').send(index);
    };
    app.get('/console', page);
    app.get('/console/', page);
    app.get<{ Params: { name: string } }>('/console/assets/:name', async (request, reply) => {
      const asset = assets.get(request.params.name);
      secured(reply);
      if (asset === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
      // Asset names carry a hash of their content: a new build is a new name.
      return reply.header('cache-control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body);
    });
  };
}
