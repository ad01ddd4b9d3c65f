import { z } from 'zod';

/** The email settings and the dev mailbox. */

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
          'SMTP server (nodemailer URL, e.g. smtp://user:pass@mail:587). Every email is written to the transactional outbox with the request that sends it and delivered to this relay in the background. Unset: emails stay in the outbox, shown by the dev mailbox.',
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
    maxAttempts: z.number().int().min(1).max(10).default(5).meta({
      description: 'Wrong answers that end an email challenge and its transaction.',
      env: 'GATEHOUSE_EMAIL_MAX_ATTEMPTS',
    }),
    resendIntervalSeconds: z.number().int().min(0).max(600).default(30).meta({
      description: 'Minimum time between two emails of one challenge.',
      env: 'GATEHOUSE_EMAIL_RESEND_INTERVAL_SECONDS',
    }),
    maxSendsPerTransaction: z.number().int().min(1).max(20).default(5).meta({
      description: 'Emails one transaction may send.',
      env: 'GATEHOUSE_EMAIL_MAX_SENDS_PER_TRANSACTION',
    }),
    deliveryAttempts: z.number().int().min(1).max(50).default(8).meta({
      description:
        'Attempts to hand an email to the SMTP relay before it is given up (dead; `gatehouse outbox retry` requeues it).',
    }),
    deliveryRetrySeconds: z.number().int().min(1).max(3600).default(10).meta({
      description:
        'Wait before the second delivery attempt; each later attempt waits twice as long (with jitter), at most an hour.',
    }),
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
