import { type IdxResponse, readEnvelope } from '@gatehouse/protocol';
import { optionsOf } from './inputs.js';
import { buildBody } from './request-body.js';

/**
 * Values the high-level calls (`authenticate`, `recoverPassword`, `register`, `unlockAccount`)
 * may use along the way, each at most once; a sign-up's profile attributes by name.
 */
export interface AutoValues {
  username?: string;
  password?: string;
  authenticator?: string;
  verificationCode?: string;
  newPassword?: string;
  [attribute: string]: unknown;
}

export interface AutoStep {
  step: string;
  values: Record<string, unknown>;
  uses: string[];
}

/**
 * The next remediation the given values answer, or null when the user has to act (a simpler
 * version of auth-js "legacy" auto-remediation): identify with the username (and the password
 * if the form asks for it), pick the named authenticator (or Password when a password is at hand)
 * to verify or to set up, answer a password with the password and a code with a code, a reset
 * with the new password, and any other form (a sign-up's profile, the unlock form) once every
 * input it requires has a value.
 */
export function planNextStep(
  response: IdxResponse,
  remaining: AutoValues & { passwordSelected?: boolean },
): AutoStep | null {
  for (const remediation of readEnvelope(response).remediations) {
    const step = remediation.name;
    const fields = remediation.raw.value;
    switch (step) {
      case 'identify':
      case 'identify-recovery': {
        if (!remaining.username) break;
        const credentials = fields.find((f) => f.name === 'credentials');
        if (credentials?.required && !remaining.password) break;
        if (credentials && remaining.password)
          return {
            step,
            values: { username: remaining.username, password: remaining.password },
            uses: ['username', 'password'],
          };
        return { step, values: { username: remaining.username }, uses: ['username'] };
      }
      case 'select-authenticator-authenticate':
      case 'select-authenticator-enroll': {
        const field = remediation.fields.find((f) => f.name === 'authenticator');
        const keys = field ? optionsOf(field).map((o) => o.value) : [];
        if (remaining.authenticator && keys.includes(remaining.authenticator))
          return {
            step,
            values: { authenticator: remaining.authenticator },
            uses: ['authenticator'],
          };
        if (remaining.password && !remaining.passwordSelected && keys.includes('okta_password'))
          return { step, values: { authenticator: 'okta_password' }, uses: ['passwordSelected'] };
        break;
      }
      case 'challenge-authenticator':
      case 'enroll-authenticator': {
        const key = remediation.authenticator?.key;
        if (key === 'okta_password' && remaining.password)
          return { step, values: { password: remaining.password }, uses: ['password'] };
        if (key !== 'okta_password' && remaining.verificationCode)
          return {
            step,
            values: { verificationCode: remaining.verificationCode },
            uses: ['verificationCode'],
          };
        break;
      }
      case 'reset-authenticator':
        if (remaining.newPassword && fields.some((f) => f.name === 'credentials'))
          return { step, values: { password: remaining.newPassword }, uses: ['newPassword'] };
        break;
      default: {
        const { missing, used } = buildBody(remediation, remaining);
        if (!missing.length && used.length) return { step, values: { ...remaining }, uses: used };
      }
    }
  }
  return null;
}
