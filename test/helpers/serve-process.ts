import net from 'node:net';
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
 */
export async function startServe(env: Record<string, string>, timeoutMs = 30_000): Promise<ServeProcess> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const p = spawnNumberspace(['serve'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
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
