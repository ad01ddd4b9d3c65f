import {
  AuthenticatorKey,
  IDX_ACCEPTS,
  IDX_PRODUCES,
  IDX_VERSION,
  type IdxArray,
  type IdxAuthenticator,
  IdxErrors,
  type IdxField,
  type IdxForm,
  type IdxMessage,
  type IdxResponse,
  Remediation,
} from '@gatehouse/protocol';
import { PASSWORD_AUTHENTICATOR_ID } from '../../authenticators/password/password-authenticator.js';
import type { AuthenticatorChoice, FlowMessage, FlowView } from '../../flows/flow-view.js';

/** Absolute URLs the envelope points the client at. */
export interface IdxUrls {
  /** `<public url>/idp/idx` */
  idxBase: string;
  /** The token endpoint of the transaction's authorization server. */
  tokenUrl: string;
}

const AUTHENTICATOR_KEYS: Record<string, string> = {
  password: AuthenticatorKey.password,
  email: AuthenticatorKey.email,
};

/** Turns a flow view into the IDX envelope the Okta clients expect (idx-protocol.md §6–§7, §13.2). */
export function serializeView(view: FlowView, urls: IdxUrls): IdxResponse {
  const { transaction: tx, stateHandle, app, step } = view;
  const stateField: IdxField = {
    name: 'stateHandle',
    required: true,
    value: stateHandle,
    visible: false,
    mutable: false,
  };
  const form = (name: string, path: string, value: IdxField[], extra: Partial<IdxForm> = {}): IdxForm => ({
    rel: ['create-form'],
    name,
    href: `${urls.idxBase}${path}`,
    method: 'POST',
    produces: IDX_PRODUCES,
    accepts: IDX_ACCEPTS,
    ...extra,
    value: [...value, stateField],
  });
  const fieldMessages = (field: string) => messagesFor(view.messages.filter((m) => m.field === field));

  const response: IdxResponse = {
    version: IDX_VERSION,
    stateHandle,
    expiresAt: new Date(tx.expiresAt).toISOString(),
    intent: 'LOGIN',
  };
  const remediations: IdxForm[] = [];

  switch (step.name) {
    case 'identify': {
      const fields: IdxField[] = [
        withMessages({ name: 'identifier', label: 'Username', required: true }, fieldMessages('identifier')),
      ];
      if (step.withPassword) {
        fields.push({
          name: 'credentials',
          type: 'object',
          required: true,
          form: {
            value: [
              withMessages(
                { name: 'passcode', label: 'Password', secret: true },
                fieldMessages('credentials.passcode'),
              ),
            ],
          },
        });
      }
      const recovering = tx.flow === 'recovery';
      remediations.push(
        form(recovering ? Remediation.identifyRecovery : Remediation.identify, '/identify', fields),
      );
      if (step.recoverable) {
        // "Forgot password?" on the identify page (auth-js: currentAuthenticator-recover).
        response.currentAuthenticator = {
          type: 'object',
          value: { ...passwordAuthenticator(), recover: form('recover', '/recover', []) },
        };
      }
      break;
    }
    case 'select-authenticator': {
      remediations.push(selectForm(step.options, form));
      response.authenticators = array(step.options.map(authenticatorObject));
      response.authenticatorEnrollments = array(step.options.map(enrollmentObject));
      break;
    }
    case 'challenge': {
      const { authenticator } = step;
      const passcode: IdxField =
        authenticator.type === 'password'
          ? { name: 'passcode', label: 'Password', secret: true }
          : { name: 'passcode', label: 'Enter code' };
      remediations.push(
        form(
          Remediation.challengeAuthenticator,
          '/challenge/answer',
          [
            {
              name: 'credentials',
              type: 'object',
              required: true,
              form: { value: [withMessages(passcode, fieldMessages('credentials.passcode'))] },
            },
          ],
          { relatesTo: ['$.currentAuthenticatorEnrollment'] },
        ),
      );
      if (step.others.length) remediations.push(selectForm(step.others, form));
      const current: IdxAuthenticator = enrollmentObject(authenticator);
      if (step.recoverable) current.recover = form('recover', '/recover', []);
      if (authenticator.canResend) current.resend = form('resend', '/challenge/resend', []);
      if (authenticator.pollIntervalMs !== null)
        current.poll = form('poll', '/challenge/poll', [], { refresh: authenticator.pollIntervalMs });
      response.currentAuthenticatorEnrollment = { type: 'object', value: current };
      const all = [authenticator, ...step.others];
      response.authenticators = array(all.map(authenticatorObject));
      response.authenticatorEnrollments = array(all.map(enrollmentObject));
      break;
    }
    case 'reset-password': {
      remediations.push(
        form(
          Remediation.resetAuthenticator,
          '/challenge/answer',
          [
            {
              name: 'credentials',
              type: 'object',
              required: true,
              form: {
                value: [
                  withMessages(
                    { name: 'passcode', label: 'New password', secret: true },
                    fieldMessages('credentials.passcode'),
                  ),
                ],
              },
            },
          ],
          { relatesTo: ['$.currentAuthenticator'] },
        ),
      );
      const { historyCount, ...complexity } = step.complexity;
      response.currentAuthenticator = {
        type: 'object',
        value: {
          ...passwordAuthenticator(),
          settings: { complexity, age: { minAgeMinutes: 0, historyCount } },
        },
      };
      break;
    }
    case 'success':
      response.successWithInteractionCode = {
        rel: ['create-form'],
        name: 'issue',
        href: urls.tokenUrl,
        method: 'POST',
        accepts: 'application/x-www-form-urlencoded',
        value: [
          { name: 'grant_type', required: true, value: 'interaction_code' },
          { name: 'interaction_code', required: true, value: step.interactionCode },
          { name: 'client_id', required: true, value: app.clientId },
          { name: 'code_verifier', required: true },
        ],
      };
      break;
    case 'terminal':
      break;
  }

  if (remediations.length) response.remediation = array(remediations);
  // The widget titles recovery steps "Reset your password" when this names the password.
  if (tx.flow === 'recovery' && step.name !== 'identify' && step.name !== 'success')
    response.recoveryAuthenticator = { type: 'object', value: passwordAuthenticator() };
  const topLevel = messagesFor(view.messages.filter((m) => !m.field));
  if (topLevel) response.messages = topLevel;
  if (view.user)
    response.user = { type: 'object', value: { id: view.user.id, identifier: view.user.identifier } };
  response.app = { type: 'object', value: { name: 'oidc_client', label: app.name, id: app.clientId } };
  if (step.name !== 'terminal' && step.name !== 'success') response.cancel = form('cancel', '/cancel', []);
  return response;
}

