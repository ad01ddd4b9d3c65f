import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { hashSecret, randomToken } from '../secrets.js';
import type { AppPolicy } from '../storage/apps-store.js';
import type { EventsStore } from '../storage/events-store.js';
import type { GrantsStore } from '../storage/grants-store.js';
import type { Session, SessionsStore } from '../storage/sessions-store.js';
import type { User, UsersStore } from '../storage/users-store.js';

export interface SessionLifetimes {
  idleTtlSeconds: number;
  absoluteTtlSeconds: number;
  rememberedIdleTtlSeconds: number;
  rememberedAbsoluteTtlSeconds: number;
}

export interface SsoSessionsDeps {
  sessions: SessionsStore;
  users: UsersStore;
  grants: GrantsStore;
  events: EventsStore;
  clock: Clock;
  lifetimes: SessionLifetimes;
}

/** How a session began: who, when, with what. */
export interface SessionStart {
  user: User;
  authTime: number;
  factors: string[];
  amr: string[];
  rememberMe: boolean;
  ip: string | null;
  userAgent: string | null;
  appId: string;
}

/** A live session with its user. */
export interface LiveSession {
  session: Session;
  user: User;
}

/**
 * SSO sessions (ADR 0012): a browser signed in at Gatehouse. The cookie carries a random token of
 * which only the hash is stored; a session is live until it ends or either expiry passes, and
 * only while its user is active.
 */
export class SsoSessions {
  constructor(private readonly deps: SsoSessionsDeps) {}

  /** Starts a session; returns it and the cookie value (shown once). */
  async begin(start: SessionStart): Promise<{ session: Session; token: string }> {
    const { sessions, events, clock } = this.deps;
    const now = clock.now();
    const token = randomToken(32);
    const { idle, absolute } = this.ttls(start.rememberMe);
    const session: Session = {
      id: `ses_${randomUUID()}`,
      tokenHash: hashSecret(token),
      userId: start.user.id,
      authTime: start.authTime,
      factors: [...new Set(start.factors)],
      amr: start.amr,
      rememberMe: start.rememberMe,
      ip: start.ip,
      userAgent: start.userAgent?.slice(0, 300) ?? null,
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt: Math.min(now + idle * 1000, now + absolute * 1000),
      expiresAt: now + absolute * 1000,
      endedAt: null,
    };
    await sessions.create(session);
    await events.record(
      {
        type: 'user.session.start',
        userId: start.user.id,
        appId: start.appId,
        ip: start.ip,
        data: { session: session.id, rememberMe: start.rememberMe },
      },
      now,
    );
    return { session, token };
  }

  /** The live session a cookie value names; null when there is none. */
  async current(token: string | null): Promise<LiveSession | null> {
    if (!token) return null;
    const session = await this.deps.sessions.findByTokenHash(hashSecret(token));
    if (!session || !this.isLive(session)) return null;
    const user = await this.deps.users.findById(session.userId);
    if (!user || user.status !== 'ACTIVE') return null;
    return { session, user };
  }

  /** Whether what the session proved covers every requirement of an app's policy. */
  satisfies(session: Session, policy: AppPolicy): boolean {
    return policy.requirements.every(({ anyOf }) => anyOf.some((key) => session.factors.includes(key)));
  }

  /** Records a use of the session: its idle expiry slides, never past its absolute one. */
  async use(session: Session): Promise<void> {
    const now = this.deps.clock.now();
    const { idle } = this.ttls(session.rememberMe);
    await this.deps.sessions.touch(session.id, now, Math.min(now + idle * 1000, session.expiresAt));
  }

  /**
   * Ends a session and, unless told not to (a new sign-in in the same browser replaces it), revokes
   * the grants made in it (logout, revocation).
   */
  async end(
    session: Session,
    reason: string,
    ip: string | null = null,
    options: { revokeGrants: boolean } = { revokeGrants: true },
  ): Promise<void> {
    const { sessions, grants, events, clock } = this.deps;
    const now = clock.now();
    if (!(await sessions.end(session.id, now))) return;
    const revokedGrants = options.revokeGrants ? await grants.revokeGrantsOfSession(session.id, now) : 0;
    await events.record(
      {
        type: 'user.session.end',
        userId: session.userId,
        ip,
        data: { session: session.id, reason, revokedGrants },
      },
      now,
    );
  }

  /** Ends every session of a user (password reset, administrator action); returns how many. */
  async endAllOfUser(userId: string): Promise<number> {
    const now = this.deps.clock.now();
    const ended = await this.deps.sessions.endAllOfUser(userId, now);
    for (const id of ended) await this.deps.grants.revokeGrantsOfSession(id, now);
    return ended.length;
  }

  /** Seconds the cookie should persist: none (a browser-session cookie) unless remembered. */
  cookieMaxAgeSeconds(session: Session): number | null {
    if (!session.rememberMe) return null;
    return Math.max(0, Math.floor((session.expiresAt - this.deps.clock.now()) / 1000));
  }

  private isLive(session: Session): boolean {
    const now = this.deps.clock.now();
    return session.endedAt === null && now < session.idleExpiresAt && now < session.expiresAt;
  }

  private ttls(rememberMe: boolean): { idle: number; absolute: number } {
    const l = this.deps.lifetimes;
    return rememberMe
      ? { idle: l.rememberedIdleTtlSeconds, absolute: l.rememberedAbsoluteTtlSeconds }
      : { idle: l.idleTtlSeconds, absolute: l.absoluteTtlSeconds };
  }
}
