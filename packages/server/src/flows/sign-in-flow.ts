import { createHash, randomUUID } from 'node:crypto';
import type { Authenticator, AuthenticatorContext } from '../authenticators/authenticator.js';
import type { AuthenticatorRegistry } from '../authenticators/registry.js';
import type { Clock } from '../clock.js';
import { IdxError } from '../errors.js';
import type { PasswordPolicy } from '../identity/password-policy.js';
import type { PasswordResetService } from '../identity/password-reset.js';
import { loginKey } from '../identity/users.js';
import type { ServerId } from '../protocol/oauth/authorization-servers.js';
import { hashSecret, randomToken } from '../secrets.js';
import type { App } from '../storage/apps-store.js';
import type { Storage } from '../storage/storage.js';
import type { Transaction, TransactionPatch } from '../storage/transactions-store.js';
import type { User } from '../storage/users-store.js';
import type { AuthenticatorChoice, FlowMessage, FlowView, StepView } from './flow-view.js';
import {
  firstStateHandle,
  hashHandle,
  newInteractionHandle,
  nextStateHandle,
  stateHandleAt,
} from './handles.js';
import { asksPasswordOnIdentify, canRecoverPassword, requiredFactors } from './policy.js';

export interface FlowSettings {
  transactionTtlSeconds: number;
  interactionCodeTtlSeconds: number;
  passwordPolicy: PasswordPolicy;
}

export interface RequestMeta {
  ip: string | null;
  userAgent?: string | null | undefined;
  /** Preferred locale (from Accept-Language), used for emails. */
  locale?: string | undefined;
}

export interface StartRequest {
  app: App;
  serverId: ServerId;
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string | null;
  codeChallenge: string;
}

type Step = 'identify' | 'select' | 'challenge' | 'reset' | 'complete';

/** Where every transaction starts, and where cancel puts it back. */
const FRESH_SIGN_IN = {
  flow: 'sign-in',
  step: 'identify',
  userId: null,
  identifier: null,
  authenticatorId: null,
} as const;

/**
 * The sign-in flow: a transaction moves identify → (select → challenge)* → complete, as the app's
 * policy requires. It owns the transaction's state; authenticators own the credentials. Every
 * operation returns the view to show next; failures that end the conversation throw `IdxError`.
 */
export class SignInFlow {
  constructor(
    private readonly storage: Storage,
    private readonly authenticators: AuthenticatorRegistry,
    private readonly settings: FlowSettings,
    private readonly clock: Clock,
    private readonly passwordReset: PasswordResetService,
  ) {}

  /** Creates a transaction for `/v1/interact`; returns the interaction handle (never stored in clear). */
  async start(req: StartRequest): Promise<string> {
    const interactionHandle = newInteractionHandle();
    const now = this.clock.now();
    await this.storage.transactions.create({
      id: randomUUID(),
      interactionHandleHash: hashHandle(interactionHandle),
      stateHandleHash: hashHandle(firstStateHandle(interactionHandle)),
      stateGeneration: 0,
      serverId: req.serverId,
      appId: req.app.id,
      redirectUri: req.redirectUri,
      scopes: req.scopes,
      state: req.state,
      nonce: req.nonce,
      codeChallenge: req.codeChallenge,
      ...FRESH_SIGN_IN,
      verified: [],
      status: 'active',
      version: 0,
      createdAt: now,
      expiresAt: now + this.settings.transactionTtlSeconds * 1000,
      completedAt: null,
    });
    return interactionHandle;
  }

  /** The current state, by interaction handle (page load, new tab) or state handle. */
  async introspect(handle: {
    interactionHandle?: string | undefined;
    stateHandle?: string | undefined;
  }): Promise<FlowView> {
    let tx: Transaction | null = null;
    let stateHandle: string;
    if (handle.interactionHandle) {
      tx = await this.storage.transactions.findByInteractionHandleHash(hashHandle(handle.interactionHandle));
      stateHandle = tx ? stateHandleAt(handle.interactionHandle, tx.stateGeneration) : '';
    } else {
      stateHandle = handle.stateHandle ?? '';
      tx = stateHandle
        ? await this.storage.transactions.findByStateHandleHash(hashHandle(stateHandle))
        : null;
    }
    const live = this.assertLive(tx, { allowCompleted: true });
    if (live.status === 'completed') {
      // Another tab holds the interaction code; once it is redeemed or expired the session is over.
      const code = await this.storage.interactionCodes.findByTransaction(live.id);
      if (!code || code.usedAt !== null || code.expiresAt <= this.clock.now())
        throw new IdxError('sessionExpired');
    }
    return this.viewOf(live, stateHandle);
  }

