import { z } from 'zod';

/**
 * The rate limits: fixed-window counters kept in the database, or in Redis when `redisUrl` is set.
 * Each limit is one setting (a count per window) with its own environment variable, read as `N`
 * (the count) or `N/SECONDS` (count and window).
 */

const limit = (limitDefault: number, windowDefault: number, description: string, env: string) =>
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
    .meta({ description, env });

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
    emailPerRecipient: limit(
      5,
      900,
      'Emails sent to one address.',
      'GATEHOUSE_RATE_LIMIT_EMAIL_PER_RECIPIENT',
    ),
    challengePerIp: limit(
      30,
      600,
      'Challenge and resend requests from one client IP.',
      'GATEHOUSE_RATE_LIMIT_CHALLENGE_PER_IP',
    ),
    answerPerIp: limit(100, 600, 'Code answers from one client IP.', 'GATEHOUSE_RATE_LIMIT_ANSWER_PER_IP'),
    failedSignInPerIp: limit(
      50,
      900,
      'Failed password sign-ins from one client IP, across accounts (password spraying); once reached, further attempts from that IP get 429 until the window ends. Raise it for many users behind one address.',
      'GATEHOUSE_RATE_LIMIT_FAILED_SIGN_IN_PER_IP',
    ),
    failedSignInPerAccount: limit(
      20,
      3600,
      'Failed password sign-ins for one identifier, across IPs (counted the same for identifiers no account uses); once reached, further attempts get 429 until the window ends. The account lockout (`lockout`) acts first.',
      'GATEHOUSE_RATE_LIMIT_FAILED_SIGN_IN_PER_ACCOUNT',
    ),
    failedOtpPerUser: limit(
      10,
      900,
      'Wrong authenticator-app (TOTP) codes for one account, across transactions and IPs (counted the same for identifiers no account uses); once reached, further codes for that account get 429 until the window ends.',
      'GATEHOUSE_RATE_LIMIT_FAILED_OTP_PER_USER',
    ),
    registrationPerIp: limit(
      20,
      3600,
      'Sign-up profile submissions from one client IP.',
      'GATEHOUSE_RATE_LIMIT_REGISTRATION_PER_IP',
    ),
    registrationPerEmail: limit(
      5,
      3600,
      'Sign-up profile submissions for one email address (new or existing), across IPs.',
      'GATEHOUSE_RATE_LIMIT_REGISTRATION_PER_EMAIL',
    ),
    hostedSignInsPerIp: limit(
      300,
      600,
      'Hosted sign-ins started from one client IP (an /authorize that opens a sign-in, not one the SSO session answers); once reached, /authorize shows a 429 page with Retry-After until the window ends.',
      'GATEHOUSE_RATE_LIMIT_HOSTED_SIGN_INS_PER_IP',
    ),
    clientAuthFailuresPerClient: limit(
      10,
      300,
      'Failed client authentications (wrong or missing secret) for one client id; once reached, that client is refused with 429, even with the right secret, until the window ends.',
      'GATEHOUSE_RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_CLIENT',
    ),
  })
  .prefault({});
