/**
 * The wait after a throttled submit (429 with `Retry-After`, see core/retry-wait.ts): the buttons
 * that submit stay disabled while a countdown shows the wait left ("Try again in 42 seconds.", "… in 12 minutes."),
 * then they are enabled again and the countdown says so. Screen readers hear it twice, through a
 * polite live region: when the wait starts and when it is over — not every second.
 */
import { retryWaitOf } from '../core/retry-wait.js';
import { waitInWords } from '../i18n/wait-in-words.js';
import { h, replaceChildren } from './dom.js';
import type { ViewContext } from './view-context.js';

export interface RetryCountdown {
  el: HTMLElement;
  dispose(): void;
}

/** After the shell's own announcements (errors at 100 ms), so the region is in the page first. */
const ANNOUNCE_DELAY_MS = 150;

/** The countdown for `buttons`, or null when the step has no wait running. */
export function retryCountdown(ctx: ViewContext, buttons: HTMLButtonElement[]): RetryCountdown | null {
  const wait = retryWaitOf(ctx.memory);
  const msLeft = () => (wait?.until ?? 0) - ctx.now();
  if (!wait || msLeft() <= 0) return null;
  const { t } = ctx;
  const say = (seconds: number) =>
    seconds <= 0 ? t.t('gh.retry.ready') : t.t('gh.retry.wait', [waitInWords(seconds, t.language)]);
  const shown = h('p', { class: 'gh-hint gh-retry-wait' });
  const status = h('p', {
    class: 'gh-sr-only',
    attrs: { 'aria-live': 'polite', 'aria-atomic': 'true', 'data-se': 'retry-status' },
  });
  const el = h('div', { class: 'gh-retry', attrs: { 'data-se': 'retry-countdown' } }, shown, status);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const ms = msLeft();
    const seconds = Math.ceil(ms / 1000);
    for (const button of buttons) button.disabled = seconds > 0;
    const text = say(seconds);
    if (shown.textContent !== text) replaceChildren(shown, text);
    // Next tick when the shown number changes (the last one exactly when the wait is over).
    if (seconds > 0) timer = setTimeout(tick, ms - (seconds - 1) * 1000);
    else replaceChildren(status, say(0));
  };
  tick();
  let announce: ReturnType<typeof setTimeout> | undefined;
  if (!wait.announced) {
    wait.announced = true;
    announce = setTimeout(() => {
      const seconds = Math.ceil(msLeft() / 1000);
      if (seconds > 0) replaceChildren(status, say(seconds));
    }, ANNOUNCE_DELAY_MS);
  }
  return {
    el,
    dispose() {
      clearTimeout(timer);
      clearTimeout(announce);
    },
  };
}
