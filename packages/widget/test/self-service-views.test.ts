/**
 * Component tests of the sign-up and unlock views: the recorded envelopes of a real Gatehouse
 * (test/fixtures, checked by fixtures.test.ts) rendered by the real shell and views in Chromium,
 * read and operated by label, role and keyboard.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import { describe, expect, it } from 'vitest';
import { axeViolations, fixture, useHarness } from './support/chromium.js';

const h = useHarness();

const title = () => h.page.getByRole('heading', { level: 2 }).textContent();
const focusedLabel = () =>
  h.page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const id = el?.getAttribute('id');
    return (id ? document.querySelector(`label[for="${id}"]`)?.textContent : null) ?? el?.textContent ?? null;
  });
/** The text an input's `aria-describedby` points at (hint, error). */
const description = (label: string) =>
  h.page.getByLabel(label, { exact: true }).evaluate((input) =>
    (input.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' | '),
  );

describe('the sign-in form offers sign-up and unlock when the server does', () => {
  it('"Unlock account?" and "Don\'t have an account? Sign up" post their field-less steps', async () => {
    await h.render(fixture('identify-sign-up').body);
    const { page } = h;
    expect(await page.locator('.gh-sign-up').textContent()).toBe("Don't have an account? Sign up");
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('button', { name: 'Unlock account?' }).click();
    expect(await h.calls()).toEqual([
      { type: 'submit', name: 'select-enroll-profile', body: { stateHandle: '02stateHandle' } },
      { type: 'submit', name: 'unlock-account', body: { stateHandle: '02stateHandle' } },
    ]);
  });

  it('no links when the app offers neither', async () => {
    await h.render(fixture('identify-password').body);
    expect(await h.page.getByRole('button', { name: 'Sign up' }).count()).toBe(0);
    expect(await h.page.getByRole('button', { name: 'Unlock account?' }).count()).toBe(0);
  });
});

describe('sign-up profile (enroll-profile)', () => {
  it("built from the server's fields: labels, Optional, maxLength, a checkbox; posts userProfile", async () => {
    await h.render(fixture('enroll-profile').body);
    const { page } = h;
    expect(await title()).toBe('Sign up');
    const first = page.getByLabel('First name');
    expect(await first.getAttribute('aria-required')).toBe('true');
    expect(await first.getAttribute('maxlength')).toBe('50');
    expect(await first.getAttribute('autocomplete')).toBe('given-name');
    const email = page.getByLabel('Email');
    expect(await email.getAttribute('type')).toBe('email');
    expect(await email.getAttribute('maxlength')).toBe('254');
    const color = page.getByLabel('Favorite color');
    expect(await color.getAttribute('aria-required')).toBeNull();
    expect(await color.getAttribute('maxlength')).toBe('20');
    expect(await description('Favorite color')).toBe('Optional');
    expect(await page.getByLabel('Send me the newsletter').getAttribute('type')).toBe('checkbox');
    expect(await focusedLabel()).toBe('First name');

    await first.fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await email.fill('grace@example.com');
    await page.getByLabel('Send me the newsletter').check();
    await page.getByRole('button', { name: 'Sign up' }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'enroll-profile',
        // The optional attribute left empty is not sent.
        body: {
          userProfile: {
            firstName: 'Grace',
            lastName: 'Hopper',
            email: 'grace@example.com',
            newsletter: true,
          },
          stateHandle: '02stateHandle',
        },
      },
    ]);
  });

  it('blank required fields: an error under each, focus on the first, nothing posted', async () => {
    await h.render(fixture('enroll-profile').body);
    const { page } = h;
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByRole('button', { name: 'Sign up' }).click();
    expect(await page.getByLabel('First name').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Last name').getAttribute('aria-invalid')).toBeNull();
    expect(await description('Email')).toBe('This field cannot be left blank');
    expect(await focusedLabel()).toBe('First name');
    expect(await h.calls()).toEqual([]);
  });

  it('a taken email (reveal mode): the error under Email, the banner, afterError with the key', async () => {
    await h.render(fixture('enroll-profile-email-taken').body);
    const { page } = h;
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    expect(await description('Email')).toBe('A user with this email address already exists');
    expect(await page.getByLabel('First name').getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('.gh-banner').textContent()).toBe(
      'We found some errors. Please review the form and make corrections.',
    );
    const events = await h.events();
    expect(events.at(-1)).toMatchObject({
      name: 'afterError',
      args: [{ formName: 'enroll-profile' }, { keys: ['registration.error.notUniqueWithinOrg'] }],
    });
  });

  it('an address that is not one: its own message under Email', async () => {
    await h.render(fixture('enroll-profile-error').body);
    expect(await description('Email')).toBe('Enter an email address, like name@example.com');
  });

  it('what was typed comes back with the errors, the checkbox too', async () => {
    await h.render(fixture('enroll-profile-email-taken').body, {
      memory: {
        lastInputs: {
          'userProfile.firstName': 'Grace',
          'userProfile.email': 'ada.lovelace@example.com',
          'userProfile.newsletter': true,
        },
      },
    });
    expect(await h.page.getByLabel('First name').inputValue()).toBe('Grace');
    expect(await h.page.getByLabel('Email').inputValue()).toBe('ada.lovelace@example.com');
    expect(await h.page.getByLabel('Send me the newsletter').isChecked()).toBe(true);
  });

  it("a base attribute the app relabelled (customLabel) shows the server's label", async () => {
    // What the server sends for `--profile-attribute 'email;label=Work email'`
    // (packages/server/src/protocol/idx/serialize-enrollment.ts): the recorded form, relabelled.
    const body = fixture('enroll-profile').body as unknown as IdxResponse;
    const profile = body.remediation!.value[0]!.value.find((f) => f.name === 'userProfile')!.form!.value;
    Object.assign(profile.find((f) => f.name === 'email')!, { label: 'Work email', customLabel: true });
    Object.assign(profile.find((f) => f.name === 'lastName')!, { label: 'Surname' });
    await h.render(body);
    const { page } = h;
    expect(await page.getByLabel('Work email').getAttribute('type')).toBe('email');
    expect(await page.getByLabel('Email', { exact: true }).count()).toBe(0);
    // Without customLabel the widget's own (translated) label stays.
    expect(await page.getByLabel('Last name').count()).toBe(1);
    expect(await page.getByLabel('Surname').count()).toBe(0);
  });

  it('"Already have an account?" posts select-identify', async () => {
    await h.render(fixture('enroll-profile').body);
    await h.page.getByRole('button', { name: 'Already have an account?' }).click();
    expect(await h.calls()).toEqual([
      { type: 'submit', name: 'select-identify', body: { stateHandle: '02stateHandle' } },
    ]);
  });
});

