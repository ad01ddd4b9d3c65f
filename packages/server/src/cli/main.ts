#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { appsCommand } from './commands/apps.js';
import { docsCommand } from './commands/docs.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { outboxCommand } from './commands/outbox.js';
import { sessionsCommand } from './commands/sessions.js';
import { startCommand } from './commands/start.js';
import { templatesCommand } from './commands/templates.js';
import { usersCommand } from './commands/users.js';

const program = new Command('gatehouse')
  .description('Gatehouse: a self-hosted identity engine for embedded sign-in')
  .showHelpAfterError()
  .exitOverride();

startCommand(program);
migrateCommand(program);
usersCommand(program);
appsCommand(program);
sessionsCommand(program);
keysCommand(program);
templatesCommand(program);
outboxCommand(program);
docsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (
    err instanceof ConfigError ||
    err instanceof ValidationError ||
    err instanceof ConflictError ||
    err instanceof NotFoundError
  ) {
    process.stderr.write(`gatehouse: ${err.message}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  }
  process.stderr.write(`gatehouse: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(70);
}
