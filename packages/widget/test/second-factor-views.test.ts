/**
 * Component tests of the second-factor views: an authenticator app's set-up and challenge, a
 * passkey's set-up and challenge (docs/protocol/idx-protocol-2.md §5, §6), from the recorded
 * envelopes of a real Gatehouse (test/fixtures, checked by fixtures.test.ts), rendered by the real
 * shell and views in Chromium. The browser's `navigator.credentials` is replaced by a stub that
 * records the options it gets and answers (or refuses) as told; the real ceremony runs in
 * test/e2e/passkey.test.ts with Chromium's virtual authenticator.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { axeViolations, fixture, useHarness } from './support/chromium.js';
import { FIXTURE_SECRET } from './support/record-second-factors.js';

const h = useHarness();

const title = () => h.page.getByRole('heading', { level: 2 }).textContent();
const focused = () =>
  h.page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const id = el?.getAttribute('id');
    return (id ? document.querySelector(`label[for="${id}"]`)?.textContent : null) ?? el?.textContent ?? null;
  });
const description = (label: string) =>
  h.page.getByLabel(label, { exact: true }).evaluate((input) =>
    (input.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' | '),
  );

const CODE_LABEL = 'Enter the code from your authenticator app';

interface CeremonyCall {
  kind: 'create' | 'get';
  challenge: string;
  members: string[];
  rp?: unknown;
  user?: { id: string; name: string; displayName: string };
  excludeCredentials?: Array<{ id: string; transports?: string[] }>;
  allowCredentials?: Array<{ id: string; transports?: string[] }>;
  userVerification?: string;
  rpId?: string;
}

/**
 * Replaces `navigator.credentials.create/get`: each call is recorded (byte members as base64url)
 * and answered with a made-up credential, or refused with the DOMException named in
 * `window.passkeyRefusal`.
 */
async function stubPasskeys(refusal: string | null = null): Promise<void> {
  await h.page.evaluate((refuse) => {
    const w = window as unknown as { passkeyCalls: unknown[]; passkeyRefusal: string | null };
    w.passkeyCalls = [];
    w.passkeyRefusal = refuse;
    const b64url = (data: BufferSource) => {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer);
      return btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    };
    const bytes = (text: string) => new TextEncoder().encode(text).buffer;
    const descriptors = (list?: PublicKeyCredentialDescriptor[]) =>
      list?.map((c) => ({ id: b64url(c.id), ...(c.transports ? { transports: c.transports } : {}) }));
    const answer = async (
      kind: 'create' | 'get',
      options?: CredentialCreationOptions | CredentialRequestOptions,
    ) => {
      const o = options?.publicKey as PublicKeyCredentialCreationOptions & PublicKeyCredentialRequestOptions;
      w.passkeyCalls.push({
        kind,
        challenge: b64url(o.challenge),
        members: Object.keys(o).sort(),
        ...(o.rp ? { rp: o.rp } : {}),
        ...(o.user ? { user: { ...o.user, id: b64url(o.user.id) } } : {}),
        ...(o.excludeCredentials ? { excludeCredentials: descriptors(o.excludeCredentials) } : {}),
        ...(o.allowCredentials ? { allowCredentials: descriptors(o.allowCredentials) } : {}),
        ...(o.userVerification ? { userVerification: o.userVerification } : {}),
        ...(o.rpId ? { rpId: o.rpId } : {}),
      });
      if (w.passkeyRefusal) throw new DOMException('refused by the test', w.passkeyRefusal);
      const response =
        kind === 'create'
          ? {
              clientDataJSON: bytes('{"type":"webauthn.create"}'),
              attestationObject: bytes('attestation-object'),
              getTransports: () => ['internal'],
            }
          : {
              clientDataJSON: bytes('{"type":"webauthn.get"}'),
              authenticatorData: bytes('authenticator-data'),
              signature: bytes('signature'),
              userHandle: null,
            };
      return { id: 'credential', type: 'public-key', response } as unknown as Credential;
    };
    (window as unknown as { PublicKeyCredential: unknown }).PublicKeyCredential ??= () => {};
    Object.defineProperty(navigator, 'credentials', {
      configurable: true,
      value: {
        create: (o: CredentialCreationOptions) => answer('create', o),
        get: (o: CredentialRequestOptions) => answer('get', o),
      },
    });
  }, refusal);
}

