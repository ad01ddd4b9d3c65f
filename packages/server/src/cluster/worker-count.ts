import { availableParallelism } from 'node:os';
import { ConfigError } from '../config/load.js';
import type { GatehouseConfig } from '../config/schema.js';

/**
 * How many processes `server.workers` asks for (`auto`: one per CPU core). More than one needs a
 * store every process shares: an in-memory SQLite database would be private to each worker.
 */
export function workerCount(config: GatehouseConfig, cores: number = availableParallelism()): number {
  const count = config.server.workers === 'auto' ? cores : config.server.workers;
  if (count > 1 && !config.storage.databaseUrl && config.storage.sqliteFile === ':memory:')
    throw new ConfigError(
      'Invalid configuration:\n  - server.workers: several workers need a shared store; storage.sqliteFile ":memory:" is private to each process',
    );
  return count;
}
