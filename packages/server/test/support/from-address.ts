import { request } from 'node:http';
import type { HttpResult } from './idx-client.js';

/**
 * A POST sent from a chosen loopback source address (127.0.0.2, 127.0.0.3, …): the server sees a
 * different client IP for each, as it would for clients on different machines. Every address in
 * 127.0.0.0/8 is the loopback interface, so nothing leaves the machine.
 */
export function postFrom<T = unknown>(
  localAddress: string,
  url: string,
  body: string,
  contentType: string,
): Promise<HttpResult<T>> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': contentType,
          accept: 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            if (typeof value === 'string') headers.set(name, value);
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers, body: parsed as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const postJsonFrom = <T = unknown>(localAddress: string, url: string, body: unknown) =>
  postFrom<T>(localAddress, url, JSON.stringify(body), 'application/json');

export const postFormFrom = <T = unknown>(
  localAddress: string,
  url: string,
  params: Record<string, string>,
) =>
  postFrom<T>(localAddress, url, new URLSearchParams(params).toString(), 'application/x-www-form-urlencoded');
