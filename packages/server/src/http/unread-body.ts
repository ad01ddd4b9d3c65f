import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** How much of a body the server refused (or never needed) it reads and throws away before answering. */
export interface UnreadBodyLimits {
  /** Bytes read past the point where the server stopped caring, at most. */
  maxBytes: number;
  /** How long the rest of the body may take to arrive. */
  maxMs: number;
}

export const UNREAD_BODY_LIMITS: UnreadBodyLimits = { maxBytes: 16 * 1024 * 1024, maxMs: 10_000 };

/**
 * Answers to requests whose body was not read to its end — too large (413), a content type the
 * route does not take (415), an unknown route — wait until the rest of the body has arrived and
 * been thrown away, up to `limits`.
 *
 * Why: Fastify answers those at once with `Connection: close`, and Node then closes the socket
 * while the client is still sending. Closing a TCP socket with unread data in its receive buffer
 * sends a reset instead of a FIN, and the reset makes the client's next write fail (EPIPE) and its
 * kernel drop the unread answer (ECONNRESET): the client never reads the 413. Once the body has been
 * read to its end, closing is clean (FIN after the answer) and the connection could even be kept.
 *
 * The limits bound what an attacker can make the server read: a declared `Content-Length` above
 * `maxBytes` is not read at all, and a body (chunked, or lying about its length) that goes past
 * `maxBytes` or `maxMs` stops being read. Those are answered with `Connection: close` at once and
 * the socket is closed behind the answer: the client may then see a reset, by design.
 */
export function drainUnreadBodies(app: FastifyInstance, limits: UnreadBodyLimits = UNREAD_BODY_LIMITS): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const raw = request.raw;
    if (raw.complete) return payload;
    const declared = Number(raw.headers['content-length']);
    const ended = declared > limits.maxBytes ? false : await discardRest(raw, limits);
    if (!ended) reply.header('connection', 'close');
    return payload;
  });
}

/** Reads the rest of `req`'s body and drops it; true once it ended within the limits. */
export function discardRest(req: IncomingMessage, { maxBytes, maxMs }: UnreadBodyLimits): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
      req.off('close', onFail);
      // Past a limit nothing more is read: the socket is closed behind the answer.
      if (!ended) req.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onFail = () => finish(req.complete);
    const timer = setTimeout(() => finish(false), maxMs);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onFail);
    req.once('close', onFail);
    req.resume();
  });
}
