/**
 * Wire shapes of the IDX protocol (Okta Identity Engine v1, "ion" over JSON) as the real
 * `@okta/okta-auth-js` and `@okta/okta-signin-widget` clients read them.
 * See docs/protocol/idx-protocol.md §6–§7 for what each member means to the clients.
 */

export const IDX_VERSION = '1.0.0';
/** Content type of every IDX response: the clients only parse bodies whose type contains `application/json`. */
export const IDX_RESPONSE_CONTENT_TYPE = 'application/json; okta-version=1.0.0; charset=utf-8';
/** Value advertised in each form's `accepts`; the clients send it back as `Accept`. */
export const IDX_ACCEPTS = 'application/json; okta-version=1.0.0';
export const IDX_PRODUCES = 'application/ion+json; okta-version=1.0.0';
/** Request content type the clients use for `/idp/idx/introspect`. */
export const ION_CONTENT_TYPE = 'application/ion+json';

export const Remediation = {
  identify: 'identify',
  identifyRecovery: 'identify-recovery',
  selectAuthenticatorAuthenticate: 'select-authenticator-authenticate',
  challengeAuthenticator: 'challenge-authenticator',
  resetAuthenticator: 'reset-authenticator',
  selectEnrollProfile: 'select-enroll-profile',
  enrollProfile: 'enroll-profile',
  selectIdentify: 'select-identify',
  selectAuthenticatorEnroll: 'select-authenticator-enroll',
  enrollAuthenticator: 'enroll-authenticator',
  skip: 'skip',
  unlockAccount: 'unlock-account',
  selectAuthenticatorUnlockAccount: 'select-authenticator-unlock-account',
} as const;
export type RemediationName = (typeof Remediation)[keyof typeof Remediation];

/** `key` values the clients branch on to pick an authenticator view or handler. */
export const AuthenticatorKey = {
  password: 'okta_password',
  email: 'okta_email',
} as const;
export type AuthenticatorKeyValue = (typeof AuthenticatorKey)[keyof typeof AuthenticatorKey];

export type IdxMessageClass = 'ERROR' | 'INFO' | 'WARNING';

export interface IdxMessage {
  message: string;
  i18n: { key: string; params?: unknown[] };
  class: IdxMessageClass;
}

export interface IdxArray<T> {
  type: 'array';
  value: T[];
}

export interface IdxObject<T> {
  type: 'object';
  value: T;
}

export interface IdxOption {
  label: string;
  value: unknown;
  relatesTo?: string;
}

export interface IdxField {
  name: string;
  label?: string;
  type?: 'string' | 'boolean' | 'object' | 'number';
  required?: boolean;
  secret?: boolean;
  visible?: boolean;
  mutable?: boolean;
  value?: unknown;
  options?: IdxOption[];
  form?: { value: IdxField[] };
  messages?: IdxArray<IdxMessage>;
  minLength?: number;
  maxLength?: number;
  /** Show `label` as is (Okta's widget otherwise translates the labels of base profile attributes). */
  customLabel?: boolean;
}

/** A remediation or an action: something the client can POST to. */
export interface IdxForm {
  rel: ['create-form'];
  name: string;
  relatesTo?: string[];
  href: string;
  method: 'POST';
  produces?: string;
  accepts: string;
  refresh?: number;
  value: IdxField[];
}

export interface IdxPasswordComplexity {
  minLength: number;
  minLowerCase: number;
  minUpperCase: number;
  minNumber: number;
  minSymbol: number;
  excludeUsername: boolean;
  excludeAttributes: string[];
}

export interface IdxAuthenticator {
  type: string;
  key: string;
  id: string;
  displayName: string;
  methods: { type: string }[];
  profile?: Record<string, string>;
  settings?: {
    complexity?: IdxPasswordComplexity;
    age?: { minAgeMinutes: number; historyCount: number };
    /** Gatehouse's own: the lowest zxcvbn strength score (1–4) a new password must reach. */
    strength?: { minScore: number };
  };
  contextualData?: Record<string, unknown>;
  /** A public-key credential enrollment: its credential id (base64url) and transports. */
  credentialId?: string;
  transports?: string[];
  recover?: IdxForm;
  resend?: IdxForm;
  poll?: IdxForm;
}

export interface IdxUser {
  id: string;
  identifier: string;
}

export interface IdxApp {
  name: string;
  label: string;
  id: string;
}

export type IdxIntent = 'LOGIN' | 'RECOVERY';

/** The envelope of every IDX response. */
export interface IdxResponse {
  version: typeof IDX_VERSION;
  stateHandle?: string;
  expiresAt?: string;
  intent?: IdxIntent;
  remediation?: IdxArray<IdxForm>;
  messages?: IdxArray<IdxMessage>;
  currentAuthenticator?: IdxObject<IdxAuthenticator>;
  currentAuthenticatorEnrollment?: IdxObject<IdxAuthenticator>;
  authenticators?: IdxArray<IdxAuthenticator>;
  authenticatorEnrollments?: IdxArray<IdxAuthenticator>;
  recoveryAuthenticator?: IdxObject<IdxAuthenticator>;
  user?: IdxObject<IdxUser>;
  app?: IdxObject<IdxApp>;
  cancel?: IdxForm;
  successWithInteractionCode?: IdxForm;
  /** While an authenticator is set up: the same object as `currentAuthenticator` (Okta's widget reads password settings here). */
  enrollmentAuthenticator?: IdxObject<IdxAuthenticator>;
}

/** Request bodies the clients send (unknown keys are ignored by the server). */
export interface IdxIntrospectRequest {
  interactionHandle?: string;
  stateToken?: string;
  stateHandle?: string;
}

export interface IdxIdentifyRequest {
  stateHandle: string;
  identifier: string;
  credentials?: { passcode?: string };
  rememberMe?: boolean;
}

export interface IdxChallengeRequest {
  stateHandle: string;
  authenticator: { id: string; methodType?: string; enrollmentId?: string };
}

export interface IdxAnswerRequest {
  stateHandle: string;
  credentials: { passcode: string; revokeSessions?: boolean };
}

export interface IdxStateHandleRequest {
  stateHandle: string;
}
