import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Shutdown is bounded (`server.shutdownGraceSeconds`): a request in progress may finish, and a
 * client that stalls mid-request cannot hold `close()` — Node would otherwise wait for its
 * headers or request timeout (a minute or more).
 */
describe('closing the server with clients still connected', () => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  /** A raw connection that sent `text` and then nothing; resolves to it once connected. */
  function stalledClient(
    url: string,
    text: string,
  ): Promise<{ socket: Socket; ended: Promise<string>; received: () => string }> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.write(text);
        resolve({ socket, ended: received, received: () => data });
      });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        data += chunk;
      });
      const received = new Promise<string>((done) => socket.on('close', () => done(data)));
      socket.once('error', reject);
    });
  }

  it('a client that sent half a request is disconnected after the grace period; close() resolves', async () => {
    server = await startTestServer({ config: { server: { shutdownGraceSeconds: 0.5 } } });
    const half = await stalledClient(
      server.url,
      'POST /idp/idx/introspect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"stateHandle":',
    );
    // The server has the request's head before it is asked to close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = server.close();
    server = null;
    await closing;
    // No answer was half-written: the connection is closed without a response.
    expect(await half.ended).toBe('');
    expect(half.socket.destroyed).toBe(true);
  });

  it('a request in progress when close() is called gets its answer; an idle connection is closed at once', async () => {
    server = await startTestServer({ config: { server: { shutdownGraceSeconds: 30 } } });
    const body = '{"stateHandle":"02.not-a-real-handle"}';
    const slow = await stalledClient(
      server.url,
      `POST /idp/idx/introspect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    // A keep-alive connection that has had its answer and sends nothing more.
    const idle = await stalledClient(
      server.url,
      'GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    );
    await expect.poll(() => idle.received()).toContain('"issuer"');
    const closing = server.close();
    server = null;
    // An idle connection does not wait for the grace period.
    expect(await idle.ended).toMatch(/^HTTP\/1\.1 200 /);
    slow.socket.write(body);
    const answer = await slow.ended;
    await closing;
    // The IDX answer to an unknown handle, not a 503 or a dropped connection.
    expect(answer).toMatch(/^HTTP\/1\.1 (400|401|403) /);
    expect(answer).toContain('"messages"');
  });
});
