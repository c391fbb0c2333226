import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILT_MAIN = join(ROOT, 'dist', 'main.js');
const SOURCE_MAIN = join(ROOT, 'src', 'main.ts');
const BASELINE_SOURCE = join(ROOT, 'bench', 'baseline-server.ts');

/** A server the runner started in a process of its own. */
export interface ServerProcess {
  readonly label: string;
  readonly url: string;
  readonly pid: number;
  /**
   * Resident set size now of the largest process of the server's tree (with workers, one of
   * them), in bytes; 0 once the process is gone. The RSS target is per server process.
   */
  rss(): number;
  /** Resident set size now of the whole tree, supervisor and workers summed, in bytes. */
  rssTotal(): number;
  /** Both, from one walk of the tree: what the sampler during a run reads. */
  memory(): ProcessMemory;
  /**
   * CPU time the server's process tree (every process, all its threads) has used so far,
   * user and system, in seconds.
   */
  cpuSeconds(): number;
  alive(): boolean;
  /**
   * Gone without the runner asking: an orderly shutdown on a signal (exit 0) or killed by
   * SIGINT, SIGTERM or SIGHUP. On a shared machine something else may send those; a crash is
   * anything else.
   */
  stoppedFromOutside(): boolean;
  /** The end of its log, to explain a death. */
  logTail(): string;
  stop(): Promise<void>;
}

/**
 * How to run numberspace: `built` is what the benchmark measures (`node dist/main.js`, no
 * loader hooks in the process); `source` runs src/main.ts through tsx, for the smoke test,
 * which must not depend on a fresh build.
 */
export type NumberspaceEntry = 'built' | 'source';

export interface NumberspaceOptions {
  readonly label: string;
  readonly databaseUrl: string;
  readonly projectId: string;
  readonly apiToken: string;
  /** Where the server's stdout and stderr go; the runner never reads the log through a pipe. */
  readonly logFile: string;
  readonly logLevel?: string;
  readonly entry?: NumberspaceEntry;
  /** Extra environment for the server, on top of what every server gets. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Another numberspace checkout to run instead of this one (`--compare`): its own built
   * dist/main.js, from its own folder, with this checkout's Node flags.
   */
  readonly checkout?: string;
}

export async function startNumberspace(o: NumberspaceOptions): Promise<ServerProcess> {
  const entry = o.entry ?? 'built';
  const root = o.checkout ?? ROOT;
  const builtMain = join(root, 'dist', 'main.js');
  if ((entry === 'built' || o.checkout !== undefined) && !existsSync(builtMain)) throw new Error(`${builtMain} is missing: run npm run build there first`);
  const args = entry === 'built' || o.checkout !== undefined ? [...SERVER_NODE_FLAGS, builtMain, 'serve'] : ['--import', 'tsx', SOURCE_MAIN, 'serve'];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: o.databaseUrl,
    SIGNALWIRE_PROJECT_ID: o.projectId,
    SIGNALWIRE_API_TOKEN: o.apiToken,
  };
  if (o.logLevel !== undefined) env.LOG_LEVEL = o.logLevel;
  // Reaches the measured servers, for profiling (NODE_OPTIONS=--perf-basic-prof-only-functions with perf).
  if (process.env.NODE_OPTIONS !== undefined) env.NODE_OPTIONS = process.env.NODE_OPTIONS;
  Object.assign(env, o.env);
  const spawned = spawnLogged(process.execPath, args, env, o.logFile, root);
  const log = await waitForLog(spawned, o.logFile, (text) => /Server listening at http:\/\/127\.0\.0\.1:\d+/.test(text) && text.includes('"msg":"ready"'), 60_000);
  const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)![1]!;
  return serverProcess(o.label, url, spawned.child, o.logFile);
}

/** The Node.js flags `npm start` runs the server with, read from package.json so the benchmark measures the same. */
export const SERVER_NODE_FLAGS: readonly string[] = (() => {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /^node((?: --[^\s]+)*) bin\/numberspace\.js serve$/.exec(start);
  if (flags === null) throw new Error(`package.json's start script has an unexpected shape: ${start}`);
  return flags[1]!.trim().split(' ').filter((f) => f !== '');
})();

export interface BaselineFixtures {
  /** The exact body a real GET of one number answers. */
  readonly resource: string;
  /** The exact body a real first page of 50 answers. */
  readonly list: string;
  /** The same two on the Compatibility API. */
  readonly compatResource: string;
  readonly compatList: string;
  /** The exact bodies a real stock search answers, on each surface; absent without stock scenarios. */
  readonly search?: string;
  readonly compatSearch?: string;
}

/**
 * Starts the bare node:http baseline. Its source is TypeScript; it is transpiled to a plain
 * module first so the baseline process, like the measured server, runs with no loader hooks.
 */