  async identify(
    stateHandle: string,
    identifier: string,
    passcode: string | undefined,
    meta: RequestMeta,
  ): Promise<FlowView> {
    const tx = await this.load(stateHandle);
    this.assertStep(tx, 'identify');
    const app = await this.getApp(tx);
    const user = await this.storage.users.findByLoginKey(loginKey(identifier));
    const withPassword = tx.flow === 'sign-in' && asksPasswordOnIdentify(app.policy);
    if (withPassword && !passcode) throw new IdxError('invalidRequest', { params: ['credentials.passcode'] });

    const identified: Transaction = { ...tx, userId: user?.id ?? null, identifier };
    if (withPassword) {
      const password = this.authenticatorOfType('password');
      const outcome = await password.verify(this.context(identified, app, user, meta), passcode!);
      if (!outcome.ok) {
        return {
          ...(await this.viewOf(tx, stateHandle)),
          messages: [{ id: 'authenticationFailed' }],
          status: 401,
        };
      }
      return this.advance(
        tx,
        stateHandle,
        app,
        user,
        { userId: user!.id, identifier, verified: ['password'] },
        meta,
      );
    }
    return this.advance(
      tx,
      stateHandle,
      app,
      user,
      { userId: user?.id ?? null, identifier, verified: [] },
      meta,
    );
  }

  async challenge(stateHandle: string, authenticatorId: string, meta: RequestMeta): Promise<FlowView> {
    const tx = await this.load(stateHandle);
    this.assertStep(tx, 'select');
    const app = await this.getApp(tx);
    const authenticator = this.remaining(tx, app).find((a) => a.id === authenticatorId);
    if (!authenticator) throw new IdxError('authenticatorNotAvailable');
    const user = await this.findUser(tx);
    try {
      await authenticator.challenge(this.context(tx, app, user, meta));
    } catch (err) {
      const throttled = await this.throttledView(err, tx, stateHandle, app, user);
      if (throttled) return throttled;
      // The challenge exists but its email was not delivered: show it with the error, so `resend` works.
      if (!(err instanceof IdxError) || err.id !== 'emailNotSent') throw err;
      const pending = await this.update(tx, { step: 'challenge', authenticatorId: authenticator.id });
      const view = await this.viewOf(pending, stateHandle, { app, user });
      return { ...view, messages: [{ id: err.id }], status: err.status };
    }
    const updated = await this.update(tx, { step: 'challenge', authenticatorId: authenticator.id });
    if (tx.flow === 'recovery' && user) {
      // One recovery at a time: a newer code makes the older recoveries' codes useless (security.md H2).
      await this.storage.transactions.cancelOpenForUser(user.id, tx.id, this.clock.now(), 'recovery');
    }
    return this.viewOf(updated, stateHandle, { app, user });
  }

  async answer(stateHandle: string, passcode: string, meta: RequestMeta): Promise<FlowView> {
    const tx = await this.load(stateHandle);
    if (tx.step === 'reset') return this.resetPassword(tx, stateHandle, passcode, meta);
    this.assertStep(tx, 'challenge');
    const app = await this.getApp(tx);
    const user = await this.findUser(tx);
    const authenticator = tx.authenticatorId ? this.authenticators.findById(tx.authenticatorId) : null;
    if (!authenticator) throw new IdxError('stepNotAllowed');
    let outcome: Awaited<ReturnType<typeof authenticator.verify>>;
    try {
      outcome = await authenticator.verify(this.context(tx, app, user, meta), passcode);
    } catch (err) {
      const throttled = await this.throttledView(err, tx, stateHandle, app, user);
      if (throttled) return throttled;
      throw err;
    }
    if (!outcome.ok) {
      if (outcome.fatal) {
        // The challenge is over (too many wrong answers): so is the transaction (security.md E4).
        const failed = await this.update(tx, { status: 'failed', completedAt: this.clock.now() });
        return {
          ...this.view(failed, stateHandle, app, user, { name: 'terminal' }),
          messages: [{ id: outcome.error.id }],
          status: outcome.error.status,
        };
      }
      const view = await this.viewOf(tx, stateHandle, { app, user });
      return {
        ...view,
        messages: [{ id: outcome.error.id, field: outcome.field }],
        status: outcome.error.status,
      };
    }
    return this.advance(tx, stateHandle, app, user, { verified: [...tx.verified, authenticator.type] }, meta);
  }

