import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/config.js';
import { createLogger } from '../logger.js';

/** What a worker and its supervisor tell each other over the cluster's IPC channel. */
type GroupMessage = { readonly numberspace: 'prepared' } | { readonly numberspace: 'serve' };

const isGroupMessage = (m: unknown, kind: GroupMessage['numberspace']): boolean =>
  typeof m === 'object' && m !== null && (m as { numberspace?: unknown }).numberspace === kind;

/** Longest pause before a worker that keeps dying at start is started again. */
const MAX_RESTART_DELAY_MS = 5000;
/** A worker that lived this long died of something else than its start: it is replaced at once. */
const STEADY_MS = 5000;

/**
 * `numberspace serve` with WORKERS above 1: this process listens on nothing and opens no
 * database. It starts one worker, which migrates and bootstraps as a single server would; once
 * that one is prepared, the others start (and find the schema and the credentials in place).
 * Every worker answers 503 until all of them are prepared, then all turn ready together, so
 * /readyz 200 means the whole group serves. The port is shared through node:cluster, which
 * hands each new connection to the next worker in turn.
 *
 * A worker that dies is replaced (after a pause that grows while replacements keep dying at
 * start); one that cannot start before the group was ever ready ends the command with its exit
 * code, as a single server's failed start would. SIGTERM or SIGINT stops every worker the
 * way a single server stops, then this process.
 */
export function superviseWorkers(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const count = config.workers;
  const live = new Map<Worker, number>();
  const prepared = new Set<number>();
  let groupReady = false;
  let stopping = false;
  let exitCode = 0;

  return new Promise((resolve) => {
    const finishIfDone = () => {
      if (!stopping || live.size > 0) return;
      logger.info('stopped');
      logger.flush();
      resolve(exitCode);
    };
    const stop = (reason: Record<string, unknown>) => {
      if (stopping) return;
      stopping = true;
      logger.info({ ...reason, workers: live.size }, 'shutting down');
      for (const worker of live.keys()) worker.process.kill('SIGTERM');
      finishIfDone();
    };
    process.on('SIGTERM', () => stop({ signal: 'SIGTERM' }));
    process.on('SIGINT', () => stop({ signal: 'SIGINT' }));

    const fork = (slot: number, failedStarts: number) => {
      const startedAt = Date.now();
      const worker = cluster.fork({ NUMBERSPACE_WORKER: String(slot + 1) });
      live.set(worker, slot);
      let workerPrepared = false;
      worker.on('message', (message: unknown) => {
        if (!isGroupMessage(message, 'prepared')) return;
        workerPrepared = true;
        // Asked to stop meanwhile: this worker already has its SIGTERM, and forking the others
        // now would start workers that nobody stops.
        if (stopping) return;
        if (groupReady) {
          worker.send({ numberspace: 'serve' } satisfies GroupMessage);
          return;
        }
        // The first worker has migrated the database: the others may start now.
        if (slot === 0 && prepared.size === 0) for (let s = 1; s < count; s++) fork(s, 0);
        prepared.add(slot);
        if (prepared.size < count) return;
        groupReady = true;
        for (const w of live.keys()) w.send({ numberspace: 'serve' } satisfies GroupMessage);
        logger.info({ workers: count }, 'workers ready');
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        if (stopping) {
          if (code !== 0 && code !== null) exitCode = 1;
          finishIfDone();
          return;
        }
        if (!groupReady && !workerPrepared && slot === 0) {
          // The first start failed: the database or the configuration, not a crash (the worker said why).
          exitCode = code === null || code === 0 ? 1 : code;
          stop({ reason: 'the first worker could not start', code, signal });
          return;
        }
        const steady = Date.now() - startedAt >= STEADY_MS;
        const delayMs = steady ? 0 : Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** failedStarts);
        // workerPid, not pid: pino already writes this process's own pid on every line, and a
        // second "pid" key would make the line read (JSON.parse keeps the last) as the dead worker's.
        logger.error({ worker: slot + 1, workerPid: worker.process.pid, code, signal, restartInMs: delayMs }, 'worker exited; starting another');
        setTimeout(() => {
          if (!stopping) fork(slot, steady ? 0 : failedStarts + 1);
        }, delayMs);
      });
    };
    fork(0, 0);
  });
}

/** In a worker, once it has stopped serving: closes the channel to the supervisor, which would otherwise keep the process alive. */
export function leaveGroup(): void {
  if (cluster.isWorker && cluster.worker!.isConnected()) cluster.worker!.disconnect();
}

/** True in a process started by superviseWorkers. */
export const isGroupWorker = (): boolean => cluster.isWorker;

/**
 * In a worker: tells the supervisor this worker has its database ready, and resolves once the
 * whole group is (or at once when this process is not a worker). Resolves false when asked
 * to stop first.
 */
export function joinGroup(stopped: Promise<void>): Promise<boolean> {
  if (!cluster.isWorker) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (!isGroupMessage(message, 'serve')) return;
      process.off('message', onMessage);
      resolve(true);
    };
    process.on('message', onMessage);
    void stopped.then(() => {
      process.off('message', onMessage);
      resolve(false);
    });
    process.send!({ numberspace: 'prepared' } satisfies GroupMessage);
  });
}
