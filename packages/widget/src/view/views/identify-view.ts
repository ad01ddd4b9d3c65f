/**
 * `identify` (username, and the password for one-step sign-in, with "Forgot password?",
 * "Unlock account?" and "Sign up" when the server offers them) and `identify-recovery`.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { type Child, h } from '../dom.js';
import { CheckboxControl, type Control, FieldControl, fieldOf, kindOf, linkButton } from '../form-kit.js';
import { backToSignIn, formView } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

export function identifyView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const recovery = remediation.name === 'identify-recovery';
  const controls: Control[] = [];
  const identifier = fieldOf(remediation, 'identifier');
  const password = fieldOf(remediation, 'credentials.passcode');
  const remember = fieldOf(remediation, 'rememberMe');
  if (identifier) {
    const control = new FieldControl(
      'identifier',
      t,
      { label: t.t('primaryauth.username.placeholder'), autocomplete: 'username' },
      identifier.messages,
      true,
    );
    const known = typeof identifier.value === 'string' ? identifier.value : step.user?.identifier;
    if (known) control.input.value = known;
    controls.push(control);
  }
  if (password) {
    controls.push(
      new FieldControl(
        'credentials.passcode',
        t,
        {
          label: t.t('primaryauth.password.placeholder'),
          type: 'password',
          autocomplete: 'current-password',
          revealable: true,
        },
        password.messages,
        true,
      ),
    );
  }
  if (remember) controls.push(new CheckboxControl('rememberMe', t.t('remember'), remember.value === true));
  // Any other field the server adds is rendered generically rather than dropped.
  for (const field of remediation.fields) {
    if (['identifier', 'credentials.passcode', 'rememberMe'].includes(field.name)) continue;
    controls.push(
      new FieldControl(
        field.name,
        t,
        { label: field.label ?? field.name, type: kindOf(field) === 'secret' ? 'password' : 'text' },
        field.messages,
        field.required === true,
      ),
    );
  }
  const links: Child[] = [];
  const recover = step.authenticator?.actions.get('recover');
  if (!recovery && password && recover)
    links.push(linkButton(t.t('forgotpassword'), () => ctx.invoke(recover), 'gh-link--forgot'));
  // What else the server offers from here (docs/protocol/idx-protocol-2.md §3.1, §4.1).
  const offered = (name: string) => (recovery ? undefined : step.remediations.find((r) => r.name === name));
  const unlock = offered('unlock-account');
  if (unlock) links.push(linkButton(t.t('unlockaccount'), () => ctx.submit(unlock, {}), 'gh-link--unlock'));
  const signUp = offered('select-enroll-profile');
  if (signUp)
    links.push(
      h(
        'p',
        { class: 'gh-sign-up' },
        t.t('registration.signup.label'),
        ' ',
        linkButton(t.t('registration.signup.text'), () => ctx.submit(signUp, {}), 'gh-link--sign-up'),
      ),
    );
  if (recovery) links.push(backToSignIn(ctx));
  return formView({
    ctx,
    remediation,
    className: recovery ? 'gh-view--identify-recovery' : 'gh-view--identify',
    title: recovery ? t.t('password.forgot.title') : t.t('primaryauth.title'),
    subtitle: recovery ? t.t('password.forgot.subtitle') : undefined,
    controls,
    submitLabel: recovery
      ? t.t('password.forgot.submit')
      : password
        ? t.t('primaryauth.submit')
        : t.t('oform.next'),
    links,
  });
}
