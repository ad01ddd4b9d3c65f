/**
 * Pages with nothing left to fill in: session expired (with "Back to sign in"), "Flow continued
 * in a new tab", the code to type in the original tab (magic link opened elsewhere), "Account
 * successfully unlocked!" (with "Back to sign in"), and any other message the server ends a
 * transaction with.
 */
import { h } from '../dom.js';
import { banner, heading } from '../form-kit.js';
import { backToSignIn } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

export const OTP_IN_ORIGINAL_TAB = 'idx.enter.otp.in.original.tab';
export const TRANSFERRED = 'idx.transferred.to.new.tab';
export const SESSION_EXPIRED = 'idx.session.expired';
export const LINK_INVALID = 'gh.link.invalid';
/** The end of a self-service unlock (docs/protocol/idx-protocol-2.md §4.4). */
export const UNLOCKED = 'oie.selfservice.unlock_user.success.message';

/** Keys after which going back makes no sense in this tab (Okta's "no back link" list). */
const NO_BACK_LINK = new Set([OTP_IN_ORIGINAL_TAB, TRANSFERRED]);

export function terminalView(ctx: ViewContext): RenderedView {
  const { t, step } = ctx;
  const keys = step.messages.map((m) => m.key);
  const otpMessage = step.messages.find((m) => m.key === OTP_IN_ORIGINAL_TAB);
  if (otpMessage) {
    const code = String(otpMessage.params?.[0] ?? '');
    const head = heading(t.t('gh.otp.title'));
    return {
      el: h(
        'div',
        { class: 'gh-view gh-view--terminal gh-view--otp' },
        head,
        h(
          'p',
          { class: 'gh-text gh-otp' },
          t.t('gh.otp.text'),
          ' ',
          h('strong', { class: 'gh-code', attrs: { 'data-se': 'otp' } }, code),
        ),
        h('p', { class: 'gh-hint' }, t.t('gh.otp.hint')),
      ),
      focus: head.querySelector('h2'),
      errors: [],
      notices: [`${t.t('gh.otp.text')} ${code.split('').join(' ')}`],
    };
  }
  const unlocked = step.messages.find((m) => m.key === UNLOCKED);
  if (unlocked) {
    const head = heading(t.t('account.unlock.unlocked.title'));
    const text = t.message(unlocked);
    return {
      el: h(
        'div',
        { class: 'gh-view gh-view--terminal gh-view--unlocked' },
        h('div', { class: 'gh-check', attrs: { 'aria-hidden': 'true' } }),
        head,
        h('p', { class: 'gh-text' }, text),
        h('div', { class: 'gh-links' }, backToSignIn(ctx)),
      ),
      focus: head.querySelector('h2'),
      errors: [],
      notices: [`${t.t('account.unlock.unlocked.title')} ${text}`],
    };
  }
  if (keys.includes(TRANSFERRED)) {
    const head = heading(t.t('gh.transferred.title'));
    return {
      el: h(
        'div',
        { class: 'gh-view gh-view--terminal gh-view--transferred' },
        head,
        h('p', { class: 'gh-text' }, t.t('gh.transferred.text')),
        // The flow goes on in the other tab; this one can only go on to the app (same browser:
        // signed in there once the other tab is done).
        ctx.homeUri
          ? h(
              'div',
              { class: 'gh-links' },
              h(
                'a',
                { class: 'gh-link gh-link--home', attrs: { href: ctx.homeUri, 'data-se': 'home' } },
                t.t('gh.transferred.home'),
              ),
            )
          : null,
      ),
      focus: head.querySelector('h2'),
      errors: [],
      notices: [t.t('gh.transferred.title')],
    };
  }
  const expired = keys.includes(SESSION_EXPIRED);
  const messages = step.messages.map((m) => ({ text: t.message(m), level: m.level }));
  const bannerEl = banner(messages);
  const head = heading(expired ? t.t('gh.expired.title') : step.app?.label || t.t('gh.terminal.title'));
  const back = keys.some((k) => k && NO_BACK_LINK.has(k)) ? null : backToSignIn(ctx);
  return {
    el: h(
      'div',
      { class: `gh-view gh-view--terminal${expired ? ' gh-view--expired' : ''}` },
      head,
      bannerEl,
      back ? h('div', { class: 'gh-links' }, back) : null,
    ),
    focus: head.querySelector('h2'),
    firstError: bannerEl,
    errors: messages.filter((m) => m.level !== 'info').map((m) => m.text),
    notices: messages.filter((m) => m.level === 'info').map((m) => m.text),
  };
}

export function successView(ctx: ViewContext, done: boolean): RenderedView {
  const { t } = ctx;
  const head = heading(done ? t.t('gh.success.title') : t.t('oie.success.text.signingIn'));
  return {
    el: h(
      'div',
      {
        class: `gh-view gh-view--success${done ? ' gh-view--done' : ''}`,
        attrs: { 'aria-busy': done ? 'false' : 'true' },
      },
      h('div', { class: done ? 'gh-check' : 'gh-spinner', attrs: { 'aria-hidden': 'true' } }),
      head,
      ctx.step.user?.identifier ? h('p', { class: 'gh-text gh-center' }, ctx.step.user.identifier) : null,
    ),
    focus: head.querySelector('h2'),
    errors: [],
    notices: [done ? t.t('gh.success.title') : t.t('oie.success.text.signingIn')],
  };
}

export function loadingView(ctx: ViewContext): RenderedView {
  const head = heading(ctx.t.t('gh.loading'));
  return {
    el: h(
      'div',
      { class: 'gh-view gh-view--loading', attrs: { 'aria-busy': 'true' } },
      h('div', { class: 'gh-spinner', attrs: { 'aria-hidden': 'true' } }),
      head,
    ),
    errors: [],
  };
}
