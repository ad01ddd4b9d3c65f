/**
 * Entry point: `node dist/server.js` with GATEHOUSE_ISSUER, CLIENT_ID, PORT, SESSION_SECRET
 * (and optionally APP_URL, SESSION_DB, NODE_ENV=production) in the environment.
 */
import { createSampleApp } from './app.js';
import { ConfigError, DEVELOPMENT_SESSION_SECRET, loadConfig } from './config.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`express sample: ${err.message}\n`);
  process.exit(2);
}
if (config.sessionSecret === DEVELOPMENT_SESSION_SECRET)
  process.stderr.write('express sample: using the development session secret (refused in production)\n');

const sample = createSampleApp(config);
const host = process.env.HOST ?? '127.0.0.1';
const server = sample.app.listen(config.port, host, () => {
  process.stdout.write(`Express sample listening on ${config.appUrl} (issuer ${config.issuer})\n`);
});

function shutdown(): void {
  server.close(() => {
    sample.close();
    process.exit(0);
  });
  server.closeAllConnections();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