  /**
   * "Forgot password?": turns the transaction into a password recovery. From the identify step the
   * user is asked who they are; from the password challenge they go straight to choosing how to
   * prove it. Never offered inside a recovery.
   */
  async recover(stateHandle: string): Promise<FlowView> {
    const tx = await this.load(stateHandle);
    const app = await this.getApp(tx);
    if (tx.flow === 'recovery') throw new IdxError('stepNotAllowed');
    if (!canRecoverPassword(app.policy)) throw new IdxError('resetNotAllowed');
    const atPasswordChallenge =
      tx.step === 'challenge' && this.authenticators.findById(tx.authenticatorId ?? '')?.type === 'password';
    if (tx.step !== 'identify' && !atPasswordChallenge) throw new IdxError('stepNotAllowed');
    const updated = await this.update(tx, {
      flow: 'recovery',
      step: atPasswordChallenge ? 'select' : 'identify',
      authenticatorId: null,
      verified: [],
    });
    return this.viewOf(updated, stateHandle, { app, user: await this.findUser(updated) });
  }

  /** The last step of a recovery: a new password (policy and history checked), then success. */
  private async resetPassword(
    tx: Transaction,
    stateHandle: string,
    password: string,
    meta: RequestMeta,
  ): Promise<FlowView> {
    const app = await this.getApp(tx);
    const user = await this.findUser(tx);
    // An account suspended or locked by an administrator since the code was sent keeps its password.
    if (!user || user.status !== 'ACTIVE' || !tx.verified.includes('email'))
      throw new IdxError('stepNotAllowed');
    // Claim the step first (its proof is withdrawn until the password is set): of two concurrent
    // submissions only one may change the password, the other finds no proof.
    const claimed = await this.update(tx, { verified: tx.verified.filter((type) => type !== 'email') });
    const violations = await this.passwordReset.reset(user, password, {
      transactionId: tx.id,
      appId: app.id,
      ip: meta.ip,
    });
    if (violations.length) {
      const view = await this.viewOf(await this.update(claimed, { verified: tx.verified }), stateHandle, {
        app,
        user,
      });
      const reasons = violations.map((v) => v.message).join('; ');
      return {
        ...view,
        messages: [{ id: 'passwordRequirementsNotMet', params: [reasons], field: 'credentials.passcode' }],
        status: 400,
      };
    }
    return this.advance(claimed, stateHandle, app, user, { verified: [...tx.verified, 'password'] }, meta);
  }

  /** Sends the current challenge again (email), within the authenticator's throttle. */
  async resend(stateHandle: string, meta: RequestMeta): Promise<FlowView> {
    const tx = await this.load(stateHandle);
    this.assertStep(tx, 'challenge');
    const app = await this.getApp(tx);
    const user = await this.findUser(tx);
    const authenticator = tx.authenticatorId ? this.authenticators.findById(tx.authenticatorId) : null;
    if (!authenticator?.resend) throw new IdxError('stepNotAllowed');
    try {
      await authenticator.resend(this.context(tx, app, user, meta));
    } catch (err) {
      const throttled = await this.throttledView(err, tx, stateHandle, app, user);
      if (throttled) return throttled;
      throw err;
    }
    return this.viewOf(tx, stateHandle, { app, user });
  }

  /**
   * A rate limit hit inside a step answers 429 with the current form (and Retry-After), so
   * clients stay on the step: auth-js reports PENDING with the message, the widget keeps the form.
   */
  private async throttledView(
    err: unknown,
    tx: Transaction,
    stateHandle: string,
    app: App,
    user: User | null,
  ): Promise<FlowView | null> {
    if (!(err instanceof IdxError) || err.id !== 'tooManyRequests') return null;
    const view = await this.viewOf(tx, stateHandle, { app, user });
    return {
      ...view,
      messages: [{ id: err.id }],
      status: err.status,
      retryAfterSeconds: err.options.retryAfterSeconds,
    };
  }

