import { IDX_RESPONSE_CONTENT_TYPE } from '@gatehouse/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IdxError } from '../../errors.js';
import type { FlowView } from '../../flows/flow-view.js';
import { serializeView } from '../../protocol/idx/serialize-view.js';
import type { Services } from '../../services.js';

const handle = { type: 'string', minLength: 1, maxLength: 512 } as const;
const stateHandleBody = {
  type: 'object',
  required: ['stateHandle'],
  properties: { stateHandle: handle },
} as const;
const passcode = { type: 'string', minLength: 1, maxLength: 1024 } as const;

interface IdentifyBody {
  stateHandle: string;
  identifier: string;
  credentials?: { passcode?: string };
}
interface ChallengeBody {
  stateHandle: string;
  authenticator: { id: string };
}
interface AnswerBody {
  stateHandle: string;
  credentials: { passcode: string };
}
interface IntrospectBody {
  interactionHandle?: string;
  stateToken?: string;
  stateHandle?: string;
}

/** The IDX endpoints: thin adapters from requests to the sign-in flow and back to the envelope. */
export async function idxRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const config = { protocol: 'idx' as const };
  // IDX bodies are JSON only (→ 415 otherwise). Form and text bodies are CORS "simple" requests a
  // foreign page could post without a preflight, so they must not reach the flow.
  app.removeContentTypeParser(['application/x-www-form-urlencoded', 'text/plain']);
  const meta = (request: FastifyRequest) => ({
    ip: request.ip ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    locale: preferredLocale(request.headers['accept-language']),
  });
  const send = (reply: FastifyReply, view: FlowView) => {
    const server = services.server(view.transaction.serverId === 'org' ? 'org' : 'default');
    const body = serializeView(view, {
      idxBase: `${services.config.publicUrl}/idp/idx`,
      tokenUrl: `${server.endpointBase}/token`,
    });
    if (view.retryAfterSeconds !== undefined) reply.header('retry-after', String(view.retryAfterSeconds));
    return reply
      .code(view.status)
      .type(IDX_RESPONSE_CONTENT_TYPE)
      .header('cache-control', 'no-store')
      .send(body);
  };

  app.post<{ Body: IntrospectBody }>(
    '/idp/idx/introspect',
    {
      config,
      schema: {
        body: {
          type: 'object',
          properties: { interactionHandle: handle, stateToken: handle, stateHandle: handle },
        },
      },
    },
    async (request, reply) => {
      const { interactionHandle, stateToken, stateHandle } = request.body ?? {};
      if (!interactionHandle && !stateToken && !stateHandle)
        throw new IdxError('invalidRequest', { params: ['interactionHandle'] });
      return send(
        reply,
        await services.signIn.introspect({ interactionHandle, stateHandle: stateToken ?? stateHandle }),
      );
    },
  );

  app.post<{ Body: IdentifyBody }>(
    '/idp/idx/identify',
    {
      config,
      schema: {
        body: {
          type: 'object',
          required: ['stateHandle', 'identifier'],
          properties: {
            stateHandle: handle,
            identifier: { type: 'string', minLength: 1, maxLength: 256 },
            credentials: { type: 'object', properties: { passcode } },
          },
        },
      },
    },
    async (request, reply) => {
      const { stateHandle, identifier, credentials } = request.body;
      return send(
        reply,
        await services.signIn.identify(stateHandle, identifier, credentials?.passcode, meta(request)),
      );
    },
  );

  app.post<{ Body: ChallengeBody }>(
    '/idp/idx/challenge',
    {
      config,
      schema: {
        body: {
          type: 'object',
          required: ['stateHandle', 'authenticator'],
          properties: {
            stateHandle: handle,
            authenticator: {
              type: 'object',
              required: ['id'],
              properties: {
                id: { type: 'string', minLength: 1, maxLength: 128 },
                methodType: { type: 'string' },
                enrollmentId: { type: 'string' },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { stateHandle, authenticator } = request.body;
      return send(reply, await services.signIn.challenge(stateHandle, authenticator.id, meta(request)));
    },
  );

  app.post<{ Body: AnswerBody }>(
    '/idp/idx/challenge/answer',
    {
      config,
      schema: {
        body: {
          type: 'object',
          required: ['stateHandle', 'credentials'],
          properties: {
            stateHandle: handle,
            credentials: { type: 'object', required: ['passcode'], properties: { passcode } },
          },
        },
      },
    },
    async (request, reply) => {
      const { stateHandle, credentials } = request.body;
      return send(reply, await services.signIn.answer(stateHandle, credentials.passcode, meta(request)));
    },
  );

  app.post<{ Body: { stateHandle: string } }>(
    '/idp/idx/challenge/resend',
    { config, schema: { body: stateHandleBody } },
    async (request, reply) =>
      send(reply, await services.signIn.resend(request.body.stateHandle, meta(request))),
  );

  app.post<{ Body: { stateHandle: string } }>(
    '/idp/idx/challenge/poll',
    { config, schema: { body: stateHandleBody } },
    async (request, reply) => send(reply, await services.signIn.poll(request.body.stateHandle)),
  );

  app.post<{ Body: { stateHandle: string } }>(
    '/idp/idx/recover',
    { config, schema: { body: stateHandleBody } },
    async (request, reply) => send(reply, await services.signIn.recover(request.body.stateHandle)),
  );

  app.post<{ Body: { stateHandle: string } }>(
    '/idp/idx/cancel',
    { config, schema: { body: stateHandleBody } },
    async (request, reply) => send(reply, await services.signIn.cancel(request.body.stateHandle)),
  );
}

/** The first language tag of Accept-Language (`fr-CA,fr;q=0.9` → `fr-CA`), or `en`. */
export function preferredLocale(header: string | undefined): string {
  const first = header?.split(',')[0]?.split(';')[0]?.trim();
  return first && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(first) ? first : 'en';
}
