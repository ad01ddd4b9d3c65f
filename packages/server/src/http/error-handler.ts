import { IDX_RESPONSE_CONTENT_TYPE, type IdxErrorId, IdxErrors, type OAuthErrors } from '@gatehouse/protocol';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { EngineError } from '../errors.js';
import { idxMessageOf } from '../protocol/idx/engine-errors.js';
import { IdxError } from '../protocol/idx/idx-error.js';
import { serializeError } from '../protocol/idx/serialize-envelope.js';
import { oauthErrorOf } from '../protocol/oauth/engine-errors.js';
import { OAuthError } from '../protocol/oauth/oauth-error.js';
import { DatabaseConflictError } from '../storage/units-of-work.js';
import { protocolOf } from './protocol-kind.js';

/**
 * The one place thrown errors become responses. IDX routes answer with an IDX `messages` body,
 * OAuth routes with `{ error, error_description }`. Engine errors are mapped by their protocol's
 * table (`protocol/idx/engine-errors.ts`, `protocol/oauth/engine-errors.ts`); framework errors (bad
 * JSON, wrong content type, too large, schema violations) into the same catalog. A conflict the
 * database aborted and units of work could not run again is a 503 to retry (nothing was written).
 * Nothing leaks a stack trace.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError | EngineError | IdxError | OAuthError, request, reply) => {
    const kind = protocolOf(request);
    let error = thrown;
    if (error instanceof DatabaseConflictError) {
      request.log.warn({ err: error, reqId: request.id }, 'database conflict; answered 503 to retry');
      error = new EngineError('SERVICE_UNAVAILABLE', { retryAfterSeconds: 1 });
    }
    if (error instanceof EngineError) {
      if (kind === 'idx') {
        const message = idxMessageOf(error);
        return sendIdxError(reply, message.id, message.params, error.retryAfterSeconds);
      }
      return sendOAuthError(reply, oauthErrorOf(error));
    }
    if (error instanceof IdxError)
      return sendIdxError(reply, error.id, error.options.params, error.options.retryAfterSeconds);
    if (error instanceof OAuthError) return sendOAuthError(reply, error);

    const mapped = mapFrameworkError(error as FastifyError);
    if (mapped) {
      if (kind === 'idx') return sendIdxError(reply, mapped.idx, mapped.params);
      return sendOAuthError(reply, new OAuthError(mapped.oauth, mapped.description));
    }

    request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    if (kind === 'idx') {
      return reply
        .code(500)
        .type(IDX_RESPONSE_CONTENT_TYPE)
        .send(serializeError({ id: 'internalError' }, `Internal Server Error (request id ${request.id})`));
    }
    return reply.code(500).send({
      error: 'server_error',
      error_description: `Internal server error (request id ${request.id}).`,
    });
  });

  app.setNotFoundHandler((request, reply) => {
    if (protocolOf(request) === 'idx') return sendIdxError(reply, 'notFound');
    return sendOAuthError(
      reply,
      new OAuthError('not_found', `No endpoint at ${request.method} ${request.url.split('?')[0]}.`),
    );
  });
}

export function sendIdxError(
  reply: FastifyReply,
  id: IdxErrorId,
  params?: string[],
  retryAfterSeconds?: number,
) {
  const body = serializeError({ id, params });
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
  return reply
    .code(errorStatus(id))
    .type(IDX_RESPONSE_CONTENT_TYPE)
    .header('cache-control', 'no-store')
    .send(body);
}

function sendOAuthError(reply: FastifyReply, error: OAuthError) {
  if (error.options.wwwAuthenticate) reply.header('www-authenticate', error.options.wwwAuthenticate);
  if (error.options.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(error.options.retryAfterSeconds));
  return reply
    .code(error.status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ error: error.error, error_description: descriptionChars(error.description) });
}

/** RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (it may echo input). */
function descriptionChars(description: string): string {
  return description.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}

function errorStatus(id: IdxErrorId): number {
  return IdxErrors[id].status;
}

interface MappedError {
  idx: IdxErrorId;
  params?: string[];
  oauth: keyof typeof OAuthErrors;
  description: string;
}

function mapFrameworkError(error: FastifyError): MappedError | null {
  if (error.validation) {
    const first = error.validation[0];
    const path = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const missing =
      first?.keyword === 'required'
        ? (first.params as { missingProperty?: string }).missingProperty
        : undefined;
    const field = [path, missing].filter(Boolean).join('.') || 'body';
    return {
      idx: 'invalidRequest',
      params: [field],
      oauth: 'invalid_request',
      description: `The request is invalid: ${field}.`,
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        idx: 'unsupportedMediaType',
        oauth: 'unsupported_media_type',
        description: 'The request content type is not supported.',
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        idx: 'payloadTooLarge',
        oauth: 'payload_too_large',
        description: 'The request body is too large.',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        idx: 'malformedRequest',
        oauth: 'invalid_request',
        description: 'The request body is malformed.',
      };
  }
  if (error instanceof SyntaxError || error.statusCode === 400)
    return {
      idx: 'malformedRequest',
      oauth: 'invalid_request',
      description: 'The request body is malformed.',
    };
  if (error.statusCode === 415)
    return {
      idx: 'unsupportedMediaType',
      oauth: 'unsupported_media_type',
      description: 'The request content type is not supported.',
    };
  if (error.statusCode === 413)
    return {
      idx: 'payloadTooLarge',
      oauth: 'payload_too_large',
      description: 'The request body is too large.',
    };
  return null;
}