/** The body of an error that has no form to show (expired session, bad input, …). */
export function serializeError(message: FlowMessage, detail?: string): IdxResponse {
  return { version: IDX_VERSION, messages: messagesFor([message], detail)! };
}

function selectForm(
  options: AuthenticatorChoice[],
  form: (name: string, path: string, value: IdxField[]) => IdxForm,
): IdxForm {
  return form(Remediation.selectAuthenticatorAuthenticate, '/challenge', [
    {
      name: 'authenticator',
      type: 'object',
      options: options.map((choice, i) => ({
        label: choice.displayName,
        value: {
          form: {
            value: [
              { name: 'id', required: true, value: choice.id, mutable: false },
              { name: 'methodType', required: false, value: choice.type, mutable: false },
            ],
          },
        },
        relatesTo: `$.authenticatorEnrollments.value[${i}]`,
      })),
    },
  ]);
}

/** The password authenticator as a recovery names it (its id and key never vary). */
function passwordAuthenticator(): IdxAuthenticator {
  return {
    type: 'password',
    key: AuthenticatorKey.password,
    id: PASSWORD_AUTHENTICATOR_ID,
    displayName: 'Password',
    methods: [{ type: 'password' }],
  };
}

function authenticatorObject(choice: AuthenticatorChoice): IdxAuthenticator {
  return {
    type: choice.type,
    key: AUTHENTICATOR_KEYS[choice.type] ?? choice.type,
    id: choice.id,
    displayName: choice.displayName,
    methods: [{ type: choice.type }],
  };
}

function enrollmentObject(choice: AuthenticatorChoice): IdxAuthenticator {
  return {
    ...authenticatorObject(choice),
    id: choice.enrollment.id,
    ...(choice.enrollment.profile ? { profile: choice.enrollment.profile } : {}),
  };
}

function array<T>(value: T[]): IdxArray<T> {
  return { type: 'array', value };
}

function withMessages(field: IdxField, messages: IdxArray<IdxMessage> | undefined): IdxField {
  return messages ? { ...field, messages } : field;
}

function messagesFor(messages: FlowMessage[], detail?: string): IdxArray<IdxMessage> | undefined {
  if (!messages.length) return undefined;
  return array(
    messages.map((m) => {
      const entry = IdxErrors[m.id];
      const params = m.params ?? [];
      const text = detail ?? params.reduce((text, p, i) => text.replace(`{${i}}`, p), entry.message);
      return {
        message: text,
        i18n: params.length ? { key: entry.key, params } : { key: entry.key },
        class: entry.class,
      };
    }),
  );
}
