/**
 * Component tests of the rate-limit wait (issue 13) in Chromium: the real shell and views render a
 * step whose memory holds the wait the flow driver recorded for a throttled submit
 * (core/retry-wait.ts). The end-to-end path from a real 429 is in e2e/throttle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations, fixture, useHarness } from './support/chromium.js';

const h = useHarness();

const TYPED = { identifier: 'ada.lovelace@example.com', 'credentials.passcode': 's3cret!' };
const waiting = (ms: number, announced = false) => ({ until: Date.now() + ms, announced });
const countdownText = () => h.page.locator('[data-se="retry-countdown"] .gh-retry-wait').textContent();
const statusText = () => h.page.locator('[data-se="retry-status"]').textContent();

describe('a form during the wait', () => {
  it('holds the button, counts down, keeps what was typed (the password too) and posts nothing', async () => {
    await h.render(fixture('identify-password').body, {
      memory: { lastInputs: TYPED, retryWait: waiting(30_000) },
    });
    const { page } = h;
    const submit = page.getByRole('button', { name: 'Sign in' });
    expect(await submit.isDisabled()).toBe(true);
    expect(await countdownText()).toMatch(/^Try again in (29|30) seconds\.$/);
    expect(await page.getByLabel('Username').inputValue()).toBe(TYPED.identifier);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('s3cret!');
    // Enter in a field does not submit while the default button is disabled.
    await page.getByLabel('Password', { exact: true }).press('Enter');
    expect(await h.calls()).toEqual([]);
    // Announced once, politely, shortly after the view appears.
    await page.waitForFunction(() =>
      document.querySelector('[data-se="retry-status"]')?.textContent?.startsWith('Try again in'),
    );
    expect(await page.locator('[data-se="retry-status"]').getAttribute('aria-live')).toBe('polite');
    expect(await axeViolations(page)).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('when the wait is over: the button is enabled, the countdown and the live region say so', async () => {
    await h.render(fixture('identify-password').body, {
      memory: { lastInputs: TYPED, retryWait: waiting(1200) },
    });
    const { page } = h;
    await page.waitForFunction(
      () => !document.querySelector<HTMLButtonElement>('.gh-form button[type="submit"]')?.disabled,
    );
    expect(await countdownText()).toBe('You can try again now.');
    expect(await statusText()).toBe('You can try again now.');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'identify',
        body: {
          identifier: TYPED.identifier,
          credentials: { passcode: 's3cret!' },
          stateHandle: '02stateHandle',
        },
      },
    ]);
  });

  it('the same wait rendered again (another answer on the step) is not announced again', async () => {
    await h.render(fixture('identify-password').body, { memory: { retryWait: waiting(30_000, true) } });
    await h.page.waitForTimeout(400);
    expect(await countdownText()).toMatch(/^Try again in \d+ seconds\.$/);
    expect(await statusText()).toBe('');
  });

  it('a 429 without Retry-After (no wait): no countdown, the button enabled, the password kept', async () => {
    await h.render(fixture('identify-password').body, {
      memory: { lastInputs: TYPED, retryWait: { until: 0, announced: false } },
    });
    const { page } = h;
    expect(await page.locator('[data-se="retry-countdown"]').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sign in' }).isEnabled()).toBe(true);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('s3cret!');
  });

  it('any other answer (not throttled) still clears the password', async () => {
    await h.render(fixture('identify-password-error').body, { memory: { lastInputs: TYPED } });
    expect(await h.page.getByLabel('Username').inputValue()).toBe(TYPED.identifier);
    expect(await h.page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
  });
});

describe('choosing an authenticator during the wait', () => {
  it('every choice is held until the wait is over', async () => {
    await h.render(fixture('select-authenticator').body, { memory: { retryWait: waiting(1200) } });
    const { page } = h;
    const choices = page.locator('.gh-choice');
    expect(await choices.count()).toBeGreaterThan(0);
    for (const choice of await choices.all()) expect(await choice.isDisabled()).toBe(true);
    expect(await countdownText()).toMatch(/^Try again in (1 second|2 seconds)\.$/);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.gh-choice')].every((b) => !(b as HTMLButtonElement).disabled),
    );
    expect(await countdownText()).toBe('You can try again now.');
  });

  it('French and German', async () => {
    await h.render(fixture('select-authenticator').body, {
      language: 'fr',
      memory: { retryWait: waiting(30_000) },
    });
    // French keeps the number and its unit together with a no-break space (Intl's form).
    expect(await countdownText()).toMatch(/^Réessayez dans (29|30)\u00a0secondes\.$/);
    await h.render(fixture('identify-password').body, {
      language: 'de',
      memory: { retryWait: waiting(30_000) },
    });
    expect(await countdownText()).toMatch(/^Versuchen Sie es in (29|30) Sekunden erneut\.$/);
  });
});