const ceremonies = () =>
  h.page.evaluate(() => (window as unknown as { passkeyCalls: CeremonyCall[] }).passkeyCalls);
const refuseWith = (name: string | null) =>
  h.page.evaluate((n) => {
    (window as unknown as { passkeyRefusal: string | null }).passkeyRefusal = n;
  }, name);

/** Standard base64 of text, as the views post the made-up credential's parts. */
const b64 = (text: string) => Buffer.from(text).toString('base64');

function contextualData(name: string): Record<string, Record<string, unknown>> {
  const body = fixture(name).body as unknown as IdxResponse;
  return body.currentAuthenticator!.value.contextualData as Record<string, Record<string, unknown>>;
}

describe('the methods to set up', () => {
  it('an authenticator app and a passkey, each with its description; choosing one posts its id', async () => {
    await h.render(fixture('select-enroll-mfa').body);
    const { page } = h;
    expect(await title()).toBe('Set up security methods');
    const app = page.getByRole('button', { name: /Google Authenticator/ });
    expect(await app.locator('.gh-choice-description').textContent()).toBe(
      'Scan a QR code with an authenticator app',
    );
    const key = page.getByRole('button', { name: /Security key or biometric/ });
    expect(await key.locator('.gh-choice-description').textContent()).toBe(
      "Use your device's screen lock or a security key",
    );
    await key.click();
    await app.click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'select-authenticator-enroll',
        body: { authenticator: { id: 'autWebauthn' }, stateHandle: '02stateHandle' },
      },
      {
        type: 'submit',
        name: 'select-authenticator-enroll',
        body: { authenticator: { id: 'autGoogleOtp' }, stateHandle: '02stateHandle' },
      },
    ]);
  });
});

