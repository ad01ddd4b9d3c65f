import { IDX_VERSION, type IdxForm, type IdxResponse } from '@gatehouse/protocol';
import { shownUser } from '../../flows/shared/choices.js';
import type { FlowState } from '../../flows/shared/flow-state.js';
import type { FlowView, ShownUser } from '../../flows/shared/flow-view.js';
import { authenticatorObject } from './authenticator-objects.js';
import type { IdxMessageRef } from './engine-errors.js';
import { array, formBuilder, type IdxUrls, messagesFor } from './idx-forms.js';
import { serializeStep } from './serialize-step.js';

/**
 * A view of a transaction as the IDX envelope the Okta clients expect (docs/protocol/idx-protocol.md
 * §6–§7, §13.2).
 */
export function serializeView(
  state: FlowState,
  view: FlowView,
  stateHandle: string,
  messages: IdxMessageRef[],
  urls: IdxUrls,
): IdxResponse {
  const form = formBuilder(urls, stateHandle);
  const response = envelope(state, stateHandle);
  const request = state.transaction.authorizeRequest;
  const hosted = request ? { loginHint: request.loginHint } : null;
  const remediations = serializeStep(view, messages, form, response, hosted);
  if (remediations.length) response.remediation = array(remediations);
  // The widget titles recovery steps "Reset your password" when this names the password.
  if (view.recovering && view.step.name !== 'identify')
    response.recoveryAuthenticator = { type: 'object', value: authenticatorObject(view.recovering) };
  const topLevel = messagesFor(messages.filter((m) => !m.field));
  if (topLevel) response.messages = topLevel;
  return finish(
    response,
    state,
    view.user,
    view.step.name === 'continued-elsewhere' || view.step.name === 'ended'
      ? null
      : form('cancel', '/cancel', []),
  );
}

/** The transaction is complete: the form that redeems the interaction code at the token endpoint. */
export function serializeSuccess(
  state: FlowState,
  stateHandle: string,
  interactionCode: string,
  urls: IdxUrls,
): IdxResponse {
  const response = envelope(state, stateHandle);
  response.successWithInteractionCode = {
    rel: ['create-form'],
    name: 'issue',
    href: urls.tokenUrl,
    method: 'POST',
    accepts: 'application/x-www-form-urlencoded',
    value: [
      { name: 'grant_type', required: true, value: 'interaction_code' },
      { name: 'interaction_code', required: true, value: interactionCode },
      { name: 'client_id', required: true, value: state.app.clientId },
      { name: 'code_verifier', required: true },
    ],
  };
  return finish(response, state, shownUser(state), null);
}

/** The body of an error that has no form to show (expired session, bad input, …). */
export function serializeError(message: IdxMessageRef, detail?: string): IdxResponse {
  return { version: IDX_VERSION, messages: messagesFor([message], detail)! };
}

function envelope(state: FlowState, stateHandle: string): IdxResponse {
  return {
    version: IDX_VERSION,
    stateHandle,
    expiresAt: new Date(state.transaction.expiresAt).toISOString(),
    intent: 'LOGIN',
  };
}

function finish(response: IdxResponse, state: FlowState, user: ShownUser | null, cancel: IdxForm | null) {
  if (user) response.user = { type: 'object', value: { id: user.id, identifier: user.identifier } };
  const { app } = state;
  response.app = { type: 'object', value: { name: 'oidc_client', label: app.name, id: app.clientId } };
  if (cancel) response.cancel = cancel;
  return response;
}
