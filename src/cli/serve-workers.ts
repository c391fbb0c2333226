import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/config.js';
import { groupMetrics, type MetricsGroup, type MetricsSnapshot, retireMetrics, type SlotMetrics, sumMetrics } from '../http/metrics.js';
import { createLogger } from '../logger.js';

/** What a worker and its supervisor tell each other over the cluster's IPC channel. */
type GroupMessage =
  | { readonly numberspace: 'prepared' }
  | { readonly numberspace: 'serve' }
  // A scrape: the worker that took it asks for the group's counts ('metrics?'), the supervisor
  // asks every worker for its own ('snapshot?', also asked every COLLECT_INTERVAL_MS) and
  // answers with the group's sum ('metrics').
  | { readonly numberspace: 'metrics?'; readonly id: number }
  | { readonly numberspace: 'metrics'; readonly id: number; readonly snapshot: MetricsSnapshot }
  | { readonly numberspace: 'snapshot?'; readonly id: number }
  | { readonly numberspace: 'snapshot'; readonly id: number; readonly snapshot: MetricsSnapshot };

const isGroupMessage = <K extends GroupMessage['numberspace']>(m: unknown, kind: K): m is Extract<GroupMessage, { numberspace: K }> =>
  typeof m === 'object' && m !== null && (m as { numberspace?: unknown }).numberspace === kind;

/** Longest pause before a worker that keeps dying at start is started again. */
const MAX_RESTART_DELAY_MS = 5000;
/** A worker that lived this long died of something else than its start: it is replaced at once. */
const STEADY_MS = 5000;
/** How long a scrape waits for each worker's counts: one that is stuck is counted as of its last answer rather than holding every scrape up. */
const SNAPSHOT_TIMEOUT_MS = 1000;
/**
 * How often the supervisor collects every worker's counts between scrapes: a worker that dies
 * takes with it only what it counted since its last snapshot, so at most this long's worth
 * (or less, when a scrape came later). A snapshot is a few kilobytes of JSON.
 */
const COLLECT_INTERVAL_MS = 5000;
/** How long a worker waits for the group's counts before it answers with its own alone: past the supervisor's own wait. */
const GATHER_TIMEOUT_MS = 2 * SNAPSHOT_TIMEOUT_MS;

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
 *
 * A worker's /metrics scrape is answered with the group's counts, gathered and summed here
 * (see shareMetrics and groupMetrics). This process keeps each worker's last snapshot, asked
 * for on every scrape and every COLLECT_INTERVAL_MS: a worker that misses a scrape's deadline
 * is counted as of that snapshot, and when a worker exits, its last snapshot's counters are
 * kept for its slot (its pool gauges are not), so that the group's counters never go down.
 */
