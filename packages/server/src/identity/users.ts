import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { CredentialsStore } from '../storage/credentials-store.js';
import type { TransactionsStore } from '../storage/transactions-store.js';
import type {
  DeletedUser,
  User,
  UserChanges,
  UserProfile,
  UserStatus,
  UsersStore,
} from '../storage/users-store.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword, type PasswordPolicy } from './password-policy.js';

export interface NewUserInput {
  login: string;
  email: string;
  password?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  emailVerified?: boolean | undefined;
}

/** An administrator's change to a user; what is not given stays. `null` (or '') removes a profile attribute. */
export interface UserUpdateInput {
  email?: string | undefined;
  emailVerified?: boolean | undefined;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  /** Other profile attributes (those a sign-up form asks for). */
  attributes?: Record<string, string | null> | undefined;
}

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const NAME_MAX = 100;
/** Profile keys the operator cannot set as attributes: they have their own options or are the identity. */
const RESERVED_ATTRIBUTES = new Set(['login', 'email', 'firstName', 'lastName']);
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,49}$/;

function assertEmail(input: string | undefined): string {
  const email = input?.trim();
  if (!email || email.length > 254 || !EMAIL.test(email))
    throw new ValidationError('email', 'email must be an email address');
  return email;
}

/** A profile value: at most 100 characters, no control characters. */
function assertProfileValue(field: string, value: string | undefined): void {
  if (value !== undefined && (value.length > NAME_MAX || /\p{Cc}/u.test(value)))
    throw new ValidationError(
      field,
      `${field} must be at most ${NAME_MAX} characters without control characters`,
    );
}

/** The key a login is found by: NFKC, trimmed, lower case. */
export function loginKey(login: string): string {
  return login.normalize('NFKC').trim().toLowerCase();
}

/** Users, their profiles and passwords: validation and hashing on top of the store. */
export class UserService {
  constructor(
    private readonly store: UsersStore,
    private readonly credentials: CredentialsStore,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly clock: Clock,
    private readonly transactions: TransactionsStore,
  ) {}

  async createUser(input: NewUserInput): Promise<User> {
    const login = input.login?.normalize('NFKC').trim();
    if (!login || login.length > 100 || /[\s\p{C}]/u.test(login))
      throw new ValidationError(
        'login',
        'login must be 1–100 characters without spaces or control characters',
      );
    const email = assertEmail(input.email);
    for (const field of ['firstName', 'lastName'] as const) assertProfileValue(field, input[field]);
    if (await this.store.findByLoginKey(loginKey(login)))
      throw new ConflictError(`A user with login ${login} already exists`);
    let passwordHash: string | null = null;
    if (input.password !== undefined) {
      this.assertAcceptablePassword(input.password, {
        login,
        email,
        firstName: input.firstName,
        lastName: input.lastName,
      });
      passwordHash = await this.hasher.hash(input.password);
    }
    try {
      return await this.store.createUser(
        {
          id: `00u${randomUUID().replaceAll('-', '').slice(0, 17)}`,
          login,
          loginKey: loginKey(login),
          email,
          emailVerified: input.emailVerified ?? true,
          profile: { login, email, firstName: input.firstName, lastName: input.lastName },
          createdAt: this.clock.now(),
        },
        passwordHash,
      );
    } catch (err) {
      // A concurrent create of the same login loses on the unique index.
      if (await this.store.findByLoginKey(loginKey(login)))
        throw new ConflictError(`A user with login ${login} already exists`);
      throw err;
    }
  }

  async findByLogin(login: string): Promise<User | null> {
    return this.store.findByLoginKey(loginKey(login));
  }

  async getByLogin(login: string): Promise<User> {
    const user = await this.findByLogin(login);
    if (!user) throw new NotFoundError(`No user with login ${login}`);
    return user;
  }

  async setPassword(user: User, password: string): Promise<void> {
    this.assertAcceptablePassword(password, {
      login: user.login,
      email: user.email,
      firstName: user.profile.firstName,
      lastName: user.profile.lastName,
    });
    const now = this.clock.now();
    await this.credentials.setPasswordHash(user.id, await this.hasher.hash(password), now);
    // A password set by any path ends recoveries in progress: their codes stop working (docs/security.md H2).
    await this.transactions.cancelOpenForUser(user.id, null, now, 'recovery');
  }

  /** Changes a user's address or profile, with an audit event; returns the user as stored now. */
  async updateUser(user: User, input: UserUpdateInput): Promise<User> {
    const profile: UserProfile = { ...user.profile };
    const set = (field: string, value: string | null | undefined) => {
      if (value === undefined) return;
      assertProfileValue(field, value ?? undefined);
      if (value === null || value === '') delete profile[field];
      else profile[field] = value;
    };
    set('firstName', input.firstName);
    set('lastName', input.lastName);
    for (const [name, value] of Object.entries(input.attributes ?? {})) {
      if (!ATTRIBUTE_NAME.test(name) || RESERVED_ATTRIBUTES.has(name))
        throw new ValidationError(
          'attributes',
          `'${name}' is not a profile attribute that can be set this way (letters, digits, _; not ${[...RESERVED_ATTRIBUTES].join(', ')})`,
        );
      set(name, value);
    }
    const changes: UserChanges = { profile };
    if (input.email !== undefined) {
      profile.email = changes.email = assertEmail(input.email);
      // An address the operator gives is taken as verified, as at creation, unless told otherwise.
      changes.emailVerified = input.emailVerified ?? true;
    } else if (input.emailVerified !== undefined) changes.emailVerified = input.emailVerified;
    const changed = [
      ...(changes.email !== undefined && changes.email !== user.email ? ['email'] : []),
      ...(changes.emailVerified !== undefined && changes.emailVerified !== user.emailVerified
        ? ['emailVerified']
        : []),
      ...Object.keys({ ...user.profile, ...profile }).filter(
        (key) => key !== 'email' && user.profile[key] !== profile[key],
      ),
    ];
    const event = { type: 'user.account.update_profile', data: { by: 'cli', changed } };
    if (!(await this.store.updateUser(user.id, changes, this.clock.now(), event)))
      throw new NotFoundError(`No user with login ${user.login}`);
    return (await this.store.findById(user.id))!;
  }

  /**
   * Deletes a user and everything that is theirs (credentials, enrollments, sessions, grants and
   * tokens, transactions), with an audit event, in one transaction.
   */
  async deleteUser(user: User): Promise<DeletedUser> {
    const event = { type: 'user.lifecycle.delete.completed', data: { by: 'cli', login: user.login } };
    const deleted = await this.store.deleteUser(user.id, this.clock.now(), event);
    if (!deleted) throw new NotFoundError(`No user with login ${user.login}`);
    return deleted;
  }

  async setStatus(user: User, status: UserStatus): Promise<void> {
    await this.store.setStatus(user.id, status, this.clock.now());
  }

  private assertAcceptablePassword(password: string, context: Parameters<typeof checkPassword>[1]) {
    const violations = checkPassword(password, context, this.policy);
    if (violations.length) {
      throw new ValidationError(
        'password',
        `password does not meet the policy: ${violations.map((v) => v.message).join('; ')}`,
      );
    }
  }
}
