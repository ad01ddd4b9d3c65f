/**
 * The flow driver's side of a throttled submit (issue 13): a 429 keeps the step and records the
 * wait the server asked for (`Retry-After` → `retryAfterSeconds`) in the step's memory, where the
 * views read it; without `Retry-After` only the message is shown. Node, with a fake client.
 */
import { readFileSync } from 'node:fs';
import type { EnvelopeRemediation, IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FlowDriver } from '../src/core/flow-driver.js';
import { type RetryWait, retryWaitOf } from '../src/core/retry-wait.js';
import type { Step } from '../src/core/step.js';
import type { IdxReply, WidgetClient } from '../src/core/widget-client.js';

const fixture = (name: string): IdxReply =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

const IDENTIFY = fixture('identify-password');
const NOW = 1_800_000_000_000;

/** The identify step answered 429 with `tooManyRequests`, the form kept (as Gatehouse answers). */
function throttled(retryAfterSeconds?: number): IdxReply {
  const body = structuredClone(IDENTIFY.body) as IdxResponse;
  body.messages = {
    type: 'array',
    value: [{ message: 'Too many requests.', i18n: { key: 'tooManyRequests' }, class: 'ERROR' }],
  };
  return { status: 429, body, retryAfterSeconds };
}

/** A driver on the identify step whose submits get `answers` in turn. */
async function driverWith(answers: IdxReply[]) {
  const shown: Array<{ step: Step; fresh: boolean }> = [];
  const client = {
    start: async () => IDENTIFY,
    submit: async () => answers.shift()!,
    action: async () => answers.shift()!,
  } as unknown as WidgetClient;
  const driver = new FlowDriver(
    client,
    { show: (step, fresh) => shown.push({ step, fresh }), showSuccess: () => {}, setBusy: () => {} },
    {
      flow: 'default',
      redirect: false,
      resendIntervalSeconds: 30,
      onSuccess: () => {},
      navigate: () => {},
      now: () => NOW,
    },
  );
  await driver.begin();
  const remediation = driver.current!.remediations[0] as EnvelopeRemediation;
  const submit = async () => {
    const before = shown.length;
    driver.submit(remediation, { identifier: 'ada@example.com', 'credentials.passcode': 'guess' });
    await vi.waitFor(() => expect(shown.length).toBe(before + 1));
    return shown.at(-1)!;
  };
  return { driver, shown, submit };
}

describe('a throttled submit (429)', () => {
  beforeAll(() => {
    vi.stubGlobal('document', {
      addEventListener: () => {},
      removeEventListener: () => {},
      visibilityState: 'visible',
    });
  });
  afterAll(() => vi.unstubAllGlobals());

  it('with Retry-After: the same step again (not fresh), the message, and a wait until now + 42 s', async () => {
    const { driver, submit } = await driverWith([throttled(42)]);
    const { step, fresh } = await submit();
    expect(fresh).toBe(false);
    expect(step.remediations[0]?.name).toBe('identify');
    expect(step.messages.map((m) => m.key)).toEqual(['tooManyRequests']);
    expect(retryWaitOf(driver.memory)).toEqual<RetryWait>({ until: NOW + 42_000, announced: false });
    // What the user typed is still there for the form to put back.
    expect(driver.memory.lastInputs).toMatchObject({ identifier: 'ada@example.com' });
  });

  it('without Retry-After: the message only (no wait: the button stays enabled)', async () => {
    const { driver, submit } = await driverWith([throttled()]);
    const { step } = await submit();
    expect(step.messages.map((m) => m.key)).toEqual(['tooManyRequests']);
    expect(retryWaitOf(driver.memory)?.until).toBe(0);
  });

  it('the next answer to a submit ends the wait', async () => {
    const wrong = fixture('identify-password-error');
    const { driver, submit } = await driverWith([throttled(3), wrong]);
    await submit();
    expect(retryWaitOf(driver.memory)?.until).toBe(NOW + 3000);
    await submit();
    expect(retryWaitOf(driver.memory)).toBeUndefined();
  });

  it('a 429 without a form and without a new state (docs/protocol/idx-protocol.md §8.5) also waits', async () => {
    const bare: IdxReply = {
      status: 429,
      body: {
        version: '1.0.0',
        messages: throttled().body.messages,
      } as IdxResponse,
      retryAfterSeconds: 5,
    };
    const { driver, submit } = await driverWith([bare]);
    const { step } = await submit();
    // The current form is kept, with the server's message.
    expect(step.remediations[0]?.name).toBe('identify');
    expect(step.messages.map((m) => m.key)).toEqual(['tooManyRequests']);
    expect(retryWaitOf(driver.memory)?.until).toBe(NOW + 5000);
  });
});