describe('what to set up (select-authenticator-enroll)', () => {
  it('"Required now": one Set up button per option, no way to skip', async () => {
    await h.render(fixture('select-enroll-email').body);
    const { page } = h;
    expect(await title()).toBe('Set up security methods');
    expect(await page.locator('.gh-list-title').textContent()).toBe('Required now');
    expect(await page.getByRole('button', { name: 'Continue' }).count()).toBe(0);
    const email = page.getByRole('button', { name: /Email/ });
    expect(await email.textContent()).toBe('EEmailVerify your email address with a codeSet up');
    await email.click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'select-authenticator-enroll',
        body: { authenticator: { id: 'autEmail' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('"Optional" with skip offered: Continue posts skip', async () => {
    await h.render(fixture('select-enroll-optional').body);
    const { page } = h;
    expect(await page.locator('.gh-list-title').textContent()).toBe('Optional');
    expect(await page.getByRole('button', { name: /Password/ }).count()).toBe(1);
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await h.calls()).toEqual([
      { type: 'submit', name: 'skip', body: { stateHandle: '02stateHandle' } },
    ]);
  });
});

describe('setting up Email and a password (enroll-authenticator)', () => {
  it('Email: the address typed at sign-up, the code input at once, Send again after its countdown', async () => {
    await h.render(fixture('enroll-email').body, { resendInMs: 0 });
    const { page } = h;
    expect(await title()).toBe('Verify your email address');
    expect(await page.locator('.gh-text strong').textContent()).toBe('grace.hopper@example.com');
    expect(await focusedLabel()).toBe('Verification code');
    await page.getByRole('button', { name: 'Send again' }).click();
    await page.getByLabel('Verification code').fill('123456');
    await page.keyboard.press('Enter');
    expect(await h.calls()).toEqual([
      { type: 'invoke', name: 'resend' },
      {
        type: 'submit',
        name: 'enroll-authenticator',
        body: { credentials: { passcode: '123456' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('Email: a wrong code on the input', async () => {
    await h.render(fixture('enroll-email-error').body);
    expect(await description('Verification code')).toBe('Invalid code. Try again.');
  });

  it('password: the rules from currentAuthenticator.settings, typed twice, checked before posting', async () => {
    await h.render(fixture('enroll-password').body);
    const { page } = h;
    expect(await title()).toBe('Set up a password');
    expect(await page.locator('.gh-subtitle').textContent()).toBe(
      'Choose a password for grace.hopper@example.com.',
    );
    const rules = await page.locator('.gh-rule').allTextContents();
    expect(rules[0]).toMatch(/^At least 15 characters/);
    expect(rules.some((r) => r.startsWith('No parts of your username'))).toBe(true);
    // A new account has no password history to repeat.
    expect(rules.some((r) => r.startsWith('Not one of your last'))).toBe(false);
    await page.getByLabel('Password', { exact: true }).fill('Plum-Orchard-Lantern-42');
    await page.getByLabel('Re-enter password').fill('Plum-Orchard-Lantern-41');
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await description('Re-enter password')).toBe('New passwords must match');
    expect(await h.calls()).toEqual([]);
    await page.getByLabel('Re-enter password').fill('Plum-Orchard-Lantern-42');
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'enroll-authenticator',
        body: { credentials: { passcode: 'Plum-Orchard-Lantern-42' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it("password: the server's refusal on the field", async () => {
    await h.render(fixture('enroll-password-error').body);
    expect(await h.page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await h.page.locator('.gh-field-error:visible').textContent()).toMatch(
      /^Password requirements were not met\. /,
    );
  });
});

describe('unlock', () => {
  it('the form: a blank username is refused on its field; a choice posts the username with it', async () => {
    await h.render(fixture('unlock-account').body);
    const { page } = h;
    expect(await title()).toBe('Unlock account');
    expect(await focusedLabel()).toBe('Username');
    await page.getByRole('button', { name: /Email/ }).click();
    expect(await description('Username')).toBe('This field cannot be left blank');
    expect(await focusedLabel()).toBe('Username');
    expect(await h.calls()).toEqual([]);
    await page.getByLabel('Username').fill('alan.turing@example.com');
    await page.getByRole('button', { name: /Email/ }).click();
    // Enter in the username field: the only authenticator is the choice.
    await page.getByLabel('Username').press('Enter');
    const submitted = {
      type: 'submit',
      name: 'select-authenticator-unlock-account',
      body: {
        identifier: 'alan.turing@example.com',
        authenticator: { id: 'autEmail' },
        stateHandle: '02stateHandle',
      },
    };
    expect(await h.calls()).toEqual([submitted, submitted]);
  });

  it('the code: the email challenge view, the masked address, the code behind "Enter a code instead"', async () => {
    await h.render(fixture('unlock-challenge').body);
    const { page } = h;
    expect(await title()).toBe('Check your email');
    expect(await page.locator('.gh-text strong').textContent()).toBe('a***g@example.com');
    await page.getByRole('button', { name: 'Enter a code instead' }).click();
    await page.getByLabel('Verification code').fill('123456');
    await page.keyboard.press('Enter');
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'challenge-authenticator',
        body: { credentials: { passcode: '123456' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('"Account successfully unlocked!" with Back to sign in, announced politely', async () => {
    await h.render(fixture('unlocked').body);
    const { page } = h;
    expect(await title()).toBe('Account successfully unlocked!');
    expect(await page.locator('.gh-view--unlocked .gh-text').textContent()).toBe(
      'You can sign in with your username and password.',
    );
    await page.waitForFunction(() =>
      document.querySelector('[role="status"]')?.textContent?.startsWith('Account successfully unlocked!'),
    );
    await page.getByRole('button', { name: 'Back to sign in' }).click();
    expect(await h.calls()).toEqual([{ type: 'restart' }]);
  });

  it('unlock that goes on signing in: the INFO message above the next step', async () => {
    await h.render(fixture('unlocked-sign-in').body);
    const { page } = h;
    expect(await title()).toBe("Verify it's you with a security method");
    expect(await page.locator('.gh-banner--info').textContent()).toBe(
      'Account successfully unlocked! Verify your account with a security method to continue.',
    );
    await page.waitForFunction(() =>
      document.querySelector('[role="status"]')?.textContent?.startsWith('Account successfully unlocked!'),
    );
  });
});

describe('French and German', () => {
  it('French sign-up form, with the taken-email error', async () => {
    await h.render(fixture('enroll-profile-email-taken').body, { language: 'fr' });
    const { page } = h;
    expect(await title()).toBe('Inscription');
    expect(await page.getByLabel('Prénom').count()).toBe(1);
    expect(await description('Adresse e-mail')).toBe('Un utilisateur existe déjà avec cette adresse e-mail');
    expect(await page.getByRole('button', { name: "S'inscrire" }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Vous avez déjà un compte ?' }).count()).toBe(1);
  });

  it('German: what to set up, optional with Weiter; the unlock form; unlocked', async () => {
    await h.render(fixture('select-enroll-optional').body, { language: 'de' });
    expect(await title()).toBe('Sicherheitsmethoden einrichten');
    expect(await h.page.getByRole('button', { name: 'Weiter' }).count()).toBe(1);
    await h.render(fixture('unlock-account').body, { language: 'de' });
    expect(await title()).toBe('Konto entsperren');
    expect(await h.page.getByLabel('Benutzername').count()).toBe(1);
    await h.render(fixture('unlocked').body, { language: 'de' });
    expect(await title()).toBe('Konto erfolgreich entsperrt!');
    await h.render(fixture('identify-sign-up').body, { language: 'de' });
    expect(await h.page.locator('.gh-sign-up').textContent()).toBe('Noch kein Konto? Registrieren');
    expect(await h.page.getByRole('button', { name: 'Konto entsperren?' }).count()).toBe(1);
  });
});

describe('accessibility of the new views (axe-core, WCAG 2.1 A/AA)', () => {
  it.each([
    'identify-sign-up',
    'enroll-profile',
    'enroll-profile-email-taken',
    'enroll-profile-error',
    'select-enroll-email',
    'select-enroll-optional',
    'enroll-email',
    'enroll-email-error',
    'enroll-password',
    'enroll-password-error',
    'unlock-account',
    'unlock-challenge',
    'unlocked',
    'unlocked-sign-in',
  ])('%s has no serious or critical violations', async (name) => {
    await h.render(fixture(name).body);
    expect(await axeViolations(h.page)).toEqual([]);
    expect(h.errors).toEqual([]);
  });
});
