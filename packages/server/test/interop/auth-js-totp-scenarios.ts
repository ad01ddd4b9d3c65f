/**
 * The authenticator app (`google_otp`) through the real `@okta/okta-auth-js` (v8 in legacy and step
 * mode, v7, unmodified, in Node): set up during a sign-in the policy requires it for (QR code and
 * shared secret in `contextualData`), then asked for at the next sign-in, with the codes an app
 * would show computed in the test (docs/protocol/idx-protocol-2.md §5.1–§5.3, §8).
 */
import type { IdxTransaction, OktaAuth } from '@okta/okta-auth-js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';
import { appCode, toNextStep, wrongCode } from '../support/totp.js';
import type { ClientMode, LoadAuthJsModule } from './auth-js-email-scenarios.js';
import { newAuthClient } from './auth-js-scenarios.js';

export interface TotpInteropOptions {
  database: TestDatabaseKind;
  version: string;
  mode: ClientMode;
}

interface GoogleContextualData {
  qrcode?: { href?: string; method?: string; type?: string };
  sharedSecret?: string;
}

/** The authenticator a step is about: legacy mode names it, step mode resolves `relatesTo`. */
function stepAuthenticator(tx: IdxTransaction): { key?: string; contextualData?: GoogleContextualData } {
  const relatesTo = tx.nextStep?.relatesTo as { value?: object } | undefined;
  return (tx.nextStep?.authenticator ?? relatesTo?.value ?? {}) as {
    key?: string;
    contextualData?: GoogleContextualData;
  };
}

/** The keys a select form offers: legacy mode maps options to keys, step mode keeps the raw option. */
function optionKeys(tx: IdxTransaction): string[] {
  const choice = tx.nextStep?.inputs?.find((i) => i.name === 'authenticator');
  return (choice?.options ?? []).map((o) =>
    typeof o.value === 'string' ? o.value : ((o.relatesTo as { key?: string } | undefined)?.key ?? ''),
  );
}

const messageKeys = (tx: IdxTransaction) => (tx.messages ?? []).map((m) => m.i18n?.key);

