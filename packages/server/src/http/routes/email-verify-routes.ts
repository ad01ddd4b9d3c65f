import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, htmlPage } from '../html-page.js';
import { PageCsrf } from '../page-csrf.js';

const PATH = '/email/verify';
const OTP = /^[0-9]{6}$/;

export interface EmailVerifyRouteOptions {
  publicUrl: string;
  /**
   * Whether this browser started the hosted sign-in `state` names and it is still going (its flow
   * cookie, ADR 0012): the link then continues it on the hosted page.
   */
  continuesHostedFlow(request: FastifyRequest, state: string): Promise<boolean>;
}

type VerifyRequest = FastifyRequest<{ Querystring: { otp?: unknown; state?: unknown }; Body: unknown }>;

/**
 * `/email/verify?otp=…&state=…`: where magic links point when an app has no email-verify callback
 * URI, and for every hosted sign-in. In the browser that started a hosted sign-in it continues on
 * the hosted page (whose widget submits the code); anywhere else it never signs anyone in and
 * consumes nothing. Mail scanners and link previews open links,
 * so a GET only offers a button; the code is shown in answer to the POST that button sends (same
 * origin, with the page's CSRF token, `page-csrf.ts`). The form has no `action`: it posts back to
 * the page's own URL, query included, so the code is never written into the GET page.
 */
export async function emailVerifyRoutes(
  app: FastifyInstance,
  options: EmailVerifyRouteOptions,
): Promise<void> {
  const csrf = new PageCsrf({
    cookie: 'gatehouse_email_verify',
    path: PATH,
    publicUrl: options.publicUrl,
    maxAgeSeconds: 30 * 60,
  });

  // Errors of this page (a body too large or not a form, a NUL character) are pages too.
  app.setErrorHandler((error: FastifyError & { status?: number }, request, reply) => {
    const status = error.statusCode ?? error.status ?? 500;
    if (status >= 400 && status < 500) return invalidRequest(reply, status);
    request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    return htmlPage(reply, 500, 'Something went wrong', `Try again later (request id ${request.id}).`);
  });

  app.get(PATH, { config: { protocol: 'plain' } }, async (request: VerifyRequest, reply) => {
    if (!validOtp(request)) return invalidLink(reply);
    const { state, otp } = request.query;
    // The browser that started a hosted sign-in goes on with it; nothing is consumed by this GET.
    if (typeof state === 'string' && (await options.continuesHostedFlow(request, state)))
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(`/signin?${new URLSearchParams({ flow: state, otp: otp as string })}`, 303);
    const token = csrf.issue(reply);
    return htmlPage(
      reply,
      200,
      'Continue in your original tab',
      'This link does not sign you in here. Go back to the browser tab where you started signing in; if it asks for the code from the email, you can show it here.',
      html`<form method="post"><input type="hidden" name="csrf" value="${token}"><button type="submit" id="show-code">Show my code</button></form>`,
    );
  });

  app.post(
    PATH,
    { config: { protocol: 'plain' }, bodyLimit: 4096 },
    async (request: VerifyRequest, reply) => {
      if (!request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded'))
        return invalidRequest(reply, 415);
      const submitted = (request.body as Record<string, unknown> | null)?.csrf;
      const check = csrf.check(request, submitted);
      if (check !== 'ok')
        return htmlPage(
          reply,
          403,
          'This page cannot show the code',
          check === 'cross-site'
            ? 'The request did not come from this page. Open the link from the email again.'
            : 'This page has expired or was not opened in this browser. Open the link from the email again.',
        );
      if (!validOtp(request)) return invalidLink(reply);
      return htmlPage(
        reply,
        200,
        'Enter this code in your original tab',
        'Go back to the browser tab where you started signing in and enter this code. This page does not sign you in or change anything by itself.',
        html`<p class="code" id="code">${request.query.otp as string}</p><p>Only type it into a page you opened yourself. Nobody from this site will ask you for it.</p>`,
      );
    },
  );
}

function validOtp(request: VerifyRequest): boolean {
  const { otp } = request.query;
  return typeof otp === 'string' && OTP.test(otp);
}

function invalidLink(reply: FastifyReply) {
  return htmlPage(
    reply,
    400,
    'Link not valid',
    'This sign-in link is not valid. Go back to the tab where you started signing in and request a new code.',
  );
}

function invalidRequest(reply: FastifyReply, status: number) {
  return htmlPage(
    reply,
    status,
    'Request not valid',
    'This request could not be used. Open the link from the email again.',
  );
}
