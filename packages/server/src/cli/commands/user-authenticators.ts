import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import type { Services } from '../../services.js';
import type { StoredEnrollment } from '../../storage/authenticator-enrollments-store.js';
import { type CommonOptions, print, withServices, withStoreOptions } from '../common-options.js';

interface AuthenticatorsOptions extends CommonOptions {
  login: string;
  key?: string;
}

/** An enrollment as printed (never its secret or public key). */
function enrollmentRecord(e: StoredEnrollment) {
  return {
    id: e.id,
    name: e.name,
    ...(e.credentialId === null ? {} : { credentialId: e.credentialId }),
    createdAt: new Date(e.createdAt).toISOString(),
    lastUsedAt: e.lastUsedAt === null ? null : new Date(e.lastUsedAt).toISOString(),
  };
}

/** What a user holds, per installed authenticator: set up or not, and the enrollments it keeps. */
async function holdings(services: Services, login: string) {
  const user = await services.users.getByLogin(login);
  const held = await services.storage.enrollments.listByUser(user.id);
  const authenticators = services.authenticators.list().map((a) => ({
    key: a.key,
    displayName: a.displayName,
    enrolled: a.isEnrolled(user, held),
    enrollments: held.filter((e) => e.authenticatorKey === a.key).map(enrollmentRecord),
  }));
  return { user, held, authenticators };
}

/**
 * `gatehouse users authenticators list|reset --login L`: what a user has set up (password, email,
 * authenticator apps, passkeys), and removing their enrollments (a lost phone, a lost key) with an
 * audit event each, so the next sign-in sets up again what the app's policy requires.
 */
export function userAuthenticatorsCommand(users: Command): void {
  const authenticators = users
    .command('authenticators')
    .description("list or reset a user's authenticators (authenticator apps, passkeys)");

  withStoreOptions(
    authenticators
      .command('list')
      .description('list what the user has set up, with each enrollment')
      .requiredOption('--login <login>', 'the user')
      .option('--json', 'print JSON'),
  ).action((options: AuthenticatorsOptions) =>
    withServices(options, async (services) => {
      const { user, authenticators: rows } = await holdings(services, options.login);
      const text = rows
        .map((a) => {
          const head = `${a.key.padEnd(12)}  ${a.enrolled ? 'enrolled' : '-'}`;
          const items = a.enrollments.map((e) => `\n  ${e.id}  ${e.name}  created ${e.createdAt}`);
          return head + items.join('');
        })
        .join('\n');
      print(options, { id: user.id, login: user.login, authenticators: rows }, `${user.login}\n${text}`);
    }),
  );

  withStoreOptions(
    authenticators
      .command('reset')
      .description("remove the user's enrollments of one authenticator (--key), or of all")
      .requiredOption('--login <login>', 'the user')
      .option('--key <key>', 'only this authenticator (e.g. google_otp, webauthn)')
      .option('--json', 'print JSON'),
  ).action((options: AuthenticatorsOptions) =>
    withServices(options, async (services) => {
      const key = options.key ?? null;
      if (key !== null && !services.authenticators.find(key))
        throw new ValidationError(
          'key',
          `'${key}' is not an installed authenticator (installed: ${services.authenticators.keys().join(', ')})`,
        );
      const user = await services.users.getByLogin(options.login);
      const removed = await services.storage.enrollments.removeByUser(
        user.id,
        key,
        {
          type: key === null ? 'user.mfa.factor.reset_all' : 'user.mfa.factor.deactivate',
          userId: user.id,
          data: { by: 'cli' },
        },
        services.clock.now(),
      );
      const what = key === null ? 'enrollments' : `${key} enrollments`;
      print(
        options,
        { id: user.id, login: user.login, key, removed },
        `Removed ${removed} ${what} of ${user.login}`,
      );
    }),
  );
}
