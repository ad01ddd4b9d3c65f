import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { GatehouseConfig } from '../config/schema.js';
import { type ClusterMessage, isClusterMessage } from './messages.js';

const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/** Workers that die in a row before listening, after which the supervisor gives up. */
export const MAX_STARTUP_FAILURES = 5;
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
/** Unexpected exits within this window make the next restart wait longer. */
const CRASH_WINDOW_MS = 60_000;
/**
 * A worker still running this long after its shutdown grace period (`server.shutdownGraceSeconds`,
 * after which it drops the connections left) is killed: the time to close the outbox sender and
 * the database.
 */
const STOP_AFTER_GRACE_MS = 5_000;

export interface SupervisorEvents {
  /** Every worker listens; called once, with the address they share. */
  onReady(address: string): void;
  /** Workers kept dying before they listened; every worker has been stopped. */
  onGiveUp(reason: string): void;
  /** A line for the operator (a worker exited, another is starting). */
  log(line: string): void;
}

/** A place for one worker; a replacement takes the place (and the role) of the worker that died. */
interface Slot {
  index: number;
  worker: Worker | null;
  listening: boolean;
  restart: NodeJS.Timeout | null;
}

/**
 * Runs `count` worker processes with node:cluster, all listening on the configured host and port
 * (the primary accepts connections and hands them to the workers in turn). Replaces a worker that
 * exits unexpectedly, after a delay that doubles with each exit in the last minute; gives up when
 * workers keep dying before they listen. The worker in the first place runs the periodic jobs.
 */
export class WorkerSupervisor {
  private readonly slots: Slot[];
  private ready = false;
  private address = '';
  private startupFailures = 0;
  private crashes: number[] = [];
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly config: GatehouseConfig,
    count: number,
    private readonly events: SupervisorEvents,
  ) {
    this.slots = Array.from({ length: count }, (_, index) => ({
      index,
      worker: null,
      listening: false,
      restart: null,
    }));
  }

  start(): void {
    cluster.setupPrimary({ exec: WORKER_ENTRY, args: [] });
    for (const slot of this.slots) this.fork(slot);
  }

  /** Process ids of the running workers. */
  pids(): number[] {
    return this.slots.flatMap((s) => (s.worker?.process.pid ? [s.worker.process.pid] : []));
  }

  /** Tells every worker to stop (finishing the requests in flight) and waits until all have exited. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const slot of this.slots) if (slot.restart) clearTimeout(slot.restart);
      const timeoutMs = this.config.server.shutdownGraceSeconds * 1000 + STOP_AFTER_GRACE_MS;
      await Promise.all(
        this.slots.map((slot) => (slot.worker ? stopWorker(slot.worker, timeoutMs) : undefined)),
      );
    })();
    return this.stopping;
  }

  private fork(slot: Slot): void {
    slot.restart = null;
    slot.listening = false;
    // A worker's thread pool is sized before its first line runs: more threads than hashes (bin/gatehouse.js).
    const worker = cluster.fork({
      UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE || String(availableParallelism() + 4),
    });
    slot.worker = worker;
    worker.on('message', (message: unknown) => this.onMessage(slot, worker, message));
    worker.on('exit', (code, signal) => this.onExit(slot, worker, code, signal));
    // An IPC write to a worker that is exiting fails; its 'exit' follows and is handled there.
    worker.on('error', () => {});
  }

  private onMessage(slot: Slot, worker: Worker, message: unknown): void {
    if (slot.worker !== worker || this.stopping) return;
    if (isClusterMessage(message, 'gatehouse:waiting')) {
      const start: ClusterMessage = {
        type: 'gatehouse:start',
        config: this.config,
        sweeper: slot.index === 0,
      };
      worker.send(start);
    } else if (isClusterMessage(message, 'gatehouse:listening')) {
      slot.listening = true;
      this.startupFailures = 0;
      this.address = message.address;
      if (!this.ready && this.slots.every((s) => s.listening)) {
        this.ready = true;
        this.events.onReady(this.address);
      }
    }
  }

  private onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    if (this.stopping) return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const pid = worker.process.pid;
    if (!slot.listening && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
      this.events.log(`worker ${pid} ${how} before listening`);
      void this.stop().then(() =>
        this.events.onGiveUp(
          `${MAX_STARTUP_FAILURES} workers in a row exited before listening; giving up (see the errors above)`,
        ),
      );
      return;
    }
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    const delay = Math.min(FIRST_RESTART_DELAY_MS * 2 ** (this.crashes.length - 1), MAX_RESTART_DELAY_MS);
    this.events.log(
      `worker ${pid} ${how}${slot.listening ? '' : ' before listening'}; starting another in ${delay} ms`,
    );
    slot.restart = setTimeout(() => this.fork(slot), delay);
  }
}

function stopWorker(worker: Worker, timeoutMs: number): Promise<void> {
  if (worker.process.exitCode !== null || worker.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => worker.process.kill('SIGKILL'), timeoutMs);
    worker.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    try {
      worker.send({ type: 'gatehouse:stop' } satisfies ClusterMessage);
    } catch {
      worker.process.kill('SIGKILL');
    }
  });
}
