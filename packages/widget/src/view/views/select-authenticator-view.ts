/** `select-authenticator-authenticate`: one button per option, with the authenticator it relates to. */
import type { EnvelopeOption, EnvelopeRemediation } from '@gatehouse/protocol';
import { choiceValue } from '../../core/form-values.js';
import { h } from '../dom.js';
import { banner, heading, kindOf } from '../form-kit.js';
import { backToSignIn, bannerMessages } from '../form-view.js';
import { retryCountdown } from '../retry-countdown.js';
import type { RenderedView, ViewContext } from '../view-context.js';

function description(ctx: ViewContext, choice: EnvelopeOption): string | null {
  const authenticator = choice.authenticator;
  if (!authenticator) return null;
  if (authenticator.profile?.email) return authenticator.profile.email;
  const key = `gh.authenticator.${authenticator.type}.description`;
  return ctx.t.has(key) ? ctx.t.t(key) : null;
}

export function selectAuthenticatorView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const field = remediation.fields.find((f) => kindOf(f) === 'choice');
  const choices = field?.options ?? [];
  const messages = bannerMessages(t, [...step.messages, ...(field?.messages ?? [])], []);
  const bannerEl = banner(messages);
  const buttons = choices.map((choice) => {
    const text = description(ctx, choice);
    const type = choice.authenticator?.type ?? 'other';
    return h(
      'li',
      null,
      h(
        'button',
        {
          class: `gh-choice gh-choice--${type.replace(/[^a-z0-9_-]/gi, '')}`,
          attrs: { type: 'button', 'data-se': `choice-${choice.authenticator?.key ?? choice.label}` },
          on: { click: () => ctx.submit(remediation, { [field!.name]: choiceValue(choice) }) },
        },
        h(
          'span',
          { class: 'gh-choice-icon', attrs: { 'aria-hidden': 'true' } },
          choice.label.slice(0, 1).toUpperCase(),
        ),
        h(
          'span',
          { class: 'gh-choice-text' },
          h('span', { class: 'gh-choice-label' }, choice.label),
          text ? h('span', { class: 'gh-choice-description' }, text) : null,
        ),
        h(
          'span',
          { class: 'gh-choice-action', attrs: { 'aria-hidden': 'true' } },
          t.t('oie.verify.authenticator.button.text'),
        ),
      ),
    );
  });
  const head = step.recovery
    ? heading(t.t('password.forgot.title'), t.t('oie.select.authenticators.recovery.subtitle'))
    : heading(
        t.t('oie.select.authenticators.verify.title'),
        t.t('oie.select.authenticators.verify.subtitle'),
      );
  const list = h('ul', { class: 'gh-choices', attrs: { 'data-se': remediation.name } }, buttons);
  // A throttled choice (429 with Retry-After) holds every choice until the wait is over.
  const countdown = retryCountdown(ctx, [...list.querySelectorAll('button')]);
  const el = h(
    'div',
    { class: 'gh-view gh-view--select' },
    head,
    bannerEl,
    list,
    countdown?.el,
    step.cancel ? h('div', { class: 'gh-links' }, backToSignIn(ctx)) : null,
  );
  return {
    el,
    focus: list.querySelector('button') ?? head.querySelector('h2'),
    firstError: messages.length ? bannerEl : null,
    errors: messages.filter((m) => m.level !== 'info').map((m) => m.text),
    dispose: countdown?.dispose,
  };
}
