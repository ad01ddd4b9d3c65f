import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { GatehouseConfig } from '../config/schema.js';
import { ValidationError } from '../errors.js';
import { closeServices, createServices } from '../gatehouse.js';
import type { Services } from '../services.js';

export interface CommonOptions {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

/** Options every command that touches the store takes. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data directory of the embedded store (env GATEHOUSE_DATA_DIR)')
    .option('--config <file>', 'JSON configuration file (env GATEHOUSE_CONFIG)');
}

export function configFrom(options: CommonOptions, overrides: Record<string, unknown> = {}): GatehouseConfig {
  return loadConfig({
    file: options.config,
    overrides: { ...overrides, storage: { ...(options.dataDir ? { dataDir: options.dataDir } : {}) } },
  });
}

/** Runs `work` with the services over the configured store, then closes it. */
export async function withServices<T>(
  options: CommonOptions,
  work: (services: Services) => Promise<T>,
): Promise<T> {
  const services = await createServices(configFrom(options));
  try {
    return await work(services);
  } finally {
    await closeServices(services);
  }
}

export function print(options: CommonOptions, value: unknown, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/**
 * The record a command acts on, named as its argument (`apps show ID`) or, as before, by its option
 * (`apps show --client-id ID`): one of the two, and the same if both are given.
 */
export function targetOf(argument: string | undefined, option: string | undefined, flag: string): string {
  if (argument !== undefined && option !== undefined && argument !== option)
    throw new ValidationError(
      flag.replace(/^--/, ''),
      `give the ${flag.replace(/^--/, '')} once: '${argument}' or '${option}'`,
    );
  const target = argument ?? option;
  if (target === undefined || target === '')
    throw new ValidationError(
      flag.replace(/^--/, ''),
      `give the ${flag.replace(/^--/, '')} as the argument or as ${flag}`,
    );
  return target;
}
