import type { IdxField, IdxForm, IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import { type HttpResult, IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Password sign-in over raw IDX, asserted against docs/protocol/idx-protocol.md §1.3, §6, §7, §8.3–§8.4,
 * §13.2: one-step and identifier-first policies, wrong passwords, and cancel.
 */

/**
 * Resolves a `relatesTo` path the way auth-js does (`$.a.b[0]`: names and indices only,
 * docs/protocol/idx-protocol.md §6.4).
 */
function resolvePath(body: unknown, path: string): unknown {
  expect(path).toMatch(/^\$(\.\w+|\[\d+\])+$/);
  const tokens = path.slice(1).match(/\.\w+|\[\d+\]/g) ?? [];
  let node: unknown = body;
  for (const token of tokens) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = token.startsWith('.') ? token.slice(1) : Number(token.slice(1, -1));
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function field(form: IdxForm, name: string): IdxField {
  const found = form.value.find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name} in ${form.name}: ${JSON.stringify(form)}`);
  return found;
}

function remediationNames(body: IdxResponse): string[] {
  return body.remediation?.value.map((f) => f.name) ?? [];
}

function messageKeys(body: IdxResponse): string[] {
  return body.messages?.value.map((m) => m.i18n.key) ?? [];
}

/** What every IDX response must carry, whatever the step (docs/protocol/idx-protocol.md §1.3, §6.2). */
function expectIdxEnvelope(res: HttpResult<IdxResponse>, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.body.version).toBe('1.0.0');
  expect(res.body).not.toHaveProperty('error');
  expect(res.body).not.toHaveProperty('stateToken');
}

/** The `stateHandle` hidden field every form (and the cancel action) posts back. */
function expectStateField(form: IdxForm, stateHandle: string) {
  expect(field(form, 'stateHandle')).toEqual({
    name: 'stateHandle',
    required: true,
    value: stateHandle,
    visible: false,
    mutable: false,
  });
}

function expectAppAndCancel(server: TestServer, body: IdxResponse, app: App) {
  expect(body.app).toEqual({
    type: 'object',
    value: { name: 'oidc_client', label: app.name, id: app.clientId },
  });
  expect(body.cancel).toMatchObject({
    rel: ['create-form'],
    name: 'cancel',
    href: `${server.url}/idp/idx/cancel`,
    method: 'POST',
  });
  expectStateField(body.cancel!, body.stateHandle!);
}

describe('IDX password sign-in', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  describe('one-step policy (identify form with password)', () => {
    let app: App;
    beforeAll(async () => {
      ({ app } = await server.createApp());
    });

    it('introspect by interactionHandle shows identify with identifier and a secret passcode', async () => {
      const idx = new IdxConversation(server.url, app.clientId);
      const { interactionHandle } = await idx.interact();
      const res = await idx.introspect(interactionHandle);
      expectIdxEnvelope(res, 200);
      const { body } = res;
      expect(body.stateHandle).toMatch(/^02[\w-]{20,}$/);
      expect(body.intent).toBe('LOGIN');
      expect(new Date(body.expiresAt!).getTime()).toBeGreaterThan(server.clock.now());
      expect(body.remediation?.type).toBe('array');
      expect(remediationNames(body)).toEqual(['identify']);
      expect(body.messages).toBeUndefined();
      expect(body.successWithInteractionCode).toBeUndefined();
      expect(body.user).toBeUndefined();

      const identify = idx.form('identify');
      expect(identify).toMatchObject({
        rel: ['create-form'],
        href: `${server.url}/idp/idx/identify`,
        method: 'POST',
      });
      expect(identify.accepts).toContain('application/json');
      expect(field(identify, 'identifier')).toMatchObject({ required: true });
      const credentials = field(identify, 'credentials');
      expect(credentials).toMatchObject({ type: 'object', required: true });
      expect(credentials.form?.value).toEqual([expect.objectContaining({ name: 'passcode', secret: true })]);
      expectStateField(identify, body.stateHandle!);
      expectAppAndCancel(server, body, app);

      // Introspect is idempotent: the same step under the same stateHandle.
      const again = await idx.introspect(interactionHandle);
      expectIdxEnvelope(again, 200);
      expect(again.body.stateHandle).toBe(body.stateHandle);
      expect(remediationNames(again.body)).toEqual(['identify']);
    });

    it('identify with the right password → successWithInteractionCode, then the token exchange works', async () => {
      const { user, password } = await server.createUser();
      const idx = new IdxConversation(server.url, app.clientId);
      const interaction = await idx.interact();
      const intro = await idx.introspect(interaction.interactionHandle);
      const stateHandle = intro.body.stateHandle;

      const done = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: password },
      });
      expectIdxEnvelope(done, 200);
      expect(done.body.stateHandle).toBe(stateHandle);
      expect(done.body.remediation).toBeUndefined();
      expect(done.body.messages).toBeUndefined();
      expect(done.body.successWithInteractionCode).toMatchObject({
        rel: ['create-form'],
        name: 'issue',
        href: `${server.issuer}/v1/token`,
        method: 'POST',
      });
      const values = Object.fromEntries(
        done.body.successWithInteractionCode!.value.map((f) => [f.name, f.value]),
      );
      expect(values.grant_type).toBe('interaction_code');
      expect(values.client_id).toBe(app.clientId);
      expect(values.interaction_code).toMatch(/^[\w-]{22,}$/);
      expect(done.body.user).toEqual({ type: 'object', value: { id: user.id, identifier: user.login } });
      expect(done.body.app?.value.id).toBe(app.clientId);

      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      expect(tokens.body).toMatchObject({ token_type: 'Bearer' });
      expect(typeof tokens.body.access_token).toBe('string');
      expect(typeof tokens.body.id_token).toBe('string');
    });

    it('a wrong password → 401 identify form + errors.E0000004; the same stateHandle then succeeds', async () => {
      const { user, password } = await server.createUser();
      const idx = new IdxConversation(server.url, app.clientId);
      const interaction = await idx.interact();
      const intro = await idx.introspect(interaction.interactionHandle);
      const stateHandle = intro.body.stateHandle!;

      const wrong = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: `${password}-wrong` },
      });
      expectIdxEnvelope(wrong, 401);
      expect(wrong.body.stateHandle).toBe(stateHandle);
      expect(remediationNames(wrong.body)).toEqual(['identify']);
      expect(field(idx.form('identify'), 'credentials').form?.value[0]).toMatchObject({
        name: 'passcode',
        secret: true,
      });
      expect(wrong.body.messages).toEqual({
        type: 'array',
        value: [{ message: expect.any(String), i18n: { key: 'errors.E0000004' }, class: 'ERROR' }],
      });
      expect(wrong.body.successWithInteractionCode).toBeUndefined();
      expectAppAndCancel(server, wrong.body, app);

      // The widget keeps the current form after a 4xx (docs/protocol/idx-protocol.md §8.5): the
      // transaction must still work.
      const done = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: password },
      });
      expectIdxEnvelope(done, 200);
      expect(done.body.stateHandle).toBe(stateHandle);
      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    });

    it('identifiers are matched case-insensitively and trimmed', async () => {
      const { user, password } = await server.createUser({ login: 'Mixed.Case@Example.com' });
      const idx = new IdxConversation(server.url, app.clientId);
      await idx.introspect((await idx.interact()).interactionHandle);
      const done = await idx.submit('identify', {
        identifier: '  mixed.case@EXAMPLE.com ',
        credentials: { passcode: password },
      });
      expectIdxEnvelope(done, 200);
      expect(done.body.user?.value.id).toBe(user.id);
    });
  });

  describe('identifier-first policy', () => {
    let app: App;
    beforeAll(async () => {
      ({ app } = await server.createApp({
        policy: { factors: 'password', identifierFirst: true, selfServiceRecovery: true },
      }));
    });

    /** interact → introspect → identify; returns the conversation at the select step. */
    async function toSelect(identifier: string) {
      const idx = new IdxConversation(server.url, app.clientId);
      const interaction = await idx.interact();
      const intro = await idx.introspect(interaction.interactionHandle);
      expectIdxEnvelope(intro, 200);
      const stateHandle = intro.body.stateHandle!;
      const select = await idx.submit('identify', { identifier });
      return { idx, interaction, stateHandle, select };
    }

    it('introspect shows identify with only the identifier (no credentials)', async () => {
      const idx = new IdxConversation(server.url, app.clientId);
      const res = await idx.introspect((await idx.interact()).interactionHandle);
      expectIdxEnvelope(res, 200);
      expect(remediationNames(res.body)).toEqual(['identify']);
      expect(idx.form('identify').value.map((f) => f.name)).toEqual(['identifier', 'stateHandle']);
      expectAppAndCancel(server, res.body, app);
    });

    it('identify → select (relatesTo resolves) → challenge → answer → success and tokens', async () => {
      const { user, password } = await server.createUser();
      const { idx, interaction, stateHandle, select } = await toSelect(user.login);

      expectIdxEnvelope(select, 200);
      expect(select.body.stateHandle).toBe(stateHandle);
      expect(remediationNames(select.body)).toEqual(['select-authenticator-authenticate']);
      const selectForm = idx.form('select-authenticator-authenticate');
      expect(selectForm.href).toBe(`${server.url}/idp/idx/challenge`);
      // auth-js crashes on a remediation-level relatesTo on select forms (docs/protocol/idx-protocol.md
      // §6.4).
      expect(selectForm.relatesTo).toBeUndefined();
      expectStateField(selectForm, stateHandle);
      const authenticatorField = field(selectForm, 'authenticator');
      expect(authenticatorField.type).toBe('object');
      const options = authenticatorField.options ?? [];
      expect(options.length).toBeGreaterThan(0);
      for (const option of options) {
        expect(typeof option.label).toBe('string');
        expect(option.relatesTo).toMatch(/^\$\.authenticatorEnrollments\.value\[\d+\]$/);
        const related = resolvePath(select.body, option.relatesTo!);
        expect(related, `${option.relatesTo} must resolve in the same response`).toBeDefined();
        expect(related).toMatchObject({ key: expect.any(String), id: expect.any(String) });
      }
      const passwordOption = options.find(
        (o) => (resolvePath(select.body, o.relatesTo!) as { key: string }).key === 'okta_password',
      );
      expect(passwordOption?.label).toBe('Password');
      const optionFields = (passwordOption!.value as { form: { value: IdxField[] } }).form.value;
      const idField = optionFields.find((f) => f.name === 'id');
      expect(idField).toMatchObject({ required: true, mutable: false, value: expect.any(String) });
      expect(select.body.authenticators?.value).toEqual(
        expect.arrayContaining([expect.objectContaining({ key: 'okta_password', id: idField!.value })]),
      );
      expect(select.body.user).toEqual({ type: 'object', value: { id: user.id, identifier: user.login } });
      expectAppAndCancel(server, select.body, app);

      // The widget sends only the required immutable option fields: {authenticator:{id}}.
      const challenge = await idx.submit('select-authenticator-authenticate', {
        authenticator: { id: idField!.value },
      });
      expectIdxEnvelope(challenge, 200);
      expect(challenge.body.stateHandle).toBe(stateHandle);
      expect(remediationNames(challenge.body)[0]).toBe('challenge-authenticator');
      const challengeForm = idx.form('challenge-authenticator');
      expect(challengeForm.href).toBe(`${server.url}/idp/idx/challenge/answer`);
      expect(challengeForm.relatesTo).toEqual(['$.currentAuthenticatorEnrollment']);
      expect(challenge.body.currentAuthenticatorEnrollment?.type).toBe('object');
      expect(resolvePath(challenge.body, '$.currentAuthenticatorEnrollment')).toBeDefined();
      expect(challenge.body.currentAuthenticatorEnrollment?.value).toMatchObject({
        type: 'password',
        key: 'okta_password',
        id: expect.any(String),
        displayName: 'Password',
        methods: [{ type: 'password' }],
      });
      expect(field(challengeForm, 'credentials').form?.value).toEqual([
        expect.objectContaining({ name: 'passcode', secret: true }),
      ]);
      expectStateField(challengeForm, stateHandle);
      for (const form of challenge.body.remediation!.value) {
        for (const option of form.value.flatMap((f) => f.options ?? []))
          expect(resolvePath(challenge.body, option.relatesTo!)).toBeDefined();
      }
      expectAppAndCancel(server, challenge.body, app);

      const done = await idx.submit('challenge-authenticator', { credentials: { passcode: password } });
      expectIdxEnvelope(done, 200);
      expect(done.body.stateHandle).toBe(stateHandle);
      expect(done.body.remediation).toBeUndefined();
      expect(done.body.user?.value.id).toBe(user.id);
      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      expect(typeof tokens.body.id_token).toBe('string');
    });

    it('a wrong password → 401 challenge form + incorrectPassword; the same stateHandle then succeeds', async () => {
      const { user, password } = await server.createUser();
      const { idx, interaction, stateHandle } = await toSelect(user.login);
      const id = field(idx.form('select-authenticator-authenticate'), 'authenticator').options![0]!.value as {
        form: { value: IdxField[] };
      };
      await idx.submit('select-authenticator-authenticate', {
        authenticator: { id: id.form.value.find((f) => f.name === 'id')!.value },
      });

      const wrong = await idx.submit('challenge-authenticator', {
        credentials: { passcode: 'not-the-password' },
      });
      expectIdxEnvelope(wrong, 401);
      expect(wrong.body.stateHandle).toBe(stateHandle);
      expect(remediationNames(wrong.body)[0]).toBe('challenge-authenticator');
      expect(idx.form('challenge-authenticator').relatesTo).toEqual(['$.currentAuthenticatorEnrollment']);
      expect(wrong.body.currentAuthenticatorEnrollment?.value.key).toBe('okta_password');
      expect(messageKeys(wrong.body)).toEqual(['incorrectPassword']);
      expect(wrong.body.messages?.value[0]).toMatchObject({ class: 'ERROR', message: expect.any(String) });
      expect(wrong.body.successWithInteractionCode).toBeUndefined();
      expectAppAndCancel(server, wrong.body, app);

      const done = await idx.submit('challenge-authenticator', { credentials: { passcode: password } });
      expectIdxEnvelope(done, 200);
      expect(done.body.stateHandle).toBe(stateHandle);
      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    });

    it('introspect resumes at the current step (second tab / reload)', async () => {
      const { user } = await server.createUser();
      const { idx, interaction, stateHandle } = await toSelect(user.login);
      const resumed = await idx.introspect(interaction.interactionHandle);
      expectIdxEnvelope(resumed, 200);
      expect(resumed.body.stateHandle).toBe(stateHandle);
      expect(remediationNames(resumed.body)).toEqual(['select-authenticator-authenticate']);
      expect(resumed.body.user?.value.identifier).toBe(user.login);
    });
  });

  describe('cancel', () => {
    it('answers the identify envelope under a new stateHandle; the old one is dead; introspect follows', async () => {
      const { app } = await server.createApp();
      const { user, password } = await server.createUser();
      const idx = new IdxConversation(server.url, app.clientId);
      const interaction = await idx.interact();
      const intro = await idx.introspect(interaction.interactionHandle);
      const oldHandle = intro.body.stateHandle!;

      const canceled = await postJson(intro.body.cancel!.href, { stateHandle: oldHandle });
      expectIdxEnvelope(canceled, 200);
      const newHandle = canceled.body.stateHandle!;
      expect(newHandle).toMatch(/^02[\w-]{20,}$/);
      expect(newHandle).not.toBe(oldHandle);
      expect(remediationNames(canceled.body)).toEqual(['identify']);
      expectStateField(canceled.body.remediation!.value[0]!, newHandle);
      expectAppAndCancel(server, canceled.body, app);

      const stale = await postJson(`${server.url}/idp/idx/identify`, {
        stateHandle: oldHandle,
        identifier: user.login,
        credentials: { passcode: password },
      });
      expect(stale.status).toBe(401);
      expect(stale.headers.get('content-type')).toContain('application/json');
      expect(stale.body).toEqual({
        version: '1.0.0',
        messages: {
          type: 'array',
          value: [{ message: expect.any(String), i18n: { key: 'idx.session.expired' }, class: 'ERROR' }],
        },
      });
      const staleCancel = await postJson(`${server.url}/idp/idx/cancel`, { stateHandle: oldHandle });
      expect(staleCancel.status).toBe(401);
      expect(messageKeys(staleCancel.body)).toEqual(['idx.session.expired']);

      const resumed = await idx.introspect(interaction.interactionHandle);
      expectIdxEnvelope(resumed, 200);
      expect(resumed.body.stateHandle).toBe(newHandle);

      const done = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: password },
      });
      expectIdxEnvelope(done, 200);
      expect(done.body.stateHandle).toBe(newHandle);
      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    });

    it('cancel from a later step forgets the identified user', async () => {
      const { app } = await server.createApp({
        policy: { factors: 'password', identifierFirst: true, selfServiceRecovery: true },
      });
      const { user } = await server.createUser();
      const idx = new IdxConversation(server.url, app.clientId);
      const interaction = await idx.interact();
      await idx.introspect(interaction.interactionHandle);
      const select = await idx.submit('identify', { identifier: user.login });
      expect(remediationNames(select.body)).toEqual(['select-authenticator-authenticate']);

      const canceled = await postJson(select.body.cancel!.href, { stateHandle: select.body.stateHandle });
      expectIdxEnvelope(canceled, 200);
      expect(remediationNames(canceled.body)).toEqual(['identify']);
      expect(canceled.body.user).toBeUndefined();
      expect(canceled.body.stateHandle).not.toBe(select.body.stateHandle);

      // A second cancel moves on again (the chain keeps working).
      const twice = await postJson(canceled.body.cancel!.href, { stateHandle: canceled.body.stateHandle });
      expectIdxEnvelope(twice, 200);
      expect(twice.body.stateHandle).not.toBe(canceled.body.stateHandle);
      const resumed = await idx.introspect(interaction.interactionHandle);
      expect(resumed.body.stateHandle).toBe(twice.body.stateHandle);
    });
  });
});
