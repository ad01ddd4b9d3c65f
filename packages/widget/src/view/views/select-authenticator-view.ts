/**
 * Choosing an authenticator: `select-authenticator-authenticate` ("Verify it's you", or the
 * recovery's "Reset your password") and `select-authenticator-enroll` ("Set up security methods":
 * "Required now", or "Optional" with a Continue button when the server offers `skip`). One button
 * per option, with the authenticator it relates to.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { choiceValue } from '../../core/form-values.js';
import { choiceList, describeChoice } from '../choice-list.js';
import { h } from '../dom.js';
import { banner, heading, kindOf, primaryButton } from '../form-kit.js';
import { backToSignIn, bannerMessages } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

export function selectAuthenticatorView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const enroll = remediation.name === 'select-authenticator-enroll';
  const skip = enroll ? step.remediations.find((r) => r.name === 'skip') : undefined;
  const field = remediation.fields.find((f) => kindOf(f) === 'choice');
  const messages = bannerMessages(t, [...step.messages, ...(field?.messages ?? [])], []);
  const bannerEl = banner(messages);
  const { list, countdown } = choiceList(ctx, {
    name: remediation.name,
    choices: field?.options ?? [],
    action: t.t(enroll ? 'oie.enroll.authenticator.button.text' : 'oie.verify.authenticator.button.text'),
    describe: (choice) =>
      describeChoice(ctx, choice, enroll ? 'gh.authenticator.enroll' : 'gh.authenticator'),
    choose: (choice) => ctx.submit(remediation, { [field!.name]: choiceValue(choice) }),
  });
  const head = enroll
    ? heading(t.t('oie.select.authenticators.enroll.title'), t.t('oie.select.authenticators.enroll.subtitle'))
    : step.recovery
      ? heading(t.t('password.forgot.title'), t.t('oie.select.authenticators.recovery.subtitle'))
      : heading(
          t.t('oie.select.authenticators.verify.title'),
          t.t('oie.select.authenticators.verify.subtitle'),
        );
  // Required vs optional is said only by a sibling `skip` (docs/protocol/idx-protocol-2.md §2.3).
  const listTitle = enroll
    ? h('h3', { class: 'gh-list-title' }, t.t(skip ? 'oie.setup.optional' : 'oie.setup.required.now'))
    : null;
  const skipButton = skip ? primaryButton(t.t('oie.optional.authenticator.button.title'), 'button') : null;
  if (skip) skipButton?.addEventListener('click', () => ctx.submit(skip, {}));
  const el = h(
    'div',
    { class: `gh-view gh-view--select${enroll ? ' gh-view--enroll-select' : ''}` },
    head,
    bannerEl,
    listTitle,
    list,
    countdown?.el,
    skip
      ? h(
          'div',
          { class: 'gh-skip' },
          h('p', { class: 'gh-hint' }, t.t('gh.setup.optional.hint')),
          skipButton,
        )
      : null,
    step.cancel ? h('div', { class: 'gh-links' }, backToSignIn(ctx)) : null,
  );
  return {
    el,
    focus: list.querySelector('button') ?? head.querySelector('h2'),
    firstError: messages.length ? bannerEl : null,
    errors: messages.filter((m) => m.level !== 'info').map((m) => m.text),
    notices: messages.filter((m) => m.level === 'info').map((m) => m.text),
    dispose: countdown?.dispose,
  };
}
