import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Runs the real `numberspace` entry point (through tsx) with the given arguments and environment. */
export function spawnNumberspace(args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until `predicate(stdout)` holds, or fails after `ms`. */
export async function waitForOutput(p: RunningProcess, predicate: (out: string) => boolean, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate(p.stdout())) return p.stdout();
    if (p.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for output; stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
}

export function listeningUrl(out: string): string {
  const m = /Server listening at (https?:\/\/127\.0\.0\.1:\d+)/.exec(out);
  if (m === null) throw new Error(`no listening line in:\n${out}`);
  return m[1]!;
}