describe('setting up an authenticator app (enroll-authenticator, google_otp)', () => {
  it('the QR code with its alt text; "Can\'t scan?" shows the key; the first code is posted', async () => {
    await h.render(fixture('enroll-totp').body);
    const { page } = h;
    expect(await title()).toBe('Set up an authenticator app');
    expect(await focused()).toBe('Set up an authenticator app');
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    expect(await qr.getAttribute('src')).toBe(
      (contextualData('enroll-totp').qrcode as { href: string }).href,
    );
    const secret = page.locator('[data-se="shared-secret"]');
    expect(await secret.isVisible()).toBe(false);
    const cantScan = page.getByRole('button', { name: "Can't scan?" });
    expect(await cantScan.getAttribute('aria-expanded')).toBe('false');
    await cantScan.click();
    expect(await secret.isVisible()).toBe(true);
    expect(await secret.textContent()).toBe(FIXTURE_SECRET);
    expect(await page.locator('.gh-secret-block').textContent()).toContain(
      'In your authenticator app, add an account and enter this setup key:',
    );
    const code = page.getByLabel(CODE_LABEL);
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await code.getAttribute('inputmode')).toBe('numeric');
    await code.fill('123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'enroll-authenticator',
        body: { credentials: { passcode: '123456' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('"Copy key" puts the key on the clipboard and says so', async () => {
    await h.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await h.page.evaluate(() => {
      const w = window as unknown as { copied: string[] };
      w.copied = [];
      Object.defineProperty(navigator, 'clipboard', {
        configurable: true,
        value: { writeText: async (text: string) => void w.copied.push(text) },
      });
    });
    await h.render(fixture('enroll-totp').body);
    await h.page.getByRole('button', { name: "Can't scan?" }).click();
    expect(await focused()).toBe('Copy key');
    await h.page.getByRole('button', { name: 'Copy key' }).click();
    await h.page.getByRole('button', { name: 'Key copied' }).waitFor();
    expect(await h.page.evaluate(() => (window as unknown as { copied: string[] }).copied)).toEqual([
      FIXTURE_SECRET,
    ]);
    expect(await h.page.locator('.gh-secret-block [role="status"]').textContent()).toBe('Key copied');
  });

  it('a wrong first code: the error on the input, the key still shown once revealed', async () => {
    await h.render(fixture('enroll-totp-error').body, { memory: { secretShown: true } });
    expect(await description(CODE_LABEL)).toBe('Invalid code. Try again.');
    expect(await h.page.locator('[data-se="shared-secret"]').isVisible()).toBe(true);
    expect(await h.page.getByRole('button', { name: "Can't scan?" }).count()).toBe(0);
    expect((await h.events()).at(-1)).toMatchObject({
      name: 'afterError',
      args: [
        { controller: 'enroll-authenticator:google_otp', authenticatorKey: 'google_otp' },
        { keys: ['api.authn.error.PASSCODE_INVALID'] },
      ],
    });
  });

  it('a QR code that is not an inline image is not shown: the key is, at once', async () => {
    const body = fixture('enroll-totp').body as unknown as IdxResponse;
    const data = body.currentAuthenticator!.value.contextualData as { qrcode: { href: string } };
    data.qrcode.href = 'https://tracker.example/qr.png';
    await h.render(body);
    expect(await h.page.locator('img').count()).toBe(0);
    expect(await h.page.locator('[data-se="shared-secret"]').isVisible()).toBe(true);
  });
});

describe('the other methods beside a set-up or a challenge', () => {
  beforeEach(() => stubPasskeys());

  it('"Return to authenticator list" shows the list the server sent; choosing posts it', async () => {
    await h.render(fixture('enroll-totp').body);
    const { page } = h;
    await page.getByRole('button', { name: 'Return to authenticator list' }).click();
    expect(await title()).toBe('Set up security methods');
    expect(await focused()).toMatch(/^GGoogle Authenticator/);
    await page.getByRole('button', { name: /Security key or biometric/ }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'select-authenticator-enroll',
        body: { authenticator: { id: 'autWebauthn' }, stateHandle: '02stateHandle' },
      },
    ]);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('"Verify with something else" beside a passkey challenge stops its prompt', async () => {
    // A challenge of a user who also has an authenticator app: the list comes second.
    const body = fixture('challenge-webauthn').body as unknown as IdxResponse;
    const list = (fixture('select-enroll-mfa').body as unknown as IdxResponse).remediation!.value[0]!;
    body.remediation!.value.push({ ...list, name: 'select-authenticator-authenticate' });
    body.authenticators = (fixture('select-enroll-mfa').body as unknown as IdxResponse).authenticators!;
    await h.page.evaluate(() => {
      // The prompt stays open until it is aborted.
      const w = window as unknown as { aborted: number };
      w.aborted = 0;
      Object.defineProperty(navigator, 'credentials', {
        configurable: true,
        value: {
          create: () => new Promise(() => undefined),
          get: (o: CredentialRequestOptions) =>
            new Promise((_, reject) =>
              o.signal?.addEventListener('abort', () => {
                w.aborted++;
                reject(new DOMException('aborted', 'AbortError'));
              }),
            ),
        },
      });
    });
    await h.render(body);
    await h.page.getByText('Waiting for your passkey or security key…').waitFor();
    await h.page.getByRole('button', { name: 'Verify with something else' }).click();
    expect(await title()).toBe("Verify it's you with a security method");
    expect(await h.page.evaluate(() => (window as unknown as { aborted: number }).aborted)).toBe(1);
    await h.page.getByRole('button', { name: /Google Authenticator/ }).click();
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'select-authenticator-authenticate',
        body: { authenticator: { id: 'autGoogleOtp' }, stateHandle: '02stateHandle' },
      },
    ]);
    expect(await h.page.getByRole('alert').count()).toBe(0);
  });

  it('no link when the server sends no other list', async () => {
    await h.render(fixture('challenge-totp').body);
    expect(await h.page.locator('.gh-link--other-methods').count()).toBe(0);
  });
});

describe('an authenticator app at sign-in (challenge-authenticator, google_otp)', () => {
  it('the code from the app, labelled, posted', async () => {
    await h.render(fixture('challenge-totp').body);
    const { page } = h;
    expect(await title()).toBe('Verify with your authenticator app');
    expect(await page.locator('.gh-subtitle').textContent()).toBe('Signing in as mary.jackson@example.com');
    expect(await focused()).toBe(CODE_LABEL);
    await page.getByLabel(CODE_LABEL).fill('654321');
    await page.keyboard.press('Enter');
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'challenge-authenticator',
        body: { credentials: { passcode: '654321' }, stateHandle: '02stateHandle' },
      },
    ]);
  });

  it('a wrong code and a code already used: their messages on the input, which is emptied', async () => {
    await h.render(fixture('challenge-totp-error').body, {
      memory: { lastInputs: { 'credentials.passcode': '000000' } },
    });
    expect(await description(CODE_LABEL)).toBe('Invalid code. Try again.');
    expect(await h.page.getByLabel(CODE_LABEL).inputValue()).toBe('');
    await h.render(fixture('challenge-totp-used').body);
    expect(await description(CODE_LABEL)).toBe(
      'Each code can only be used once. Wait for a new code and try again.',
    );
    expect(await h.page.getByLabel(CODE_LABEL).getAttribute('aria-invalid')).toBe('true');
  });
});

