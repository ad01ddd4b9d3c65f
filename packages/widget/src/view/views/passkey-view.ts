/**
 * WebAuthn steps (`webauthn`, docs/protocol/idx-protocol-2.md §6): `enroll-authenticator` ("Set up a
 * passkey": the button starts `navigator.credentials.create`) and `challenge-authenticator` ("Verify
 * with your passkey": `navigator.credentials.get` starts on render unless the step came back with
 * an error or the last attempt failed here; "Verify" tries again). What the browser refused
 * (cancelled, already set up, wrong relying party…) is said in the view with the button to retry;
 * what the server refused comes as its messages, and a retry uses the options the step last
 * carried. The inputs are hidden fields a program fills: never text boxes.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { PasskeyError, promptNeedsClick, runPasskeyCeremony } from '../../core/passkeys.js';
import type { Step } from '../../core/step.js';
import { h, replaceChildren, uniqueId } from '../dom.js';
import { banner, heading, primaryButton } from '../form-kit.js';
import { backToSignIn, bannerMessages } from '../form-view.js';
import { otherMethodsLink } from '../other-methods.js';
import { retryCountdown } from '../retry-countdown.js';
import type { RenderedView, ViewContext } from '../view-context.js';

/** `ctx.memory` flag: a ceremony of this step failed in the browser (do not start one by itself). */
const FAILED = 'passkeyFailed';
/** `ctx.memory`: the last envelope of this step that carried the ceremony's options. */
const OPTIONS = 'passkeyOptions';

const hasOptions = (step: Step) => {
  const data = step.authenticator?.contextualData;
  return Boolean(data?.activationData || data?.challengeData);
};

export function passkeyView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const enroll = remediation.name === 'enroll-authenticator';
  // A refusal may come without the options (Okta's clients keep the last good answer, as here):
  // a retry uses the ones the step last carried.
  if (hasOptions(step)) ctx.memory[OPTIONS] = step;
  const source = hasOptions(step) ? step : ((ctx.memory[OPTIONS] as Step | undefined) ?? step);
  // The server's refusal may sit on the step or on a hidden credentials field: show each once.
  const seen = new Set<string>();
  const messages = bannerMessages(t, [...step.messages, ...remediation.messages], []).filter(
    (m) => !seen.has(m.text) && seen.add(m.text),
  );
  const bannerEl = banner(messages);
  const problemId = uniqueId('passkey-problem');
  const problem = h('div', {
    class: 'gh-banner gh-banner--error gh-passkey-problem',
    attrs: { id: problemId, role: 'alert', hidden: true, tabindex: '-1' },
  });
  const waiting = h('p', { class: 'gh-hint gh-passkey-waiting', attrs: { role: 'status' } });
  const button = primaryButton(t.t(enroll ? 'gh.webauthn.enroll.button' : 'oform.verify'), 'button');
  button.classList.add('gh-button--passkey');
  button.setAttribute('data-se', enroll ? 'passkey-enroll' : 'passkey-verify');
  button.setAttribute('aria-describedby', problemId);
  const countdown = retryCountdown(ctx, [button]);

  const controller = new AbortController();
  let running = false;
  let autoStart: ReturnType<typeof setTimeout> | undefined;
  const start = async () => {
    if (running || controller.signal.aborted || button.disabled) return;
    running = true;
    button.disabled = true;
    problem.hidden = true;
    replaceChildren(problem);
    replaceChildren(waiting, t.t('gh.webauthn.waiting'));
    try {
      const inputs = await runPasskeyCeremony(source, controller.signal);
      if (controller.signal.aborted) return;
      replaceChildren(waiting);
      ctx.submit(remediation, inputs);
    } catch (error) {
      if (controller.signal.aborted) return;
      ctx.memory[FAILED] = true;
      const reason = error instanceof PasskeyError ? error.reason : 'failed';
      replaceChildren(waiting);
      replaceChildren(problem, h('p', null, t.t(`gh.webauthn.error.${reason}`)));
      problem.hidden = false;
      button.disabled = false;
      button.focus();
    } finally {
      running = false;
    }
  };
  button.addEventListener('click', () => void start());

  const hasError = messages.some((m) => m.level === 'error');
  // A challenge starts the browser's prompt at once, as Okta's widget does
  // (docs/protocol/idx-protocol-2.md §6.4), but not again after a refusal (the user reads why,
  // then chooses to retry), nor where the browser wants a click (Safari).
  if (!enroll && !hasError && ctx.memory[FAILED] !== true && !countdown && !promptNeedsClick())
    autoStart = setTimeout(() => void start(), 0);

  let view: RenderedView | undefined;
  const others = otherMethodsLink(ctx, () => view!);
  const head = heading(
    t.t(enroll ? 'gh.webauthn.enroll.title' : 'gh.webauthn.challenge.title'),
    !enroll && step.user?.identifier ? t.t('gh.signing.in.as', [step.user.identifier]) : undefined,
  );
  const el = h(
    'div',
    { class: `gh-view gh-view--passkey${enroll ? ' gh-view--enroll-passkey' : ''}` },
    head,
    bannerEl,
    h('div', { class: 'gh-passkey-icon', attrs: { 'aria-hidden': 'true' } }),
    h('p', { class: 'gh-text' }, t.t(enroll ? 'gh.webauthn.enroll.text' : 'gh.webauthn.challenge.text')),
    problem,
    h('div', { class: 'gh-form', attrs: { 'data-se': remediation.name } }, button, waiting, countdown?.el),
    others || step.cancel
      ? h('div', { class: 'gh-links' }, others, step.cancel ? backToSignIn(ctx) : null)
      : null,
  );
  view = {
    el,
    // A set-up waits for the user's go; a challenge's prompt opens by itself (focus stays readable).
    focus: enroll ? button : head.querySelector('h2'),
    firstError: hasError ? bannerEl : null,
    errors: messages.filter((m) => m.level !== 'info').map((m) => m.text),
    notices: messages.filter((m) => m.level === 'info').map((m) => m.text),
    dispose() {
      if (autoStart) clearTimeout(autoStart);
      controller.abort();
      countdown?.dispose();
    },
  };
  return view;
}
