/**
 * What {@link readEnvelope} makes of an IDX response (docs/protocol/idx-protocol.md §6): the envelope as
 * both the SDK and the widget need it, with `relatesTo` resolved, nested fields flattened and every
 * optional member checked. Members the server did not send (or sent malformed) are undefined.
 */
import type { IdxForm } from '../idx.js';

/** A message's `class`, lower-cased (anything else reads as `error`). */
export type EnvelopeMessageLevel = 'error' | 'info' | 'warning';

export interface EnvelopeMessage {
  /** The server's own text (show it when the i18n key is unknown to you). */
  message: string;
  /** `i18n.key`: translate on it (`api.authn.error.PASSCODE_INVALID`, `idx.session.expired`). */
  key?: string | undefined;
  /** `i18n.params`, when the server sent a list. */
  params?: unknown[] | undefined;
  level: EnvelopeMessageLevel;
  /** For a message on a field: the field's dotted name (`credentials.passcode`). */
  field?: string | undefined;
}

/** Something to POST with fixed values: `cancel`, or an authenticator's `recover`, `resend`, `poll`. */
export interface EnvelopeAction {
  /** The form's `name`, else the member it was found under. */
  name: string;
  /** Milliseconds between polls, when the server asks to be polled. */
  refresh?: number | undefined;
  /** The form as sent: POST to its `href` a body built from its `value`. */
  raw: IdxForm;
}

/** An authenticator or enrollment object, unwrapped from its `{type: 'object', value}`. */
export interface EnvelopeAuthenticator {
  /** `okta_email`, `okta_password`… ('' when missing). */
  key: string;
  type: string;
  /** Authenticator id (`aut…`) or enrollment id (`eae…`). */
  id: string;
  displayName: string;
  /** e.g. `{ email: 'a***a@example.com' }` (masked by the server). */
  profile?: Record<string, string> | undefined;
  /** e.g. the password's `complexity` and `age`. */
  settings?: Record<string, unknown> | undefined;
  contextualData?: Record<string, unknown> | undefined;
  /** Its actions by member name: `recover`, `resend`, `poll`. */
  actions: Map<string, EnvelopeAction>;
}

export interface EnvelopeOption {
  label: string;
  /** As sent: a plain value, or for an authenticator `{ form: { value: [id, methodType…] } }`. */
  value: unknown;
  /** The authenticator the option's `relatesTo` points at. */
  authenticator?: EnvelopeAuthenticator | undefined;
}

/**
 * One input of a remediation: a visible, mutable field, or a hidden one without a value that a
 * program fills (a WebAuthn result: `credentials.clientData`); nested ones have dotted names.
 */
export interface EnvelopeField {
  /** `identifier`, `credentials.passcode`: the path of its value in the request body. */
  name: string;
  label?: string | undefined;
  /** `string` unless the server says `boolean`, `number` or `object`. */
  type: 'string' | 'boolean' | 'number' | 'object';
  /** `required` as the field itself declares it (undefined: not said). */
  required?: boolean | undefined;
  /** For a member of a nested form: the object it belongs to (`credentials`) and whether that is required. */
  parent?: { name: string; required: boolean } | undefined;
  secret: boolean;
  /** The default (or known) value the server sent. */
  value?: unknown;
  /** The choices, when the server sent a list of options. */
  options?: EnvelopeOption[] | undefined;
  /** This field's own messages. */
  messages: EnvelopeMessage[];
  /** The longest value the server accepts. */
  maxLength?: number | undefined;
  /** Not for a person to type: a program fills it (declared `visible: false` with no value). */
  programmatic?: true | undefined;
}

/** A step the user can take: an element of `remediation.value`. */
export interface EnvelopeRemediation {
  /** `identify`, `select-authenticator-authenticate`, `challenge-authenticator`… */
  name: string;
  /** The authenticator the step is about (its own `relatesTo`). */
  authenticator?: EnvelopeAuthenticator | undefined;
  fields: EnvelopeField[];
  /** Every field-level message of the form, hidden fields and nested objects included, in field order. */
  messages: EnvelopeMessage[];
  /** The form as sent (its `value` holds the hidden and immutable fields too). */
  raw: IdxForm;
}

export interface Envelope {
  stateHandle?: string | undefined;
  expiresAt?: string | undefined;
  intent?: string | undefined;
  remediations: EnvelopeRemediation[];
  /** The top-level messages (field-level ones are on the remediations). */
  messages: EnvelopeMessage[];
  /**
   * Every action under the name the Okta clients give it (docs/protocol/idx-protocol.md §6.6): top-level
   * forms by their name (`cancel`), members of `{type: 'object'}` values as `<field>-<member>`
   * (`currentAuthenticatorEnrollment-resend`).
   */
  actions: Map<string, EnvelopeAction>;
  /** The top-level form named `cancel`: ends the transaction at the server. */
  cancel?: EnvelopeAction | undefined;
  currentAuthenticator?: EnvelopeAuthenticator | undefined;
  currentAuthenticatorEnrollment?: EnvelopeAuthenticator | undefined;
  /** Present while a password is being recovered. */
  recoveryAuthenticator?: EnvelopeAuthenticator | undefined;
  user?: { id: string; identifier: string } | undefined;
  app?: { id: string; label: string } | undefined;
  /** The `interaction_code` of `successWithInteractionCode`: the sign-in succeeded. */
  interactionCode?: string | undefined;
  /** Nothing more can be done: no remediation and no interaction code. */
  terminal: boolean;
  /** The value that was read. */
  raw: unknown;
}
