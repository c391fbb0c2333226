import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { childPids, processTree } from '../../bench/processes.js';
import { type RunningProcess, spawnNumberspace } from './process.js';

export interface ServeProcess {
  readonly url: string;
  readonly process: RunningProcess;
}

/** A port the kernel just handed out and took back: free now, almost surely still free a moment later. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `numberspace serve` and resolves once `/readyz` answers 200. The port is chosen here
 * rather than with PORT=0 so that the server can run with a quiet LOG_LEVEL (nothing on
 * stdout to learn the port from) and so that a restart is found the same way. A port taken
 * in the meantime is retried with another.
 *
 * One server process unless `env` sets WORKERS: the default may be more on some stores, and
 * a test that kills "the server" or reads its log means one process unless it says otherwise.
 * With WORKERS above 1, /readyz 200 already means every worker is ready (the group turns
 * ready together).
 */
export async function startServe(env: Record<string, string>, timeoutMs = 30_000): Promise<ServeProcess> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const p = spawnNumberspace(['serve'], { WORKERS: '1', ...env, PORT: String(port), HOST: '127.0.0.1' });
    while (Date.now() < deadline && p.child.exitCode === null && p.child.signalCode === null) {
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return { url, process: p };
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
    if (attempt < 3 && /EADDRINUSE/.test(p.stderr() + p.stdout()) && Date.now() < deadline) continue;
    throw new Error(`numberspace serve did not become ready on ${url}; stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
  }
}

export interface FreshAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is empty. */
  readonly body: any;
}

/**
 * One request on a connection of its own (no agent, `connection: close`): node:cluster hands
 * each new connection to the next worker, so a series of these is spread over the group,
 * where a keep-alive client would talk to one worker only. Rejects when the connection fails
 * (a worker killed under it).
 */
export function requestOnce(
  url: string,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<FreshAnswer> {
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers: Record<string, string> = {
    connection: 'close',
    ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
    ...init.headers,
  };
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers, agent: false, timeout: init.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${init.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const NODE = realpathSync(process.execPath);

/**
 * The worker processes of a running `serve --workers N`: the supervisor's live children that
 * run node (its threads each have a children list, hence all of them; tsx's esbuild service
 * is a child too, and is not a worker). Empty once the supervisor is gone.
 */
export function workerPids(supervisorPid: number): number[] {
  return childPids(supervisorPid).filter(isLiveNode).sort((a, b) => a - b);
}

/** Whether pid runs node and is not a zombie (a dead worker its parent has not reaped yet has no exe). */
function isLiveNode(pid: number): boolean {
  try {
    // The state is the field after the parenthesised command name, which may itself hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return false;
    return readlinkSync(`/proc/${pid}/exe`) === NODE;
  } catch {
    return false;
  }
}

/** Whether a process still exists (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pids that logged `msg` (JSON log lines on the serve's stdout; a line torn by another process's write is skipped). */
export function pidsThatLogged(stdout: string, msg: string): Set<number> {
  const pids = new Set<number>();
  for (const line of stdout.split('\n')) {
    if (!line.includes(`"msg":${JSON.stringify(msg)}`)) continue;
    try {
      const entry = JSON.parse(line) as { pid?: unknown; msg?: unknown };
      if (entry.msg === msg && typeof entry.pid === 'number') pids.add(entry.pid);
    } catch {
      // Not a whole line.
    }
  }
  return pids;
}

/**
 * Waits until the group has `count` live workers, each of which has logged "ready" (so the
 * serve must log at info or debug), and /readyz answers 200 on 2 × count connections in a
 * row: a worker that was just forked and is still starting is not counted, whatever the others
 * answer. Resolves with their pids.
 */
export async function waitForWorkers(serve: ServeProcess, count: number, timeoutMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  const supervisor = serve.process.child.pid!;
  let last: number[] = [];
  while (Date.now() < deadline && serve.process.child.exitCode === null && serve.process.child.signalCode === null) {
    last = workerPids(supervisor);
    const ready = pidsThatLogged(serve.process.stdout(), 'ready');
    if (last.length === count && last.every((pid) => ready.has(pid)) && (await readyInARow(serve.url, 2 * count))) {
      // The same workers before and after the probes: none died while they ran.
      if (workerPids(supervisor).join() === last.join()) return last;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the group did not come back to ${count} ready workers (live: ${last.join(', ') || 'none'}); stderr:\n${serve.process.stderr()}`);
}

async function readyInARow(url: string, times: number): Promise<boolean> {
  for (let i = 0; i < times; i++) {
    try {
      if ((await requestOnce(url, 'GET', '/readyz', { timeoutMs: 2000 })).status !== 200) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Kills a running serve the way a crash of its host would: SIGKILL, one right after the other
 * with no turn of the event loop between, to the server (with workers, the supervisor) and
 * every process below it (its workers, and the esbuild services tsx starts), so none of them
 * can react to another's death. Resolves, once every one of them is gone, with the pids
 * killed; `workers` among them are the serve's workers as listed just before the kill.
 */
export async function killHost(serve: ServeProcess, timeoutMs = 10_000): Promise<{ killed: number[]; workers: number[] }> {
  const root = serve.process.child.pid!;
  const workers = workerPids(root);
  const killed = [...new Set([...processTree(root), ...workers])];
  for (const pid of killed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`killed serve ${root} did not exit within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([serve.process.exited, deadline]);
  } finally {
    clearTimeout(timer);
  }
  const end = Date.now() + timeoutMs;
  while (killed.some(isAlive)) {
    if (Date.now() > end) throw new Error(`still alive after SIGKILL: ${killed.filter(isAlive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { killed, workers };
}

/**
 * Which process answered each request, by its x-request-id, from the access log on the
 * serve's stdout (LOG_LEVEL info or debug; each line carries the process's pid). Lines reach
 * stdout within the logger's flush interval: waits for all of them, up to `timeoutMs`.
 */
export async function answeredBy(serve: ServeProcess, reqIds: readonly string[], timeoutMs = 5000): Promise<Map<string, number>> {
  const wanted = new Set(reqIds);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = new Map<string, number>();
    for (const line of serve.process.stdout().split('\n')) {
      if (!line.includes('"msg":"request"')) continue;
      let entry: { reqId?: unknown; pid?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof entry.reqId === 'string' && wanted.has(entry.reqId) && typeof entry.pid === 'number') found.set(entry.reqId, entry.pid);
    }
    if (found.size === wanted.size) return found;
    if (Date.now() > deadline) throw new Error(`access log lines found for ${found.size} of ${wanted.size} requests`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
