import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPolicyInput } from '../../src/apps/app-service.js';
import { codeOf, mailbox } from '../email/email-helpers.js';
import { IdxConversation } from '../support/idx-client.js';
import { defaultTestDatabase, startTestServer, type TestServer } from '../support/test-server.js';

const names = (body: IdxResponse) => body.remediation?.value.map((f) => f.name) ?? [];
const optionIds = (body: IdxResponse, form: string) =>
  body.remediation?.value
    .find((f) => f.name === form)
    ?.value.find((f) => f.name === 'authenticator')
    ?.options?.map((o) => (o.value as { form: { value: Array<{ value: string }> } }).form.value[0]!.value);

for (const database of new Set([defaultTestDatabase(), 'postgres' as const])) {
  describe(`self-service registration over IDX (${database})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ database });
    });
    afterAll(() => server.close());

    const mailTo = (to: string) => mailbox(server, to);

    async function signUpPage(policy: AppPolicyInput) {
      const { app } = await server.createApp({ policy });
      const idx = new IdxConversation(server.url, app.clientId);
      const interaction = await idx.interact();
      const first = await idx.introspect(interaction.interactionHandle);
      return { app, idx, interaction, first };
    }

    it('sign up → verify the email → choose a password → signed in; the account is ACTIVE', async () => {
      const { idx, interaction, first } = await signUpPage({ registration: true });
      expect(names(first.body)).toEqual(['identify', 'select-enroll-profile']);
      const profile = await idx.submit('select-enroll-profile', {});
      expect(profile.status).toBe(200);
      expect(names(profile.body)).toEqual(['enroll-profile', 'select-identify']);
      const fields = profile.body.remediation!.value[0]!.value[0]!.form!.value;
      expect(fields.map((f) => [f.name, f.required])).toEqual([
        ['firstName', true],
        ['lastName', true],
        ['email', true],
      ]);

      const email = `new-${database}@example.com`;
      const enrollList = await idx.submit('enroll-profile', {
        userProfile: { firstName: 'New', lastName: 'Comer', email },
      });
      expect(enrollList.status).toBe(200);
      expect(names(enrollList.body)).toEqual(['select-authenticator-enroll']);
      expect(enrollList.body.authenticators?.value.map((a) => a.key)).toEqual(['okta_email']);
      expect(enrollList.body.user?.value.identifier).toBe(email);
      const staged = await server.services.storage.users.findByEmail(email);
      expect(staged?.status).toBe('STAGED');

      const enrollEmail = await idx.submit('select-authenticator-enroll', {
        authenticator: { id: optionIds(enrollList.body, 'select-authenticator-enroll')![0] },
      });
      expect(names(enrollEmail.body)).toEqual(['enroll-authenticator', 'select-authenticator-enroll']);
      expect(enrollEmail.body.currentAuthenticator?.value.key).toBe('okta_email');
      expect(enrollEmail.body.currentAuthenticator?.value.resend).toBeDefined();
      const [mail] = await mailTo(email);
      expect(mail!.text).toContain(`state=${interaction.state}`);
      const wrong = await idx.submit('enroll-authenticator', { credentials: { passcode: '000000' } });
      expect(wrong.status).toBe(401);

      const afterEmail = await idx.submit('enroll-authenticator', {
        credentials: { passcode: codeOf(mail!) },
      });
      expect(afterEmail.status).toBe(200);
      expect(afterEmail.body.authenticators?.value.map((a) => a.key)).toEqual(['okta_password']);
      expect(afterEmail.body.authenticatorEnrollments?.value.map((a) => a.key)).toEqual(['okta_email']);
      expect(names(afterEmail.body)).toEqual(['select-authenticator-enroll']);

      const enrollPassword = await idx.submit('select-authenticator-enroll', {
        authenticator: { id: optionIds(afterEmail.body, 'select-authenticator-enroll')![0] },
      });
      expect(enrollPassword.body.currentAuthenticator?.value.settings?.complexity?.minLength).toBeGreaterThan(
        0,
      );
      expect(enrollPassword.body.enrollmentAuthenticator?.value.key).toBe('okta_password');
      const weak = await idx.submit('enroll-authenticator', { credentials: { passcode: 'abc' } });
      expect(weak.status).toBe(400);
      expect(JSON.stringify(weak.body)).toContain('password.passwordRequirementsNotMet');
      const done = await idx.submit('enroll-authenticator', {
        credentials: { passcode: 'Plum-Orchard-Lantern-42' },
      });
      expect(done.status).toBe(200);
      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status).toBe(200);
      const user = await server.services.storage.users.findByEmail(email);
      expect(user).toMatchObject({ status: 'ACTIVE', emailVerified: true, login: email });
      expect(user!.profile).toMatchObject({ firstName: 'New', lastName: 'Comer', email });
    });

    it('what the policy leaves optional is offered with skip; skip signs in with what was set up', async () => {
      // `email|password`: the email proven meets the policy; a password is optional.
      const { idx, interaction } = await signUpPage({ factors: 'email|password', registration: true });
      await idx.submit('select-enroll-profile', {});
      const email = `skip-${database}@example.com`;
      const list = await idx.submit('enroll-profile', {
        userProfile: { firstName: 'S', lastName: 'K', email },
      });
      expect(names(list.body)).toEqual(['select-authenticator-enroll']);
      await idx.submit('select-authenticator-enroll', {
        authenticator: { id: optionIds(list.body, 'select-authenticator-enroll')![0] },
      });
      const [mail] = await mailTo(email);
      const optional = await idx.submit('enroll-authenticator', { credentials: { passcode: codeOf(mail!) } });
      expect(names(optional.body)).toEqual(['select-authenticator-enroll', 'skip']);
      expect(optional.body.authenticators?.value.map((a) => a.key)).toEqual(['okta_password']);
      const done = await idx.submit('skip', {});
      expect(done.status).toBe(200);
      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status).toBe(200);
      expect((await server.services.storage.users.findByEmail(email))?.status).toBe('ACTIVE');
      const created = await server.services.storage.users.findByEmail(email);
      expect(await server.services.storage.credentials.findPasswordHash(created!.id)).toBeNull();
    });

    it('skip is refused while something required is left', async () => {
      const { idx } = await signUpPage({ registration: true });
      await idx.submit('select-enroll-profile', {});
      await idx.submit('enroll-profile', {
        userProfile: { firstName: 'S', lastName: 'K', email: `noskip-${database}@example.com` },
      });
      const res = await fetch(`${server.url}/idp/idx/skip`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateHandle: idx.last!.body.stateHandle }),
      });
      expect(res.status).toBe(400);
    });

    it('profile errors are on their fields: missing, malformed email, too long, pattern', async () => {
      const { idx } = await signUpPage({
        registration: {
          attributes: [
            {
              name: 'favoriteColor',
              label: 'Favorite color',
              type: 'string',
              required: true,
              maxLength: 10,
              pattern: '[a-z]+',
            },
          ],
        },
      });
      const profile = await idx.submit('select-enroll-profile', {});
      expect(profile.body.remediation!.value[0]!.value[0]!.form!.value.map((f) => f.name)).toEqual([
        'firstName',
        'lastName',
        'email',
        'favoriteColor',
      ]);
      const fieldMessage = (body: IdxResponse, name: string) =>
        body.remediation!.value[0]!.value[0]!.form!.value.find((f) => f.name === name)?.messages?.value[0]
          ?.i18n.key;
      const missing = await idx.submit('enroll-profile', {
        userProfile: { firstName: 'A', lastName: 'B', email: 'a@example.com' },
      });
      expect(missing.status).toBe(400);
      expect(fieldMessage(missing.body, 'favoriteColor')).toBe('model.validation.field.blank');
      const badEmail = await idx.submit('enroll-profile', {
        userProfile: { firstName: 'A', lastName: 'B', email: 'not-an-email', favoriteColor: 'red' },
      });
      expect(fieldMessage(badEmail.body, 'email')).toBe('registration.error.invalidLoginEmail');
      const tooLong = await idx.submit('enroll-profile', {
        userProfile: { firstName: 'A', lastName: 'B', email: 'a@example.com', favoriteColor: 'abcdefghijk' },
      });
      expect(fieldMessage(tooLong.body, 'favoriteColor')).toBe('registration.error.doesNotMatchPattern');
      const pattern = await idx.submit('enroll-profile', {
        userProfile: { firstName: 'A', lastName: 'B', email: 'a@example.com', favoriteColor: 'Red1' },
      });
      expect(fieldMessage(pattern.body, 'favoriteColor')).toBe('registration.error.doesNotMatchPattern');
      expect(await server.services.storage.users.findByEmail('a@example.com')).toBeNull();
      const typed = await fetch(idx.form('enroll-profile').href, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateHandle: idx.last!.body.stateHandle, userProfile: { firstName: 42 } }),
      });
      expect(typed.status).toBe(400);
      expect(((await typed.json()) as IdxResponse).messages?.value[0]?.class).toBe('ERROR');
    });

    it('existing email, reveal: the field error Okta gives; nothing is created', async () => {
      const { user } = await server.createUser();
      const { idx } = await signUpPage({ registration: { existingEmail: 'reveal' } });
      await idx.submit('select-enroll-profile', {});
      const taken = await idx.submit('enroll-profile', {
        userProfile: { firstName: 'A', lastName: 'B', email: user.email.toUpperCase() },
      });
      expect(taken.status).toBe(400);
      const emailField = taken.body.remediation!.value[0]!.value[0]!.form!.value.find(
        (f) => f.name === 'email',
      );
      expect(emailField?.messages?.value[0]).toMatchObject({
        i18n: { key: 'registration.error.notUniqueWithinOrg', params: ['Email'] },
        message: 'A user with this Email already exists',
      });
    });

    it('existing email, notify-owner (default): the same steps as a new address; the owner is told, no code', async () => {
      const { user } = await server.createUser();
      const { idx } = await signUpPage({ registration: true });
      await idx.submit('select-enroll-profile', {});
      const list = await idx.submit('enroll-profile', {
        userProfile: { firstName: 'A', lastName: 'B', email: user.email },
      });
      expect(list.status).toBe(200);
      expect(names(list.body)).toEqual(['select-authenticator-enroll']);
      const enroll = await idx.submit('select-authenticator-enroll', {
        authenticator: { id: optionIds(list.body, 'select-authenticator-enroll')![0] },
      });
      expect(enroll.status).toBe(200);
      expect(names(enroll.body)).toEqual(['enroll-authenticator', 'select-authenticator-enroll']);
      const mails = await mailTo(user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toMatch(/already have an? .*account/i);
      expect(mails[0]!.text).not.toMatch(/\b\d{6}\b/);
      const guess = await idx.submit('enroll-authenticator', { credentials: { passcode: '123456' } });
      expect(guess.status).toBe(401);
      const after = await server.services.storage.users.findById(user.id);
      expect(after).toMatchObject({ status: 'ACTIVE', profile: user.profile });
    });

    it('"Already have an account?" goes back to the identify form; sign-up off: no link, and /enroll is refused', async () => {
      const { idx } = await signUpPage({ registration: true });
      await idx.submit('select-enroll-profile', {});
      const back = await idx.submit('select-identify', {});
      expect(names(back.body)).toEqual(['identify', 'select-enroll-profile']);

      const off = await signUpPage({});
      expect(names(off.first.body)).toEqual(['identify']);
      const refused = await fetch(`${server.url}/idp/idx/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateHandle: off.first.body.stateHandle }),
      });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as IdxResponse).messages?.value[0]?.i18n.key).toBe(
        'oie.registration.is.not.enabled',
      );
    });

    it('two sign-ups for one new address at once make one account', async () => {
      const email = `race-${database}@example.com`;
      const pages = await Promise.all(Array.from({ length: 5 }, () => signUpPage({ registration: true })));
      await Promise.all(pages.map(({ idx }) => idx.submit('select-enroll-profile', {})));
      const results = await Promise.all(
        pages.map(({ idx }) =>
          idx.submit('enroll-profile', { userProfile: { firstName: 'R', lastName: 'C', email } }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
      const ids = new Set(results.map((r) => r.body.user?.value.id));
      expect(ids.size).toBe(1);
      const rows = await server.services.storage.users.list(1000);
      expect(rows.filter((u) => u.email === email)).toHaveLength(1);
    });
  });
}