export async function startBaseline(o: { dir: string; fixtures: BaselineFixtures; logFile: string }): Promise<ServerProcess> {
  const out = ts.transpileModule(readFileSync(BASELINE_SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const script = join(o.dir, 'baseline-server.mjs');
  writeFileSync(script, out.outputText);
  const fixtureFile = join(o.dir, 'baseline-fixtures.json');
  writeFileSync(fixtureFile, JSON.stringify(o.fixtures));
  const spawned = spawnLogged(process.execPath, [script, fixtureFile], { PATH: process.env.PATH ?? '' }, o.logFile, o.dir);
  const log = await waitForLog(spawned, o.logFile, (text) => /listening at http:\/\/127\.0\.0\.1:\d+/.test(text), 15_000);
  const url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)![1]!;
  return serverProcess('baseline', url, spawned.child, o.logFile);
}

export interface ProcessMemory {
  /** The largest single process's VmRSS, in bytes. */
  readonly largest: number;
  /** VmRSS summed over the tree, in bytes. */
  readonly total: number;
}

interface Spawned {
  readonly child: ChildProcess;
  /** Where this process's output starts in its log file. */
  readonly logOffset: number;
}

function spawnLogged(command: string, args: string[], env: Record<string, string>, logFile: string, cwd: string): Spawned {
  const fd = openSync(logFile, 'a');
  const logOffset = fstatSync(fd).size;
  try {
    // A process group of its own: a Ctrl-C at the terminal reaches only the runner, which
    // then stops every server in order instead of having them die mid-measurement.
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', fd, fd], detached: true });
    child.unref();
    live.add(child);
    child.once('exit', () => live.delete(child));
    return { child, logOffset };
  } finally {
    closeSync(fd);
  }
}

const live = new Set<ChildProcess>();
// Last resort when the runner exits without stopping its servers (an uncaught error): a
// detached server would otherwise outlive it.
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/**
 * A server with workers is a supervisor and its children: a signal for the supervisor alone
 * could leave workers behind when it cannot pass it on (SIGKILL). Each server leads a process
 * group of its own (spawned detached), so the group is the server.
 */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

/** Waits for what this process logs; a restarted server appends to the log of the one before. */
async function waitForLog({ child, logOffset }: Spawned, logFile: string, done: (text: string) => boolean, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = existsSync(logFile) ? readFileSync(logFile).subarray(logOffset).toString('utf8') : '';
    if (done(text)) return text;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      throw new Error(`server did not become ready (exit ${child.exitCode ?? child.signalCode ?? 'none'}); its log:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function serverProcess(label: string, url: string, child: ChildProcess, logFile: string): ServerProcess {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const pid = child.pid!;
  let stopRequested = false;
  return {
    label,
    url,
    pid,
    rss: () => treeMemory(pid).largest,
    rssTotal: () => treeMemory(pid).total,
    memory: () => treeMemory(pid),
    cpuSeconds: () => treeCpuSeconds(pid),
    alive: () => child.exitCode === null && child.signalCode === null,
    stoppedFromOutside: () =>
      !stopRequested && (child.exitCode === 0 || child.signalCode === 'SIGINT' || child.signalCode === 'SIGTERM' || child.signalCode === 'SIGHUP'),
    logTail: () => tail(logFile),
    async stop() {
      stopRequested = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The server itself (or its supervisor, which stops its workers as a single server stops).
      child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last few KB of a log that may have grown to hundreds of MB under load. */
function tail(file: string, bytes = 4000): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(bytes, size));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** VmRSS from /proc/<pid>/status, in bytes. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/**
 * The children of pid. They are listed per thread in /proc/<pid>/task/<tid>/children, so
 * every thread's list is read; a thread or process that ends meanwhile is simply not there.
 */
export function childPids(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out = new Set<number>();
  for (const tid of tids) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.split(' ')) if (c.trim() !== '') out.add(Number(c));
  }
  return [...out];
}

/** The pid and every descendant of it, parents before children. */
export function processTree(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(processTree)];
}

export function treeMemory(pid: number): ProcessMemory {
  let largest = 0;
  let total = 0;
  for (const p of processTree(pid)) {
    const rss = rssBytes(p);
    largest = Math.max(largest, rss);
    total += rss;
  }
  return { largest, total };
}

/**
 * utime + stime summed over the server's process tree, in seconds; NaN once the server
 * itself is gone. Only live processes count: a worker that exits during a run takes the CPU
 * it used out of the sum (its replacement starts from nothing), so that run's CPU per
 * request reads low. Its connections close with it, so such a run most likely also counts
 * connection errors, which flag its row.
 */
export function treeCpuSeconds(pid: number): number {
  const [root, ...descendants] = processTree(pid);
  let sum = cpuSeconds(root!);
  for (const p of descendants) {
    const cpu = cpuSeconds(p);
    if (Number.isFinite(cpu)) sum += cpu;
  }
  return sum;
}

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, counted after the parenthesised name), in seconds. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
