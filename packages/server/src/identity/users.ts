import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { CredentialsStore } from '../storage/credentials-store.js';
import type { TransactionsStore } from '../storage/transactions-store.js';
import type { User, UserStatus, UsersStore } from '../storage/users-store.js';
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

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const NAME_MAX = 100;

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
    const email = input.email?.trim();
    if (!email || email.length > 254 || !EMAIL.test(email))
      throw new ValidationError('email', 'email must be an email address');
    for (const field of ['firstName', 'lastName'] as const) {
      const value = input[field];
      if (value !== undefined && (value.length > NAME_MAX || /\p{Cc}/u.test(value)))
        throw new ValidationError(
          field,
          `${field} must be at most ${NAME_MAX} characters without control characters`,
        );
    }
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
