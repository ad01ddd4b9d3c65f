import type { Command } from 'commander';
import { prepareStore } from '../../cluster/prepare-store.js';
import { WorkerSupervisor } from '../../cluster/supervisor.js';
import { workerCount } from '../../cluster/worker-count.js';
import { developmentDefaults } from '../../config/load.js';
import type { GatehouseConfig } from '../../config/schema.js';
import { createGatehouse } from '../../gatehouse.js';
import { type DemoData, setUpDemoData } from '../../setup/demo-data.js';
import { type CommonOptions, configFrom, withStoreOptions } from '../common-options.js';

interface StartOptions extends CommonOptions {
  port?: string;
  host?: string;
  publicUrl?: string;
  workers?: string;
}

export function startCommand(program: Command): void {
  withStoreOptions(
    program
      .command('start')
      .description(
        'run the server (embedded SQLite, generated keys and a demo app when nothing is configured)',
      )
      .option('--port <n>', 'TCP port (env GATEHOUSE_PORT, default 4455)')
      .option('--host <address>', 'address to bind (env GATEHOUSE_HOST, default 127.0.0.1)')
      .option('--public-url <url>', 'public URL of the server (env GATEHOUSE_PUBLIC_URL)')
      .option(
        '--workers <n|auto>',
        'processes serving the port (env GATEHOUSE_WORKERS, default 1; auto: one per CPU core)',
      ),
  ).action(async (options: StartOptions) => {
    const server: Record<string, unknown> = {};
    if (options.port !== undefined) server.port = numberOrText(options.port);
    if (options.host !== undefined) server.host = options.host;
    if (options.publicUrl !== undefined) server.publicUrl = options.publicUrl;
    if (options.workers !== undefined) server.workers = numberOrText(options.workers);
    const config = configFrom(options, { server });

    const warnings = developmentDefaults(config);
    if (warnings.length) {
      process.stderr.write(
        `\n!!! Gatehouse development defaults are in force — do not expose this server:\n${warnings.map((w) => `!!!   - ${w}`).join('\n')}\n\n`,
      );
    }
    const workers = workerCount(config);
    if (workers > 1) await startWorkers(config, workers);
    else await startSingleProcess(config);
  });
}

/** Today's default: the server, its periodic jobs and the signal handling in this process. */
async function startSingleProcess(config: GatehouseConfig): Promise<void> {
  const gatehouse = await createGatehouse(config);
  const demo = config.seedDemo ? await setUpDemoData(gatehouse.services) : null;
  const address = await gatehouse.listen();
  const issuer = gatehouse.services.server('default').issuer;
  if (demo) printDemo(demo, issuer, config.publicUrl);
  onShutdownSignal(() => gatehouse.close());
  // Announced only once the handlers are in place: a supervisor may stop the server right away.
  announceReady(address, issuer);
}

/**
 * This process becomes the primary: it prepares the store once, then supervises `count` workers
 * that serve the port (see docs/adr/0006-worker-processes.md).
 */
async function startWorkers(config: GatehouseConfig, count: number): Promise<void> {
  const { demo, issuer } = await prepareStore(config);
  if (demo) printDemo(demo, issuer, config.publicUrl);
  const supervisor = new WorkerSupervisor(config, count, {
    onReady: (address) => announceReady(address, issuer),
    onGiveUp: (reason) => {
      process.stderr.write(`gatehouse: ${reason}\n`);
      process.exit(1);
    },
    log: (line) => process.stderr.write(`gatehouse: ${line}\n`),
  });
  onShutdownSignal(() => supervisor.stop());
  supervisor.start();
}

function numberOrText(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

function printDemo(demo: DemoData, issuer: string, publicUrl: string): void {
  process.stdout.write(
    [
      'Created a demo app and a demo user (first start with an empty store):',
      `  client id:     ${demo.clientId} (public, PKCE)`,
      `  redirect URI:  ${demo.redirectUri}`,
      `  login:         ${demo.login}`,
      `  password:      ${demo.password}`,
      `  issuer:        ${issuer}`,
      `  discovery:     ${issuer}/.well-known/openid-configuration`,
      `Open ${publicUrl}/ for what is running and a playground to sign in with (password or magic link).`,
      '',
    ].join('\n'),
  );
}

/** The line supervisors, the bench and the tests wait for. */
function announceReady(address: string, issuer: string): void {
  process.stdout.write(`Gatehouse listening on ${address} (issuer ${issuer})\n`);
}

/** On SIGINT or SIGTERM: say so, run `close` once, exit 0. */
function onShutdownSignal(close: () => Promise<void>): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`Received ${signal}, shutting down\n`);
    await close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