  /** The current state for a polling tab: the challenge while pending, "continued in another tab" after. */
  async poll(stateHandle: string): Promise<FlowView> {
    const tx = await this.storage.transactions.findByStateHandleHash(hashHandle(stateHandle));
    // Unlike introspect, not only while the code is unredeemed: the tab the flow left polls
    // (delayed while hidden) long after the new tab exchanged the code, and must still be told.
    return this.viewOf(this.assertLive(tx, { allowCompleted: true }), stateHandle);
  }

  /** Restarts the transaction at identify under a new state handle; the old one stops working. */
  async cancel(stateHandle: string): Promise<FlowView> {
    const tx = await this.load(stateHandle);
    const next = nextStateHandle(stateHandle);
    const updated = await this.update(tx, {
      stateHandleHash: hashHandle(next),
      stateGeneration: tx.stateGeneration + 1,
      ...FRESH_SIGN_IN,
      verified: [],
    });
    await this.storage.events.record(
      { type: 'transaction.canceled', appId: tx.appId, data: { transaction: tx.id } },
      this.clock.now(),
    );
    return this.viewOf(updated, next);
  }

  /** Moves on after a proof: to the next factor the policy requires, or to success. */
  private async advance(
    tx: Transaction,
    stateHandle: string,
    app: App,
    user: User | null,
    patch: TransactionPatch & { verified: string[] },
    meta: RequestMeta,
  ): Promise<FlowView> {
    const pending = requiredFactors(app.policy, tx.flow).filter((type) => !patch.verified.includes(type));
    if (pending.length > 0) {
      const updated = await this.update(tx, { ...patch, step: 'select', authenticatorId: null });
      return this.viewOf(updated, stateHandle, { app, user });
    }
    if (tx.flow === 'recovery' && !patch.verified.includes('password')) {
      if (!user) throw new IdxError('stepNotAllowed');
      const updated = await this.update(tx, { ...patch, step: 'reset', authenticatorId: null });
      return this.viewOf(updated, stateHandle, { app, user });
    }
    if (!user) throw new IdxError('stepNotAllowed');
    const now = this.clock.now();
    const code = randomToken(32);
    const completed = await this.storage.transactions.complete(
      tx,
      { ...patch, step: 'complete', status: 'completed', completedAt: now },
      {
        codeHash: hashSecret(code),
        transactionId: tx.id,
        serverId: tx.serverId,
        appId: tx.appId,
        redirectUri: tx.redirectUri,
        codeChallenge: tx.codeChallenge,
        userId: user.id,
        scopes: tx.scopes,
        nonce: tx.nonce,
        authTime: now,
        amr: patch.verified.map((type) => this.authenticatorOfType(type).amr),
        expiresAt: now + this.settings.interactionCodeTtlSeconds * 1000,
        usedAt: null,
      },
      {
        type: 'user.authentication.sso',
        userId: user.id,
        appId: app.id,
        ip: meta.ip,
        data: { factors: patch.verified },
      },
    );
    if (!completed) throw new IdxError('stepNotAllowed');
    return this.view(completed, stateHandle, app, user, { name: 'success', interactionCode: code });
  }

  private async viewOf(
    tx: Transaction,
    stateHandle: string,
    known?: { app: App; user: User | null },
  ): Promise<FlowView> {
    const app = known?.app ?? (await this.getApp(tx));
    const user = known ? known.user : await this.findUser(tx);
    const step = tx.step as Step;
    const signIn = tx.flow === 'sign-in';
    switch (step) {
      case 'identify':
        return this.view(tx, stateHandle, app, user, {
          name: 'identify',
          withPassword: signIn && asksPasswordOnIdentify(app.policy),
          recoverable: signIn && canRecoverPassword(app.policy),
        });
      case 'select':
        return this.view(tx, stateHandle, app, user, {
          name: 'select-authenticator',
          options: this.choices(tx, app, user),
        });
      case 'challenge': {
        const authenticator = this.authenticators.findById(tx.authenticatorId ?? '');
        if (!authenticator) throw new IdxError('sessionExpired');
        const current = this.choice(authenticator, tx, user);
        const others = this.choices(tx, app, user).filter((c) => c.id !== authenticator.id);
        const recoverable = signIn && authenticator.type === 'password' && canRecoverPassword(app.policy);
        return this.view(tx, stateHandle, app, user, {
          name: 'challenge',
          authenticator: current,
          others,
          recoverable,
        });
      }
      case 'reset': {
        const { passwordPolicy: p } = this.settings;
        return this.view(tx, stateHandle, app, user, {
          name: 'reset-password',
          complexity: {
            minLength: p.minLength,
            minLowerCase: p.minLowerCase,
            minUpperCase: p.minUpperCase,
            minNumber: p.minNumber,
            minSymbol: p.minSymbol,
            excludeUsername: p.excludeUsername,
            excludeAttributes: [...p.excludeAttributes],
            historyCount: p.historyCount,
          },
        });
      }
      case 'complete':
        // Another tab or client received the interaction code: this one is told so.
        return {
          ...this.view(tx, stateHandle, app, user, { name: 'terminal' }),
          messages: [{ id: 'transferredToNewTab' }],
        };
    }
  }

