#!/usr/bin/env node
// Creates the bench users in one process through Gatehouse's own UserService (the same checks and
// argon2id hashing as `gatehouse users create`, without starting a Node process per user).
//   node bench/lib/seed-users.mjs --data-dir <dir> --config <file> --users <users.json>
// users.json: [{ "login", "email", "password"? }]; prints {"created": N} on stdout.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (path) => import(pathToFileURL(join(ROOT, 'packages/server/dist', path)).href);

const { values: args } = parseArgs({
  options: { 'data-dir': { type: 'string' }, config: { type: 'string' }, users: { type: 'string' } },
});
const { loadConfig } = await dist('config/load.js');
const { createServices, closeServices } = await dist('gatehouse.js');
const users = JSON.parse(readFileSync(args.users, 'utf8'));
const config = loadConfig({ file: args.config, overrides: { storage: { dataDir: args['data-dir'] } } });
const services = await createServices(config);
try {
  // Two at a time: one hash per core.
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const u = users[next++];
      await services.users.createUser({ login: u.login, email: u.email, password: u.password });
    }
  };
  await Promise.all([worker(), worker()]);
  process.stdout.write(`${JSON.stringify({ created: users.length })}\n`);
} finally {
  await closeServices(services);
}
