import type { Command } from 'commander';
import { developmentDefaults } from '../../config/load.js';
import { createGatehouse } from '../../gatehouse.js';
import { seedDemoData } from '../../setup/demo-data.js';
import { type CommonOptions, configFrom, withStoreOptions } from '../common-options.js';

interface StartOptions extends CommonOptions {
  port?: string;
  host?: string;
  publicUrl?: string;
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
      .option('--public-url <url>', 'public URL of the server (env GATEHOUSE_PUBLIC_URL)'),
  ).action(async (options: StartOptions) => {
    const server: Record<string, unknown> = {};
    if (options.port !== undefined)
      server.port = /^\d+$/.test(options.port) ? Number(options.port) : options.port;
    if (options.host !== undefined) server.host = options.host;
    if (options.publicUrl !== undefined) server.publicUrl = options.publicUrl;
    const config = configFrom(options, { server });

    const warnings = developmentDefaults(config);
    if (warnings.length) {
      process.stderr.write(
        `\n!!! Gatehouse development defaults are in force — do not expose this server:\n${warnings.map((w) => `!!!   - ${w}`).join('\n')}\n\n`,
      );
    }
    const gatehouse = await createGatehouse(config);
    const demo = config.seedDemo ? await seedDemoData(gatehouse.services) : null;
    const address = await gatehouse.listen();
    const issuer = gatehouse.services.server('default').issuer;
    if (demo) {
      process.stdout.write(
        [
          'Created a demo app and a demo user (first start with an empty store):',
          `  client id:     ${demo.clientId} (public, PKCE)`,
          `  redirect URI:  ${demo.redirectUri}`,
          `  login:         ${demo.login}`,
          `  password:      ${demo.password}`,
          `  issuer:        ${issuer}`,
          `  discovery:     ${issuer}/.well-known/openid-configuration`,
          '',
        ].join('\n'),
      );
    }
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      process.stdout.write(`Received ${signal}, shutting down\n`);
      await gatehouse.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    // Announced only once the handlers are in place: a supervisor may stop the server right away.
    process.stdout.write(`Gatehouse listening on ${address} (issuer ${issuer})\n`);
  });
}
