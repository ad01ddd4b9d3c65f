/**
 * `select-authenticator-unlock-account`: "Unlock account" — the username and the authenticator
 * that gets the code, in one form (docs/protocol/idx-protocol-2.md §4.2). Choosing an authenticator
 * submits the form; a blank username is refused first, on its field.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { choiceValue } from '../../core/form-values.js';
import { choiceList, describeChoice } from '../choice-list.js';
import { h } from '../dom.js';
import { banner, FieldControl, fieldOf, heading, kindOf } from '../form-kit.js';
import { backToSignIn, bannerMessages } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

export function unlockAccountView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const identifier = fieldOf(remediation, 'identifier');
  const username = new FieldControl(
    'identifier',
    t,
    { label: t.t('primaryauth.username.placeholder'), autocomplete: 'username' },
    identifier?.messages ?? [],
    true,
  );
  // The same form back (an error, a throttled choice) keeps what was typed.
  const typed = (ctx.memory.lastInputs as Record<string, unknown> | undefined)?.identifier;
  if (typeof typed === 'string') username.input.value = typed;
  const field = remediation.fields.find((f) => kindOf(f) === 'choice');
  const messages = bannerMessages(t, [...step.messages, ...(field?.messages ?? [])], [username]);
  const bannerEl = banner(messages);
  const choices = field?.options ?? [];
  const { list, countdown } = choiceList(ctx, {
    name: remediation.name,
    choices,
    action: t.t('oie.verify.authenticator.button.text'),
    describe: (choice) => describeChoice(ctx, choice, 'gh.authenticator'),
    choose(choice) {
      if (username.value().trim() === '') {
        username.setError(t.t('model.validation.field.blank'));
        username.input.focus();
        return;
      }
      username.setError(null);
      ctx.submit(remediation, { identifier: username.value(), [field!.name]: choiceValue(choice) });
    },
  });
  const form = h(
    'form',
    { class: 'gh-form', attrs: { novalidate: true, 'data-se': remediation.name } },
    username.el,
    list,
  );
  // Enter in the username field: the only authenticator is the choice; with several, pick one.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const buttons = list.querySelectorAll('button');
    if (choices.length === 1) buttons[0]?.click();
    else buttons[0]?.focus();
  });
  const head = heading(t.t('account.unlock.title'), t.t('gh.unlock.subtitle'));
  const el = h(
    'div',
    { class: 'gh-view gh-view--unlock' },
    head,
    bannerEl,
    form,
    countdown?.el,
    step.cancel ? h('div', { class: 'gh-links' }, backToSignIn(ctx)) : null,
  );
  return {
    el,
    focus: username.input,
    firstError: username.hasError() ? username.input : messages.length ? bannerEl : null,
    errors: messages.filter((m) => m.level !== 'info').map((m) => m.text),
    notices: messages.filter((m) => m.level === 'info').map((m) => m.text),
    dispose: countdown?.dispose,
  };
}
