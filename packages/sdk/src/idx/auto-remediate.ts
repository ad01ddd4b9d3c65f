import type { IdxResponse } from '@gatehouse/protocol';
import { optionsOf } from './inputs.js';
import { remediationsOf, stepAuthenticator } from './parse-response.js';

/** Values `authenticate` and `recoverPassword` may use along the way, each at most once. */
export interface AutoValues {
  username?: string;
  password?: string;
  authenticator?: string;
  verificationCode?: string;
  newPassword?: string;
}

export interface AutoStep {
  step: string;
  values: Record<string, unknown>;
  uses: Array<keyof AutoValues | 'passwordSelected'>;
}

/**
 * The next remediation the given values answer, or null when the user has to act (a simpler
 * version of auth-js "legacy" auto-remediation): identify with the username (and the password
 * if the form asks for it), pick Password when a password is at hand, answer the password
 * challenge with it, a code challenge with a code, a reset with the new password.
 */
export function planNextStep(
  response: IdxResponse,
  remaining: AutoValues & { passwordSelected?: boolean },
): AutoStep | null {
  for (const form of remediationsOf(response)) {
    const fields = form.value.map((f) => f.name);
    switch (form.name) {
      case 'identify':
      case 'identify-recovery': {
        if (!remaining.username) break;
        const credentials = form.value.find((f) => f.name === 'credentials');
        if (credentials?.required && !remaining.password) break;
        if (credentials && remaining.password)
          return {
            step: form.name,
            values: { username: remaining.username, password: remaining.password },
            uses: ['username', 'password'],
          };
        return { step: form.name, values: { username: remaining.username }, uses: ['username'] };
      }
      case 'select-authenticator-authenticate': {
        const field = form.value.find((f) => f.name === 'authenticator');
        const keys = field ? optionsOf(field, response).map((o) => o.value) : [];
        if (remaining.authenticator && keys.includes(remaining.authenticator))
          return {
            step: form.name,
            values: { authenticator: remaining.authenticator },
            uses: ['authenticator'],
          };
        if (remaining.password && !remaining.passwordSelected && keys.includes('okta_password'))
          return { step: form.name, values: { authenticator: 'okta_password' }, uses: ['passwordSelected'] };
        break;
      }
      case 'challenge-authenticator': {
        const key = stepAuthenticator(form, response)?.key;
        if (key === 'okta_password' && remaining.password)
          return { step: form.name, values: { password: remaining.password }, uses: ['password'] };
        if (key !== 'okta_password' && remaining.verificationCode)
          return {
            step: form.name,
            values: { verificationCode: remaining.verificationCode },
            uses: ['verificationCode'],
          };
        break;
      }
      case 'reset-authenticator':
        if (remaining.newPassword && fields.includes('credentials'))
          return { step: form.name, values: { password: remaining.newPassword }, uses: ['newPassword'] };
        break;
    }
  }
  return null;
}
