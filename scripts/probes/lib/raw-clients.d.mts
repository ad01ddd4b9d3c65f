export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface PostOutcome {
  /** The answer, when the client read it completely. */
  answer: RawAnswer | null;
  /** The socket error (EPIPE, ECONNRESET, closed, timeout) that came instead of an answer. */
  error: string | null;
  /** Body bytes handed to the socket. */
  sent: number;
}

export function postBody(
  client: 'net' | 'http',
  url: string,
  request: { path: string; type: string; size: number; chunked: boolean },
): Promise<PostOutcome>;