export function describeAuthJsTotpInterop(
  label: string,
  load: LoadAuthJsModule,
  options: TotpInteropOptions,
): void {
  const { mode } = options;
  const step = (name: string) => (mode === 'step' ? { step: name } : {});

  describe(`${label}: authenticator app (google_otp) against Gatehouse (${options.database})`, () => {
    let server: TestServer;
    let OktaAuthCtor: Awaited<ReturnType<LoadAuthJsModule>>['OktaAuth'];

    beforeAll(async () => {
      ({ OktaAuth: OktaAuthCtor } = await load());
      server = await startTestServer({ database: options.database });
    });
    afterAll(() => server?.close());

    const client = (clientId: string): OktaAuth =>
      newAuthClient(OktaAuthCtor, server, clientId, { legacyMode: mode === 'legacy' });
    const now = () => server.clock.now();

    /** Password, then the app set up; returns its secret and the code that proved it. */
    async function setUpApp(clientId: string, login: string, password: string) {
      const enrolling = client(clientId);
      const list = await enrolling.idx.authenticate({ ...step('identify'), username: login, password });
      expect(list.status, JSON.stringify(list.messages)).toBe('PENDING');
      expect(list.nextStep?.name).toBe('select-authenticator-enroll');
      expect(optionKeys(list)).toEqual(['google_otp']);
      expect(list.nextStep?.canSkip).toBeFalsy();
      const setUp = await enrolling.idx.proceed({
        ...step('select-authenticator-enroll'),
        authenticator: 'google_otp',
      });
      expect(setUp.status).toBe('PENDING');
      expect(setUp.nextStep?.name).toBe('enroll-authenticator');
      const current = stepAuthenticator(setUp);
      expect(current.key).toBe('google_otp');
      expect(current.contextualData?.qrcode).toMatchObject({ method: 'embedded', type: 'image/png' });
      expect(current.contextualData?.qrcode?.href).toMatch(/^data:image\/png;base64,/);
      const secret = current.contextualData?.sharedSecret ?? '';
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);

      const wrong = await enrolling.idx.proceed({
        ...step('enroll-authenticator'),
        verificationCode: wrongCode(secret, now()),
      });
      expect(wrong.status).toBe('PENDING');
      expect(messageKeys(wrong)).toEqual(['api.authn.error.PASSCODE_INVALID']);
      const proving = appCode(secret, now());
      const enrolled = await enrolling.idx.proceed({
        ...step('enroll-authenticator'),
        verificationCode: proving,
      });
      expect(enrolled.status, JSON.stringify(enrolled.messages)).toBe('SUCCESS');
      return { secret, proving, tokens: enrolled.tokens! };
    }

    /** A new sign-in up to the app's code. */
    async function atChallenge(clientId: string, login: string, password: string) {
      const signingIn = client(clientId);
      const choose = await signingIn.idx.authenticate({ ...step('identify'), username: login, password });
      expect(choose.status).toBe('PENDING');
      const challenge =
        choose.nextStep?.name === 'challenge-authenticator'
          ? choose
          : await signingIn.idx.proceed({
              ...step('select-authenticator-authenticate'),
              authenticator: 'google_otp',
            });
      expect(challenge.nextStep?.name).toBe('challenge-authenticator');
      expect(stepAuthenticator(challenge).key).toBe('google_otp');
      return { signingIn, choose, challenge };
    }

    it(`0. the client under test is auth-js ${options.version}`, async () => {
      const { app } = await server.createApp();
      expect(client(app.clientId)._oktaUserAgent.getVersion()).toBe(options.version);
    });

    it('1. password, then the app set up (QR code, shared secret, a wrong then a right code) → SUCCESS with pwd, otp, mfa', async () => {
      const { app } = await server.createApp({ policy: { factors: 'password,google_otp' } });
      const { user, password } = await server.createUser();
      const { tokens } = await setUpApp(app.clientId, user.login, password);
      const claims = decodeJwt(tokens.idToken!.idToken);
      expect(claims.sub).toBe(user.id);
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    });

    it('2. the next sign-in asks for a code: the one that set the app up is refused (used_passcode), a wrong one too, a new one signs in', async () => {
      const { app } = await server.createApp({ policy: { factors: 'password,google_otp' } });
      const { user, password } = await server.createUser();
      const { secret, proving } = await setUpApp(app.clientId, user.login, password);
      const { signingIn } = await atChallenge(app.clientId, user.login, password);
      const replayed = await signingIn.idx.proceed({
        ...step('challenge-authenticator'),
        verificationCode: proving,
      });
      expect(replayed.status).toBe('PENDING');
      expect(messageKeys(replayed)).toEqual(['authfactor.challenge.soft_token.used_passcode']);
      const wrong = await signingIn.idx.proceed({
        ...step('challenge-authenticator'),
        verificationCode: wrongCode(secret, now()),
      });
      expect(wrong.status).toBe('PENDING');
      expect(messageKeys(wrong)).toEqual(['authfactor.challenge.soft_token.invalid_passcode']);

      server.clock.advance(toNextStep(now()));
      const fresh = appCode(secret, now());
      const done = await signingIn.idx.proceed({
        ...step('challenge-authenticator'),
        verificationCode: fresh,
      });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      expect(decodeJwt(done.tokens!.idToken!.idToken).amr).toEqual(['pwd', 'otp', 'mfa']);

      // The same code in another transaction, within its window: refused.
      const again = await atChallenge(app.clientId, user.login, password);
      const reused = await again.signingIn.idx.proceed({
        ...step('challenge-authenticator'),
        verificationCode: fresh,
      });
      expect(reused.status).toBe('PENDING');
      expect(messageKeys(reused)).toEqual(['authfactor.challenge.soft_token.used_passcode']);
      server.clock.advance(toNextStep(now()));
    });

    it('3. password,email|google_otp: a user who holds both chooses the app among both', async () => {
      const { app: setUpApp_ } = await server.createApp({ policy: { factors: 'password,google_otp' } });
      const { app } = await server.createApp({ policy: { factors: 'password,email|google_otp' } });
      const { user, password } = await server.createUser();
      const { secret } = await setUpApp(setUpApp_.clientId, user.login, password);
      server.clock.advance(toNextStep(now()));
      const { signingIn, choose } = await atChallenge(app.clientId, user.login, password);
      expect(choose.nextStep?.name).toBe('select-authenticator-authenticate');
      expect(optionKeys(choose).sort()).toEqual(['google_otp', 'okta_email']);
      const done = await signingIn.idx.proceed({
        ...step('challenge-authenticator'),
        verificationCode: appCode(secret, now()),
      });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      server.clock.advance(toNextStep(now()));
    });
  });
}
