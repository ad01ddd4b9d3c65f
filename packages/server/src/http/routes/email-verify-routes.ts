import type { FastifyInstance } from 'fastify';
import { htmlPage } from '../html-page.js';

/**
 * `/email/verify?otp=…&state=…`: where magic links point when an app has no email-verify callback
 * URI. It only shows the code to type in the tab where sign-in started; it never signs anyone in
 * and consumes nothing (mail scanners open links too).
 */
export async function emailVerifyRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { otp?: unknown; state?: unknown } }>(
    '/email/verify',
    { config: { protocol: 'plain' } },
    async (request, reply) => {
      const { otp } = request.query;
      if (typeof otp !== 'string' || !/^[0-9]{6}$/.test(otp)) {
        return htmlPage(
          reply,
          400,
          'Link not valid',
          'This sign-in link is not valid. Go back to the tab where you started signing in and request a new code.',
        );
      }
      return htmlPage(
        reply,
        200,
        'Enter this code in your original tab',
        `To continue, go back to the browser tab where you started and enter this code: ${otp}. This page does not sign you in or change anything by itself.`,
      );
    },
  );
}
