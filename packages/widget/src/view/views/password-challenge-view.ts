/** `challenge-authenticator` for the password: the password, "Forgot password?", back to sign in. */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { FieldControl, fieldOf, linkButton } from '../form-kit.js';
import { backToSignIn, formView } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

export function passwordChallengeView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const field = fieldOf(remediation, 'credentials.passcode');
  const password = new FieldControl(
    'credentials.passcode',
    t,
    {
      label: t.t('primaryauth.password.placeholder'),
      type: 'password',
      autocomplete: 'current-password',
      revealable: true,
    },
    field?.messages ?? [],
    true,
  );
  const links = [];
  const recover = step.authenticator?.actions.get('recover');
  if (recover) links.push(linkButton(t.t('forgotpassword'), () => ctx.invoke(recover), 'gh-link--forgot'));
  if (step.cancel) links.push(backToSignIn(ctx));
  return formView({
    ctx,
    remediation,
    className: 'gh-view--password',
    title: t.t('oie.password.challenge.title'),
    subtitle: step.user?.identifier ? t.t('gh.signing.in.as', [step.user.identifier]) : undefined,
    controls: [password],
    submitLabel: t.t('oform.verify'),
    links,
  });
}
