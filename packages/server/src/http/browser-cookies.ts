import type { FastifyReply, FastifyRequest } from 'fastify';
import { readCookie } from './page-csrf.js';

/**
 * The cookies of hosted sign-in (ADR 0012): the SSO session, and one per hosted sign-in in
 * progress (its value is the interaction handle, its name carries the flow id). On https they are
 * `__Host-` cookies (Secure, Path=/, no Domain: this host only). HttpOnly and SameSite=Lax: sent on
 * the top-level navigations that need them (an app's redirect to `/authorize`, a magic link from
 * a mail client), never to other sites' subrequests.
 */
export class BrowserCookies {
  private readonly secure: boolean;
  private readonly prefix: string;

  constructor(publicUrl: string) {
    this.secure = new URL(publicUrl).protocol === 'https:';
    this.prefix = this.secure ? '__Host-' : '';
  }

  get sessionName(): string {
    return `${this.prefix}gh_session`;
  }

  flowName(flowId: string): string {
    return `${this.prefix}gh_flow_${flowId}`;
  }

  session(request: FastifyRequest): string | null {
    return readCookie(request.headers.cookie, this.sessionName);
  }

  flow(request: FastifyRequest, flowId: string): string | null {
    return readCookie(request.headers.cookie, this.flowName(flowId));
  }

  /** `maxAgeSeconds` null: a browser-session cookie. */
  set(reply: FastifyReply, name: string, value: string, maxAgeSeconds: number | null): void {
    const maxAge = maxAgeSeconds === null ? '' : `; Max-Age=${maxAgeSeconds}`;
    reply.header(
      'set-cookie',
      `${name}=${value}; Path=/${maxAge}; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`,
    );
  }

  clear(reply: FastifyReply, name: string): void {
    reply.header(
      'set-cookie',
      `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`,
    );
  }
}
