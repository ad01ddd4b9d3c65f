import type { Command } from 'commander';
import { isAutoLocked } from '../../identity/lockout.js';
import type { User } from '../../storage/users-store.js';
import { type CommonOptions, print, withServices, withStoreOptions } from '../common-options.js';
import { userAuthenticatorsCommand } from './user-authenticators.js';

interface CreateOptions extends CommonOptions {
  login: string;
  email: string;
  password?: string;
  firstName?: string;
  lastName?: string;
}

/**
 * A user as printed by `--json` (never a password hash). `status` is what the user meets now: an
 * account locked by wrong passwords reads `LOCKED_OUT` until the lock runs out (`lockedUntil`), as
 * one an administrator locked does.
 */
export function userRecord(user: User, now = Date.now()) {
  return {
    id: user.id,
    login: user.login,
    email: user.email,
    emailVerified: user.emailVerified,
    status: isAutoLocked(user, now) ? 'LOCKED_OUT' : user.status,
    profile: user.profile,
    lockedUntil: user.lockedUntil === null ? null : new Date(user.lockedUntil).toISOString(),
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

export function usersCommand(program: Command): void {
  const users = program.command('users').description('manage users');

  withStoreOptions(
    users
      .command('create')
      .description('create a user')
      .requiredOption('--login <login>', 'sign-in name (often the email address)')
      .requiredOption('--email <email>', 'email address')
      .option('--password <password>', 'initial password (checked against the password policy)')
      .option('--first-name <name>', 'first name')
      .option('--last-name <name>', 'last name')
      .option('--json', 'print the created record as JSON'),
  ).action((options: CreateOptions) =>
    withServices(options, async (services) => {
      const user = await services.users.createUser(options);
      print(
        options,
        userRecord(user),
        `Created user ${user.login} (${user.id})${options.password ? '' : ' without a password'}`,
      );
    }),
  );

  withStoreOptions(users.command('list').description('list users').option('--json', 'print JSON')).action(
    (options: CommonOptions) =>
      withServices(options, async (services) => {
        const now = services.clock.now();
        const records = (await services.storage.users.list(10_000)).map((u) => userRecord(u, now));
        print(
          options,
          records,
          records.length
            ? records.map((u) => `${u.id}  ${u.status.padEnd(10)}  ${u.login}  <${u.email}>`).join('\n')
            : 'No users.',
        );
      }),
  );

  withStoreOptions(
    users
      .command('set-password')
      .description("set a user's password")
      .requiredOption('--login <login>', 'the user')
      .requiredOption('--password <password>', 'the new password')
      .option('--json', 'print JSON'),
  ).action((options: CommonOptions & { login: string; password: string }) =>
    withServices(options, async (services) => {
      const user = await services.users.getByLogin(options.login);
      await services.users.setPassword(user, options.password);
      print(options, userRecord(user), `Password of ${user.login} changed`);
    }),
  );

  for (const [name, status, verb] of [
    ['lock', 'LOCKED_OUT', 'Locked'],
    ['unlock', 'ACTIVE', 'Unlocked'],
  ] as const) {
    withStoreOptions(
      users
        .command(name)
        .description(
          name === 'lock' ? 'lock a user until unlocked' : 'unlock a user and reset failed attempts',
        )
        .requiredOption('--login <login>', 'the user')
        .option('--json', 'print JSON'),
    ).action((options: CommonOptions & { login: string }) =>
      withServices(options, async (services) => {
        const user = await services.users.getByLogin(options.login);
        await services.users.setStatus(user, status);
        const after = (await services.storage.users.findById(user.id))!;
        print(options, userRecord(after), `${verb} ${user.login}`);
      }),
    );
  }

  userAuthenticatorsCommand(users);
}
