import type { GatehouseConfig } from '../config/schema.js';
import { createGatehouse, type Gatehouse } from '../gatehouse.js';
import { type ClusterMessage, isClusterMessage } from './messages.js';

/**
 * Entry point of a worker process (`node:cluster` forks it; see supervisor.ts). It waits for the
 * configuration from the primary, builds the server without migrating (the primary did) and
 * listens on the shared port. It exits when the primary says so, or at once when the primary goes
 * away (node:cluster ends a worker whose IPC channel closes).
 */

// The primary coordinates shutdown. Ctrl-C in a terminal signals the whole process group: a worker
// that died of it would look like a crash to the primary, which is already stopping every worker.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

let gatehouse: Gatehouse | null = null;
let stopping = false;

function send(message: ClusterMessage): void {
  process.send?.(message);
}

async function start(config: GatehouseConfig, sweeper: boolean): Promise<void> {
  try {
    gatehouse = await createGatehouse(config, { migrate: false, sweeper });
    if (stopping) return;
    const address = await gatehouse.listen();
    send({ type: 'gatehouse:listening', address });
  } catch (err) {
    // A system error (EADDRINUSE, ECONNREFUSED…) says all in its message; anything else gets its stack.
    const error = err as NodeJS.ErrnoException;
    const text = error.code && error.syscall ? error.message : (error.stack ?? String(err));
    process.stderr.write(`gatehouse: worker ${process.pid} could not start: ${text}\n`);
    process.exit(70);
  }
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await gatehouse?.close();
  } finally {
    process.exit(0);
  }
}

process.on('message', (message: unknown) => {
  if (isClusterMessage(message, 'gatehouse:start')) void start(message.config, message.sweeper);
  else if (isClusterMessage(message, 'gatehouse:stop')) void stop();
});
send({ type: 'gatehouse:waiting' });