describe('setting up a passkey (enroll-authenticator, webauthn)', () => {
  beforeEach(() => stubPasskeys());

  it('no inputs for the hidden answer; the button creates the credential; its parts are posted', async () => {
    await h.render(fixture('enroll-webauthn').body);
    const { page } = h;
    expect(await title()).toBe('Set up a passkey');
    expect(await page.locator('input').count()).toBe(0);
    expect(await focused()).toBe('Set up a passkey or security key');
    // Nothing starts before the user asks.
    await page.waitForTimeout(50);
    expect(await ceremonies()).toEqual([]);
    await page.getByRole('button', { name: 'Set up a passkey or security key' }).click();
    await expect.poll(async () => (await h.calls()).length).toBe(1);
    const activation = contextualData('enroll-webauthn').activationData!;
    const [call] = await ceremonies();
    expect(call).toMatchObject({
      kind: 'create',
      challenge: activation.challenge,
      rp: activation.rp,
      user: activation.user,
      excludeCredentials: [],
    });
    // W3C members only: never extensions (docs/protocol/idx-protocol-2.md §6.4).
    expect(call!.members).not.toContain('extensions');
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'enroll-authenticator',
        body: {
          credentials: {
            attestation: b64('attestation-object'),
            clientData: b64('{"type":"webauthn.create"}'),
            // The form declares the transports (hints for the next sign-in), as a JSON list.
            transports: '["internal"]',
          },
          stateHandle: '02stateHandle',
        },
      },
    ]);
  });

  it('the browser refuses (cancelled, already set up): a readable message, the button to retry', async () => {
    await stubPasskeys('NotAllowedError');
    await h.render(fixture('enroll-webauthn').body);
    const { page } = h;
    const button = page.getByRole('button', { name: 'Set up a passkey or security key' });
    await button.click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'The request was cancelled or timed out, or no passkey was found. Try again.',
    );
    expect(await button.isEnabled()).toBe(true);
    expect(await focused()).toBe('Set up a passkey or security key');
    expect(
      await button.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby')!)?.textContent),
    ).toBe('The request was cancelled or timed out, or no passkey was found. Try again.');
    await refuseWith('InvalidStateError');
    await button.click();
    await expect
      .poll(() => alert.textContent())
      .toBe('This passkey or security key is already set up. Try another one.');
    expect(await h.calls()).toEqual([]);
    await refuseWith(null);
    await button.click();
    await expect.poll(async () => (await h.calls()).length).toBe(1);
    expect(await page.getByRole('alert').isVisible()).toBe(false);
    expect(await ceremonies()).toHaveLength(3);
  });

  it("the server's refusal: its message in the banner, the button to try again", async () => {
    await h.render(fixture('enroll-webauthn-error').body);
    expect(await h.page.locator('.gh-banner--error').first().textContent()).toBe(
      'The passkey or security key could not be set up. Try again.',
    );
    await h.page.getByRole('button', { name: 'Set up a passkey or security key' }).click();
    await expect.poll(async () => (await h.calls()).length).toBe(1);
  });
});

