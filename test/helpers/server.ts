import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type AppDeps, buildApp } from '../../src/app.js';
import { type Scope, SCOPES } from '../../src/domain/scopes.js';
import type { App } from '../../src/http/app-type.js';
import { openStore, type Store } from '../../src/storage/store.js';
import { createProject, createSpace, issueToken, type TenancyDeps } from '../../src/tenancy/tenancy-service.js';
import { freshDatabase } from './backends.js';
import { checkStockEntry, type StockFields } from '../../src/domain/stock-entry.js';
import { newRowId } from '../../src/domain/uuid-v7.js';
import type { StockAddOutcome } from '../../src/storage/stock-store.js';

export interface Tenant {
  readonly spaceId: string;
  readonly projectId: string;
  readonly tokenId: string;
  readonly secret: string;
  /** `Basic base64(project:secret)` */
  readonly auth: string;
}

export interface TestServer {
  readonly url: string;
  readonly app: App;
  readonly store: Store;
  readonly databaseUrl: string;
  /** A tenant with every scope in a Space with the Partner API on. */
  readonly tenant: Tenant;
  /** Creates another tenant; by default a new project in a new Space. */
  addTenant(options?: { scopes?: readonly Scope[]; partnerApi?: boolean; spaceId?: string }): Promise<Tenant>;
  /** Loads stock into a Space (the default tenant's), as `numberspace stock add` would; throws on a refused entry. */
  addStock(entries: readonly StockFields[], spaceId?: string): Promise<StockAddOutcome[]>;
  /** fetch against the server; records what it saw when the contract log is on. */
  request(method: string, path: string, init?: { auth?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly body: any;
}

export function basic(projectId: string, secret: string): string {
  return `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}`;
}

/**
 * Starts the real HTTP server on an ephemeral port against a fresh database (SQLite file in a
 * temp folder, or a fresh PostgreSQL schema), with one ready tenant.
 */
export async function startServer(
  options: {
    authCacheTtlMs?: number;
    releaseCooldownMs?: number;
    /** The console's built files; absent: an empty folder (the console is tested on its own). */
    consoleDir?: string;
    clock?: () => Date;
    timeouts?: { requestMs: number; headersMs: number };
    /** Rate limit, failed-authentication throttle and their clock; all off when absent. */
    limits?: AppDeps['limits'];
    trustProxy?: readonly string[];
    /** Emulator mode: any credentials, and /__mock__. */
    emulator?: boolean;
    /** Absent: ready from the start. */
    readiness?: AppDeps['readiness'];
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'numberspace-test-'));
  const database = await freshDatabase(dir);
  const store = openStore(database.url, { poolSize: 4 });
  await store.migrate();
  const app = await buildApp({
    store,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    authCacheTtlMs: options.authCacheTtlMs ?? 0,
    ...(options.releaseCooldownMs === undefined ? {} : { releaseCooldownMs: options.releaseCooldownMs }),
    ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.emulator === undefined ? {} : { emulator: options.emulator }),
    ...(options.readiness === undefined ? {} : { readiness: options.readiness }),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const deps: TenancyDeps = { store: store.tenancy, clock: () => new Date(), newId: () => crypto.randomUUID() };

  async function addTenant(o: { scopes?: readonly Scope[]; partnerApi?: boolean; spaceId?: string } = {}): Promise<Tenant> {
    const spaceId = o.spaceId ?? (await createSpace(deps, `space-${crypto.randomUUID()}`, o.partnerApi ?? true)).id;
    const project = await createProject(deps, spaceId, 'test');
    const { token, secret } = await issueToken(deps, project.id, 'test', o.scopes ?? SCOPES);
    return { spaceId, projectId: project.id, tokenId: token.id, secret, auth: basic(project.id, secret) };
  }
  const tenant = await addTenant();

  return {
    url,
    app,
    store,
    databaseUrl: database.url,
    tenant,
    addTenant,
    async addStock(entries, spaceId = tenant.spaceId) {
      const checked = entries.map((e) => {
        const c = checkStockEntry(e);
        if (!c.ok) throw new Error(`${e.number}: ${c.problem}`);
        return c.entry;
      });
      const outcomes: StockAddOutcome[] = [];
      for (let i = 0; i < checked.length; i += 1000) {
        const chunk = checked.slice(i, i + 1000);
        outcomes.push(...(await store.stock.add(spaceId, chunk, chunk.map(() => newRowId()), new Date().toISOString())));
      }
      return outcomes;
    },
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      const auth = init.auth === undefined ? tenant.auth : init.auth;
      if (auth !== null) headers.authorization = auth;
      let payload: string | undefined = init.rawBody;
      if (init.body !== undefined) {
        payload = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers, body: payload });
      const text = await res.text();
      const body = text === '' || !(res.headers.get('content-type') ?? '').includes('json') ? undefined : JSON.parse(text);
      record(method, path, res.status, res.headers.get('content-type'), body);
      return { status: res.status, headers: res.headers, text, body };
    },
    async close() {
      await app.close();
      await store.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * With NUMBERSPACE_CONTRACT_LOG set, every response the suite sees is appended there as a JSON
 * line, and `npm run test:contract` checks each against SignalWire's published schema.
 */
function record(method: string, path: string, status: number, contentType: string | null, body: unknown): void {
  const log = process.env.NUMBERSPACE_CONTRACT_LOG;
  if (log === undefined || log === '') return;
  appendFileSync(log, `${JSON.stringify({ method, path: path.split('?')[0], status, contentType, body })}\n`);
}
