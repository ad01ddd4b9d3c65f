import type { Command } from 'commander';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { Session } from '../../storage/sessions-store.js';
import { type CommonOptions, print, withServices, withStoreOptions } from '../common-options.js';

interface ListOptions extends CommonOptions {
  user?: string;
  limit: string;
}

interface RevokeOptions extends CommonOptions {
  id?: string;
  user?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A session as printed by `--json` (never its token or hash). */
export function sessionRecord(session: Session, login: string | null) {
  return {
    id: session.id,
    userId: session.userId,
    login,
    authTime: iso(session.authTime),
    factors: session.factors,
    amr: session.amr,
    rememberMe: session.rememberMe,
    ip: session.ip,
    userAgent: session.userAgent,
    createdAt: iso(session.createdAt),
    lastUsedAt: iso(session.lastUsedAt),
    idleExpiresAt: iso(session.idleExpiresAt),
    expiresAt: iso(session.expiresAt),
  };
}

/** `gatehouse sessions list|revoke`: the SSO sessions of hosted sign-in (ADR 0012). */
export function sessionsCommand(program: Command): void {
  const sessions = program.command('sessions').description('SSO sessions of hosted sign-in');

  withStoreOptions(
    sessions
      .command('list')
      .description('live sessions, newest first')
      .option('--user <login>', "only this user's")
      .option('--limit <n>', 'at most this many', '100')
      .option('--json', 'print JSON'),
  ).action((options: ListOptions) =>
    withServices(options, async (services) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new ValidationError('limit', '--limit must be a whole number from 1 to 10000');
      const user = options.user ? await services.users.getByLogin(options.user) : null;
      const live = await services.storage.sessions.listLive(services.clock.now(), {
        ...(user ? { userId: user.id } : {}),
        limit,
      });
      const logins = new Map<string, string | null>();
      for (const session of live) {
        if (!logins.has(session.userId))
          logins.set(session.userId, (await services.storage.users.findById(session.userId))?.login ?? null);
      }
      const records = live.map((s) => sessionRecord(s, logins.get(s.userId) ?? null));
      print(
        options,
        records,
        records.length
          ? records
              .map(
                (r) =>
                  `${r.id}  ${r.login ?? r.userId}  signed in ${r.authTime} (${r.amr.join(',')})${r.rememberMe ? ', remembered' : ''}  last used ${r.lastUsedAt}  ends by ${r.expiresAt}`,
              )
              .join('\n')
          : 'No live sessions.',
      );
    }),
  );

  withStoreOptions(
    sessions
      .command('revoke')
      .description("end a session (or all of a user's) and revoke the tokens issued in it")
      .option('--id <id>', 'the session (ses_…)')
      .option('--user <login>', 'every session of this user')
      .option('--json', 'print JSON'),
  ).action((options: RevokeOptions) =>
    withServices(options, async (services) => {
      if (!options.id === !options.user) throw new ValidationError('id', 'give either --id or --user');
      let ended: number;
      if (options.id) {
        const session = await services.storage.sessions.findById(options.id);
        if (!session) throw new NotFoundError(`No session ${options.id}`);
        const wasLive = session.endedAt === null;
        await services.sessions.end(session, 'revoked by an administrator');
        ended = wasLive ? 1 : 0;
      } else {
        const user = await services.users.getByLogin(options.user!);
        ended = await services.sessions.endAllOfUser(user.id);
      }
      print(options, { ended }, ended === 1 ? 'Ended 1 session.' : `Ended ${ended} sessions.`);
    }),
  );
}