export function superviseWorkers(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const count = config.workers;
  const live = new Map<Worker, number>();
  const listening = new Set<Worker>();
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
      clearInterval(collector);
      logger.info({ ...reason, workers: live.size }, 'shutting down');
      for (const worker of live.keys()) worker.process.kill('SIGTERM');
      finishIfDone();
    };
    process.on('SIGTERM', () => stop({ signal: 'SIGTERM' }));
    process.on('SIGINT', () => stop({ signal: 'SIGINT' }));

    /** Each live worker's latest snapshot, whichever ask it answered (a late answer too). */
    const lastSnapshot = new Map<Worker, MetricsSnapshot>();
    /** Per slot: the last snapshots of its workers that died, summed (see retireMetrics). */
    const retired: (MetricsSnapshot | undefined)[] = new Array(count).fill(undefined);
    const snapshotAsks = new Map<number, () => void>();
    let lastAsk = 0;
    /** Resolves true when `worker` answers within SNAPSHOT_TIMEOUT_MS (its answer is then in lastSnapshot). */
    const askSnapshot = (worker: Worker) =>
      new Promise<boolean>((resolve) => {
        const id = ++lastAsk;
        const done = (answered: boolean) => {
          clearTimeout(timer);
          snapshotAsks.delete(id);
          resolve(answered);
        };
        const timer = setTimeout(() => done(false), SNAPSHOT_TIMEOUT_MS).unref();
        snapshotAsks.set(id, () => done(true));
        worker.send({ numberspace: 'snapshot?', id } satisfies GroupMessage, (err) => {
          if (err) done(false);
        });
      });
    // A worker not yet listening has counted nothing.
    const listeningWorkers = () => [...live.keys()].filter((w) => listening.has(w));
    const collect = async () => {
      const answered = (await Promise.all(listeningWorkers().map(askSnapshot))).filter(Boolean).length;
      // Read once every answer is in or late: a worker that exited meanwhile is in its slot's
      // retired counts by now, no longer among the live.
      const slots: SlotMetrics[] = retired.map((r) => ({ retired: r }));
      for (const [worker, slot] of live) slots[slot] = { retired: retired[slot], current: lastSnapshot.get(worker) };
      return groupMetrics(slots, answered);
    };
    // Scrapes that arrive while a collection is under way share it: /metrics is unauthenticated,
    // and a flood of it must not make this process, which hands out every connection, ask the
    // workers once per scrape.
    let collecting: ReturnType<typeof collect> | undefined;
    const gatherMetrics = async (asker: Worker, id: number) => {
      if (collecting === undefined) {
        collecting = collect();
        collecting.finally(() => (collecting = undefined)).catch(() => {});
      }
      const snapshot = await collecting;
      // The asker may have died meanwhile: nobody to answer.
      if (asker.isConnected()) asker.send({ numberspace: 'metrics', id, snapshot } satisfies GroupMessage, () => {});
    };
    const collector = setInterval(() => {
      for (const worker of listeningWorkers()) void askSnapshot(worker);
    }, COLLECT_INTERVAL_MS).unref();

    const fork = (slot: number, failedStarts: number) => {
      const startedAt = Date.now();
      const worker = cluster.fork({ NUMBERSPACE_WORKER: String(slot + 1) });
      live.set(worker, slot);
      let workerPrepared = false;
      worker.on('listening', () => listening.add(worker));
      worker.on('message', (message: unknown) => {
        if (isGroupMessage(message, 'metrics?')) void gatherMetrics(worker, message.id);
        else if (isGroupMessage(message, 'snapshot')) {
          // Answers come in the order asked: this one is the worker's latest.
          if (live.has(worker)) lastSnapshot.set(worker, message.snapshot);
          snapshotAsks.get(message.id)?.();
        }
      });
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
        listening.delete(worker);
        // What it counted up to its last snapshot stays counted; what it counted since is lost.
        const last = lastSnapshot.get(worker);
        lastSnapshot.delete(worker);
        if (last !== undefined) retired[slot] = retireMetrics(retired[slot], last);
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

/**
 * In a worker: answers the supervisor's asks for this worker's counts with `own`, and gathers
 * the group's for a scrape. Should the supervisor not answer in time, the scrape counts this
 * worker alone (and numberspace_workers_reporting says 1): the one case where the group's
 * counters go down.
 */
export function shareMetrics(own: () => MetricsSnapshot): MetricsGroup {
  const waiting = new Map<number, (snapshot: MetricsSnapshot) => void>();
  let lastId = 0;
  const onMessage = (message: unknown) => {
    // The supervisor may be gone by now (an IPC error without a callback would end this worker).
    if (isGroupMessage(message, 'snapshot?') && process.connected) process.send!({ numberspace: 'snapshot', id: message.id, snapshot: own() } satisfies GroupMessage, undefined, undefined, () => {});
    else if (isGroupMessage(message, 'metrics')) waiting.get(message.id)?.(message.snapshot);
  };
  process.on('message', onMessage);
  return {
    gather: () =>
      new Promise((resolve) => {
        const id = ++lastId;
        const done = (snapshot: MetricsSnapshot) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(snapshot);
        };
        const timer = setTimeout(() => done(sumMetrics([own()])), GATHER_TIMEOUT_MS);
        waiting.set(id, done);
        process.send!({ numberspace: 'metrics?', id } satisfies GroupMessage, undefined, undefined, (err) => {
          if (err) done(sumMetrics([own()]));
        });
      }),
    leave: () => process.off('message', onMessage),
  };
}
