/**
 * The variables email templates may use, Okta-compatible names first. A template that references
 * anything else (or calls a method) is refused when it is set, so templates cannot reach into the
 * runtime (docs/security.md L1).
 */
export const TEMPLATE_VARIABLES = [
  'oneTimePassword',
  'verificationToken',
  'emailAuthenticationLink',
  'resetPasswordLink',
  'verificationLink',
  'registrationEmailVerificationLink',
  'unlockAccountLink',
  'recoveryToken',
  'signInLink',
  'expiresInMinutes',
  'user.profile.firstName',
  'user.profile.lastName',
  'user.profile.login',
  'user.profile.email',
  'org.name',
  'app.name',
  'request.relayState',
  'request.browser',
  'request.operatingSystem',
  'request.ipAddress',
  'request.location',
  'request.date',
  'request.time',
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** Values for one email, flat by variable name. Missing values render as empty text. */
export type TemplateValues = Partial<Record<TemplateVariable, string>>;

/** Builds the nested context Velocity reads (`$user.profile.firstName`), with no prototypes. */
export function templateContext(values: TemplateValues): Record<string, unknown> {
  const root: Record<string, unknown> = Object.create(null);
  for (const name of TEMPLATE_VARIABLES) {
    const parts = name.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= Object.create(null);
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = values[name] ?? '';
  }
  return root;
}
