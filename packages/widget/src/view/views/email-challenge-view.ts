/**
 * The email code: `challenge-authenticator` for email ("Check your email" with the masked
 * address, the link as the main path and "Enter a code instead" revealing the code input) and a
 * sign-up's `enroll-authenticator` for email ("Verify your email address", the code input shown at
 * once, as Okta's widget does when the server does not say `useEmailMagicLink`); "Send again"
 * after a countdown, back to sign in. Polling is the flow driver's job.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { h, replaceChildren } from '../dom.js';
import { FieldControl, fieldOf, linkButton, withNode } from '../form-kit.js';
import { backToSignIn, formView } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

export function emailChallengeView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const authenticator = remediation.authenticator ?? step.authenticator;
  const field = fieldOf(remediation, 'credentials.passcode');
  const code = new FieldControl(
    'credentials.passcode',
    t,
    { label: t.t('email.code.label'), autocomplete: 'one-time-code', inputmode: 'numeric' },
    field?.messages ?? [],
    true,
  );
  const enroll = remediation.name === 'enroll-authenticator';
  const useLink = authenticator?.contextualData?.useEmailMagicLink;
  const linkFirst = enroll ? useLink === true : useLink !== false;
  const revealed = !linkFirst || code.hasError() || ctx.memory.codeRevealed === true;

  // A new address is not masked: the user just typed it (the server sends it as the identifier).
  const email = authenticator?.profile?.email ?? (enroll ? step.user?.identifier : undefined);
  const intro = [
    h(
      'p',
      { class: 'gh-text' },
      email ? withNode(t.t('gh.email.sent.to', ['{0}']), h('strong', null, email)) : t.t('gh.email.sent'),
    ),
    h('p', { class: 'gh-text' }, t.t(enroll ? 'gh.email.enroll.instructions' : 'gh.email.instructions')),
  ];

  const links: HTMLElement[] = [];
  let dispose: (() => void) | undefined;
  const resend = authenticator?.actions.get('resend');
  if (resend) {
    const button = h('button', { class: 'gh-link gh-link--resend', attrs: { type: 'button' } });
    button.addEventListener('click', () => ctx.invoke(resend));
    const update = () => {
      const wait = Math.ceil((ctx.resendAvailableAt - ctx.now()) / 1000);
      button.disabled = wait > 0;
      replaceChildren(button, wait > 0 ? t.t('gh.email.resend.wait', [wait]) : t.t('email.button.resend'));
      return wait > 0;
    };
    if (update()) {
      const timer = setInterval(() => {
        if (!update()) clearInterval(timer);
      }, 1000);
      dispose = () => clearInterval(timer);
    }
    links.push(h('p', { class: 'gh-resend' }, h('span', null, t.t('email.code.not.received')), ' ', button));
  }
  if (step.cancel) links.push(backToSignIn(ctx));

  const view = formView({
    ctx,
    remediation,
    className: enroll ? 'gh-view--email gh-view--enroll-email' : 'gh-view--email',
    title: t.t(enroll ? 'gh.email.enroll.title' : 'gh.email.title'),
    intro,
    controls: [code],
    submitLabel: t.t('oform.verify'),
    links,
    formHidden: !revealed,
    focus: revealed ? code.input : undefined,
  });
  if (!revealed) {
    const formId = `${code.input.id}-form`;
    view.form.id = formId;
    const reveal = linkButton(
      t.t('gh.email.code.instead'),
      () => {
        ctx.memory.codeRevealed = true;
        view.form.hidden = false;
        reveal.remove();
        code.input.focus();
      },
      'gh-link--reveal',
    );
    reveal.setAttribute('aria-controls', formId);
    reveal.setAttribute('aria-expanded', 'false');
    view.form.before(reveal);
    view.focus = view.el.querySelector('h2');
  }
  const formDispose = view.dispose;
  view.dispose = () => {
    formDispose?.();
    dispose?.();
  };
  return view;
}