  private view(tx: Transaction, stateHandle: string, app: App, user: User | null, step: StepView): FlowView {
    return {
      transaction: tx,
      stateHandle,
      app,
      user: this.shownUser(tx, user),
      step,
      messages: [] as FlowMessage[],
      status: 200,
    };
  }

  /** Unknown identifiers are shown with a derived id of the same shape as a real user id. */
  private shownUser(tx: Transaction, user: User | null): FlowView['user'] {
    if (!tx.identifier) return null;
    if (user) return { id: user.id, identifier: tx.identifier };
    const digest = createHash('sha256')
      .update(`unknown-user:${loginKey(tx.identifier)}`)
      .digest('hex');
    return { id: `00u${digest.slice(0, 17)}`, identifier: tx.identifier };
  }

  private remaining(tx: Transaction, app: App): Authenticator[] {
    return requiredFactors(app.policy, tx.flow)
      .filter((type) => !tx.verified.includes(type))
      .map((type) => this.authenticatorOfType(type));
  }

  private choices(tx: Transaction, app: App, user: User | null): AuthenticatorChoice[] {
    return this.remaining(tx, app).map((a) => this.choice(a, tx, user));
  }

  private choice(authenticator: Authenticator, tx: Transaction, user: User | null): AuthenticatorChoice {
    return {
      type: authenticator.type,
      id: authenticator.id,
      displayName: authenticator.displayName,
      enrollment: authenticator.enrollment(user, tx.identifier ?? ''),
      canResend: authenticator.resend !== undefined,
      pollIntervalMs: authenticator.pollIntervalMs ?? null,
    };
  }

  private authenticatorOfType(type: string): Authenticator {
    const authenticator = this.authenticators.findByType(type);
    if (!authenticator) throw new Error(`No authenticator of type ${type} is configured`);
    return authenticator;
  }

  private context(tx: Transaction, app: App, user: User | null, meta: RequestMeta): AuthenticatorContext {
    return {
      transaction: tx,
      app,
      user,
      identifier: tx.identifier ?? '',
      ip: meta.ip,
      userAgent: meta.userAgent ?? null,
      locale: meta.locale ?? 'en',
    };
  }

  private async load(stateHandle: string): Promise<Transaction> {
    const tx = await this.storage.transactions.findByStateHandleHash(hashHandle(stateHandle));
    return this.assertLive(tx, { allowCompleted: false });
  }

  /** Unknown, expired, canceled or (for actions) finished transactions all read as an expired session. */
  private assertLive(tx: Transaction | null, options: { allowCompleted: boolean }): Transaction {
    if (!tx || this.clock.now() >= tx.expiresAt) throw new IdxError('sessionExpired');
    if (tx.status === 'active') return tx;
    if (tx.status === 'completed' && options.allowCompleted) return tx;
    throw new IdxError('sessionExpired');
  }

  private assertStep(tx: Transaction, step: Step) {
    if (tx.step !== step) throw new IdxError('stepNotAllowed');
  }

  private async update(tx: Transaction, patch: TransactionPatch): Promise<Transaction> {
    const updated = await this.storage.transactions.update(tx, patch);
    if (!updated)
      throw new IdxError('stepNotAllowed', { detail: 'The transaction was changed by another request.' });
    return updated;
  }

  private async getApp(tx: Transaction): Promise<App> {
    const app = await this.storage.apps.findById(tx.appId);
    if (!app) throw new IdxError('sessionExpired');
    return app;
  }

  private async findUser(tx: Transaction): Promise<User | null> {
    return tx.userId ? this.storage.users.findById(tx.userId) : null;
  }
}