describe('a passkey at sign-in (challenge-authenticator, webauthn)', () => {
  beforeEach(() => stubPasskeys());

  it("starts the browser's prompt at once with the user's credentials allowed, and posts the assertion", async () => {
    await h.render(fixture('challenge-webauthn').body);
    expect(await title()).toBe('Verify with your passkey');
    await expect.poll(async () => (await h.calls()).length).toBe(1);
    const challenge = contextualData('challenge-webauthn').challengeData!;
    const [call] = await ceremonies();
    expect(call).toEqual({
      kind: 'get',
      challenge: challenge.challenge,
      members: ['allowCredentials', 'challenge', 'rpId', 'timeout', 'userVerification'],
      // From the user's enrollments (authenticatorEnrollments), as Okta's clients build it.
      allowCredentials: (challenge.allowCredentials as Array<{ type: string }>).map(({ type: _, ...c }) => c),
      userVerification: 'preferred',
      rpId: 'localhost',
    });
    expect(await h.page.locator('input').count()).toBe(0);
    expect(await h.calls()).toEqual([
      {
        type: 'submit',
        name: 'challenge-authenticator',
        body: {
          credentials: {
            authenticatorData: b64('authenticator-data'),
            clientData: b64('{"type":"webauthn.get"}'),
            signatureData: b64('signature'),
          },
          stateHandle: '02stateHandle',
        },
      },
    ]);
  });

  it('cancelled in the browser: the message, no new prompt by itself, "Verify" retries', async () => {
    await stubPasskeys('NotAllowedError');
    await h.render(fixture('challenge-webauthn').body);
    const { page } = h;
    await page.getByRole('alert').waitFor();
    expect(await focused()).toBe('Verify');
    // The same step again (the driver keeps its memory): no prompt of its own.
    await h.render(fixture('challenge-webauthn').body, { keepMemory: true });
    await page.waitForTimeout(50);
    expect(await ceremonies()).toHaveLength(1);
    await refuseWith(null);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(async () => (await h.calls()).length).toBe(1);
  });

  it("the server's refusal (a cloned key, an unknown one): its message, and Verify retries with the step's options", async () => {
    // The challenge, answered (the stub signs), then the refusal, which carries no options.
    await h.render(fixture('challenge-webauthn').body);
    await expect.poll(async () => (await h.calls()).length).toBe(1);
    await h.render(fixture('challenge-webauthn-error').body, { keepMemory: true });
    const { page } = h;
    expect(await page.locator('.gh-banner--error').first().textContent()).toBe(
      'Your passkey or security key could not be verified. Try again or use another one.',
    );
    await page.waitForTimeout(50);
    expect(await ceremonies()).toHaveLength(1);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(async () => (await h.calls()).length).toBe(1);
    const calls = await ceremonies();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.challenge).toBe(contextualData('challenge-webauthn').challengeData!.challenge);
    expect(await page.getByRole('alert').isVisible()).toBe(false);
  });

  it('Safari opens the prompt only from a click: nothing starts before Verify', async () => {
    const safari =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
    await h.page.evaluate((ua) => {
      Object.defineProperty(navigator, 'userAgent', { configurable: true, get: () => ua });
    }, safari);
    try {
      await h.render(fixture('challenge-webauthn').body);
      await h.page.waitForTimeout(50);
      expect(await ceremonies()).toEqual([]);
      expect(await focused()).toBe('Verify with your passkey');
      await h.page.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(async () => (await h.calls()).length).toBe(1);
    } finally {
      await h.page.evaluate(() => {
        delete (navigator as unknown as { userAgent?: string }).userAgent;
      });
    }
  });

  it('a browser without WebAuthn: says so, posts nothing', async () => {
    await h.page.evaluate(() => {
      Object.defineProperty(window, 'PublicKeyCredential', { configurable: true, value: undefined });
    });
    await h.render(fixture('challenge-webauthn').body);
    await h.page.getByRole('alert').waitFor();
    expect(await h.page.getByRole('alert').textContent()).toBe(
      'This browser does not support passkeys or security keys.',
    );
    expect(await h.calls()).toEqual([]);
    await h.page.evaluate(() => {
      Object.defineProperty(window, 'PublicKeyCredential', { configurable: true, value: () => {} });
    });
  });
});

