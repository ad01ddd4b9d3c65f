/**
 * `challenge-authenticator` for an authenticator app (`google_otp`, docs/protocol/idx-protocol-2.md
 * §5.3): the code the app shows now. A wrong or already used code comes back on the input.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { FieldControl, fieldOf } from '../form-kit.js';
import { backToSignIn, formView } from '../form-view.js';
import { otherMethodsLink } from '../other-methods.js';
import type { RenderedView, ViewContext } from '../view-context.js';

export function totpChallengeView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const field = fieldOf(remediation, 'credentials.passcode');
  const code = new FieldControl(
    'credentials.passcode',
    t,
    { label: t.t('gh.totp.code.label'), autocomplete: 'one-time-code', inputmode: 'numeric' },
    field?.messages ?? [],
    true,
  );
  let view: RenderedView | undefined;
  const others = otherMethodsLink(ctx, () => view!);
  view = formView({
    ctx,
    remediation,
    className: 'gh-view--totp',
    title: t.t('gh.totp.challenge.title'),
    subtitle: step.user?.identifier ? t.t('gh.signing.in.as', [step.user.identifier]) : undefined,
    controls: [code],
    submitLabel: t.t('oform.verify'),
    links: [others, step.cancel ? backToSignIn(ctx) : null].filter((link) => link !== null),
  });
  // A refused code is not put back in the input: the next attempt needs the app's next one.
  if (code.hasError()) code.input.value = '';
  return view;
}
