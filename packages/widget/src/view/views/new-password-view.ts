/**
 * A password to choose, with a live checklist of the server's rules, typed twice: the new password
 * of a recovery (`reset-authenticator`) or the password a sign-up sets up (`enroll-authenticator`
 * for `okta_password`).
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { h, replaceChildren, uniqueId } from '../dom.js';
import { FieldControl, fieldOf } from '../form-kit.js';
import { backToSignIn, formView } from '../form-view.js';
import { passwordRules } from '../password-rules.js';
import type { RenderedView, ViewContext } from '../view-context.js';

/** The words of each purpose: [title, subtitle with {0} = the user, password label, submit, class]. */
const WORDS = {
  reset: ['gh.reset.title', 'gh.reset.subtitle', 'gh.reset.new.label', 'password.reset', 'gh-view--reset'],
  enroll: [
    'gh.password.enroll.title',
    'gh.password.enroll.subtitle',
    'primaryauth.password.placeholder',
    'oform.next',
    'gh-view--enroll-password',
  ],
} as const;

export function newPasswordView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const enroll = remediation.name === 'enroll-authenticator';
  const [title, subtitle, label, submit, className] = WORDS[enroll ? 'enroll' : 'reset'];
  const field = fieldOf(remediation, 'credentials.passcode');
  const authenticator = remediation.authenticator ?? step.authenticator;
  // A new account has no previous passwords: the history rule says nothing at sign-up.
  const rules = passwordRules(authenticator?.settings ?? {}, step.user?.identifier).filter(
    (rule) => !enroll || rule.key !== 'password.complexity.history',
  );
  const checklistId = uniqueId('rules');
  const password = new FieldControl(
    'credentials.passcode',
    t,
    { label: t.t(label), type: 'password', autocomplete: 'new-password', revealable: true },
    field?.messages ?? [],
    true,
  );
  const confirm = new FieldControl(
    'confirmPassword',
    t,
    { label: t.t('password.confirmPassword.placeholder'), type: 'password', autocomplete: 'new-password' },
    [],
    true,
  );
  const items = rules.map((rule) => {
    const state = h('span', { class: 'gh-sr-only' });
    const item = h(
      'li',
      { class: 'gh-rule' },
      h('span', { class: 'gh-rule-mark', attrs: { 'aria-hidden': 'true' } }),
      t.t(rule.key, rule.params),
      state,
    );
    return { rule, item, state };
  });
  const update = () => {
    const value = password.value();
    for (const { rule, item, state } of items) {
      if (!rule.test) continue;
      // Nothing typed yet: nothing is met (not even "no parts of your username").
      const met = value !== '' && rule.test(value);
      item.classList.toggle('gh-rule--met', met);
      replaceChildren(state, ` (${t.t(met ? 'gh.requirement.met' : 'gh.requirement.unmet')})`);
    }
  };
  password.input.addEventListener('input', update);
  update();
  const checklist = rules.length
    ? h(
        'div',
        { class: 'gh-rules', attrs: { id: checklistId } },
        h('p', { class: 'gh-rules-title' }, t.t('password.complexity.requirements.header')),
        h(
          'ul',
          null,
          items.map((i) => i.item),
        ),
      )
    : null;
  if (checklist) password.describeWith(checklistId);
  // The checklist sits between the two inputs, under the password it describes.
  const controls = [password, confirm];
  const view = formView({
    ctx,
    remediation,
    className,
    title: t.t(title),
    subtitle: step.user?.identifier ? t.t(subtitle, [step.user.identifier]) : undefined,
    controls,
    submitLabel: t.t(submit),
    links: step.cancel ? [backToSignIn(ctx)] : [],
    validate: () => {
      const unmet = items.filter(({ rule }) => rule.test && !rule.test(password.value()));
      if (unmet.length) {
        password.setError(
          t.t('password.passwordRequirementsNotMet', [
            unmet.map((u) => t.t(u.rule.key, u.rule.params)).join(', '),
          ]),
        );
        return password;
      }
      if (confirm.value() !== password.value()) {
        confirm.setError(t.t('password.error.match'));
        return confirm;
      }
      return null;
    },
  });
  if (checklist) password.el.after(checklist);
  return view;
}
