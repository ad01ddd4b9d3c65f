/**
 * Component tests of the renderer: each recorded server envelope (test/fixtures, checked against
 * a live server by fixtures.test.ts) rendered by the real shell and views in Chromium, then read
 * and operated the way a user does — by label, role and keyboard.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations, fixture, useHarness } from './support/chromium.js';

const h = useHarness();

const focusedLabel = () =>
  h.page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return null;
    const id = el.getAttribute('id');
    const label = id ? document.querySelector(`label[for="${id}"]`)?.textContent : null;
    return label ?? el.textContent;
  });

describe('identify', () => {
  it('one-step form: labelled username and password, forgot link, posts the nested body', async () => {
    await h.render(fixture('identify-password').body);
    const { page } = h;
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Sign in');
    await page.getByLabel('Username').fill('ada.lovelace@example.com');
    await page.getByLabel('Password', { exact: true }).fill('s3cret!');
    expect(await page.getByRole('button', { name: 'Forgot password?' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'identify',
        body: {
          identifier: 'ada.lovelace@example.com',
          credentials: { passcode: 's3cret!' },
          stateHandle: '02stateHandle',
        },
      },
    ]);
  });

  it('focuses the first input of a new step', async () => {
    await h.render(fixture('identify-password').body);
    expect(await focusedLabel()).toBe('Username');
  });

  it('blank required fields: errors on the fields, focus on the first, nothing posted', async () => {
    await h.render(fixture('identify-password').body);
    const { page } = h;
    await page.getByRole('button', { name: 'Sign in' }).click();
    const username = page.getByLabel('Username');
    expect(await username.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await username.getAttribute('aria-describedby'))!;
    expect(await page.locator(`#${describedBy}`).textContent()).toBe('This field cannot be left blank');
    expect(await focusedLabel()).toBe('Username');
    expect(await h.calls()).toEqual([]);
  });

  it('shows "Unable to sign in" with what to check for errors.E0000004 and reports afterError', async () => {
    await h.render(fixture('identify-password-error').body);
    expect(await h.page.locator('.gh-banner').textContent()).toBe(
      'Unable to sign in. Check your username and password, then try again.',
    );
    // The banner is announced through the assertive live region.
    await h.page.waitForFunction(
      () =>
        document.querySelector('[aria-live="assertive"]')?.textContent ===
        'Unable to sign in. Check your username and password, then try again.',
    );
    const events = await h.events();
    expect(events.map((e) => e.name)).toEqual(['ready', 'afterRender', 'afterError']);
    expect(events[2]!.args[1]).toEqual({
      message: 'Unable to sign in. Check your username and password, then try again.',
      keys: ['errors.E0000004'],
    });
  });

  it('the same step back with an error keeps what was typed, except secrets', async () => {
    await h.render(fixture('identify-password-error').body, {
      memory: {
        lastInputs: { identifier: 'ada.lovelace@example.com', 'credentials.passcode': 'typed-secret' },
      },
    });
    expect(await h.page.getByLabel('Username').inputValue()).toBe('ada.lovelace@example.com');
    expect(await h.page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
  });

  it('"Forgot password?" invokes the recover action of currentAuthenticator', async () => {
    await h.render(fixture('identify-password').body);
    await h.page.getByRole('button', { name: 'Forgot password?' }).click();
    expect(await h.calls()).toEqual([{ type: 'invoke', name: 'recover' }]);
  });

  it('identifier first: only the username, "Next", no forgot link', async () => {
    await h.render(fixture('identify').body);
    expect(await h.page.getByLabel('Password').count()).toBe(0);
    expect(await h.page.getByRole('button', { name: 'Forgot password?' }).count()).toBe(0);
    await h.page.getByLabel('Username').fill('ada');
    await h.page.getByLabel('Username').press('Enter');
    expect(await h.calls()).toEqual([
      { type: 'submit', name: 'identify', body: { identifier: 'ada', stateHandle: '02stateHandle' } },
    ]);
  });

  it('the password can be shown and hidden', async () => {
    await h.render(fixture('identify-password').body);
    const password = h.page.getByLabel('Password', { exact: true });
    const toggle = h.page.getByRole('button', { name: 'Show password' });
    expect(await password.getAttribute('type')).toBe('password');
    await toggle.click();
    expect(await password.getAttribute('type')).toBe('text');
    expect(await h.page.getByRole('button', { name: 'Hide password' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
  });

  it('recovery identify: "Reset your password" and back to sign in', async () => {
    await h.render(fixture('identify-recovery').body);
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe('Reset your password');
    await h.page.getByRole('button', { name: 'Back to sign in' }).click();
    expect(await h.calls()).toEqual([{ type: 'restart' }]);
  });
});

describe('choose an authenticator', () => {
  it('one button per option with the related authenticator; posts its id', async () => {
    await h.render(fixture('select-authenticator').body);
    const { page } = h;
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe(
      "Verify it's you with a security method",
    );
    const email = page.getByRole('button', { name: /^E?Email/ });
    expect(await email.textContent()).toContain('a***e@example.com');
    await email.click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'select-authenticator-authenticate',
        body: { authenticator: { id: 'autEmail' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('recovery variant is titled "Reset your password"', async () => {
    await h.render(fixture('select-recovery').body);
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe('Reset your password');
  });
});

describe('password challenge', () => {
  it('password, forgot link from the enrollment, signed-in-as subtitle', async () => {
    await h.render(fixture('challenge-password').body);
    const { page } = h;
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Verify with your password');
    expect(await page.locator('.gh-subtitle').textContent()).toBe(`Signing in as ada.lovelace@example.com`);
    await page.getByRole('button', { name: 'Forgot password?' }).click();
    await page.getByLabel('Password', { exact: true }).fill('pw');
    await page.getByRole('button', { name: 'Verify' }).click();
    expect(await h.calls()).toEqual([
      { type: 'invoke', name: 'recover' },
      {
        type: 'submit',
        name: 'challenge-authenticator',
        body: { credentials: { passcode: 'pw' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('"Password is incorrect" banner', async () => {
    await h.render(fixture('challenge-password-error').body);
    expect(await h.page.locator('.gh-banner').textContent()).toBe('Password is incorrect');
  });
});

describe('email challenge', () => {
  it('"Check your email" with the masked address; the code input behind "Enter a code instead"', async () => {
    await h.render(fixture('challenge-email').body, { resendInMs: 30_000 });
    const { page } = h;
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Check your email');
    expect(await page.locator('.gh-view').textContent()).toContain('We sent an email to a***e@example.com.');
    expect(await page.getByLabel('Verification code').isVisible()).toBe(false);
    const reveal = page.getByRole('button', { name: 'Enter a code instead' });
    expect(await reveal.getAttribute('aria-expanded')).toBe('false');
    await reveal.click();
    const code = page.getByLabel('Verification code');
    expect(await code.isVisible()).toBe(true);
    expect(await focusedLabel()).toBe('Verification code');
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    await code.fill('123456');
    await code.press('Enter');
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'challenge-authenticator',
        body: { credentials: { passcode: '123456' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('"Send again" waits for its countdown, then invokes resend', async () => {
    await h.render(fixture('challenge-email').body, { resendInMs: 2_000 });
    const { page } = h;
    const resend = page.locator('.gh-link--resend');
    expect(await resend.isDisabled()).toBe(true);
    expect(await resend.textContent()).toMatch(/^Send again in [12] s$/);
    await page.waitForFunction(
      () => (document.querySelector('.gh-link--resend') as HTMLButtonElement).disabled === false,
      null,
      {
        timeout: 4_000,
      },
    );
    expect(await resend.textContent()).toBe('Send again');
    await resend.click();
    expect(await h.calls()).toEqual([{ type: 'invoke', name: 'resend' }]);
  });

  it('a wrong code shows the input with its field error, no banner saying it again, and focuses it', async () => {
    await h.render(fixture('challenge-email-error').body);
    const { page } = h;
    const code = page.getByLabel('Verification code');
    expect(await code.isVisible()).toBe(true);
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.gh-field-error').textContent()).toBe('Invalid code. Try again.');
    // One field: its own error says it all (a form of several fields gets the summary banner).
    expect(await page.locator('.gh-banner:visible').count()).toBe(0);
    expect(await focusedLabel()).toBe('Verification code');
    await page.waitForFunction(
      () => document.querySelector('[aria-live="assertive"]')?.textContent === 'Invalid code. Try again.',
    );
    const events = await h.events();
    expect(events.at(-1)).toMatchObject({
      name: 'afterError',
      args: [{ formName: 'challenge-authenticator' }, { message: 'Invalid code. Try again.' }],
    });
  });

  it('the throttled resend answer keeps the challenge with the rate-limit message', async () => {
    await h.render(fixture('challenge-email-resend-throttled').body);
    expect(await h.page.locator('.gh-banner').textContent()).toBe(
      'You exceeded the maximum number of requests. Try again in a while.',
    );
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe('Check your email');
  });

  it('the code stays revealed across re-renders of the same challenge', async () => {
    await h.render(fixture('challenge-email').body, { memory: { codeRevealed: true } });
    expect(await h.page.getByLabel('Verification code').isVisible()).toBe(true);
  });
});

describe('new password', () => {
  it('live checklist from settings.complexity, history and strength; confirmation is client-side only', async () => {
    await h.render(fixture('reset-authenticator').body);
    const { page } = h;
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Set a new password');
    const rules = page.locator('.gh-rule');
    const texts = await rules.allTextContents();
    expect(texts.some((t) => t.startsWith('At least'))).toBe(true);
    expect(texts.some((t) => t.startsWith('Not one of your last'))).toBe(true);
    // settings.strength: stated, never checked in the browser (the server's dictionaries are not here).
    const strength = rules.filter({ hasText: /^Hard to guess: no common words, names or patterns/ });
    expect(await strength.count()).toBe(1);
    const password = page.getByLabel('New password');
    // The checklist is part of the input's description.
    const describedBy = (await password.getAttribute('aria-describedby'))!.split(' ');
    expect(await page.locator('.gh-rules').getAttribute('id')).toBe(describedBy.at(-1));
    const length = rules.filter({ hasText: /^At least \d+ characters/ });
    expect(await length.getAttribute('class')).not.toContain('gh-rule--met');
    await password.fill('Correct-Horse-Battery-42');
    expect(await length.getAttribute('class')).toContain('gh-rule--met');
    expect(await length.textContent()).toContain('(met)');
    expect(await strength.getAttribute('class')).not.toContain('gh-rule--met');
    expect(await strength.textContent()).not.toMatch(/\((met|not met)\)/);
    await page.getByLabel('Re-enter password').fill('something else');
    await page.getByRole('button', { name: 'Reset password' }).click();
    expect(await page.locator('.gh-field-error:visible').textContent()).toBe('New passwords must match');
    expect(await focusedLabel()).toBe('Re-enter password');
    await page.getByLabel('Re-enter password').fill('Correct-Horse-Battery-42');
    await page.getByRole('button', { name: 'Reset password' }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'reset-authenticator',
        body: { credentials: { passcode: 'Correct-Horse-Battery-42' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('a password breaking a stated rule is not posted', async () => {
    await h.render(fixture('reset-authenticator').body);
    await h.page.getByLabel('New password').fill('short');
    await h.page.getByLabel('Re-enter password').fill('short');
    await h.page.getByRole('button', { name: 'Reset password' }).click();
    expect(await h.page.locator('.gh-field-error:visible').textContent()).toContain(
      'Password requirements were not met.',
    );
    expect(await h.calls()).toEqual([]);
  });

  it("the server's refusal is shown on the field", async () => {
    await h.render(fixture('reset-authenticator-error').body);
    expect(await h.page.getByLabel('New password').getAttribute('aria-invalid')).toBe('true');
    expect(await h.page.locator('.gh-field-error:visible').textContent()).toMatch(
      /^Password requirements were not met\. /,
    );
  });
});

describe('terminal pages', () => {
  it('session expired: message and "Back to sign in"', async () => {
    await h.render(fixture('session-expired').body);
    const { page } = h;
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Your session has expired');
    expect(await page.locator('.gh-banner').textContent()).toBe(
      'You have been logged out due to inactivity. Refresh or return to the sign in screen.',
    );
    await page.getByRole('button', { name: 'Back to sign in' }).click();
    expect(await h.calls()).toEqual([{ type: 'restart' }]);
  });

  it('"Flow continued in a new tab" has no way back', async () => {
    await h.render(fixture('transferred').body);
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe('Flow continued in a new tab');
    expect(await h.page.getByRole('button').count()).toBe(0);
  });

  it('a magic link opened in another browser shows the code to type in the original tab', async () => {
    await h.render({
      version: '1.0.0',
      messages: {
        type: 'array',
        value: [
          { message: 'x', i18n: { key: 'idx.enter.otp.in.original.tab', params: ['482913'] }, class: 'INFO' },
        ],
      },
    });
    expect(await h.page.locator('.gh-otp').textContent()).toMatch(
      /^Enter this code in your original tab:\s+482913$/,
    );
    expect(await h.page.getByRole('button').count()).toBe(0);
  });

  it('too many wrong codes ends on a terminal page with a way back', async () => {
    await h.render(fixture('challenge-locked').body);
    expect(await h.page.locator('.gh-banner').textContent()).toBe(
      'Too many wrong codes. Start again to get a new code.',
    );
    expect(await h.page.getByRole('button', { name: 'Back to sign in' }).count()).toBe(1);
  });

  it('success: "Signing in…" while the code is exchanged', async () => {
    await h.render(fixture('success').body);
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe('Signing in…');
  });
});

describe('generic renderer', () => {
  // A remediation Gatehouse does not send (a made-up name, in the shapes Okta's forms use: nested
  // objects, a secret, a checkbox, options): the widget must still render and post it.
  const enrollProfile = {
    version: '1.0.0',
    stateHandle: '02generic',
    remediation: {
      type: 'array',
      value: [
        {
          rel: ['create-form'],
          name: 'collect-details',
          href: 'https://id.example.test/idp/idx/enroll/new',
          method: 'POST',
          accepts: 'application/json; okta-version=1.0.0',
          value: [
            {
              name: 'userProfile',
              type: 'object',
              form: {
                value: [
                  { name: 'firstName', label: 'First name', required: true },
                  {
                    name: 'email',
                    label: 'Email',
                    required: true,
                    messages: {
                      type: 'array',
                      value: [{ message: 'Already taken', i18n: { key: 'x.unknown' }, class: 'ERROR' }],
                    },
                  },
                ],
              },
            },
            {
              name: 'credentials',
              type: 'object',
              form: { value: [{ name: 'passcode', label: 'Choose a password', secret: true }] },
            },
            { name: 'newsletter', label: 'Send me news', type: 'boolean', value: false },
            {
              name: 'plan',
              label: 'Plan',
              options: [
                { label: 'Free', value: 'free' },
                { label: 'Pro', value: 'pro' },
              ],
            },
            { name: 'locale', value: 'en', mutable: false },
            { name: 'stateHandle', required: true, value: '02generic', visible: false, mutable: false },
          ],
        },
      ],
    },
    cancel: {
      rel: ['create-form'],
      name: 'cancel',
      href: 'https://id.example.test/idp/idx/cancel',
      method: 'POST',
      accepts: 'application/json',
      value: [],
    },
  };

  it('every field labelled (nested ones too), messages on fields, body re-nested with immutables', async () => {
    await h.render(enrollProfile);
    const { page } = h;
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Email').fill('ada@example.com');
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.gh-field-error:visible').first().textContent()).toBe('Already taken');
    await page.getByLabel('Choose a password').fill('pw');
    expect(await page.getByLabel('Choose a password').getAttribute('type')).toBe('password');
    await page.getByLabel('Send me news').check();
    await page.getByLabel('Pro').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'collect-details',
        body: {
          userProfile: { firstName: 'Ada', email: 'ada@example.com' },
          credentials: { passcode: 'pw' },
          newsletter: true,
          plan: 'pro',
          locale: 'en',
          stateHandle: '02generic',
        },
      },
    ]);
    expect(await page.getByRole('button', { name: 'Back to sign in' }).count()).toBe(1);
  });

  it('server and configuration strings are text, never markup', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const body = structuredClone(fixture('identify-password-error').body);
    const messages = body.messages as { value: Array<{ message: string; i18n: { key: string } }> };
    messages.value[0]!.message = hostile;
    messages.value[0]!.i18n.key = 'not.a.known.key';
    await h.render(body, { i18n: { en: { 'primaryauth.title': hostile } }, brandName: hostile });
    expect(await h.page.locator('.gh-banner').textContent()).toBe(hostile);
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe(hostile);
    expect(await h.page.locator('.gh-widget img').count()).toBe(0);
    expect(await h.page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
  });
});

describe('i18n', () => {
  it('French: widget words and server keys translated', async () => {
    await h.render(fixture('identify-password-error').body, { language: 'fr' });
    const { page } = h;
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Connexion');
    expect(await page.getByLabel("Nom d'utilisateur").count()).toBe(1);
    expect(await page.locator('.gh-banner').textContent()).toBe(
      "Connexion impossible. Vérifiez votre nom d'utilisateur et votre mot de passe, puis réessayez.",
    );
    expect(await page.locator('.gh-widget').getAttribute('lang')).toBe('fr');
  });

  it('German email challenge', async () => {
    await h.render(fixture('challenge-email-error').body, { language: 'de' });
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe('Prüfen Sie Ihre E-Mails');
    expect(await h.page.locator('.gh-field-error:visible').textContent()).toBe(
      'Ungültiger Code. Versuchen Sie es erneut.',
    );
  });

  it('i18n overrides win over the bundled text, per language, with English fallback', async () => {
    await h.render(fixture('identify').body, {
      language: 'de-CH',
      i18n: { de: { 'primaryauth.title': 'Willkommen bei Acme' }, en: { 'oform.next': 'never used' } },
    });
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe('Willkommen bei Acme');
    expect(await h.page.getByRole('button', { name: 'Weiter' }).count()).toBe(1);
  });

  it('a language only the overrides provide', async () => {
    await h.render(fixture('identify').body, {
      language: 'es',
      i18n: { es: { 'primaryauth.title': 'Iniciar sesión' } },
    });
    expect(await h.page.getByRole('heading', { level: 2 }).textContent()).toBe('Iniciar sesión');
    expect(await h.page.getByRole('button', { name: 'Next' }).count()).toBe(1);
  });
});

describe('accessibility of every view (axe-core, WCAG 2.1 A/AA)', () => {
  const views = [
    'identify-password',
    'identify-password-error',
    'identify',
    'identify-recovery',
    'select-authenticator',
    'select-recovery',
    'challenge-password-error',
    'challenge-email',
    'challenge-email-error',
    'reset-authenticator',
    'reset-authenticator-error',
    'session-expired',
    'transferred',
    'challenge-locked',
    'success',
  ];
  it.each(views)('%s has no serious or critical violations', async (name) => {
    await h.render(fixture(name).body);
    expect(await axeViolations(h.page)).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('keyboard only: tab order of the one-step form', async () => {
    await h.render(fixture('identify-password').body);
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      order.push(String(await focusedLabel()));
      await h.page.keyboard.press('Tab');
    }
    expect(order).toEqual(['Username', 'Password', 'Show password', 'Sign in', 'Forgot password?']);
  });
});
