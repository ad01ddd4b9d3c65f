import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function configFile(content: unknown): string {
  const file = join(dir, `config-${++files}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** The ConfigError message `load` throws (fails the test if it does not throw one). */
function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const PROD = { NODE_ENV: 'production', GATEHOUSE_PUBLIC_URL: 'https://id.example.com' };

describe('loadConfig: defaults', () => {
  it('with nothing set: development on 127.0.0.1:4455, SQLite, demo data, generated public URL', () => {
    const config = loadConfig({ env: {} });
    expect(config.mode).toBe('development');
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 4455, bodyLimitBytes: 65536 });
    expect(config.server.publicUrl).toBeUndefined();
    expect(config.publicUrl).toBe('http://localhost:4455');
    expect(config.seedDemo).toBe(true);
    expect(config.storage).toMatchObject({ dataDir: '.gatehouse', sqliteFile: 'gatehouse.db', poolSize: 10 });
    expect(config.storage.databaseUrl).toBeUndefined();
    expect(config.tokens).toMatchObject({
      accessTokenTtlSeconds: 3600,
      idTokenTtlSeconds: 3600,
      interactionCodeTtlSeconds: 60,
      refreshTokenIdleTtlSeconds: 14 * 86400,
      refreshTokenAbsoluteTtlSeconds: 365 * 86400,
    });
    expect(config.passwordPolicy).toMatchObject({
      minLength: 15,
      maxBytes: 1024,
      rejectCommonPasswords: true,
    });
    expect(config.passwordHashing).toMatchObject({ memoryCostKiB: 19456, timeCost: 2, parallelism: 1 });
    expect(config.lockout).toMatchObject({ enabled: true, maxFailedAttempts: 10, durationSeconds: 900 });
    expect(config.log.level).toBe('warn');
  });

  it('does not read process.env when an env is given', () => {
    const before = process.env.GATEHOUSE_PORT;
    process.env.GATEHOUSE_PORT = '1234';
    try {
      expect(loadConfig({ env: {} }).server.port).toBe(4455);
    } finally {
      if (before === undefined) delete process.env.GATEHOUSE_PORT;
      else process.env.GATEHOUSE_PORT = before;
    }
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.passwordPolicy.excludeAttributes)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.passwordPolicy.excludeAttributes as string[]).push('email');
    }).toThrow(TypeError);
    expect(config.server.port).toBe(4455);
  });

  it('gives each call its own object (loading twice shares nothing mutable)', () => {
    const a = loadConfig({ env: { GATEHOUSE_PORT: '5001' } });
    const b = loadConfig({ env: {} });
    expect(a.server.port).toBe(5001);
    expect(b.server.port).toBe(4455);
  });
});

describe('loadConfig: environment variables', () => {
  it('sets the keys they name', () => {
    const config = loadConfig({
      env: {
        GATEHOUSE_HOST: '0.0.0.0',
        GATEHOUSE_PORT: ' 8443 ',
        GATEHOUSE_PUBLIC_URL: 'https://id.example.com/auth/',
        GATEHOUSE_DATA_DIR: '/var/lib/gatehouse',
        DATABASE_URL: 'postgres://gh@127.0.0.1:5432/gatehouse',
        GATEHOUSE_LOG_LEVEL: 'warn',
      },
    });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 8443 });
    expect(config.publicUrl).toBe('https://id.example.com/auth');
    expect(config.storage).toMatchObject({
      dataDir: '/var/lib/gatehouse',
      databaseUrl: 'postgres://gh@127.0.0.1:5432/gatehouse',
    });
    expect(config.log.level).toBe('warn');
  });

  it('every lockout and email attempt cap has its variable (numbers and true/false), and a bad value names it', () => {
    const config = loadConfig({
      env: {
        GATEHOUSE_LOCKOUT_ENABLED: 'false',
        GATEHOUSE_LOCKOUT_MAX_FAILED_ATTEMPTS: '3',
        GATEHOUSE_LOCKOUT_DURATION_SECONDS: '60',
        GATEHOUSE_EMAIL_MAX_ATTEMPTS: '2',
        GATEHOUSE_EMAIL_RESEND_INTERVAL_SECONDS: '0',
        GATEHOUSE_EMAIL_MAX_SENDS_PER_TRANSACTION: '10',
        GATEHOUSE_RATE_LIMIT_EMAIL_PER_RECIPIENT: '20/600',
      },
    });
    expect(config.lockout).toEqual({ enabled: false, maxFailedAttempts: 3, durationSeconds: 60 });
    expect(config.email).toMatchObject({
      maxAttempts: 2,
      resendIntervalSeconds: 0,
      maxSendsPerTransaction: 10,
    });
    expect(config.rateLimits.emailPerRecipient).toEqual({ limit: 20, windowSeconds: 600 });
    expect(() => loadConfig({ env: { GATEHOUSE_LOCKOUT_ENABLED: 'maybe' } })).toThrow(
      /lockout\.enabled: .*\(from environment variable GATEHOUSE_LOCKOUT_ENABLED\)/,
    );
    expect(() => loadConfig({ env: { GATEHOUSE_EMAIL_MAX_ATTEMPTS: '50' } })).toThrow(
      /email\.maxAttempts: .*\(from environment variable GATEHOUSE_EMAIL_MAX_ATTEMPTS\)/,
    );
  });

  it('NODE_ENV=production selects production; any other value development', () => {
    expect(loadConfig({ env: PROD }).mode).toBe('production');
    expect(loadConfig({ env: { NODE_ENV: 'test' } }).mode).toBe('development');
    expect(loadConfig({ env: { NODE_ENV: 'development' } }).mode).toBe('development');
  });

  it('ignores empty variables', () => {
    expect(loadConfig({ env: { GATEHOUSE_PORT: '', DATABASE_URL: '' } }).server.port).toBe(4455);
  });

  it('the public URL default follows the port', () => {
    expect(loadConfig({ env: { GATEHOUSE_PORT: '5000' } }).publicUrl).toBe('http://localhost:5000');
  });

  it('a bad value names the key and the variable', () => {
    const message = errorOf(() => loadConfig({ env: { GATEHOUSE_PORT: 'abc' } }));
    expect(message).toContain('server.port');
    expect(message).toContain('GATEHOUSE_PORT');
    for (const [name, value, key] of [
      ['GATEHOUSE_PORT', '70000', 'server.port'],
      ['GATEHOUSE_PORT', '80.5', 'server.port'],
      ['GATEHOUSE_LOG_LEVEL', 'loud', 'log.level'],
      ['DATABASE_URL', 'mysql://db/gatehouse', 'storage.databaseUrl'],
      ['GATEHOUSE_PUBLIC_URL', 'ftp://id.example.com', 'server.publicUrl'],
      ['GATEHOUSE_PUBLIC_URL', 'not a url', 'server.publicUrl'],
    ]) {
      const m = errorOf(() => loadConfig({ env: { [name!]: value } }));
      expect(m, `${name}=${value}`).toContain(key);
      expect(m, `${name}=${value}`).toContain(`environment variable ${name}`);
    }
  });

  it('reports every bad value at once', () => {
    const message = errorOf(() =>
      loadConfig({ env: { GATEHOUSE_PORT: 'abc', GATEHOUSE_LOG_LEVEL: 'loud' } }),
    );
    expect(message).toContain('server.port');
    expect(message).toContain('log.level');
  });
});

describe('loadConfig: configuration file', () => {
  it('reads a JSON file, from the option or GATEHOUSE_CONFIG', () => {
    const file = configFile({ orgName: 'Acme', server: { port: 7000 }, lockout: { maxFailedAttempts: 5 } });
    const config = loadConfig({ file, env: {} });
    expect(config.orgName).toBe('Acme');
    expect(config.server.port).toBe(7000);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.lockout).toMatchObject({ maxFailedAttempts: 5, enabled: true });
    expect(loadConfig({ env: { GATEHOUSE_CONFIG: file } }).orgName).toBe('Acme');
  });

  it('file < environment < overrides', () => {
    const file = configFile({ server: { port: 7000, host: '127.0.0.2' }, log: { level: 'debug' } });
    const config = loadConfig({
      file,
      env: { GATEHOUSE_PORT: '7001', GATEHOUSE_LOG_LEVEL: 'error' },
      overrides: { server: { port: 7002 } },
    });
    expect(config.server).toMatchObject({ port: 7002, host: '127.0.0.2' });
    expect(config.log.level).toBe('error');
  });

  it('refuses an unknown key, naming it and the file', () => {
    const file = configFile({ server: { prot: 8080 } });
    const message = errorOf(() => loadConfig({ file, env: {} }));
    expect(message).toContain('prot');
    expect(message).toContain(file);
    const top = configFile({ sever: { port: 8080 } });
    const topMessage = errorOf(() => loadConfig({ file: top, env: {} }));
    expect(topMessage).toContain('sever');
    expect(topMessage).toContain(top);
  });

  it('a bad value in the file names the key and the file', () => {
    const file = configFile({ server: { port: '8080' } });
    const message = errorOf(() => loadConfig({ file, env: {} }));
    expect(message).toContain('server.port');
    expect(message).toContain(`file ${file}`);
    const list = configFile({ passwordPolicy: { excludeAttributes: ['firstName', 'shoeSize'] } });
    const listMessage = errorOf(() => loadConfig({ file: list, env: {} }));
    expect(listMessage).toContain('passwordPolicy.excludeAttributes');
    expect(listMessage).toContain(`file ${list}`);
  });

  it('a bad override names the command line', () => {
    const message = errorOf(() => loadConfig({ env: {}, overrides: { server: { port: -1 } } }));
    expect(message).toContain('server.port');
    expect(message).toContain('command line');
  });

  it('refuses a missing file, invalid JSON and a JSON value that is not an object', () => {
    const missing = join(dir, 'missing.json');
    expect(errorOf(() => loadConfig({ file: missing, env: {} }))).toContain(missing);
    const broken = configFile('{ "server": ');
    expect(errorOf(() => loadConfig({ file: broken, env: {} }))).toContain(broken);
    const array = configFile('[1, 2]');
    expect(errorOf(() => loadConfig({ file: array, env: {} }))).toContain(array);
  });

  it('enforces the schema bounds (security minima cannot be configured away)', () => {
    expect(
      errorOf(() => loadConfig({ file: configFile({ passwordPolicy: { minLength: 6 } }), env: {} })),
    ).toContain('passwordPolicy.minLength');
    expect(
      errorOf(() => loadConfig({ file: configFile({ passwordHashing: { memoryCostKiB: 1024 } }), env: {} })),
    ).toContain('passwordHashing.memoryCostKiB');
    expect(
      errorOf(() =>
        loadConfig({ file: configFile({ tokens: { interactionCodeTtlSeconds: 3600 } }), env: {} }),
      ),
    ).toContain('tokens.interactionCodeTtlSeconds');
  });
});

describe('loadConfig: production', () => {
  it('accepts an https public URL and turns the demo data off', () => {
    const config = loadConfig({ env: PROD });
    expect(config.mode).toBe('production');
    expect(config.publicUrl).toBe('https://id.example.com');
    expect(config.seedDemo).toBe(false);
  });

  it('refuses to start without a public URL', () => {
    const message = errorOf(() => loadConfig({ env: { NODE_ENV: 'production' } }));
    expect(message).toContain('server.publicUrl');
    expect(message).toContain('GATEHOUSE_PUBLIC_URL');
  });

  it('refuses an http public URL on a non-loopback host', () => {
    for (const url of [
      'http://id.example.com',
      'http://10.0.0.5:8080',
      'http://127.0.0.1.nip.io',
      'http://0.0.0.0',
    ]) {
      const message = errorOf(() =>
        loadConfig({ env: { NODE_ENV: 'production', GATEHOUSE_PUBLIC_URL: url } }),
      );
      expect(message, url).toContain('server.publicUrl');
      expect(message, url).toContain('https');
    }
  });

  it('allows http on loopback (a TLS-terminating proxy on the same host)', () => {
    for (const url of ['http://localhost:4455', 'http://127.0.0.1:8080', 'http://[::1]:8080'])
      expect(loadConfig({ env: { NODE_ENV: 'production', GATEHOUSE_PUBLIC_URL: url } }).publicUrl, url).toBe(
        url,
      );
  });

  it('refuses seedDemo: true, and reports it with the other problems', () => {
    const file = configFile({ seedDemo: true });
    expect(errorOf(() => loadConfig({ file, env: PROD }))).toContain('seedDemo');
    const both = errorOf(() => loadConfig({ file, env: { NODE_ENV: 'production' } }));
    expect(both).toContain('seedDemo');
    expect(both).toContain('server.publicUrl');
    expect(loadConfig({ file: configFile({ seedDemo: false }), env: PROD }).seedDemo).toBe(false);
  });

  it('development keeps an explicit seedDemo: false', () => {
    expect(loadConfig({ file: configFile({ seedDemo: false }), env: {} }).seedDemo).toBe(false);
  });
});
