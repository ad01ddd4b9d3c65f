/**
 * The wait after a throttled submit: the server answered 429 (`tooManyRequests`) and kept the
 * form. With `Retry-After` the views hold the submit button until `until`; without it they only
 * show the message. Kept in the flow driver's per-step memory, so it lasts across re-renders of
 * the same step (a resend, a poll answer) and ends with the step.
 */
import type { EnvelopeMessage } from '@gatehouse/protocol';
import { RATE_LIMIT_KEY } from '../i18n/translator.js';
import type { IdxReply } from './widget-client.js';

export interface RetryWait {
  /** Epoch ms from which the form may be submitted again (0: no wait was given). */
  until: number;
  /** The wait was announced to screen readers (once per wait, not once per render). */
  announced: boolean;
}

const KEY = 'retryWait';

/** The wait of the last submit, if it was throttled. */
export function retryWaitOf(memory: Record<string, unknown>): RetryWait | undefined {
  const wait = memory[KEY] as RetryWait | undefined;
  return wait && typeof wait.until === 'number' ? wait : undefined;
}

/** Records what the answer to a submit says: a wait (429), or none (any other answer). */
export function recordSubmitAnswer(
  memory: Record<string, unknown>,
  reply: { status: number; retryAfterSeconds?: number | undefined },
  now: number,
): void {
  if (reply.status !== 429) {
    delete memory[KEY];
    return;
  }
  const seconds = reply.retryAfterSeconds;
  const wait: RetryWait = { until: seconds === undefined ? 0 : now + seconds * 1000, announced: false };
  memory[KEY] = wait;
}

/**
 * A 429 whose `Retry-After` the SDK could read: its rate-limit messages carry the wait in seconds
 * as their param (in place of the server's English words), so the translator says it in the
 * widget's language ("Réessayez dans 12 minutes.", i18n/translator.ts).
 */
export function withKnownWait(messages: EnvelopeMessage[], reply: IdxReply): EnvelopeMessage[] {
  const seconds = reply.retryAfterSeconds;
  if (reply.status !== 429 || seconds === undefined) return messages;
  return messages.map((m) => (m.key === RATE_LIMIT_KEY ? { ...m, params: [seconds] } : m));
}
