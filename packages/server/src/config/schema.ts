import { z } from 'zod';
import { devMailboxSchema, emailSchema } from './email-schema.js';
import { rateLimitsSchema } from './rate-limits-schema.js';

/**
 * The one configuration schema: types, validation, defaults and the generated reference
 * (`docs/reference/configuration.md`) all come from here. `env` in a field's meta names the
 * environment variable that sets it. Email and the dev mailbox are in `email-schema.ts`, rate limits in `rate-limits-schema.ts`.
 */

const seconds = (def: number, description: string, min = 1) =>
  z.number().int().min(min).default(def).meta({ description });

const serverSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .meta({ description: 'Address the HTTP server binds to.', env: 'GATEHOUSE_HOST' }),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(4455)
      .meta({ description: 'TCP port (0 picks a free one).', env: 'GATEHOUSE_PORT' }),
    publicUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .meta({
        description:
          'Origin (and optional path prefix) users and apps reach Gatehouse at; issuers, links in emails and IDX hrefs are built from it, never from request headers. Defaults to `http://localhost:<port>` in development; required (https) in production.',
        env: 'GATEHOUSE_PUBLIC_URL',
      }),
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(65536)
      .meta({ description: 'Largest request body accepted; larger bodies get 413.' }),
    shutdownGraceSeconds: z.number().min(0).max(600).default(10).meta({
      description:
        'On shutdown, how long requests in progress may take to finish; connections still open after it (a slow or stalled client) are closed.',
      env: 'GATEHOUSE_SHUTDOWN_GRACE_SECONDS',
    }),
    workers: z
      .union([z.number().int().min(1).max(256), z.literal('auto')])
      .default(1)
      .meta({
        description:
          'Processes serving the port: an integer 1–256, or `auto` for one per CPU core. 1 runs everything in one process; more start a primary that prepares the store once, then runs that many workers (node:cluster) on the same port and replaces any that dies. Pays off only when the CPU of one process is the limit: on embedded SQLite the workers take turns on one write lock (measured slower than one process).',
        env: 'GATEHOUSE_WORKERS',
      }),
  })
  .prefault({});

const storageSchema = z
  .strictObject({
    dataDir: z
      .string()
      .min(1)
      .default('.gatehouse')
      .meta({ description: 'Directory of the embedded SQLite database.', env: 'GATEHOUSE_DATA_DIR' }),
    sqliteFile: z
      .string()
      .min(1)
      .default('gatehouse.db')
      .meta({ description: 'SQLite file name inside `dataDir`, or `:memory:` (tests).' }),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional()
      .meta({ description: 'PostgreSQL connection URL; when set it replaces SQLite.', env: 'DATABASE_URL' }),
    poolSize: z.number().int().min(1).max(200).default(10).meta({
      description:
        'PostgreSQL pool size per process; rate-limit counters use 2 more connections of their own.',
    }),
  })
  .prefault({});

const tokensSchema = z
  .strictObject({
    accessTokenTtlSeconds: seconds(3600, 'Lifetime of access tokens.'),
    idTokenTtlSeconds: seconds(3600, 'Lifetime of ID tokens.'),
    interactionCodeTtlSeconds: z
      .number()
      .int()
      .min(1)
      .max(600)
      .default(60)
      .meta({ description: 'Lifetime of an interaction code (single use; at most 10 minutes).' }),
    refreshTokenIdleTtlSeconds: seconds(14 * 86400, 'A refresh token not used for this long expires.'),
    refreshTokenAbsoluteTtlSeconds: seconds(365 * 86400, 'No refresh token family lives longer than this.'),
  })
  .prefault({});

const transactionsSchema = z
  .strictObject({
    ttlSeconds: z.number().int().min(60).max(3600).default(1800).meta({
      description: 'Lifetime of a sign-in or recovery transaction (interaction handle and state handle).',
    }),
  })
  .prefault({});

const sessionsSchema = z
  .strictObject({
    idleTtlSeconds: seconds(
      7200,
      'SSO session (hosted sign-in): how long it lasts unused, without "Keep me signed in". Its cookie ends with the browser session.',
      60,
    ),
    absoluteTtlSeconds: seconds(
      43200,
      'SSO session: how long it lasts at most after signing in, without "Keep me signed in".',
      60,
    ),
    rememberedIdleTtlSeconds: seconds(
      604800,
      'SSO session with "Keep me signed in": how long it lasts unused (checked on the server; its cookie persists until the absolute end).',
      60,
    ),
    rememberedAbsoluteTtlSeconds: seconds(
      2592000,
      'SSO session with "Keep me signed in": how long it lasts at most after signing in (and how long its cookie persists).',
      60,
    ),
  })
  .prefault({});

const lockoutSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({
      description: 'Lock a user after repeated failed sign-ins.',
      env: 'GATEHOUSE_LOCKOUT_ENABLED',
    }),
    maxFailedAttempts: z.number().int().min(1).max(100).default(10).meta({
      description: 'Consecutive failed password attempts that lock the user.',
      env: 'GATEHOUSE_LOCKOUT_MAX_FAILED_ATTEMPTS',
    }),
    durationSeconds: z.number().int().min(1).default(900).meta({
      description: 'How long an automatic lock lasts (an administrator lock lasts until unlocked).',
      env: 'GATEHOUSE_LOCKOUT_DURATION_SECONDS',
    }),
  })
  .prefault({});

const passwordPolicySchema = z
  .strictObject({
    minLength: z.number().int().min(8).max(256).default(15).meta({
      description: 'Minimum length in Unicode code points (NIST SP 800-63B-4: 15 for a single factor).',
    }),
    maxBytes: z
      .number()
      .int()
      .min(64)
      .max(4096)
      .default(1024)
      .meta({ description: 'Longest password accepted, in UTF-8 bytes (refused before hashing).' }),
    minLowerCase: z.number().int().min(0).default(0).meta({ description: 'Minimum lower-case letters.' }),
    minUpperCase: z.number().int().min(0).default(0).meta({ description: 'Minimum upper-case letters.' }),
    minNumber: z.number().int().min(0).default(0).meta({ description: 'Minimum digits.' }),
    minSymbol: z.number().int().min(0).default(0).meta({ description: 'Minimum symbols.' }),
    excludeUsername: z
      .boolean()
      .default(true)
      .meta({ description: 'Refuse passwords containing the login.' }),
    excludeAttributes: z
      .array(z.enum(['firstName', 'lastName', 'email']))
      .default(['firstName', 'lastName'])
      .meta({ description: 'Profile attributes a password may not contain.' }),
    historyCount: z.number().int().min(0).max(24).default(4).meta({
      description: 'A new password may not be one of the last N passwords (0 turns the check off).',
    }),
    rejectCommonPasswords: z
      .boolean()
      .default(true)
      .meta({ description: 'Refuse passwords on the shipped list of common passwords.' }),
    minScore: z.number().int().min(0).max(4).default(3).meta({
      description:
        "Lowest strength a new password must reach, as estimated by zxcvbn-ts (0-4) with its common and English dictionaries and the user's login, email, names, the app's name and `orgName` as known words; 3 needs more than 10^8 guesses, 4 more than 10^10 (0 turns the check off).",
    }),
  })
  .prefault({});

const passwordHashingSchema = z
  .strictObject({
    memoryCostKiB: z
      .number()
      .int()
      .min(7168)
      .default(19456)
      .meta({ description: 'argon2id memory cost (OWASP: 19456 KiB with t=2).' }),
    timeCost: z.number().int().min(1).default(2).meta({ description: 'argon2id iterations.' }),
    parallelism: z.number().int().min(1).max(8).default(1).meta({ description: 'argon2id lanes.' }),
    maxConcurrency: z
      .number()
      .int()
      .min(0)
      .default(0)
      .meta({ description: 'Hashes computed at once (0 = one per CPU core); the rest wait in a queue.' }),
  })
  .prefault({});

const logSchema = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn').meta({
      description:
        'Log level of the JSON log on stdout (warnings and errors by default; `info` adds start-up lines).',
      env: 'GATEHOUSE_LOG_LEVEL',
    }),
  })
  .prefault({});

export const configSchema = z.strictObject({
  mode: z.enum(['development', 'production']).default('development').meta({
    description:
      'Development enables embedded defaults (demo app and user, generated public URL) with a loud warning; production refuses them.',
    env: 'NODE_ENV',
  }),
  orgName: z
    .string()
    .min(1)
    .max(100)
    .default('Gatehouse')
    .meta({ description: 'Organisation name shown to users.' }),
  seedDemo: z.boolean().optional().meta({
    description:
      'On the first start with an empty store, create a demo app and a demo user. Defaults to true in development; refused in production.',
  }),
  secretKey: z.string().min(32).optional().meta({
    description:
      'Server secret (at least 32 characters) for one-time codes. Unset: one is generated and kept in the database, shared by every instance.',
    env: 'GATEHOUSE_SECRET_KEY',
  }),
  server: serverSchema,
  storage: storageSchema,
  tokens: tokensSchema,
  transactions: transactionsSchema,
  sessions: sessionsSchema,
  lockout: lockoutSchema,
  passwordPolicy: passwordPolicySchema,
  passwordHashing: passwordHashingSchema,
  email: emailSchema,
  rateLimits: rateLimitsSchema,
  devMailbox: devMailboxSchema,
  log: logSchema,
});

export type ConfigInput = z.input<typeof configSchema>;
export type GatehouseConfig = Omit<z.output<typeof configSchema>, 'seedDemo' | 'devMailbox'> & {
  /** Resolved public URL (never undefined after loading). */
  readonly publicUrl: string;
  /** Resolved from the mode when not set. */
  readonly seedDemo: boolean;
  readonly devMailbox: { readonly enabled: boolean };
};
