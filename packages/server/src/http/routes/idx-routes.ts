import { IDX_RESPONSE_CONTENT_TYPE } from '@gatehouse/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IdxEndpoints, IdxReply } from '../../protocol/idx/idx-endpoints.js';
import {
  type AnswerBody,
  type ChallengeBody,
  type EnrollProfileBody,
  type IdentifyBody,
  IdxBodySchemas,
  type IntrospectBody,
  type StateHandleBody,
} from '../../protocol/idx/idx-requests.js';
import type { RequestInfo } from '../../request-info.js';

/** The IDX endpoints: each route declares its body and hands it to the IDX edge. */
export async function idxRoutes(app: FastifyInstance, idx: IdxEndpoints): Promise<void> {
  const config = { protocol: 'idx' as const };
  // IDX bodies are JSON only (→ 415 otherwise). Form and text bodies are CORS "simple" requests a
  // foreign page could post without a preflight, so they must not reach the flow.
  app.removeContentTypeParser(['application/x-www-form-urlencoded', 'text/plain']);

  const route = <Body>(
    path: string,
    schema: object,
    handler: (body: Body, request: RequestInfo) => Promise<IdxReply>,
  ) =>
    app.post<{ Body: Body }>(
      `/idp/idx${path}`,
      { config, schema: { body: schema } },
      async (request, reply) =>
        send(reply, await handler((request.body ?? {}) as Body, requestInfo(request))),
    );

  route<IntrospectBody>('/introspect', IdxBodySchemas.introspect, (body, r) => idx.introspect(body, r));
  route<IdentifyBody>('/identify', IdxBodySchemas.identify, (body, r) => idx.identify(body, r));
  route<ChallengeBody>('/challenge', IdxBodySchemas.challenge, (body, r) => idx.challenge(body, r));
  route<AnswerBody>('/challenge/answer', IdxBodySchemas.answer, (body, r) => idx.answer(body, r));
  route<StateHandleBody>('/challenge/resend', IdxBodySchemas.stateHandle, (body, r) => idx.resend(body, r));
  route<StateHandleBody>('/challenge/poll', IdxBodySchemas.stateHandle, (body, r) => idx.poll(body, r));
  route<StateHandleBody>('/recover', IdxBodySchemas.stateHandle, (body, r) => idx.recover(body, r));
  route<StateHandleBody>('/enroll', IdxBodySchemas.stateHandle, (body, r) => idx.enroll(body, r));
  route<EnrollProfileBody>('/enroll/new', IdxBodySchemas.enrollProfile, (body, r) =>
    idx.enrollProfile(body, r),
  );
  route<StateHandleBody>('/identify/select', IdxBodySchemas.stateHandle, (body, r) =>
    idx.identifySelect(body, r),
  );
  route<ChallengeBody>('/credential/enroll', IdxBodySchemas.challenge, (body, r) =>
    idx.credentialEnroll(body, r),
  );
  route<StateHandleBody>('/skip', IdxBodySchemas.stateHandle, (body, r) => idx.skip(body, r));
  route<StateHandleBody>('/unlock-account', IdxBodySchemas.stateHandle, (body, r) =>
    idx.unlockAccount(body, r),
  );
  route<StateHandleBody>('/cancel', IdxBodySchemas.stateHandle, (body, r) => idx.cancel(body, r));
}

function send(reply: FastifyReply, result: IdxReply) {
  if (result.retryAfterSeconds !== undefined) reply.header('retry-after', String(result.retryAfterSeconds));
  return reply
    .code(result.status)
    .type(IDX_RESPONSE_CONTENT_TYPE)
    .header('cache-control', 'no-store')
    .send(result.body);
}

function requestInfo(request: FastifyRequest): RequestInfo {
  return {
    ip: request.ip ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    locale: preferredLocale(request.headers['accept-language']),
  };
}

/** The first language tag of Accept-Language (`fr-CA,fr;q=0.9` → `fr-CA`), or `en`. */
export function preferredLocale(header: string | undefined): string {
  const first = header?.split(',')[0]?.split(';')[0]?.trim();
  return first && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(first) ? first : 'en';
}
