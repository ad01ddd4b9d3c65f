import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import { isAutoLocked } from '../../identity/lockout.js';
import type { DeletedUser, User, UserStatus } from '../../storage/users-store.js';
import { type CommonOptions, print, targetOf, withServices, withStoreOptions } from '../common-options.js';
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

interface UpdateOptions extends CommonOptions {
  login?: string;
  email?: string;
  emailVerified?: boolean;
  firstName?: string;
  lastName?: string;
  attribute?: string[];
  status?: string;
}

/** The statuses an administrator may set (`STAGED` belongs to sign-up, `DEPROVISIONED` to deletion). */
const SETTABLE_STATUSES = ['ACTIVE', 'SUSPENDED', 'LOCKED_OUT'] as const;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `name=value` pairs; an empty value removes the attribute. */
function parseAttributes(pairs: string[] | undefined): Record<string, string | null> | undefined {
  if (!pairs) return undefined;
  const attributes: Record<string, string | null> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new ValidationError('attribute', `--attribute ${pair}: expected name=value`);
    attributes[pair.slice(0, at)] = pair.slice(at + 1) || null;
  }
  return attributes;
}

function describeUser(user: User, now: number): string {
  const record = userRecord(user, now);
  const { login: _login, email: _email, ...profile } = user.profile;
  const attributes = Object.entries(profile).filter(([, value]) => value !== undefined);
  return [
    `${record.login} (${record.id})`,
    `  email:     ${record.email}${record.emailVerified ? ' (verified)' : ' (not verified)'}`,
    `  status:    ${record.status}${record.lockedUntil ? ` until ${record.lockedUntil}` : ''}`,
    ...attributes.map(([name, value]) => `  ${`${name}:`.padEnd(10)} ${value}`),
    `  created:   ${record.createdAt}`,
  ].join('\n');
}

/** What deleting a user removed, as one line of counts (only kinds there were). */
function describeRemovedUserRecords(removed: DeletedUser): string {
  const parts = Object.entries(removed)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`);
  return parts.length ? `  removed: ${parts.join(', ')}` : '  nothing else was theirs';
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

  withStoreOptions(
    users
      .command('show')
      .description("a user's address, status and profile")
      .argument('[login]', 'the user')
      .option('--login <login>', 'the user (instead of the argument)')
      .option('--json', 'print JSON'),
  ).action((argument: string | undefined, options: CommonOptions & { login?: string }) =>
    withServices(options, async (services) => {
      const user = await services.users.getByLogin(targetOf(argument, options.login, '--login'));
      const now = services.clock.now();
      print(options, userRecord(user, now), describeUser(user, now));
    }),
  );

  withStoreOptions(
    users
      .command('update')
      .description("change a user's address, profile or status (what is not given stays as it is)")
      .argument('[login]', 'the user')
      .option('--login <login>', 'the user (instead of the argument)')
      .option('--email <email>', 'a new email address (taken as verified unless --no-email-verified)')
      .option('--email-verified', 'mark the address verified')
      .option('--no-email-verified', 'mark the address not verified')
      .option('--first-name <name>', "first name ('' removes it)")
      .option('--last-name <name>', "last name ('' removes it)")
      .option(
        '--attribute <name=value>',
        "another profile attribute (repeatable; 'name=' removes it)",
        collect,
      )
      .option('--status <status>', `${SETTABLE_STATUSES.join(', ')} (LOCKED_OUT as users lock)`)
      .option('--json', 'print the updated record as JSON'),
  ).action((argument: string | undefined, options: UpdateOptions) =>
    withServices(options, async (services) => {
      const status = options.status?.toUpperCase();
      if (status !== undefined && !(SETTABLE_STATUSES as readonly string[]).includes(status))
        throw new ValidationError('status', `--status must be one of ${SETTABLE_STATUSES.join(', ')}`);
      const attributes = parseAttributes(options.attribute);
      const found = await services.users.getByLogin(targetOf(argument, options.login, '--login'));
      let user = await services.users.updateUser(found, {
        email: options.email,
        emailVerified: options.emailVerified,
        firstName: options.firstName,
        lastName: options.lastName,
        attributes,
      });
      if (status !== undefined) {
        await services.users.setStatus(user, status as UserStatus);
        user = (await services.storage.users.findById(user.id))!;
      }
      const now = services.clock.now();
      print(options, userRecord(user, now), `Updated user\n${describeUser(user, now)}`);
    }),
  );

  withStoreOptions(
    users
      .command('delete')
      .description(
        'delete a user with their password, authenticators, sessions, grants and tokens, and sign-ins in progress',
      )
      .argument('[login]', 'the user')
      .option('--login <login>', 'the user (instead of the argument)')
      .option('--json', 'print JSON'),
  ).action((argument: string | undefined, options: CommonOptions & { login?: string }) =>
    withServices(options, async (services) => {
      const user = await services.users.getByLogin(targetOf(argument, options.login, '--login'));
      const removed = await services.users.deleteUser(user);
      print(
        options,
        { id: user.id, login: user.login, deleted: true, removed },
        `Deleted user ${user.login} (${user.id})\n${describeRemovedUserRecords(removed)}`,
      );
    }),
  );

  userAuthenticatorsCommand(users);
}
