import { z } from 'zod';

/** The email settings, the rate limits that guard what sends email, and the dev mailbox. */

const limit = (limitDefault: number, windowDefault: number, description: string) =>
  z
    .strictObject({
      limit: z
        .number()
        .int()
        .min(1)
        .default(limitDefault)
        .meta({ description: 'Requests allowed per window.' }),
      windowSeconds: z.number().int().min(1).default(windowDefault).meta({ description: 'Window length.' }),
    })
    .prefault({})
    .meta({ description });

export const emailSchema = z
  .strictObject({
    from: z
      .string()
      .min(3)
      .regex(/^[^\r\n]+$/, 'must be one line')
      .default('Gatehouse <no-reply@gatehouse.localhost>')
      .meta({ description: 'From address of every email.', env: 'GATEHOUSE_EMAIL_FROM' }),
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional()
      .meta({
        description:
          'SMTP server (nodemailer URL, e.g. smtp://user:pass@mail:587). Unset: mail goes to the outbox shown by the dev mailbox.',
        env: 'SMTP_URL',
      }),
    smtpRejectUnauthorized: z
      .boolean()
      .default(true)
      .meta({ description: 'Verify the SMTP server certificate (turn off only for a local test relay).' }),
    otpTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(600)
      .default(300)
      .meta({ description: 'Lifetime of an email one-time code (at most 10 minutes).' }),
    recoveryOtpTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(3600)
      .default(900)
      .meta({ description: 'Lifetime of a password-recovery code and link (at most 1 hour).' }),
    notifyUnknownRecipients: z.boolean().default(false).meta({
      description:
        'On a recovery request for an email address no account uses, tell that address (no code, no link). Off: nothing is sent.',
    }),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(5)
      .meta({ description: 'Wrong answers that end an email challenge and its transaction.' }),
    resendIntervalSeconds: z
      .number()
      .int()
      .min(0)
      .max(600)
      .default(30)
      .meta({ description: 'Minimum time between two emails of one challenge.' }),
    maxSendsPerTransaction: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .meta({ description: 'Emails one transaction may send.' }),
  })
  .prefault({});

export const rateLimitsSchema = z
  .strictObject({
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional()
      .meta({
        description: 'Keep rate-limit counters in Redis (shared by all instances); unset: in the database.',
        env: 'REDIS_URL',
      }),
    emailPerRecipient: limit(5, 900, 'Emails sent to one address.'),
    challengePerIp: limit(30, 600, 'Challenge and resend requests from one client IP.'),
    answerPerIp: limit(100, 600, 'Code answers from one client IP.'),
  })
  .prefault({});

export const devMailboxSchema = z
  .strictObject({
    enabled: z.boolean().optional().meta({
      description:
        'Serve the dev mailbox (/dev/mailbox and its JSON API). Defaults to true in development; refused in production.',
    }),
  })
  .prefault({});