describe('fields a program fills are never text boxes', () => {
  it('the generic renderer leaves out hidden fields without a value', async () => {
    // The passkey set-up of an authenticator the widget has no view for.
    const body = fixture('enroll-webauthn').body as unknown as IdxResponse;
    body.currentAuthenticator!.value.key = 'acme_key';
    await h.render(body);
    expect(await h.page.locator('.gh-widget').getAttribute('data-gh-view')).toBe(
      'enroll-authenticator:acme_key',
    );
    expect(await h.page.locator('input').count()).toBe(0);
    expect(await h.page.getByLabel('Attestation').count()).toBe(0);
  });
});

describe('French and German', () => {
  beforeEach(() => stubPasskeys('NotAllowedError'));

  it('French: the authenticator app set-up and the passkey challenge', async () => {
    await h.render(fixture('enroll-totp-error').body, { language: 'fr' });
    expect(await title()).toBe("Configurer une application d'authentification");
    expect(await h.page.getByRole('button', { name: 'Impossible de scanner ?' }).count()).toBe(1);
    expect(await description("Saisissez le code de votre application d'authentification")).toBe(
      'Code non valide. Réessayez.',
    );
    await h.render(fixture('challenge-webauthn').body, { language: 'fr' });
    expect(await title()).toBe("Vérifier avec votre clé d'accès");
    await h.page.getByRole('alert').waitFor();
    expect(await h.page.getByRole('alert').textContent()).toBe(
      "La demande a été annulée ou a expiré, ou aucune clé d'accès n'a été trouvée. Réessayez.",
    );
  });

  it('German: the code already used; the passkey set-up', async () => {
    await h.render(fixture('challenge-totp-used').body, { language: 'de' });
    expect(await title()).toBe('Mit Ihrer Authenticator-App bestätigen');
    expect(await description('Geben Sie den Code aus Ihrer Authenticator-App ein')).toBe(
      'Jeder Code kann nur einmal verwendet werden. Warten Sie auf einen neuen Code und versuchen Sie es erneut.',
    );
    await h.render(fixture('enroll-webauthn-error').body, { language: 'de' });
    expect(await title()).toBe('Passkey einrichten');
    expect(
      await h.page.getByRole('button', { name: 'Passkey oder Sicherheitsschlüssel einrichten' }).count(),
    ).toBe(1);
    expect(await h.page.locator('.gh-banner--error').first().textContent()).toBe(
      'Der Passkey oder Sicherheitsschlüssel konnte nicht eingerichtet werden. Versuchen Sie es erneut.',
    );
  });
});

describe('accessibility of the second-factor views (axe-core, WCAG 2.1 A/AA)', () => {
  beforeEach(() => stubPasskeys('NotAllowedError'));
  const views = [
    'select-enroll-mfa',
    'enroll-totp',
    'enroll-totp-error',
    'challenge-totp',
    'challenge-totp-used',
    'enroll-webauthn',
    'enroll-webauthn-error',
    'challenge-webauthn',
    'challenge-webauthn-error',
  ];
  it.each(views)('%s has no serious or critical violations', async (name) => {
    await h.render(fixture(name).body, { memory: { secretShown: true } });
    // The passkey prompt (refused by the stub) has settled: its message is part of the page.
    await h.page.waitForTimeout(20);
    expect(await axeViolations(h.page)).toEqual([]);
    expect(h.errors).toEqual([]);
  });
});
